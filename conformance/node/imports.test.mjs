// Imports and exports through the official Node SDK: a CSV file sent as the
// SDK sends it (multipart, HttpFile), the import polled to DONE and its
// errors read, and an export's status read and its link downloaded. A
// portal of its own.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Client } from '@hubspot/api-client';
import { admin } from './admin.mjs';

async function client() {
  const portal = await admin('POST', '/_spoke/v1/portals', { name: 'imports' });
  return new Client({ accessToken: portal.accessToken, basePath: process.env.SPOKE_URL });
}

test('an import runs and reports its refused rows', async () => {
  const hubspot = await client();
  const csv = 'email,firstname\nann@node.io,Ann\nnot-an-email,Bad\n';
  const request = {
    name: 'Node people',
    files: [{
      fileName: 'people.csv',
      fileFormat: 'CSV',
      fileImportPage: {
        hasHeader: true,
        columnMappings: [
          { columnObjectTypeId: '0-1', columnName: 'email', propertyName: 'email' },
          { columnObjectTypeId: '0-1', columnName: 'firstname', propertyName: 'firstname' },
        ],
      },
    }],
  };
  const started = await hubspot.crm.imports.coreApi.create(
    { data: Buffer.from(csv), name: 'people.csv' },
    JSON.stringify(request),
  );
  assert.equal(started.importName, 'Node people');
  let done = started;
  for (let i = 0; i < 200 && ['STARTED', 'PROCESSING'].includes(done.state); i++) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    done = await hubspot.crm.imports.coreApi.getById(Number(started.id));
  }
  assert.equal(done.state, 'DONE');
  assert.equal(done.metadata.counters.CREATED_OBJECTS, 1);
  const errors = await hubspot.crm.imports.publicImportsApi.getErrors(
    Number(started.id), undefined, undefined, true, true,
  );
  assert.deepEqual(errors.results.map((e) => [e.sourceData.lineNumber, e.errorType]), [[3, 'INVALID_EMAIL']]);
  const ann = await hubspot.crm.contacts.basicApi.getById('ann@node.io', ['firstname'], undefined, undefined, false, 'email');
  assert.equal(ann.properties.firstname, 'Ann');
});

test('an export is downloaded from its link', async () => {
  const hubspot = await client();
  await hubspot.crm.contacts.basicApi.create({ properties: { email: 'x@node.io' } });
  // The SDK's own start() cannot serialize its request type (a union:
  // "typeMap[type].getAttributeTypeMap is not a function", before any call
  // is made), so the request goes through the SDK's apiRequest; the status
  // is read through the exports API.
  const response = await hubspot.apiRequest({ method: 'POST', path: '/crm/v3/exports/export/async', body: {
    exportType: 'VIEW',
    format: 'CSV',
    exportName: 'All',
    objectProperties: ['email'],
    objectType: 'CONTACT',
    language: 'EN',
    exportInternalValuesOptions: ['NAMES'],
    overrideAssociatedObjectsPerDefinitionPerRowLimit: false,
  } });
  assert.equal(response.status, 202);
  const task = await response.json();
  const status = await hubspot.crm.exports.publicExportsApi.getStatus(Number(task.id));
  assert.equal(status.status, 'COMPLETE');
  const file = await fetch(status.result);
  assert.equal(await file.text(), 'email\nx@node.io\n');
});
