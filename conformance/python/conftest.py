"""Shared fixtures: the official client pointed at a freshly started Spoke.

conformance/run.sh starts Spoke and exports SPOKE_URL and SPOKE_TOKEN.
"""

import itertools
import os

import pytest
from hubspot import HubSpot

_counter = itertools.count()


@pytest.fixture(scope="session")
def base_url():
    return os.environ["SPOKE_URL"]


@pytest.fixture(scope="session")
def token():
    return os.environ["SPOKE_TOKEN"]


@pytest.fixture(scope="session")
def client(base_url, token):
    return HubSpot(access_token=token, host=base_url)


@pytest.fixture
def unique_email():
    """A fresh address per call, so tests share one Spoke without clashing."""

    def make(prefix="c"):
        return f"{prefix}-{os.getpid()}-{next(_counter)}@example.com"

    return make
