/**
 * `/oauth/callback` over real HTTP: a state is redeemed once, only after its consent was
 * approved and before it expires; anything else is a 400 page; codes never reach the log.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { createLogger } from '../../../src/log/logger.ts';
import { PendingFlows } from '../../../src/oauth/pending-flows.ts';
import { mountOAuthCallback } from '../../../src/oauth/callback-route.ts';

let server: Server;
let base: string;
let host: string;
let dir: string;
const flows = new PendingFlows();
const exchanged: string[] = [];
const logFile = () => path.join(dir, 'airlock.log');

before(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'airlock-callback-'));
  const logger = createLogger({ file: logFile() });
  const app = express();
  mountOAuthCallback(app, { flows, expectedHost: () => host, logger: () => logger });
  server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  base = `http://${host}/oauth/callback`;
});
after(() => {
  server.close();
  flows.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

function newFlow(lifetimeMs = 60_000, name = 'demo<b>') {
  const flow = flows.create({ kind: 'server', name, displayName: name }, lifetimeMs, async (code) => {
    exchanged.push(code);
  });
  flow.consentId = `consent-${flow.state.slice(0, 6)}`;
  return flow;
}

test('an approved state is redeemed once: the page says signed in, escaped, without the code', async () => {
  const flow = newFlow();
  flows.approve(flow.state, flow.consentId!);
  const res = await fetch(`${base}?code=the-secret-code-1&state=${flow.state}`);
  const body = await res.text();
  assert.equal(res.status, 200);
  assert.match(body, /Signed in to demo&#60;b&#62;, you can close this tab/);
  assert.ok(!body.includes('the-secret-code-1') && !body.includes(flow.state));
  assert.equal(res.headers.get('cache-control'), 'no-store');
  assert.deepEqual(exchanged.slice(-1), ['the-secret-code-1']);
  await flow.done;

  const replay = await fetch(`${base}?code=the-secret-code-1&state=${flow.state}`);
  assert.equal(replay.status, 400, 'a replayed state is refused');
  assert.equal(exchanged.filter((c) => c === 'the-secret-code-1').length, 1);
});

test('a forged state, an unapproved one and an expired one are refused', async () => {
  assert.equal((await fetch(`${base}?code=forged-code-2&state=not-a-real-state`)).status, 400);
  assert.equal((await fetch(`${base}?code=forged-code-2`)).status, 400);

  const unapproved = newFlow();
  const started = Date.now();
  assert.equal((await fetch(`${base}?code=early-code-3&state=${unapproved.state}`)).status, 400);
  assert.ok(Date.now() - started >= 2500, 'waits briefly for an approval in flight before refusing');

  const expiring = newFlow(100);
  flows.approve(expiring.state, expiring.consentId!);
  await assert.rejects(expiring.done, /not completed in time/);
  assert.equal((await fetch(`${base}?code=late-code-4&state=${expiring.state}`)).status, 400);
  assert.ok(!exchanged.some((c) => /forged|early|late/.test(c)), 'no refused code was exchanged');
});

test('repeated parameters, another host or path are refused; an AS error fails the flow', async () => {
  const flow = newFlow();
  flows.approve(flow.state, flow.consentId!);
  assert.equal((await fetch(`${base}?code=a&code=b&state=${flow.state}`)).status, 400);
  assert.equal(
    (await fetch(`${base.replace('127.0.0.1', 'localhost')}?code=dup-code-5&state=${flow.state}`)).status,
    400,
  );
  const denied = await fetch(`${base}?error=access_denied&state=${flow.state}`);
  assert.equal(denied.status, 400);
  assert.match(await denied.text(), /not completed/);
  await assert.rejects(flow.done, /access_denied/);
});

test('the log names the path and outcome, never a code or a state', async () => {
  const log = fs.readFileSync(logFile(), 'utf8');
  assert.match(log, /"path":"\/oauth\/callback"/);
  assert.match(log, /"outcome":"rejected"/);
  for (const secret of [
    'the-secret-code-1',
    'forged-code-2',
    'early-code-3',
    'late-code-4',
    'dup-code-5',
    'not-a-real-state',
  ]) {
    assert.ok(!log.includes(secret), `the log does not contain ${secret}`);
  }
});
