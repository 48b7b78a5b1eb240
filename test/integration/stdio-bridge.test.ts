/**
 * `airlock stdio`: an SDK client launches the bridge as its server command; the bridge reaches the running
 * gateway over the user-only Unix socket in the data directory (no key), or with `AIRLOCK_CLIENT_KEY`.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { getDefaultEnvironment, StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { CreateMessageRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import { dataPaths } from '../../src/config/data-dir.ts';
import { BIN, firstText, startGatewayHarness, until } from '../helpers/gateway-harness.ts';
import type { GatewayHarness } from '../helpers/gateway-harness.ts';

let h: GatewayHarness;
const clients: Client[] = [];

async function bridge(args: string[], env: Record<string, string> = {}): Promise<Client> {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [BIN, 'stdio', '--home', h.home, ...args],
    env: { ...getDefaultEnvironment(), ...env },
    stderr: 'pipe',
  });
  const client = new Client({ name: 'bridge-test', version: '1.0.0' }, { capabilities: { sampling: {} } });
  client.setRequestHandler(CreateMessageRequestSchema, () => ({
    role: 'assistant',
    model: 'test-model',
    content: { type: 'text', text: 'sampled through the bridge' },
  }));
  clients.push(client);
  await client.connect(transport);
  return client;
}

before(async () => {
  h = await startGatewayHarness();
});
after(async () => {
  await Promise.all(clients.map((c) => c.close().catch(() => {})));
  await h?.close();
});

describe('airlock stdio', { timeout: 60_000 }, () => {
  test('the socket is a 0600 Unix socket in a 0700 data directory', () => {
    const socket = dataPaths(h.home).socket;
    const stat = fs.statSync(socket);
    assert.ok(stat.isSocket());
    assert.equal(stat.mode & 0o777, 0o600);
    assert.equal(fs.statSync(h.home).mode & 0o777, 0o700);
  });

  test('with no key over the socket: lists and calls every server as SERVER__NAME', async () => {
    const client = await bridge(['--client', 'desktop']);
    assert.equal(client.getServerVersion()?.name, 'airlock');
    const names = (await client.listTools()).tools.map((t) => t.name);
    assert.ok(names.includes('local__echo') && names.includes('remote__echo'), names.join(','));
    assert.equal(
      firstText(await client.callTool({ name: 'local__echo', arguments: { text: 'via socket' } })),
      'via socket',
    );
    const session = h.gateway.sessions.list().find((s) => s.grant.id === 'local:desktop');
    assert.ok(session, 'the gateway knows the session as the named local client');
    await client.close();
    await until(() => !h.gateway.sessions.list().some((s) => s.grant.id === 'local:desktop'), 'the session to end');
  });

  test('--server NAME: one server, names unchanged, with sampling relayed back', async () => {
    const client = await bridge(['--client', 'desktop', '--server', 'remote']);
    assert.equal(client.getServerVersion()?.name, 'fx-remote');
    const names = (await client.listTools()).tools.map((t) => t.name);
    assert.ok(names.includes('echo') && !names.some((n) => n.includes('__')), names.join(','));
    assert.equal(firstText(await client.callTool({ name: 'add', arguments: { a: 20, b: 22 } })), '42');
    const sampled = await client.callTool({ name: 'sample', arguments: { prompt: 'hi' } });
    assert.equal(firstText(sampled), 'sampled through the bridge');
  });

  test("--client naming a key client applies that client's server grant", async () => {
    await h.addClient('limited', ['local']);
    const client = await bridge(['--client', 'limited']);
    const names = (await client.listTools()).tools.map((t) => t.name);
    assert.ok(names.includes('local__echo'));
    assert.ok(!names.some((n) => n.startsWith('remote__')), names.join(','));
    await assert.rejects(bridge(['--client', 'limited', '--server', 'remote']));
  });

  test('AIRLOCK_CLIENT_KEY: a valid key works, a wrong one is refused', async () => {
    const key = await h.addClient('keyed', ['remote']);
    const client = await bridge([], { AIRLOCK_CLIENT_KEY: key });
    const names = (await client.listTools()).tools.map((t) => t.name);
    assert.ok(names.includes('remote__echo') && !names.includes('local__echo'), names.join(','));
    assert.equal(firstText(await client.callTool({ name: 'remote__echo', arguments: { text: 'k' } })), 'k');
    await assert.rejects(bridge([], { AIRLOCK_CLIENT_KEY: 'alk_wrong' }));
  });
});
