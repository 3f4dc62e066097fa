// Batch, merge and search through the official Node SDK.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Client } from '@hubspot/api-client';

// With HubSpot's rate limits on (SPOKE_RATE_LIMITS=hubspot), the SDK's own
// retries handle 429s, as a production integration's client does.
const retries = process.env.SPOKE_RATE_LIMITS === 'hubspot' ? 6 : 0;
const client = new Client({ accessToken: process.env.SPOKE_TOKEN, basePath: process.env.SPOKE_URL, numberOfApiCallRetries: retries });
const contacts = client.crm.contacts;
const tag = () => Math.random().toString(36).slice(2, 10);

test('batch create, upsert and search with a string sort', async () => {
  const marker = `Nn${tag()}`;
  const emails = [0, 1, 2].map((i) => `${tag()}${i}@node.example.com`);
  const created = await contacts.batchApi.create({
    inputs: emails.map((email) => ({ properties: { email, lastname: marker }, associations: [] })),
  });
  assert.equal(created.status, 'COMPLETE');
  assert.equal(created.results.length, 3);

  const upserted = await contacts.batchApi.upsert({
    inputs: [{ id: emails[0], idProperty: 'email', properties: { firstname: 'Up' } }],
  });
  assert.equal(upserted.results[0].id, created.results.find((c) => c.properties.email === emails[0]).id);

  const page = await contacts.searchApi.doSearch({
    filterGroups: [{ filters: [{ propertyName: 'lastname', operator: 'EQ', value: marker }] }],
    sorts: ['-email'],
    properties: ['email'],
    limit: 10,
  });
  assert.equal(page.total, 3);
  assert.deepEqual(page.results.map((c) => c.properties.email), [...emails].sort().reverse());
});

test('merge keeps the primary id', async () => {
  const a = await contacts.basicApi.create({ properties: { email: `${tag()}@merge.example.com` }, associations: [] });
  const b = await contacts.basicApi.create({ properties: { email: `${tag()}@merge.example.com`, city: 'Oslo' }, associations: [] });
  const merged = await contacts.basicApi.merge({ primaryObjectId: a.id, objectIdToMerge: b.id });
  assert.equal(merged.id, a.id);
  assert.equal(merged.properties.city, 'Oslo');
});
