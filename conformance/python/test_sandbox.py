"""Spoke's sandbox controls through the official Python SDK: a portal of
its own per test, reset between steps, and HubSpot's transient errors
injected on purpose, seen as the SDK's exceptions and absorbed by its
urllib3 retries."""

import pytest
from hubspot import HubSpot
from hubspot.crm.contacts import ApiException, SimplePublicObjectInputForCreate
from urllib3.util.retry import Retry

from conftest import admin


@pytest.fixture
def portal():
    created = admin("POST", "/_spoke/v1/portals", {"name": "sandbox"})
    yield created
    admin("DELETE", f"/_spoke/v1/portals/{created['portalId']}")


def test_a_reset_portal_is_empty_and_its_token_still_works(base_url, portal):
    client = HubSpot(access_token=portal["accessToken"], host=base_url)
    client.crm.contacts.basic_api.create(
        SimplePublicObjectInputForCreate(properties={"email": "reset@sandbox.io"})
    )
    assert len(client.crm.contacts.basic_api.get_page().results) == 1
    admin("POST", f"/_spoke/v1/portals/{portal['portalId']}/reset")
    assert client.crm.contacts.basic_api.get_page().results == []
    # The email is free again.
    client.crm.contacts.basic_api.create(
        SimplePublicObjectInputForCreate(properties={"email": "reset@sandbox.io"})
    )


def test_injected_errors_reach_the_caller_as_api_exceptions(base_url, portal):
    faults = f"/_spoke/v1/portals/{portal['portalId']}/faults"
    client = HubSpot(access_token=portal["accessToken"], host=base_url)
    for status in (503, 423, 429):
        admin("PUT", faults, {"rules": [{"status": status, "count": 1}]})
        with pytest.raises(ApiException) as raised:
            client.crm.contacts.basic_api.create(
                SimplePublicObjectInputForCreate(properties={"email": f"x{status}@sandbox.io"})
            )
        assert raised.value.status == status
    # None of the refused creates wrote anything.
    assert client.crm.contacts.basic_api.get_page().results == []


def test_the_sdks_retries_absorb_transient_errors(base_url, portal):
    faults = f"/_spoke/v1/portals/{portal['portalId']}/faults"
    admin("PUT", faults, {"rules": [{"method": "GET", "status": 503, "count": 2}]})
    retry = Retry(total=3, status_forcelist=(503,), backoff_factor=0.05, raise_on_status=False)
    client = HubSpot(access_token=portal["accessToken"], host=base_url, retry=retry)
    assert client.crm.contacts.basic_api.get_page().results == []
    assert admin("GET", faults)["rules"] == []


def test_a_snapshot_brings_back_what_the_sdk_wrote(base_url, portal):
    pid = portal["portalId"]
    client = HubSpot(access_token=portal["accessToken"], host=base_url)
    admin("POST", f"/_spoke/v1/portals/{pid}/seed", {"contacts": 20, "seed": 3})
    before = client.crm.contacts.get_all(properties=["email", "lifecyclestage"])
    assert len(before) == 20
    admin("POST", f"/_spoke/v1/portals/{pid}/snapshots", {"name": "seeded"})
    client.crm.contacts.basic_api.archive(before[0].id)
    client.crm.contacts.basic_api.create(
        SimplePublicObjectInputForCreate(properties={"email": "later@sandbox.io"})
    )
    admin("POST", f"/_spoke/v1/portals/{pid}/snapshots/seeded/restore")
    after = client.crm.contacts.get_all(properties=["email", "lifecyclestage"])
    assert [(c.id, c.properties["email"], c.properties["lifecyclestage"]) for c in after] == [
        (c.id, c.properties["email"], c.properties["lifecyclestage"]) for c in before
    ]
