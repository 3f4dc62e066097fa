"""The official Python SDK over HTTPS, against a Spoke started with
--tls-self-signed, trusting the CA file it made (the SDK's ssl_ca_cert).
conformance/run.sh runs this file alone, in a pass of its own that sets
SPOKE_TLS_URL and SPOKE_TLS_CA."""

import os

import pytest
from hubspot import HubSpot
from hubspot.crm.contacts import SimplePublicObjectInputForCreate


def test_the_sdk_works_over_https_with_the_printed_ca():
    url = os.environ["SPOKE_TLS_URL"]
    assert url.startswith("https://")
    client = HubSpot(
        access_token=os.environ["SPOKE_TOKEN"], host=url, ssl_ca_cert=os.environ["SPOKE_TLS_CA"]
    )
    created = client.crm.contacts.basic_api.create(
        SimplePublicObjectInputForCreate(properties={"email": "tls@python.io"})
    )
    found = client.crm.contacts.basic_api.get_by_id(created.id, properties=["email"])
    assert found.properties["email"] == "tls@python.io"


def test_without_the_ca_the_sdk_refuses_the_certificate():
    client = HubSpot(access_token=os.environ["SPOKE_TOKEN"], host=os.environ["SPOKE_TLS_URL"])
    with pytest.raises(Exception) as raised:
        client.crm.contacts.basic_api.get_page()
    assert "CERTIFICATE_VERIFY_FAILED" in str(raised.value)
