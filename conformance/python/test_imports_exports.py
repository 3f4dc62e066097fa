"""Imports and exports through the official Python SDK: a CSV file and its
import request sent as the SDK sends them (multipart), the import's state
and errors read back as its models, and an export's signed link
downloaded. Each test works in a portal of its own."""

import json
import time
import urllib.request

import pytest
from hubspot import HubSpot
from hubspot.crm.exports import PublicExportViewRequest, PublicCrmSearchRequest, Filter
from hubspot.crm.imports import ApiException as ImportsApiException

from conftest import admin


@pytest.fixture
def client(base_url):
    created = admin("POST", "/_spoke/v1/portals", {"name": "imports"})
    yield HubSpot(access_token=created["accessToken"], host=base_url)
    admin("DELETE", f"/_spoke/v1/portals/{created['portalId']}")


def _request(name):
    return json.dumps(
        {
            "name": name,
            "files": [
                {
                    "fileName": "people.csv",
                    "fileFormat": "CSV",
                    "fileImportPage": {
                        "hasHeader": True,
                        "columnMappings": [
                            {"columnObjectTypeId": "0-1", "columnName": "Email",
                             "propertyName": "email", "columnType": "HUBSPOT_ALTERNATE_ID"},
                            {"columnObjectTypeId": "0-1", "columnName": "First Name",
                             "propertyName": "firstname"},
                            {"columnObjectTypeId": "0-1", "columnName": "Stage",
                             "propertyName": "lifecyclestage"},
                        ],
                    },
                }
            ],
        }
    )


def _finished(client, import_id):
    for _ in range(400):
        found = client.crm.imports.core_api.get_by_id(import_id=int(import_id))
        if found.state not in ("STARTED", "PROCESSING"):
            return found
        time.sleep(0.05)
    raise AssertionError(f"import {import_id} did not finish")


def test_an_import_runs_and_reports_its_refused_rows(client, tmp_path):
    path = tmp_path / "people.csv"
    path.write_text(
        "Email,First Name,Stage\n"
        "ann@imports.io,Ann,lead\n"
        "not-an-email,Bad,lead\n"
        "bo@imports.io,Bo,not-a-stage\n",
        encoding="utf-8",
    )
    started = client.crm.imports.core_api.create(
        files=str(path), import_request=_request("People")
    )
    assert started.import_name == "People"
    assert started.state in ("STARTED", "PROCESSING", "DONE")
    done = _finished(client, started.id)
    assert done.state == "DONE"
    assert done.metadata.counters["TOTAL_ROWS"] == 3
    assert done.metadata.counters["CREATED_OBJECTS"] == 1
    errors = client.crm.imports.public_imports_api.get_errors(
        import_id=int(started.id), include_error_message=True, include_row_data=True
    )
    kinds = [(e.source_data.line_number, e.error_type) for e in errors.results]
    assert kinds == [(3, "INVALID_EMAIL"), (4, "INVALID_ENUMERATION_OPTION")]
    assert errors.results[0].source_data.row_data == ["not-an-email", "Bad", "lead"]
    ann = client.crm.contacts.basic_api.get_by_id(
        "ann@imports.io", id_property="email", properties=["firstname"]
    )
    assert ann.properties["firstname"] == "Ann"
    page = client.crm.imports.core_api.get_page()
    assert [i.id for i in page.results] == [started.id]


def test_a_file_that_cannot_be_imported_is_an_api_exception(client, tmp_path):
    path = tmp_path / "wrong.csv"
    path.write_text("Email,Favourite colour\na@imports.io,blue\n", encoding="utf-8")
    request = json.dumps({"name": "Wrong", "files": [{"fileName": "wrong.csv"}]})
    with pytest.raises(ImportsApiException) as raised:
        client.crm.imports.core_api.create(files=str(path), import_request=request)
    assert raised.value.status == 400
    body = json.loads(raised.value.body)
    assert body["category"] == "VALIDATION_ERROR"
    assert "Favourite colour" in body["message"]


def test_an_export_is_downloaded_from_its_link(client):
    from hubspot.crm.contacts import SimplePublicObjectInputForCreate

    for email, stage in (("a@exports.io", "lead"), ("b@exports.io", "customer")):
        client.crm.contacts.basic_api.create(
            SimplePublicObjectInputForCreate(
                properties={"email": email, "lifecyclestage": stage}
            )
        )
    request = PublicExportViewRequest(
        export_type="VIEW",
        format="CSV",
        export_name="Leads",
        object_properties=["email", "lifecyclestage"],
        object_type="CONTACT",
        language="EN",
        export_internal_values_options=["NAMES"],
        override_associated_objects_per_definition_per_row_limit=False,
        public_crm_search_request=PublicCrmSearchRequest(
            filters=[Filter(property_name="lifecyclestage", operator="EQ", value="lead")]
        ),
    )
    task = client.crm.exports.public_exports_api.start(public_export_request=request)
    status = client.crm.exports.public_exports_api.get_status(task_id=int(task.id))
    assert status.status == "COMPLETE"
    with urllib.request.urlopen(status.result) as response:
        assert response.read().decode() == "email,lifecyclestage\na@exports.io,lead\n"
