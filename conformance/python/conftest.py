"""Shared fixtures: the official client pointed at a freshly started Spoke.

conformance/run.sh starts Spoke and exports SPOKE_URL, SPOKE_TOKEN and
SPOKE_ADMIN_TOKEN. With SPOKE_RATE_LIMITS=hubspot the Spoke runs with
HubSpot's rate limits: the official SDK then works in a portal of its own on
HubSpot's free tier (100 calls per ten seconds, which the suite outruns)
with its retries enabled, so that 429s are retried as a well-behaved client
does; hubspot3, which has no retries, gets an enterprise portal of its own
(190 calls per ten seconds, more than its busiest test makes).
"""

import itertools
import json
import os
import urllib.request

import pytest
from hubspot import HubSpot
from urllib3.util.retry import Retry

_counter = itertools.count()


@pytest.fixture(scope="session")
def base_url():
    return os.environ["SPOKE_URL"]


def admin(method, path, body=None):
    """A call to Spoke's sandbox admin API."""
    request = urllib.request.Request(
        os.environ["SPOKE_URL"] + path,
        method=method,
        data=None if body is None else json.dumps(body).encode(),
        headers={
            "Authorization": "Bearer " + os.environ["SPOKE_ADMIN_TOKEN"],
            "Content-Type": "application/json",
        },
    )
    with urllib.request.urlopen(request) as response:
        text = response.read()
        return json.loads(text) if text else None


def limits_on():
    return os.environ.get("SPOKE_RATE_LIMITS", "off") == "hubspot"


@pytest.fixture(scope="session")
def tokens():
    """(the official SDK's token, hubspot3's token)."""
    if not limits_on():
        return os.environ["SPOKE_TOKEN"], os.environ["SPOKE_TOKEN"]
    portal = admin("POST", "/_spoke/v1/portals", {"name": "conformance", "tier": "free"})
    legacy = admin("POST", "/_spoke/v1/portals", {"name": "hubspot3", "tier": "enterprise"})
    return portal["accessToken"], legacy["accessToken"]


@pytest.fixture(scope="session")
def token(tokens):
    return tokens[0]


@pytest.fixture(scope="session")
def legacy_token(tokens):
    return tokens[1]


def retries():
    """The SDK's retries when limits are on: 429s (the call was not run, so
    POSTs are safe to repeat) with a backoff that outlasts a ten-second
    window."""
    if not limits_on():
        return None
    return Retry(
        total=12,
        status_forcelist=(429,),
        allowed_methods=None,
        backoff_factor=0.5,
        backoff_max=4,
        raise_on_status=False,
    )


@pytest.fixture(scope="session")
def client(base_url, token):
    return HubSpot(access_token=token, host=base_url, retry=retries())


@pytest.fixture
def unique_email():
    """A fresh address per call, so tests share one Spoke without clashing."""

    def make(prefix="c"):
        return f"{prefix}-{os.getpid()}-{next(_counter)}@example.com"

    return make
