// "Pause gateway" (tray menu, POST /api/pause): upstream servers stop, MCP requests get 503, a
// config change made meanwhile waits for the resume; resuming brings everything back.
//
// Real parts: the gateway in-process with the everything fixture over stdio and over HTTP, the
// admin API over HTTP, the CLI, an SDK client.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  INITIALIZE,
  firstText,
  mcpHeaders,
  startGatewayHarness,
  until,
  type GatewayHarness,
} from '../helpers/gateway-harness.ts';
import { stdioFixtureCommand } from '../helpers/spawn-fixture.ts';

let h: GatewayHarness | undefined;
after(async () => {
  await h?.close();
});

async function pause(paused: boolean): Promise<Response> {
  return fetch(`${h!.gateway.origin}/api/pause`, {
    method: 'POST',
    headers: { authorization: `Bearer ${h!.gateway.adminToken}`, 'content-type': 'application/json' },
    body: JSON.stringify({ paused }),
  });
}

test('pausing stops the servers and refuses MCP; resuming restores them with config changed meanwhile', async () => {
  h = await startGatewayHarness();
  const key = await h.addClient('pauser');
  const before = await h.connect(key);
  assert.equal(firstText(await before.client.callTool({ name: 'local__echo', arguments: { text: 'hi' } })), 'hi');

  const paused = await pause(true);
  assert.equal(paused.status, 200);
  assert.equal(((await paused.json()) as { paused: boolean }).paused, true);
  assert.deepEqual(h.gateway.registry.states(), [], 'every upstream server is stopped');
  const refused = await fetch(h.url(), { method: 'POST', headers: mcpHeaders(key), body: JSON.stringify(INITIALIZE) });
  assert.equal(refused.status, 503);
  assert.match(((await refused.json()) as { error: { message: string } }).error.message, /paused/);

  // A server added while paused is not started until the resume.
  const extra = stdioFixtureCommand({ name: 'fx-extra' });
  const added = await h.cli(['--json', 'server', 'add', 'extra', '--', extra.command, ...extra.args]);
  assert.equal(added.code, 0, added.stderr);
  assert.deepEqual(h.gateway.registry.states(), []);

  assert.equal((await pause(false)).status, 200);
  await until(
    () => ['extra', 'local', 'remote'].every((name) => h!.gateway.registry.get(name)?.state.state === 'connected'),
    'all servers connected after the resume',
    20_000,
  );
  const after = await h.connect(key);
  assert.equal(firstText(await after.client.callTool({ name: 'extra__echo', arguments: { text: 'back' } })), 'back');
  assert.equal((await pause('yes' as unknown as boolean)).status, 400, 'a malformed body is refused');
});
