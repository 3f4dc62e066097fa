// The legacy API key through node-hubspot (npm `hubspot`, pinned), the
// widely used client of HubSpot's v1 APIs: its apiKey mode sends
// ?hapikey= and reads /integrations/v1/limit/daily.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import Hubspot from 'hubspot';
import { admin } from './admin.mjs';

test('apiKey mode: contacts, properties and the daily limit', async () => {
  const portalId = (await admin('GET', '/_spoke/v1/portals')).results[0].portalId;
  const { apiKey } = await admin('PUT', `/_spoke/v1/portals/${portalId}/api-key`);
  const hubspot = new Hubspot({ apiKey, baseUrl: process.env.SPOKE_URL });

  const limit = await hubspot.getApiLimit();
  assert.equal(limit.name, 'api-calls-daily');
  assert.equal(typeof limit.usageLimit, 'number');
  assert.equal(limit.fetchStatus, 'SUCCESS');

  const email = `apikey-${process.pid}@example.com`;
  const created = await hubspot.contacts.create({
    properties: [
      { property: 'email', value: email },
      { property: 'firstname', value: 'Key' },
    ],
  });
  assert.ok(created.vid > 0);
  const found = await hubspot.contacts.getByEmail(email);
  assert.equal(found.vid, created.vid);
  assert.equal(found.properties.firstname.value, 'Key');
  const properties = await hubspot.contacts.properties.get();
  assert.ok(properties.some((p) => p.name === 'email'));

  // A rotated key is refused.
  await admin('PUT', `/_spoke/v1/portals/${portalId}/api-key`);
  await assert.rejects(hubspot.contacts.getByEmail(email), (err) => err.statusCode === 401);
});
