"""Properties and property groups through the official Python SDK."""

import json
import uuid

import pytest
from hubspot.crm.properties import (
    ApiException,
    BatchInputPropertyCreate,
    BatchInputPropertyName,
    BatchReadInputPropertyName,
    OptionInput,
    PropertyCreate,
    PropertyGroupCreate,
    PropertyGroupUpdate,
    PropertyName,
    PropertyUpdate,
)
from hubspot.crm.contacts import SimplePublicObjectInputForCreate


def unique(prefix):
    return f"{prefix}_{uuid.uuid4().hex[:10]}"


def text_property(name, **extra):
    return PropertyCreate(
        name=name, label=name, type="string", field_type="text", group_name="contactinformation", **extra
    )


def test_list_holds_the_standard_properties(client):
    results = client.crm.properties.core_api.get_all(object_type="contacts").results
    by_name = {p.name: p for p in results}
    assert by_name["email"].type == "string"
    assert by_name["lifecyclestage"].options[1].value == "lead"
    assert by_name["email"].modification_metadata.read_only_definition is True


def test_create_get_update_archive(client):
    name = unique("tier")
    created = client.crm.properties.core_api.create(
        object_type="contacts",
        property_create=PropertyCreate(
            name=name,
            label="Tier",
            type="enumeration",
            field_type="select",
            group_name="contactinformation",
            options=[OptionInput(label="Gold", value="gold", hidden=False, display_order=0)],
        ),
    )
    assert created.name == name and created.options[0].value == "gold"
    fetched = client.crm.properties.core_api.get_by_name(object_type="0-1", property_name=name)
    assert fetched.label == "Tier"
    updated = client.crm.properties.core_api.update(
        object_type="contact", property_name=name, property_update=PropertyUpdate(label="Customer tier")
    )
    assert updated.label == "Customer tier"
    assert client.crm.properties.core_api.archive(object_type="contacts", property_name=name) is None
    with pytest.raises(ApiException) as raised:
        client.crm.properties.core_api.get_by_name(object_type="contacts", property_name=name)
    assert raised.value.status == 404
    archived = client.crm.properties.core_api.get_all(object_type="contacts", archived=True).results
    assert name in {p.name for p in archived}


def test_duplicate_names_and_bad_definitions(client):
    name = unique("dup")
    client.crm.properties.core_api.create(object_type="contacts", property_create=text_property(name))
    with pytest.raises(ApiException) as raised:
        client.crm.properties.core_api.create(object_type="contacts", property_create=text_property(name))
    assert raised.value.status == 409
    with pytest.raises(ApiException) as raised:
        client.crm.properties.core_api.create(
            object_type="contacts",
            property_create=PropertyCreate(
                name=unique("bad"), label="Bad", type="number", field_type="text", group_name="contactinformation"
            ),
        )
    assert raised.value.status == 400
    body = json.loads(raised.value.body)
    assert body["category"] == "VALIDATION_ERROR"
    assert body["errors"][0]["in"] == "fieldType"


def test_batch_create_read_archive(client):
    names = [unique("b") for _ in range(3)]
    created = client.crm.properties.batch_api.create(
        object_type="contacts",
        batch_input_property_create=BatchInputPropertyCreate(inputs=[text_property(n) for n in names]),
    )
    assert created.status == "COMPLETE"
    assert sorted(p.name for p in created.results) == sorted(names)
    read = client.crm.properties.batch_api.read(
        object_type="contacts",
        batch_read_input_property_name=BatchReadInputPropertyName(
            inputs=[PropertyName(name=n) for n in names] + [PropertyName(name="nope_missing")],
            archived=False,
        ),
    )
    assert sorted(p.name for p in read.results) == sorted(names)
    assert read.num_errors == 1
    assert read.errors[0].category == "OBJECT_NOT_FOUND"
    archived = client.crm.properties.batch_api.archive(
        object_type="contacts",
        batch_input_property_name=BatchInputPropertyName(inputs=[PropertyName(name=n) for n in names]),
    )
    assert archived is None
    remaining = {p.name for p in client.crm.properties.core_api.get_all(object_type="contacts").results}
    assert not remaining & set(names)


def test_batch_create_with_errors_is_207(client):
    good = unique("good")
    result = client.crm.properties.batch_api.create(
        object_type="contacts",
        batch_input_property_create=BatchInputPropertyCreate(inputs=[text_property(good), text_property("email")]),
    )
    assert [p.name for p in result.results] == [good]
    assert result.num_errors == 1
    error = result.errors[0]
    assert error.status == "error" and error.category == "OBJECT_ALREADY_EXISTS"


def test_groups(client):
    name = unique("grp")
    created = client.crm.properties.groups_api.create(
        object_type="contacts", property_group_create=PropertyGroupCreate(name=name, label="Group", display_order=3)
    )
    assert created.name == name and created.archived is False
    assert name in {g.name for g in client.crm.properties.groups_api.get_all(object_type="contacts").results}
    assert client.crm.properties.groups_api.get_by_name(object_type="contacts", group_name=name).label == "Group"
    updated = client.crm.properties.groups_api.update(
        object_type="contacts", group_name=name, property_group_update=PropertyGroupUpdate(label="Renamed")
    )
    assert updated.label == "Renamed"
    assert client.crm.properties.groups_api.archive(object_type="contacts", group_name=name) is None
    with pytest.raises(ApiException) as raised:
        client.crm.properties.groups_api.get_by_name(object_type="contacts", group_name=name)
    assert raised.value.status == 404


def test_a_custom_property_is_usable_on_contacts(client, unique_email):
    name = unique("score")
    client.crm.properties.core_api.create(
        object_type="contacts",
        property_create=PropertyCreate(
            name=name, label="Score", type="number", field_type="number", group_name="contactinformation"
        ),
    )
    contact = client.crm.contacts.basic_api.create(
        simple_public_object_input_for_create=SimplePublicObjectInputForCreate(
            properties={"email": unique_email(), name: "12.50"}
        )
    )
    assert contact.properties[name] == "12.5"
