"""The legacy Contacts API v1 through hubspot3 (pinned), a widely used
Python client of HubSpot's v1 endpoints, against a fresh Spoke."""

import pytest
from hubspot3.contacts import ContactsClient
from hubspot3.error import HubspotConflict, HubspotNotFound


@pytest.fixture(scope="module")
def legacy(base_url, legacy_token):
    # hubspot3 takes "http://host:port" as its api_base.
    return ContactsClient(access_token=legacy_token, api_base=base_url)


def props(**values):
    return {"properties": [{"property": k, "value": v} for k, v in values.items()]}


def test_create_read_update_delete(legacy, unique_email):
    email = unique_email("v1")
    created = legacy.create(props(email=email, firstname="Ada"))
    vid = created["vid"]
    assert created["canonical-vid"] == vid
    assert created["properties"]["firstname"]["value"] == "Ada"
    assert created["identity-profiles"][0]["identities"][0]["value"] == email

    assert legacy.get_by_id(vid)["vid"] == vid
    assert legacy.get_by_email(email.upper())["vid"] == vid

    # 204: no body.
    assert legacy.update_by_id(vid, props(lastname="Lovelace")) == b""
    assert legacy.update_by_email(email, props(city="London")) == b""
    contact = legacy.get_by_id(vid)
    assert contact["properties"]["lastname"]["value"] == "Lovelace"
    assert contact["properties"]["city"]["value"] == "London"

    with pytest.raises(HubspotConflict):
        legacy.create(props(email=email))

    deleted = legacy.delete_by_id(vid)
    assert deleted == {"vid": vid, "deleted": True, "reason": "OK"}
    with pytest.raises(HubspotNotFound):
        legacy.get_by_id(vid)


def test_create_or_update_by_email(legacy, unique_email):
    email = unique_email("upsert")
    first = legacy.create_or_update_by_email(email, props(firstname="Grace"))
    assert first["isNew"] is True
    again = legacy.create_or_update_by_email(email, props(lastname="Hopper"))
    assert again == {"vid": first["vid"], "isNew": False}
    values = legacy.get_by_id(first["vid"])["properties"]
    assert values["firstname"]["value"] == "Grace"
    assert values["lastname"]["value"] == "Hopper"


def test_get_all_pages_through_every_contact(legacy, unique_email):
    before = {c["id"] for c in legacy.get_all()}
    emails = [unique_email("all") for _ in range(130)]
    vids = [legacy.create_or_update_by_email(e, props(firstname="All"))["vid"] for e in emails]
    everyone = legacy.get_all(extra_properties=["email"])
    ids = [c["id"] for c in everyone]
    assert len(ids) == len(set(ids)), "no contact twice"
    assert set(vids) <= set(ids)
    assert set(ids) == before | set(vids)
    by_id = {c["id"]: c for c in everyone}
    assert by_id[vids[0]]["email"] == emails[0]
    assert legacy.get_batch(vids[:3]) and {c["id"] for c in legacy.get_batch(vids[:3])} == set(vids[:3])


def test_recently_created_and_modified(legacy, unique_email):
    older = legacy.create(props(email=unique_email("recent")))["vid"]
    newer = legacy.create(props(email=unique_email("recent")))["vid"]
    created = [c["vid"] for c in legacy.get_recently_created(limit=2)]
    assert created == [newer, older]
    legacy.update_by_id(older, props(firstname="Touched"))
    modified = [c["vid"] for c in legacy.get_recently_modified(limit=1)]
    assert modified == [older]


def test_search_and_merge(legacy, unique_email):
    marker = "zyxwvut"
    a = legacy.create(props(email=unique_email("merge"), company=f"{marker} Industries"))["vid"]
    b = legacy.create(props(email=unique_email("merge"), lastname=marker))["vid"]
    found = sorted(c["vid"] for c in legacy.search(marker))
    assert found == sorted([a, b])

    assert legacy.merge(a, b) == "SUCCESS"
    merged = legacy.get_by_id(b)
    assert merged["vid"] == a
    assert merged["merged-vids"] == [a, b]
    assert [c["vid"] for c in legacy.search(marker)] == [a]
