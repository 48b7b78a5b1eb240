// ${secret:NAME} references end to end (vault issue): a server whose secret is missing is in error
// naming it and the gateway lives on; setting the secret brings it up; changing it restarts the
// stdio server with the new value; removing it puts the server back in error.
//
// Real parts: `airlock serve` (child), the CLI, the everything fixture over stdio (spawned by the
// gateway with the secret in its env), an SDK client.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { connectClient, firstText, startServeProcess, until, type ServeProcess } from '../helpers/gateway-harness.ts';
import { stdioFixtureCommand } from '../helpers/spawn-fixture.ts';

let serve: ServeProcess | undefined;
after(async () => {
  await serve?.close();
});

interface StatusJson {
  servers: { name: string; state: string; reason?: string; restarts: number }[];
}

async function serverState(name: string): Promise<{ state: string; reason?: string } | undefined> {
  const result = await serve!.cli(['--json', 'status']);
  if (result.code !== 0) return undefined;
  return (JSON.parse(result.stdout) as StatusJson).servers.find((s) => s.name === name);
}

test('a secret reference: missing, set, changed, removed', async () => {
  const fixture = stdioFixtureCommand({ name: 'fx-secret' });
  serve = await startServeProcess({
    noRemote: true,
    waitConnected: false,
    servers: { vaulted: { command: fixture.command, args: fixture.args, env: { API_TOKEN: '${secret:api-token}' } } },
  });

  // Missing: the server is in error naming the secret; the gateway and the other server live on.
  await until(async () => (await serverState('vaulted'))?.state === 'error', 'vaulted in error');
  const missing = await serverState('vaulted');
  assert.match(missing!.reason ?? '', /missing secret "api-token"/);
  assert.equal((await serverState('local'))?.state, 'connected');

  // Set: the server comes up and receives the value (the client sees only the redaction marker).
  const first = 'first-token-value-111';
  assert.equal((await serve.cli(['secret', 'set', 'api-token'], { input: first })).code, 0);
  await until(async () => (await serverState('vaulted'))?.state === 'connected', 'vaulted connected');
  const key = JSON.parse((await serve.cli(['--json', 'client', 'add', 'probe'])).stdout).key as string;
  const client = await connectClient(`${serve.mcpUrl}/vaulted`, key);
  assert.equal(
    firstText(await client.client.callTool({ name: 'env', arguments: { name: 'API_TOKEN' } })),
    '[redacted:api-token]',
  );

  // Changed: the server is restarted with the new value. Had the process kept the old one, the
  // redactor (which only knows the vault's current values) would have let it through in clear.
  const second = 'second-token-value-222';
  assert.equal((await serve.cli(['secret', 'set', 'api-token'], { input: second })).code, 0);
  let seen = '';
  await until(
    async () => {
      try {
        seen = firstText(await client.client.callTool({ name: 'env', arguments: { name: 'API_TOKEN' } }));
      } catch (error) {
        if (process.env.DEBUG_TEST) console.error('call failed:', String(error));
        return false; // the connection was closed for the restart; the next call reconnects
      }
      return seen === '[redacted:api-token]';
    },
    `the restarted server to see the new value (last answer ${JSON.stringify(seen)})`,
  );
  assert.ok(!seen.includes(first));
  await client.close();

  // Removed: back to an error naming the secret.
  assert.equal((await serve.cli(['secret', 'remove', 'api-token'])).code, 0);
  await until(async () => (await serverState('vaulted'))?.state === 'error', 'vaulted in error again');
  assert.match((await serverState('vaulted'))!.reason ?? '', /missing secret "api-token"/);
  assert.equal((await serve.cli(['--json', 'secret', 'list'])).stdout.trim(), '[]');
});
