// OAuth through the official Node SDK (client.oauth): the app and the
// consent come from Spoke's admin API, as a test script without a browser
// makes them; the tokens are then used on the contacts API.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Client } from '@hubspot/api-client';
import { admin } from './admin.mjs';

const REDIRECT = 'http://localhost:3000/oauth-callback';

test('tokensApi.create exchanges a code, refreshes, and tokens work on the contacts API', async () => {
  const app = await admin('POST', '/_spoke/v1/apps', {
    name: 'Node conformance',
    redirectUris: [REDIRECT],
    scopes: ['crm.objects.contacts.read', 'oauth'],
  });
  const portalId = (await admin('GET', '/_spoke/v1/portals')).results[0].portalId;
  const { code } = await admin('POST', '/_spoke/v1/oauth/authorize', {
    clientId: app.clientId,
    portalId,
    redirectUri: REDIRECT,
  });
  const client = new Client({ basePath: process.env.SPOKE_URL });
  const tokens = await client.oauth.tokensApi.create('authorization_code', code, REDIRECT, app.clientId, app.clientSecret);
  assert.equal(tokens.tokenType, 'bearer');
  assert.equal(tokens.expiresIn, 1800);
  assert.ok(tokens.accessToken && tokens.refreshToken);

  const oauthClient = new Client({ accessToken: tokens.accessToken, basePath: process.env.SPOKE_URL });
  const page = await oauthClient.crm.contacts.basicApi.getPage(1);
  assert.ok(Array.isArray(page.results));

  const info = await client.oauth.accessTokensApi.get(tokens.accessToken);
  assert.equal(info.hubId, portalId);
  assert.deepEqual(info.scopes, ['crm.objects.contacts.read', 'oauth']);

  const refreshed = await client.oauth.tokensApi.create('refresh_token', undefined, undefined, app.clientId, app.clientSecret, tokens.refreshToken);
  assert.notEqual(refreshed.accessToken, tokens.accessToken);
  assert.equal(refreshed.refreshToken, tokens.refreshToken);

  await client.oauth.refreshTokensApi.archive(tokens.refreshToken);
  await assert.rejects(
    client.oauth.tokensApi.create('refresh_token', undefined, undefined, app.clientId, app.clientSecret, tokens.refreshToken),
    (err) => err.code === 400 && err.body.status === 'BAD_REFRESH_TOKEN',
  );
});
