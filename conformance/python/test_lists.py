"""Lists through the official SDK's lists APIs (lists, memberships,
folders, id mapping) and the legacy v1 lists through hubspot3, against a
fresh Spoke. Names carry the process id: the suite shares one portal."""

import os
import time

import pytest
from hubspot.crm.contacts import SimplePublicObjectInputForCreate
from hubspot.crm.lists import (
    ListCreateRequest,
    ListFilterUpdateRequest,
    ListFolderCreateRequest,
    ListMoveRequest,
    ListSearchRequest,
    MembershipChangeRequest,
)
from hubspot.crm.lists.exceptions import ApiException
from hubspot3.contact_lists import ContactListsClient


def name(prefix):
    return f"{prefix} {os.getpid()} {time.monotonic_ns()}"


def lead_filter(stage):
    return {
        "filterBranchType": "OR",
        "filters": [],
        "filterBranches": [
            {
                "filterBranchType": "AND",
                "filterBranches": [],
                "filters": [
                    {
                        "filterType": "PROPERTY",
                        "property": "lifecyclestage",
                        "operation": {
                            "operationType": "ENUMERATION",
                            "operator": "IS_ANY_OF",
                            "values": [stage],
                        },
                    }
                ],
            }
        ],
    }


def contact(client, email, **values):
    body = SimplePublicObjectInputForCreate(properties={"email": email, **values})
    return client.crm.contacts.basic_api.create(simple_public_object_input_for_create=body).id


def members(client, list_id):
    ids = []
    after = None
    while True:
        page = client.crm.lists.memberships_api.get_page(list_id=list_id, after=after, limit=2)
        ids.extend(r.record_id for r in page.results)
        if not page.paging or not page.paging.next:
            return ids
        after = page.paging.next.after


def test_a_dynamic_list_follows_writes_at_once(client, unique_email):
    lists = client.crm.lists.lists_api
    created = lists.create(
        list_create_request=ListCreateRequest(
            name=name("Leads"),
            object_type_id="0-1",
            processing_type="DYNAMIC",
            filter_branch=lead_filter("lead"),
        )
    ).list
    assert created.processing_type == "DYNAMIC"
    assert created.processing_status == "COMPLETE"
    list_id = created.list_id
    a = contact(client, unique_email("lead"), lifecyclestage="lead")
    b = contact(client, unique_email("lead"), lifecyclestage="lead")
    contact(client, unique_email("customer"), lifecyclestage="customer")
    # No indexing lag: members as soon as the writes return, paged by two.
    assert members(client, list_id) == [a, b]
    fetched = lists.get_by_id(list_id=list_id, include_filters=True).list
    assert fetched.size == 2
    assert fetched.filter_branch is not None
    by_name = lists.get_by_name(list_name=created.name, object_type_id="0-1").list
    assert by_name.list_id == list_id
    record = client.crm.lists.memberships_api.get_lists(object_type_id="0-1", record_id=a)
    assert [m.list_id for m in record.results] == [list_id]
    # Re-filtered: customers now.
    updated = lists.update_list_filters(
        list_id=list_id,
        list_filter_update_request=ListFilterUpdateRequest(filter_branch=lead_filter("customer")),
    ).updated_list
    assert updated.size >= 1
    assert a not in members(client, list_id)


