// Lists through the official Node SDK (lists, memberships, folders, id
// mapping) and the legacy v1 lists through node-hubspot, against a fresh
// Spoke. Names carry the process id: the suites share one portal.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Client } from '@hubspot/api-client';
import Hubspot from 'hubspot';

const retries = process.env.SPOKE_RATE_LIMITS === 'hubspot' ? 6 : 0;
const client = new Client({ accessToken: process.env.SPOKE_TOKEN, basePath: process.env.SPOKE_URL, numberOfApiCallRetries: retries });
const lists = client.crm.lists;
let counter = 0;
const unique = (prefix) => `${prefix} ${process.pid} ${counter++}`;
const email = (prefix) => `${prefix}-${process.pid}-${counter++}@example.com`;
const contact = async (properties) =>
  (await client.crm.contacts.basicApi.create({ properties, associations: [] })).id;

const stageIs = (stage) => ({
  filterBranchType: 'OR',
  filters: [],
  filterBranches: [{
    filterBranchType: 'AND',
    filterBranches: [],
    filters: [{
      filterType: 'PROPERTY',
      property: 'lifecyclestage',
      operation: { operationType: 'ENUMERATION', operator: 'IS_ANY_OF', values: [stage], includeObjectsWithNoValueSet: false },
    }],
  }],
});

async function allMembers(listId) {
  const ids = [];
  let after;
  for (;;) {
    const page = await lists.membershipsApi.getPage(listId, after, undefined, 2);
    ids.push(...page.results.map((r) => r.recordId));
    after = page.paging?.next?.after;
    if (!after) return ids;
  }
}

test('a dynamic list holds its contacts as soon as they are written', async () => {
  const { list } = await lists.listsApi.create({
    name: unique('Evangelists'),
    objectTypeId: '0-1',
    processingType: 'DYNAMIC',
    filterBranch: stageIs('evangelist'),
  });
  assert.equal(list.processingStatus, 'COMPLETE');
  const a = await contact({ email: email('ev'), lifecyclestage: 'evangelist' });
  const b = await contact({ email: email('ev'), lifecyclestage: 'evangelist' });
  const c = await contact({ email: email('ev'), lifecyclestage: 'evangelist' });
  assert.deepEqual(await allMembers(list.listId), [a, b, c]);
  await client.crm.contacts.basicApi.update(b, { properties: { lifecyclestage: 'other' } });
  assert.deepEqual(await allMembers(list.listId), [a, c]);
  const fetched = await lists.listsApi.getById(list.listId, true);
  assert.equal(fetched.list.size, 2);
  const records = await lists.membershipsApi.getLists('0-1', a);
  assert.deepEqual(records.results.map((m) => m.listId), [list.listId]);
});

test('a manual list takes adds and removes; the typo of recordsIdsAdded is kept', async () => {
  const { list } = await lists.listsApi.create({ name: unique('Manual'), objectTypeId: '0-1', processingType: 'MANUAL' });
  const a = await contact({ email: email('m') });
  const added = await lists.membershipsApi.add(list.listId, [a, '123456789']);
  assert.deepEqual(added.recordsIdsAdded, [a]);
  assert.deepEqual(added.recordIdsMissing, ['123456789']);
  const joined = await lists.membershipsApi.getPageOrderedByAddedToListDate(list.listId);
  assert.deepEqual(joined.results.map((r) => r.recordId), [a]);
  const removed = await lists.membershipsApi.remove(list.listId, [a]);
  assert.deepEqual(removed.recordIdsRemoved, [a]);
  const found = await lists.listsApi.doSearch({ query: list.name, offset: 0, additionalProperties: [] });
  assert.equal(found.total, 1);
  assert.equal(found.lists[0].listId, list.listId);
  const mapping = await lists.mappingApi.translateLegacyListIdToListId(String(Number(list.listId) + 1000));
  assert.equal(mapping.listId, list.listId);
  const { folder } = await lists.foldersApi.create({ name: unique('Folder') });
  await lists.foldersApi.moveList({ listId: list.listId, newFolderId: folder.id });
  const tree = await lists.foldersApi.getAll(folder.id);
  assert.deepEqual(tree.folder.childLists, [Number(list.listId)]);
  await lists.listsApi.remove(list.listId);
  await assert.rejects(lists.listsApi.getById(list.listId), (err) => err.code === 404);
});

