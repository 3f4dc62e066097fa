"""CRM contacts CRUD through the official Python SDK."""

import json

import pytest
from hubspot import HubSpot
from hubspot.crm.contacts import (
    ApiException,
    SimplePublicObjectInput,
    SimplePublicObjectInputForCreate,
)


def create(client, **properties):
    return client.crm.contacts.basic_api.create(
        simple_public_object_input_for_create=SimplePublicObjectInputForCreate(properties=properties)
    )


def error_body(exc):
    assert exc.headers["content-type"].startswith("application/json")
    return json.loads(exc.body)


def test_create_returns_the_contact(client, unique_email):
    email = unique_email()
    contact = create(client, email=email, firstname="Ada", lastname="Lovelace")
    assert contact.id.isdigit()
    assert contact.properties["email"] == email
    assert contact.properties["firstname"] == "Ada"
    assert contact.properties["hs_object_id"] == contact.id
    assert contact.archived is False
    assert contact.created_at is not None and contact.updated_at is not None


def test_get_by_id_and_by_email(client, unique_email):
    email = unique_email()
    created = create(client, email=email, firstname="Grace")
    by_id = client.crm.contacts.basic_api.get_by_id(contact_id=created.id)
    assert by_id.properties["firstname"] == "Grace"
    by_email = client.crm.contacts.basic_api.get_by_id(contact_id=email.upper(), id_property="email")
    assert by_email.id == created.id


def test_selected_properties_and_history(client, unique_email):
    created = create(client, email=unique_email(), firstname="One", city="Oslo")
    client.crm.contacts.basic_api.update(
        contact_id=created.id,
        simple_public_object_input=SimplePublicObjectInput(properties={"firstname": "Two"}),
    )
    contact = client.crm.contacts.basic_api.get_by_id(
        contact_id=created.id,
        properties=["city", "jobtitle"],
        properties_with_history=["firstname"],
    )
    assert contact.properties["city"] == "Oslo"
    assert contact.properties["jobtitle"] is None
    history = contact.properties_with_history["firstname"]
    assert [v.value for v in history] == ["Two", "One"]
    assert all(v.source_type == "API" for v in history)
    assert history[0].timestamp >= history[1].timestamp


def test_update_and_clear(client, unique_email):
    created = create(client, email=unique_email(), firstname="Before", city="Oslo")
    updated = client.crm.contacts.basic_api.update(
        contact_id=created.id,
        simple_public_object_input=SimplePublicObjectInput(properties={"firstname": "After", "city": ""}),
    )
    assert updated.properties["firstname"] == "After"
    assert "city" not in updated.properties
    again = client.crm.contacts.basic_api.get_by_id(contact_id=created.id, properties=["city"])
    assert again.properties["city"] is None


def test_update_by_email(client, unique_email):
    email = unique_email()
    created = create(client, email=email)
    updated = client.crm.contacts.basic_api.update(
        contact_id=email,
        id_property="email",
        simple_public_object_input=SimplePublicObjectInput(properties={"lastname": "ByEmail"}),
    )
    assert updated.id == created.id
    assert updated.properties["lastname"] == "ByEmail"


def test_archive_then_404(client, unique_email):
    created = create(client, email=unique_email())
    assert client.crm.contacts.basic_api.archive(contact_id=created.id) is None
    with pytest.raises(ApiException) as raised:
        client.crm.contacts.basic_api.get_by_id(contact_id=created.id)
    assert raised.value.status == 404
    assert error_body(raised.value)["category"] == "OBJECT_NOT_FOUND"
    archived = client.crm.contacts.basic_api.get_by_id(contact_id=created.id, archived=True)
    assert archived.archived is True
    assert archived.archived_at is not None


def test_duplicate_email_is_409(client, unique_email):
    email = unique_email()
    first = create(client, email=email)
    with pytest.raises(ApiException) as raised:
        create(client, email=email.upper())
    assert raised.value.status == 409
    body = error_body(raised.value)
    assert body["category"] == "CONFLICT"
    assert body["message"] == f"Contact already exists. Existing ID: {first.id}"


def test_invalid_values_are_400(client):
    with pytest.raises(ApiException) as raised:
        create(client, email="not-an-email", nosuchproperty="x")
    assert raised.value.status == 400
    body = error_body(raised.value)
    assert body["category"] == "VALIDATION_ERROR"
    assert sorted(e["code"] for e in body["errors"]) == ["INVALID_EMAIL", "PROPERTY_DOESNT_EXIST"]


def test_a_bad_token_is_401(base_url):
    stranger = HubSpot(access_token="pat-na1-not-a-real-token", host=base_url)
    with pytest.raises(ApiException) as raised:
        stranger.crm.contacts.basic_api.get_page()
    assert raised.value.status == 401
    assert error_body(raised.value)["category"] == "INVALID_AUTHENTICATION"


def test_paging_walks_every_contact_once(client, unique_email):
    mine = {create(client, email=unique_email("page"), lastname="Pager").id for _ in range(23)}
    seen = []
    after = None
    while True:
        page = client.crm.contacts.basic_api.get_page(limit=7, after=after, properties=["lastname"])
        assert len(page.results) <= 7
        seen.extend(c.id for c in page.results)
        if page.paging is None:
            break
        after = page.paging.next.after
    assert len(seen) == len(set(seen)), "no duplicates"
    assert mine <= set(seen), "none missing"
    assert seen == sorted(seen, key=int), "in id order"


def test_default_page_size_is_ten(client, unique_email):
    for _ in range(11):
        create(client, email=unique_email())
    page = client.crm.contacts.basic_api.get_page()
    assert len(page.results) == 10
    assert page.paging.next.after


def test_archived_listing_holds_only_archived_contacts(client, unique_email):
    gone = create(client, email=unique_email())
    client.crm.contacts.basic_api.archive(contact_id=gone.id)
    page = client.crm.contacts.basic_api.get_page(archived=True, limit=100)
    assert page.results, "at least the one just archived"
    assert all(c.archived for c in page.results)
    assert gone.id in {c.id for c in page.results}


def test_get_all_helper(client, unique_email):
    mine = {create(client, email=unique_email("all")).id for _ in range(5)}
    everyone = client.crm.contacts.get_all(properties=["email"])
    ids = [c.id for c in everyone]
    assert len(ids) == len(set(ids))
    assert mine <= set(ids)


def test_get_all_with_history_pages_by_fifty(client, unique_email):
    for _ in range(3):
        create(client, email=unique_email("hist"), firstname="H")
    everyone = client.crm.contacts.get_all(properties_with_history=["firstname"])
    assert everyone
    assert all(c.properties_with_history is not None for c in everyone)