def test_a_manual_list_takes_members_and_dynamic_ones_refuse(client, unique_email):
    lists = client.crm.lists.lists_api
    memberships = client.crm.lists.memberships_api
    list_id = lists.create(
        list_create_request=ListCreateRequest(
            name=name("VIP"), object_type_id="0-1", processing_type="MANUAL"
        )
    ).list.list_id
    a = contact(client, unique_email("vip"))
    b = contact(client, unique_email("vip"))
    added = memberships.add(list_id=list_id, request_body=[a, b, "999999999"])
    assert sorted(added.records_ids_added) == sorted([a, b])
    assert added.record_ids_missing == ["999999999"]
    changed = memberships.add_and_remove(
        list_id=list_id,
        membership_change_request=MembershipChangeRequest(
            record_ids_to_add=[], record_ids_to_remove=[a]
        ),
    )
    assert changed.record_ids_removed == [a]
    joined = memberships.get_page_ordered_by_added_to_list_date(list_id=list_id)
    assert [r.record_id for r in joined.results] == [b]
    memberships.remove_all(list_id=list_id)
    assert members(client, list_id) == []

    dynamic = lists.create(
        list_create_request=ListCreateRequest(
            name=name("Dyn"),
            object_type_id="0-1",
            processing_type="DYNAMIC",
            filter_branch=lead_filter("lead"),
        )
    ).list.list_id
    with pytest.raises(ApiException) as refused:
        memberships.add(list_id=dynamic, request_body=[a])
    assert refused.value.status == 400
    assert "DYNAMIC" in refused.value.body


def test_search_rename_delete_restore_folders_and_mapping(client):
    lists = client.crm.lists.lists_api
    tag = f"Search {os.getpid()} {time.monotonic_ns()}"
    ids = [
        lists.create(
            list_create_request=ListCreateRequest(
                name=f"{tag} {i}", object_type_id="0-1", processing_type="MANUAL"
            )
        ).list.list_id
        for i in range(3)
    ]
    found = lists.do_search(list_search_request=ListSearchRequest(query=tag, offset=0, count=2, additional_properties=[]))
    assert found.total == 3
    assert found.has_more is True
    assert [l.list_id for l in found.lists] == ids[:2]
    renamed = lists.update_name(list_id=ids[0], list_name=f"{tag} renamed").updated_list
    assert renamed.list_version == 2
    lists.remove(list_id=ids[1])
    with pytest.raises(ApiException) as gone:
        lists.get_by_id(list_id=ids[1])
    assert gone.value.status == 404
    lists.restore(list_id=ids[1])
    assert lists.get_by_id(list_id=ids[1]).list.list_id == ids[1]
    assert {l.list_id for l in lists.get_all(list_ids=ids).lists} == set(ids)

    folders = client.crm.lists.folders_api
    folder = folders.create(list_folder_create_request=ListFolderCreateRequest(name=name("Folder"))).folder
    folders.move_list(list_move_request=ListMoveRequest(list_id=ids[2], new_folder_id=folder.id))
    tree = folders.get_all(folder_id=folder.id).folder
    assert tree.child_lists == [int(ids[2])]
    renamed = folders.rename(folder_id=folder.id, new_folder_name="Renamed").folder
    assert renamed.name == "Renamed"

    mapping = client.crm.lists.mapping_api
    legacy = str(int(ids[0]) + 1000)
    one = mapping.translate_legacy_list_id_to_list_id(legacy_list_id=legacy)
    assert one.list_id == ids[0]
    many = mapping.translate_legacy_list_id_to_list_id_batch(request_body=[legacy, "3"])
    assert [m.list_id for m in many.legacy_list_ids_to_ids_mapping] == [ids[0]]
    assert many.missing_legacy_list_ids == ["3"]


def test_legacy_lists_through_hubspot3(base_url, legacy_token, client, unique_email):
    legacy = ContactListsClient(access_token=legacy_token, api_base=base_url)
    created = legacy.create_a_contact_list(name("v1 static"), portal_id=1, dynamic=False)
    list_id = created["listId"]
    assert created["listType"] == "STATIC"
    vid = int(contact(client, unique_email("v1list")))
    added = legacy.add_contact_to_a_list(list_id, [vid])
    assert added["updated"] == [vid]
    every = legacy.get_contact_lists(params={"count": 250})
    assert list_id in [l["listId"] for l in every["lists"]]
    dynamic = legacy.create_a_contact_list(name("v1 dynamic"), portal_id=1, dynamic=True)
    assert dynamic["dynamic"] is True
    legacy.delete_a_contact_list(list_id)
    every = legacy.get_contact_lists(params={"count": 250})
    assert list_id not in [l["listId"] for l in every["lists"]]
