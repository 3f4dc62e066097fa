"""Webhooks through the official SDK: the webhooks v3 API with the app's
developer API key (which SDK 12 takes as `api_key` and sends as
`?hapikey=`), and deliveries to a local receiver whose signatures the
SDK's own validator (hubspot.utils.signature) accepts."""

import http.server
import json
import threading
import time

import pytest
from hubspot import HubSpot
from hubspot.crm.contacts import SimplePublicObjectInputForCreate
from hubspot.utils.signature import Signature
from hubspot.webhooks import (
    BatchInputSubscriptionBatchUpdateRequest,
    SettingsChangeRequest,
    SubscriptionBatchUpdateRequest,
    SubscriptionCreateRequest,
    SubscriptionPatchRequest,
    ThrottlingSettings,
)
from hubspot.webhooks.exceptions import ApiException

from conftest import admin

REDIRECT = "http://localhost:3000/callback"


class Receiver:
    """A local HTTP server that records every request's headers and body."""

    def __init__(self):
        self.requests = []
        received = self.requests

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                received.append((self.headers, body))  # case-insensitive lookup
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def wait(self, n, within=20):
        deadline = time.time() + within
        while len(self.requests) < n:
            assert time.time() < deadline, f"{len(self.requests)} requests, expected {n}"
            time.sleep(0.05)
        return self.requests


@pytest.fixture()
def developer_app(base_url):
    created = admin(
        "POST",
        "/_spoke/v1/apps",
        {"name": "Webhooks conformance", "redirectUris": [REDIRECT], "scopes": ["oauth"]},
    )
    portal = admin("POST", "/_spoke/v1/portals", {"name": "webhooks"})
    admin(
        "POST",
        "/_spoke/v1/oauth/authorize",
        {"clientId": created["clientId"], "portalId": portal["portalId"], "redirectUri": REDIRECT},
    )
    developer = HubSpot(api_key=created["developerApiKey"], host=base_url)
    portal_client = HubSpot(access_token=portal["accessToken"], host=base_url)
    return created, developer, portal_client


def test_settings_and_subscriptions_through_the_sdk(developer_app):
    created, developer, _ = developer_app
    app_id = created["appId"]
    settings = developer.webhooks.settings_api.configure(
        app_id,
        SettingsChangeRequest(
            target_url="https://example.com/hooks",
            throttling=ThrottlingSettings(max_concurrent_requests=10),
        ),
    )
    assert settings.target_url == "https://example.com/hooks"
    assert settings.throttling.max_concurrent_requests == 10
    assert developer.webhooks.settings_api.get_all(app_id).target_url == "https://example.com/hooks"

    sub = developer.webhooks.subscriptions_api.create(
        app_id,
        SubscriptionCreateRequest(event_type="contact.propertyChange", property_name="email"),
    )
    assert sub.active is False
    assert sub.event_type == "contact.propertyChange"
    listed = developer.webhooks.subscriptions_api.get_all(app_id)
    assert [s.id for s in listed.results] == [sub.id]
    patched = developer.webhooks.subscriptions_api.update(
        sub.id, app_id, SubscriptionPatchRequest(active=True)
    )
    assert patched.active is True
    assert developer.webhooks.subscriptions_api.get_by_id(sub.id, app_id).active is True
    batch = developer.webhooks.subscriptions_api.update_batch(
        app_id,
        BatchInputSubscriptionBatchUpdateRequest(
            inputs=[SubscriptionBatchUpdateRequest(id=int(sub.id), active=False)]
        ),
    )
    assert batch.status == "COMPLETE"
    assert batch.results[0].active is False
    developer.webhooks.subscriptions_api.archive(sub.id, app_id)
    with pytest.raises(ApiException) as missing:
        developer.webhooks.subscriptions_api.get_by_id(sub.id, app_id)
    assert missing.value.status == 404
    developer.webhooks.settings_api.clear(app_id)
    with pytest.raises(ApiException) as cleared:
        developer.webhooks.settings_api.get_all(app_id)
    assert cleared.value.status == 404


def test_bad_input_and_bad_keys_are_hubspots_errors(developer_app, base_url):
    created, developer, _ = developer_app
    with pytest.raises(ApiException) as bad:
        developer.webhooks.subscriptions_api.create(
            created["appId"], SubscriptionCreateRequest(event_type="contact.propertyChange")
        )
    assert bad.value.status == 400
    assert json.loads(bad.value.body)["category"] == "VALIDATION_ERROR"
    stranger = HubSpot(api_key="not-a-developer-key", host=base_url)
    with pytest.raises(ApiException) as denied:
        stranger.webhooks.subscriptions_api.get_all(created["appId"])
    assert denied.value.status == 401


def test_deliveries_pass_the_sdks_signature_validator(developer_app):
    created, developer, portal_client = developer_app
    app_id = created["appId"]
    receiver = Receiver()
    try:
        developer.webhooks.settings_api.configure(
            app_id,
            SettingsChangeRequest(
                target_url=receiver.url,
                throttling=ThrottlingSettings(max_concurrent_requests=10),
            ),
        )
        developer.webhooks.subscriptions_api.create(
            app_id, SubscriptionCreateRequest(event_type="contact.creation", active=True)
        )
        contact = portal_client.crm.contacts.basic_api.create(
            SimplePublicObjectInputForCreate(properties={"email": "signed@example.com"})
        )
        headers, body = receiver.wait(1)[0]
        events = json.loads(body)
        assert events[0]["objectId"] == int(contact.id)
        assert events[0]["subscriptionType"] == "contact.creation"
        assert events[0]["appId"] == app_id
        text = body.decode("utf-8")
        assert headers["X-HubSpot-Signature-Version"] == "v1"
        assert Signature.is_valid(
            signature=headers["X-HubSpot-Signature"],
            client_secret=created["clientSecret"],
            request_body=text,
            signature_version="v1",
        )
        assert Signature.is_valid(
            signature=headers["X-HubSpot-Signature-v3"],
            client_secret=created["clientSecret"],
            request_body=text,
            http_uri=receiver.url,
            http_method="POST",
            signature_version="v3",
            timestamp=headers["X-HubSpot-Request-Timestamp"],
        )
        assert not Signature.is_valid(
            signature=headers["X-HubSpot-Signature"],
            client_secret="another-secret",
            request_body=text,
            signature_version="v1",
        )
    finally:
        receiver.server.shutdown()
