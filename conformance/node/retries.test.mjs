// The official Node SDK's own retries (numberOfApiCallRetries) recover from
// Spoke's 429s without the caller seeing them: the burst limit
// (policyName TEN_SECONDLY_ROLLING, retried after 10 s) and search's
// limit per second ("You have reached your secondly limit.", after 1 s).
// A portal of its own, with small custom limits.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Client } from '@hubspot/api-client';
import { admin } from './admin.mjs';

async function portalWith(limits) {
  const portal = await admin('POST', '/_spoke/v1/portals', { name: 'retries' });
  await admin('PUT', `/_spoke/v1/portals/${portal.portalId}/limits`, { mode: 'custom', ...limits });
  return portal;
}

async function usage(token) {
  const response = await fetch(`${process.env.SPOKE_URL}/integrations/v1/limit/daily`, {
    headers: { authorization: `Bearer ${token}` },
  });
  return (await response.json())[0].currentUsage;
}

test('a burst 429 is retried after the ten-second window', async () => {
  const portal = await portalWith({ tenSecondly: 3, daily: 1000 });
  const client = new Client({ accessToken: portal.accessToken, basePath: process.env.SPOKE_URL, numberOfApiCallRetries: 3 });
  const started = Date.now();
  for (let i = 0; i < 5; i++) {
    const page = await client.crm.contacts.basicApi.getPage(1);
    assert.deepEqual(page.results, []);
  }
  const elapsed = Date.now() - started;
  assert.ok(elapsed >= 9000, `the fourth call waited for the window (${elapsed} ms)`);
  // Five calls and the one refused: every attempt counts against the day.
  assert.equal(await usage(portal.accessToken), 6);
});

test('a search 429 is retried after a second', async () => {
  const portal = await portalWith({ searchPerSecond: 1 });
  const client = new Client({ accessToken: portal.accessToken, basePath: process.env.SPOKE_URL, numberOfApiCallRetries: 3 });
  const before = await usage(portal.accessToken);
  const started = Date.now();
  for (let i = 0; i < 3; i++) {
    const found = await client.crm.contacts.searchApi.doSearch({ filterGroups: [], limit: 10 });
    assert.equal(found.total, 0);
  }
  const elapsed = Date.now() - started;
  assert.ok(elapsed >= 1000, `a search waited for the next second (${elapsed} ms)`);
  const attempts = (await usage(portal.accessToken)) - before;
  assert.ok(attempts > 3, `${attempts} attempts: at least one search was refused and retried`);
});

test('without retries the 429 reaches the caller with HubSpot\'s body', async () => {
  const portal = await portalWith({ tenSecondly: 1 });
  const client = new Client({ accessToken: portal.accessToken, basePath: process.env.SPOKE_URL });
  await client.crm.contacts.basicApi.getPage(1);
  await assert.rejects(client.crm.contacts.basicApi.getPage(1), (err) => {
    assert.equal(err.code, 429);
    assert.equal(err.body.policyName, 'TEN_SECONDLY_ROLLING');
    assert.equal(err.body.errorType, 'RATE_LIMIT');
    return true;
  });
});

test('injected 5xx faults are retried by the SDK; a 423 and a 429 without retries reach the caller', async () => {
  const portal = await admin('POST', '/_spoke/v1/portals', { name: 'faults' });
  const faults = `/_spoke/v1/portals/${portal.portalId}/faults`;
  await admin('PUT', faults, { rules: [{ method: 'GET', path: '/crm/v3/objects/contacts*', status: 503, count: 2 }] });
  const retrying = new Client({ accessToken: portal.accessToken, basePath: process.env.SPOKE_URL, numberOfApiCallRetries: 3 });
  const page = await retrying.crm.contacts.basicApi.getPage(1);
  assert.deepEqual(page.results, []);
  assert.deepEqual((await admin('GET', faults)).rules, []);

  const plain = new Client({ accessToken: portal.accessToken, basePath: process.env.SPOKE_URL });
  await admin('PUT', faults, { rules: [{ status: 423, count: 1 }, { status: 429, count: 1 }] });
  await assert.rejects(plain.crm.contacts.basicApi.getPage(1), (err) => err.code === 423 && err.body.category === 'LOCKED');
  await assert.rejects(plain.crm.contacts.basicApi.getPage(1), (err) => err.code === 429 && err.body.policyName === 'TEN_SECONDLY_ROLLING');
  const after = await plain.crm.contacts.basicApi.getPage(1);
  assert.deepEqual(after.results, []);
  await admin('DELETE', `/_spoke/v1/portals/${portal.portalId}`);
});
