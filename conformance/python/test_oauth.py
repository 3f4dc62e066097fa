"""OAuth through the official SDK: the token calls (`client.oauth`), with
the app created and the consent given through Spoke's admin API, as a test
script without a browser does; then the tokens used on the contacts API."""

import pytest
from hubspot import HubSpot
from hubspot.oauth import ApiException

from conftest import admin

REDIRECT = "http://localhost:3000/oauth-callback"


@pytest.fixture(scope="module")
def app():
    created = admin(
        "POST",
        "/_spoke/v1/apps",
        {
            "name": "Python conformance",
            "redirectUris": [REDIRECT],
            "scopes": ["crm.objects.contacts.read", "oauth"],
            "optionalScopes": ["crm.objects.contacts.write"],
        },
    )
    return created


def authorize(app, portal_id):
    answer = admin(
        "POST",
        "/_spoke/v1/oauth/authorize",
        {"clientId": app["clientId"], "portalId": portal_id, "redirectUri": REDIRECT, "state": "py"},
    )
    assert answer["redirectUrl"].startswith(REDIRECT + "?code=")
    return answer["code"]


def test_codes_refresh_tokens_and_token_information(base_url, client, app):
    portal_id = admin("GET", "/_spoke/v1/portals")["results"][0]["portalId"]
    code = authorize(app, portal_id)
    tokens = client.oauth.tokens_api.create(
        grant_type="authorization_code",
        code=code,
        redirect_uri=REDIRECT,
        client_id=app["clientId"],
        client_secret=app["clientSecret"],
    )
    assert tokens.token_type == "bearer"
    assert tokens.expires_in == 1800
    assert tokens.access_token and tokens.refresh_token

    # The access token works with the SDK as any HubSpot OAuth token does.
    oauth_client = HubSpot(access_token=tokens.access_token, host=base_url)
    page = oauth_client.crm.contacts.basic_api.get_page(limit=1)
    assert page.results is not None

    info = client.oauth.access_tokens_api.get(tokens.access_token)
    assert info.hub_id == portal_id
    assert "crm.objects.contacts.read" in info.scopes
    assert 0 < info.expires_in <= 1800

    refreshed = client.oauth.tokens_api.create(
        grant_type="refresh_token",
        refresh_token=tokens.refresh_token,
        client_id=app["clientId"],
        client_secret=app["clientSecret"],
    )
    assert refreshed.access_token != tokens.access_token
    assert refreshed.refresh_token == tokens.refresh_token

    refresh_info = client.oauth.refresh_tokens_api.get(tokens.refresh_token)
    assert refresh_info.client_id == app["clientId"]
    client.oauth.refresh_tokens_api.archive(tokens.refresh_token)
    with pytest.raises(ApiException) as refused:
        client.oauth.tokens_api.create(
            grant_type="refresh_token",
            refresh_token=tokens.refresh_token,
            client_id=app["clientId"],
            client_secret=app["clientSecret"],
        )
    assert refused.value.status == 400
    assert '"BAD_REFRESH_TOKEN"' in refused.value.body


def test_a_used_code_is_refused(client, app):
    portal_id = admin("GET", "/_spoke/v1/portals")["results"][0]["portalId"]
    code = authorize(app, portal_id)
    form = dict(
        grant_type="authorization_code",
        code=code,
        redirect_uri=REDIRECT,
        client_id=app["clientId"],
        client_secret=app["clientSecret"],
    )
    client.oauth.tokens_api.create(**form)
    with pytest.raises(ApiException) as refused:
        client.oauth.tokens_api.create(**form)
    assert refused.value.status == 400
    assert '"BAD_AUTH_CODE"' in refused.value.body
