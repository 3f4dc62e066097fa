"""Batch operations, merge, GDPR delete and search through the official Python SDK."""

import json
import uuid

import pytest
from hubspot.crm.contacts import (
    ApiException,
    BatchInputSimplePublicObjectBatchInput,
    BatchInputSimplePublicObjectBatchInputForCreate,
    BatchInputSimplePublicObjectBatchInputUpsert,
    BatchInputSimplePublicObjectId,
    BatchReadInputSimplePublicObjectId,
    Filter,
    FilterGroup,
    PublicGdprDeleteInput,
    PublicMergeInput,
    PublicObjectSearchRequest,
    SimplePublicObjectBatchInput,
    SimplePublicObjectBatchInputForCreate,
    SimplePublicObjectBatchInputUpsert,
    SimplePublicObjectId,
    SimplePublicObjectInputForCreate,
)


def tag():
    return uuid.uuid4().hex[:12]


def create_many(client, emails, **extra):
    inputs = [SimplePublicObjectBatchInputForCreate(properties={"email": e, **extra}) for e in emails]
    return client.crm.contacts.batch_api.create(
        batch_input_simple_public_object_batch_input_for_create=BatchInputSimplePublicObjectBatchInputForCreate(
            inputs=inputs
        )
    )


def test_batch_create_read_update_archive(client, unique_email):
    emails = [unique_email("batch") for _ in range(3)]
    created = create_many(client, emails, lastname="Batch")
    assert created.status == "COMPLETE"
    ids = [c.id for c in created.results]
    assert sorted(c.properties["email"] for c in created.results) == sorted(emails)

    read = client.crm.contacts.batch_api.read(
        batch_read_input_simple_public_object_id=BatchReadInputSimplePublicObjectId(
            inputs=[SimplePublicObjectId(id=i) for i in ids] + [SimplePublicObjectId(id="999999")],
            properties=["lastname"],
            properties_with_history=["lastname"],
        )
    )
    assert sorted(c.id for c in read.results) == sorted(ids)
    assert read.num_errors == 1
    error = read.errors[0]
    assert error.category == "OBJECT_NOT_FOUND" and error.context == {"ids": ["999999"]}

    by_email = client.crm.contacts.batch_api.read(
        batch_read_input_simple_public_object_id=BatchReadInputSimplePublicObjectId(
            id_property="email", inputs=[SimplePublicObjectId(id=emails[0].upper())], properties=["email"]
        )
    )
    assert [c.id for c in by_email.results] == [ids[0]]

    updated = client.crm.contacts.batch_api.update(
        batch_input_simple_public_object_batch_input=BatchInputSimplePublicObjectBatchInput(
            inputs=[SimplePublicObjectBatchInput(id=i, properties={"lastname": "Updated"}) for i in ids]
        )
    )
    assert all(c.properties["lastname"] == "Updated" for c in updated.results)

    archived = client.crm.contacts.batch_api.archive(
        batch_input_simple_public_object_id=BatchInputSimplePublicObjectId(inputs=[SimplePublicObjectId(id=ids[0])])
    )
    assert archived is None
    with pytest.raises(ApiException) as raised:
        client.crm.contacts.basic_api.get_by_id(contact_id=ids[0])
    assert raised.value.status == 404


def test_batch_create_conflict_is_409_without_trace_ids(client, unique_email):
    email = unique_email("dup")
    create_many(client, [email])
    with pytest.raises(ApiException) as raised:
        create_many(client, [unique_email("fresh"), email])
    assert raised.value.status == 409
    assert json.loads(raised.value.body)["category"] == "CONFLICT"


def test_batch_create_with_trace_ids_reports_each_input(client, unique_email):
    email = unique_email("dup")
    create_many(client, [email])
    inputs = [
        SimplePublicObjectBatchInputForCreate(properties={"email": unique_email("ok")}, object_write_trace_id="a"),
        SimplePublicObjectBatchInputForCreate(properties={"email": email}, object_write_trace_id="b"),
    ]
    result = client.crm.contacts.batch_api.create(
        batch_input_simple_public_object_batch_input_for_create=BatchInputSimplePublicObjectBatchInputForCreate(
            inputs=inputs
        )
    )
    assert len(result.results) == 1
    assert result.num_errors == 1
    assert result.errors[0].context["objectWriteTraceId"] == ["b"]


