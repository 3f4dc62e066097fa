// Webhooks through the official Node SDK: subscriptions with the app's
// developer API key (client.webhooks), and a delivery to a local receiver
// that the SDK's Signature.isValid accepts for v1 and v3.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { Client, Signature } from '@hubspot/api-client';
import { admin } from './admin.mjs';

const REDIRECT = 'http://localhost:3000/oauth-callback';

test('a subscription made through client.webhooks delivers requests Signature.isValid accepts', async () => {
  const app = await admin('POST', '/_spoke/v1/apps', {
    name: 'Node webhooks',
    redirectUris: [REDIRECT],
    scopes: ['oauth'],
  });
  const portal = await admin('POST', '/_spoke/v1/portals', { name: 'node webhooks' });
  await admin('POST', '/_spoke/v1/oauth/authorize', {
    clientId: app.clientId,
    portalId: portal.portalId,
    redirectUri: REDIRECT,
  });

  const received = [];
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      received.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      res.writeHead(200).end();
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${server.address().port}/node-hooks`;
  try {
    const developer = new Client({ developerApiKey: app.developerApiKey, basePath: process.env.SPOKE_URL });
    const settings = await developer.webhooks.settingsApi.configure(app.appId, {
      targetUrl: url,
      throttling: { maxConcurrentRequests: 10 },
    });
    assert.equal(settings.targetUrl, url);
    const sub = await developer.webhooks.subscriptionsApi.create(app.appId, {
      eventType: 'contact.creation',
      active: true,
    });
    assert.equal(typeof sub.id, 'string');

    const client = new Client({ accessToken: portal.accessToken, basePath: process.env.SPOKE_URL });
    const contact = await client.crm.contacts.basicApi.create({ properties: { email: 'node-signed@example.com' } });

    const deadline = Date.now() + 20000;
    while (received.length === 0) {
      assert.ok(Date.now() < deadline, 'no delivery within 20 s');
      await new Promise((r) => setTimeout(r, 50));
    }
    const { headers, body } = received[0];
    const events = JSON.parse(body);
    assert.equal(events[0].objectId, Number(contact.id));
    assert.equal(events[0].subscriptionId, Number(sub.id));
    assert.ok(
      Signature.isValid({
        signatureVersion: 'v1',
        signature: headers['x-hubspot-signature'],
        clientSecret: app.clientSecret,
        requestBody: body,
      }),
    );
    assert.ok(
      Signature.isValid({
        signatureVersion: 'v3',
        signature: headers['x-hubspot-signature-v3'],
        clientSecret: app.clientSecret,
        requestBody: body,
        url,
        method: 'POST',
        timestamp: Number(headers['x-hubspot-request-timestamp']),
      }),
    );
    assert.equal(
      Signature.isValid({
        signatureVersion: 'v1',
        signature: headers['x-hubspot-signature'],
        clientSecret: 'not-the-secret',
        requestBody: body,
      }),
      false,
    );
  } finally {
    server.close();
  }
});
