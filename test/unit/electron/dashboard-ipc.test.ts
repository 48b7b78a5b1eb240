import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startAirlock } from '../../../src/app/start-airlock.ts';
import { openVault } from '../../../src/vault/file-vault.ts';
import { MemoryCipher } from '../../../src/vault/memory-cipher.ts';
import { registerDashboardIpc } from '../../../electron/ipc/dashboard-ipc.ts';
import { DASHBOARD_CHANNELS as C } from '../../../electron/ipc/channels.ts';
import type { IpcMainLike } from '../../../electron/ipc/handle.ts';
import type { IpcSenderEvent } from '../../../electron/ipc/sender-guard.ts';
import { appUrl, CONSENT_PAGE, DASHBOARD_PAGE } from '../../../electron/app-protocol.ts';

type Listener = (event: IpcSenderEvent, ...args: unknown[]) => unknown;

class FakeIpcMain implements IpcMainLike {
  readonly handlers = new Map<string, Listener>();
  handle(channel: string, listener: Listener): void {
    assert.equal(this.handlers.has(channel), false, `one handler per channel (${channel})`);
    this.handlers.set(channel, listener);
  }
  removeHandler(channel: string): void {
    this.handlers.delete(channel);
  }
  invoke(event: IpcSenderEvent, channel: string, ...args: unknown[]): Promise<unknown> {
    const handler = this.handlers.get(channel);
    assert.ok(handler, `handler for ${channel}`);
    return Promise.resolve(handler(event, ...args));
  }
}

const DASHBOARD_ID = 7;
const frame = { url: appUrl(DASHBOARD_PAGE), parent: null };
const dashboardEvent: IpcSenderEvent = { sender: { id: DASHBOARD_ID, mainFrame: frame }, senderFrame: frame };

test('the dashboard bridge drives the real core, checks senders and arguments, and never returns a secret', async (t) => {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'airlock-dashboard-ipc-'));
  const vault = await openVault({ file: path.join(home, 'vault.json'), cipher: new MemoryCipher() });
  const airlock = await startAirlock({ home, vault, port: 0, listenSocket: false });
  t.after(async () => {
    await airlock.close();
    fs.rmSync(home, { recursive: true, force: true });
  });
  const ipc = new FakeIpcMain();
  let focused = true;
  const dispose = registerDashboardIpc(
    ipc,
    {
      airlock,
      vaultWarning: () => 'memory only',
      paused: () => false,
      bridgeCommand: () => ({ command: 'node', args: ['/app/bin/airlock.js'] }),
      isSenderFocused: () => focused,
    },
    (id) => id === DASHBOARD_ID,
  );
  for (const channel of Object.values(C)) assert.ok(ipc.handlers.has(channel), channel);
  const call = (channel: string, ...args: unknown[]) => ipc.invoke(dashboardEvent, channel, ...args);

  const status = (await call(C.status)) as { mcpUrl: string; vaultWarning: string; servers: unknown[] };
  assert.equal(status.mcpUrl, airlock.gateway.mcpUrl);
  assert.equal(status.vaultWarning, 'memory only');

  // Senders: another page, a subframe, an unknown window, a destroyed frame.
  const strangers: IpcSenderEvent[] = [
    { sender: { id: DASHBOARD_ID }, senderFrame: { url: appUrl(CONSENT_PAGE), parent: null } },
    { sender: { id: DASHBOARD_ID }, senderFrame: { url: appUrl(DASHBOARD_PAGE), parent: frame } },
    { sender: { id: 8 }, senderFrame: frame },
    { sender: { id: DASHBOARD_ID }, senderFrame: null },
    { sender: { id: DASHBOARD_ID }, senderFrame: { url: 'https://evil.example/index.html', parent: null } },
  ];
  for (const event of strangers) {
    await assert.rejects(ipc.invoke(event, C.setSecret, 'token', 'x'), /may not call Airlock/);
  }

  await call(C.setSecret, 'api-token', 'sk-live-very-secret-value');
  assert.equal(await vault.get('secret/api-token'), 'sk-live-very-secret-value');
  const secrets = await call(C.secrets);
  assert.deepEqual(
    (secrets as { name: string }[]).map((s) => s.name),
    ['api-token'],
  );
  assert.doesNotMatch(JSON.stringify(secrets), /very-secret/);
  for (const args of [
    ['../x', 'v'],
    ['ok', ''],
    ['ok', 42],
    ['ok', 'v', 'extra'],
  ]) {
    await assert.rejects(call(C.setSecret, ...args), /Invalid/, JSON.stringify(args));
  }
  await call(C.removeSecret, 'api-token');
  await assert.rejects(call(C.removeSecret, 'api-token'), /no secret named/);

  await call(C.addServer, { name: 'local', command: process.execPath, args: ['-e', 'setTimeout(()=>{},1e6)'] });
  assert.ok(JSON.parse(fs.readFileSync(path.join(home, 'config.json'), 'utf8')).mcpServers.local);
  await assert.rejects(call(C.addServer, { name: 'local', command: 'x', args: [] }), /already exists/);
  await assert.rejects(
    call(C.addServer, {
      name: 'leak',
      url: 'https://mcp.example.com',
      headers: { Authorization: 'Bearer sk_live_4eC39HqLyjWDarjtT1zdp7dc' },
    }),
    /looks like a secret/,
  );
  await assert.rejects(call(C.addServer, { name: 'Bad Name', url: 'https://x.example' }), /Invalid server name/);
  await assert.rejects(call(C.addServer, { name: 'js', url: 'javascript:alert(1)' }), /Invalid server URL/);
  await call(C.removeServer, 'local');

  const created = (await call(C.addClient, { name: 'cursor' })) as { key: string; snippets: { target: string }[] };
  assert.match(created.key, /\S{20,}/);
  assert.deepEqual(
    created.snippets.map((s) => s.target),
    ['claude', 'cursor', 'vscode', 'windsurf'],
  );
  const clients = await call(C.clients);
  assert.doesNotMatch(JSON.stringify(clients), new RegExp(created.key), 'the key is shown once, never listed');
  await assert.rejects(call(C.addClient, { name: 'x', servers: ['missing'] }), /no server named/);
  await call(C.revokeClient, 'cursor');

  // Consents: approval needs the dashboard focused; declining does not.
  const opened: string[] = [];
  const { request, outcome } = airlock.consents.request({
    kind: 'url-elicitation',
    server: 's',
    message: 'Open this',
    url: 'https://example.com/x',
  });
  const pending = (await call(C.consents)) as { id: string }[];
  assert.deepEqual(
    pending.map((p) => p.id),
    [request.id],
  );
  focused = false;
  await assert.rejects(call(C.answerConsent, request.id, { action: 'approve' }), /to the front/);
  await call(C.answerConsent, request.id, { action: 'deny' });
  assert.equal((await outcome).action, 'deny');
  assert.deepEqual(opened, []);
  await assert.rejects(call(C.answerConsent, request.id, { action: 'deny' }), /already answered/);
  await assert.rejects(call(C.answerConsent, '../x', { action: 'deny' }), /Invalid consent id/);

  const activity = (await call(C.activity, 50)) as { type: string }[];
  assert.ok(activity.some((entry) => entry.type === 'consent'));
  await assert.rejects(call(C.activity, -1), /Invalid limit/);

  dispose();
  assert.equal(ipc.handlers.size, 0);
});