def test_batch_upsert_by_email(client, unique_email):
    existing = unique_email("up")
    first = create_many(client, [existing]).results[0]
    new = unique_email("up")
    result = client.crm.contacts.batch_api.upsert(
        batch_input_simple_public_object_batch_input_upsert=BatchInputSimplePublicObjectBatchInputUpsert(
            inputs=[
                SimplePublicObjectBatchInputUpsert(id=existing, id_property="email", properties={"firstname": "Old"}),
                SimplePublicObjectBatchInputUpsert(id=new, id_property="email", properties={"firstname": "New"}),
            ]
        )
    )
    by_email = {c.properties["email"]: c for c in result.results}
    assert by_email[existing].id == first.id and by_email[existing].new is False
    assert by_email[new].new is True


def test_merge(client, unique_email):
    primary = client.crm.contacts.basic_api.create(
        simple_public_object_input_for_create=SimplePublicObjectInputForCreate(
            properties={"email": unique_email("p"), "firstname": "Primary"}
        )
    )
    secondary_email = unique_email("s")
    secondary = client.crm.contacts.basic_api.create(
        simple_public_object_input_for_create=SimplePublicObjectInputForCreate(
            properties={"email": secondary_email, "city": "Oslo"}
        )
    )
    merged = client.crm.contacts.basic_api.merge(
        public_merge_input=PublicMergeInput(primary_object_id=primary.id, object_id_to_merge=secondary.id)
    )
    assert merged.id == primary.id
    assert merged.properties["city"] == "Oslo"
    assert client.crm.contacts.basic_api.get_by_id(contact_id=secondary.id).id == primary.id
    found = client.crm.contacts.basic_api.get_by_id(contact_id=secondary_email, id_property="email")
    assert found.id == primary.id


def test_gdpr_delete(client, unique_email):
    email = unique_email("gdpr")
    contact = create_many(client, [email]).results[0]
    assert client.crm.contacts.basic_api.purge(
        public_gdpr_delete_input=PublicGdprDeleteInput(object_id=email, id_property="email")
    ) is None
    with pytest.raises(ApiException) as raised:
        client.crm.contacts.basic_api.get_by_id(contact_id=contact.id, archived=True)
    assert raised.value.status == 404


def search(client, **kwargs):
    return client.crm.contacts.search_api.do_search(public_object_search_request=PublicObjectSearchRequest(**kwargs))


def test_search_sees_writes_at_once_and_pages(client, unique_email):
    marker = f"Zz{tag()}"
    emails = [unique_email("srch") for _ in range(5)]
    create_many(client, emails, lastname=marker)
    group = FilterGroup(filters=[Filter(property_name="lastname", operator="EQ", value=marker.lower())])
    page = search(client, filter_groups=[group], limit=2, properties=["email", "lastname"])
    assert page.total == 5
    assert len(page.results) == 2
    assert page.results[0].properties["lastname"] == marker
    second = search(client, filter_groups=[group], limit=2, after=page.paging.next.after)
    assert {c.id for c in second.results}.isdisjoint({c.id for c in page.results})


def test_search_operators_sorts_and_query(client, unique_email):
    marker = f"Yy{tag()}"
    emails = [f"{tag()}@{marker.lower()}.example.com" for _ in range(3)]
    create_many(client, emails, lastname=marker, firstname="Query")
    domain = FilterGroup(filters=[Filter(property_name="email", operator="CONTAINS_TOKEN", value=f"*@{marker.lower()}.example.com")])
    assert search(client, filter_groups=[domain]).total == 3
    in_filter = FilterGroup(filters=[Filter(property_name="email", operator="IN", values=emails[:2])])
    assert search(client, filter_groups=[in_filter]).total == 2
    sorted_desc = search(client, filter_groups=[domain], sorts=["-email"], properties=["email"])
    assert [c.properties["email"] for c in sorted_desc.results] == sorted(emails, reverse=True)
    sorted_obj = search(
        client, filter_groups=[domain], sorts=[{"propertyName": "email", "direction": "ASCENDING"}], properties=["email"]
    )
    assert [c.properties["email"] for c in sorted_obj.results] == sorted(emails)
    assert search(client, query=marker).total == 3


def test_search_limits_are_400(client):
    with pytest.raises(ApiException) as raised:
        search(client, limit=201)
    assert raised.value.status == 400
    with pytest.raises(ApiException) as raised:
        search(client, after="10000")
    assert raised.value.status == 400
