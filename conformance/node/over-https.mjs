// The official Node SDK over HTTPS, against a Spoke started with
// --tls-self-signed; Node trusts the CA file Spoke made through
// NODE_EXTRA_CA_CERTS. conformance/run.sh runs this file alone, in a pass
// of its own that sets SPOKE_TLS_URL and NODE_EXTRA_CA_CERTS.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Client } from '@hubspot/api-client';

test('the SDK works over HTTPS with the CA Spoke made', async () => {
  assert.ok(process.env.SPOKE_TLS_URL.startsWith('https://'));
  assert.ok(process.env.NODE_EXTRA_CA_CERTS);
  const client = new Client({ accessToken: process.env.SPOKE_TOKEN, basePath: process.env.SPOKE_TLS_URL });
  const created = await client.crm.contacts.basicApi.create({ properties: { email: 'tls@node.io' } });
  const found = await client.crm.contacts.basicApi.getById(created.id, ['email']);
  assert.equal(found.properties.email, 'tls@node.io');
});