test('node-hubspot drives the v1 lists', async () => {
  const hubspot = new Hubspot({ accessToken: process.env.SPOKE_TOKEN, baseUrl: process.env.SPOKE_URL });
  const created = await hubspot.lists.create({
    name: unique('v1 dynamic'),
    dynamic: true,
    filters: [[{ operator: 'EQ', value: 'evangelist', property: 'lifecyclestage', type: 'enumeration' }]],
  });
  assert.equal(created.dynamic, true);
  const listId = created.listId;
  const vid = Number(await contact({ email: email('v1'), lifecyclestage: 'evangelist' }));
  const one = await hubspot.lists.getOne(listId);
  assert.equal(one.listId, listId);
  const batch = await hubspot.lists.getByIdBatch([listId]);
  assert.equal(batch.lists.length, 1);
  const manual = await hubspot.lists.create({ name: unique('v1 static') });
  const added = await hubspot.lists.addContacts(manual.listId, { vids: [vid] });
  assert.deepEqual(added.updated, [vid]);
  const page = await hubspot.lists.getContacts(manual.listId, { count: 10 });
  assert.deepEqual(page.contacts.map((c) => c.vid), [vid]);
  const recent = await hubspot.lists.getRecentContacts(manual.listId, { count: 10 });
  assert.deepEqual(recent.contacts.map((c) => c.vid), [vid]);
  const removed = await hubspot.lists.removeContacts(manual.listId, { vids: [vid] });
  assert.deepEqual(removed.updated, [vid]);
  const all = await hubspot.lists.get({ count: 250 });
  assert.ok(all.lists.some((l) => l.listId === manual.listId));
  await hubspot.lists.delete(manual.listId);
  await assert.rejects(hubspot.lists.getOne(manual.listId), (err) => err.statusCode === 404);
});

test('a dynamic list is scheduled to become static, read back and cancelled', async () => {
  const { list } = await lists.listsApi.create({
    name: unique('Freeze'), objectTypeId: '0-1', processingType: 'DYNAMIC', filterBranch: stageIs('lead'),
  });
  const asked = await lists.listsApi.scheduleOrUpdateConversion(list.listId, { conversionType: 'INACTIVITY', offset: 2, timeUnit: 'WEEK' });
  assert.equal(asked.listId, list.listId);
  assert.equal(asked.requestedConversionTime.conversionType, 'INACTIVITY');
  assert.equal(asked.requestedConversionTime.offset, 2);
  const read = await lists.listsApi.getConversionDetails(list.listId);
  assert.equal(read.requestedConversionTime.timeUnit, 'WEEK');
  assert.equal(read.convertedAt, undefined);
  await lists.listsApi.cancelConversion(list.listId);
  const cleared = await lists.listsApi.getConversionDetails(list.listId);
  assert.equal(cleared.requestedConversionTime, undefined);
  await assert.rejects(
    lists.listsApi.scheduleOrUpdateConversion(list.listId, { conversionType: 'INACTIVITY', offset: 0, timeUnit: 'DAY' }),
    (err) => err.code === 400,
  );
});

test('a TIME_POINT filter relative to today takes in a contact created now', async () => {
  const since = {
    filterBranchType: 'OR',
    filters: [],
    filterBranches: [{
      filterBranchType: 'AND',
      filterBranches: [],
      filters: [{
        filterType: 'PROPERTY',
        property: 'createdate',
        operation: {
          operationType: 'TIME_POINT', type: 'TIME_POINT', operator: 'IS_AFTER', includeObjectsWithNoValueSet: false,
          timePoint: { timeType: 'INDEXED', zoneId: 'UTC', indexReference: { referenceType: 'TODAY' }, offset: { days: -1 } },
        },
      }],
    }],
  };
  const { list } = await lists.listsApi.create({ name: unique('Recent'), objectTypeId: '0-1', processingType: 'DYNAMIC', filterBranch: since });
  const id = await contact({ email: email('recent') });
  const members = await allMembers(list.listId);
  assert.ok(members.includes(id), `${id} not in ${members}`);
});
