// CRM contacts CRUD through the official Node SDK (@hubspot/api-client).
// conformance/run.sh starts Spoke and exports SPOKE_URL and SPOKE_TOKEN.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Client } from '@hubspot/api-client';

// With HubSpot's rate limits on (SPOKE_RATE_LIMITS=hubspot), the SDK's own
// retries handle 429s, as a production integration's client does.
const retries = process.env.SPOKE_RATE_LIMITS === 'hubspot' ? 6 : 0;
const client = new Client({ accessToken: process.env.SPOKE_TOKEN, basePath: process.env.SPOKE_URL, numberOfApiCallRetries: retries });
const contacts = client.crm.contacts;
let counter = 0;
const uniqueEmail = (prefix = 'n') => `${prefix}-${process.pid}-${counter++}@example.com`;
const create = (properties) => contacts.basicApi.create({ properties, associations: [] });

async function rejection(promise) {
  try {
    await promise;
  } catch (err) {
    return err;
  }
  assert.fail('expected the call to throw');
}

test('create returns the contact (201)', async () => {
  const email = uniqueEmail();
  const contact = await create({ email, firstname: 'Ada' });
  assert.match(contact.id, /^\d+$/);
  assert.equal(contact.properties.email, email);
  assert.equal(contact.properties.hs_object_id, contact.id);
  assert.equal(contact.archived, false);
  assert.ok(contact.createdAt instanceof Date);
});

test('get by id and by email', async () => {
  const email = uniqueEmail();
  const created = await create({ email, firstname: 'Grace' });
  const byId = await contacts.basicApi.getById(created.id);
  assert.equal(byId.properties.firstname, 'Grace');
  const byEmail = await contacts.basicApi.getById(email.toUpperCase(), undefined, undefined, undefined, false, 'email');
  assert.equal(byEmail.id, created.id);
});

test('properties and propertiesWithHistory', async () => {
  const created = await create({ email: uniqueEmail(), firstname: 'One', city: 'Oslo' });
  await contacts.basicApi.update(created.id, { properties: { firstname: 'Two' } });
  const contact = await contacts.basicApi.getById(created.id, ['city', 'jobtitle'], ['firstname']);
  assert.equal(contact.properties.city, 'Oslo');
  assert.equal(contact.properties.jobtitle, null);
  assert.deepEqual(contact.propertiesWithHistory.firstname.map((v) => v.value), ['Two', 'One']);
});

test('update clears with an empty string; update by email', async () => {
  const email = uniqueEmail();
  const created = await create({ email, city: 'Oslo' });
  const cleared = await contacts.basicApi.update(created.id, { properties: { city: '' } });
  assert.equal(cleared.properties.city, undefined);
  const byEmail = await contacts.basicApi.update(email, { properties: { lastname: 'Mail' } }, 'email');
  assert.equal(byEmail.id, created.id);
  assert.equal(byEmail.properties.lastname, 'Mail');
});

test('archive (204), then 404, then readable as archived', async () => {
  const created = await create({ email: uniqueEmail() });
  await contacts.basicApi.archive(created.id);
  const err = await rejection(contacts.basicApi.getById(created.id));
  assert.equal(err.code, 404);
  assert.equal(err.body.category, 'OBJECT_NOT_FOUND');
  const archived = await contacts.basicApi.getById(created.id, undefined, undefined, undefined, true);
  assert.equal(archived.archived, true);
});

test('a duplicate email is 409 with the existing id', async () => {
  const email = uniqueEmail();
  const first = await create({ email });
  const err = await rejection(create({ email }));
  assert.equal(err.code, 409);
  assert.equal(err.body.category, 'CONFLICT');
  assert.equal(err.body.message, `Contact already exists. Existing ID: ${first.id}`);
});

test('paging with limit and after reaches the end without duplicates', async () => {
  const mine = new Set();
  for (let i = 0; i < 15; i++) mine.add((await create({ email: uniqueEmail('page') })).id);
  const seen = [];
  let after;
  do {
    const page = await contacts.basicApi.getPage(4, after, ['email']);
    seen.push(...page.results.map((c) => c.id));
    after = page.paging?.next?.after;
  } while (after);
  assert.equal(new Set(seen).size, seen.length);
  for (const id of mine) assert.ok(seen.includes(id), `missing ${id}`);
});

test('archived=true lists only archived contacts', async () => {
  const gone = await create({ email: uniqueEmail() });
  await contacts.basicApi.archive(gone.id);
  const page = await contacts.basicApi.getPage(100, undefined, undefined, undefined, undefined, true);
  assert.ok(page.results.every((c) => c.archived === true));
  assert.ok(page.results.some((c) => c.id === gone.id));
});

test('getAll() walks every contact', async () => {
  const mine = new Set();
  for (let i = 0; i < 3; i++) mine.add((await create({ email: uniqueEmail('all') })).id);
  const everyone = await contacts.getAll();
  const ids = everyone.map((c) => c.id);
  assert.equal(new Set(ids).size, ids.length);
  for (const id of mine) assert.ok(ids.includes(id));
});

test('getAll() with history walks every contact', async () => {
  for (let i = 0; i < 3; i++) await create({ email: uniqueEmail('hist') });
  const everyone = await contacts.getAll(undefined, undefined, ['email'], ['email']);
  assert.ok(everyone.length > 0);
  assert.ok(everyone.every((c) => c.propertiesWithHistory !== undefined));
});

test('a bad token is 401', async () => {
  const stranger = new Client({ accessToken: 'pat-na1-not-a-real-token', basePath: process.env.SPOKE_URL });
  const err = await rejection(stranger.crm.contacts.basicApi.getPage());
  assert.equal(err.code, 401);
  assert.equal(err.body.category, 'INVALID_AUTHENTICATION');
});
