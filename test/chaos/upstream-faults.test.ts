/**
 * Hostile upstream servers (test/fixtures/hostile-server.ts, over stdio and over HTTP) behind a real
 * `airlock serve` process. For each fault: the calling client gets a clear answer (an error, or the data for
 * huge-but-legal), and afterwards the gateway still serves other sessions and other servers.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorCode, McpError } from '@modelcontextprotocol/sdk/types.js';
import { connectClient, firstText } from '../helpers/gateway-harness.ts';
import { startFixtureProcess, type RunningFixture } from '../helpers/spawn-fixture.ts';
import {
  assertGatewayServesOthers,
  HOSTILE_SERVER,
  rssMB,
  startChaosGateway,
  type ChaosGateway,
} from './chaos-harness.ts';

let gw: ChaosGateway;
let hostileHttp: RunningFixture;

before(async () => {
  hostileHttp = await startFixtureProcess(HOSTILE_SERVER, ['--http', '0']);
  gw = await startChaosGateway({
    servers: {
      'hostile-stdio': { command: process.execPath, args: [HOSTILE_SERVER, '--stdio'], timeoutMs: 3_000 },
      'hostile-http': { url: hostileHttp.url, timeoutMs: 3_000 },
    },
  });
});

after(async () => {
  await gw?.close();
  await hostileHttp?.stop();
});

interface Outcome {
  result?: unknown;
  error?: unknown;
  ms: number;
  logs: number;
}

/** One call of a hostile tool in a fresh session, bounded by a client-side timeout. */
async function callHostile(
  server: string,
  tool: string,
  timeoutMs: number,
  args: Record<string, unknown> = {},
): Promise<Outcome> {
  const client = await connectClient(gw.url(server), gw.key);
  const started = Date.now();
  try {
    const result = await client.client.callTool({ name: tool, arguments: args }, undefined, { timeout: timeoutMs });
    return { result, ms: Date.now() - started, logs: client.logs.length };
  } catch (error) {
    return { error, ms: Date.now() - started, logs: client.logs.length };
  } finally {
    await client.close();
  }
}

const isTimeout = (error: unknown) => error instanceof McpError && error.code === ErrorCode.RequestTimeout;

for (const transport of ['stdio', 'http'] as const) {
  const server = `hostile-${transport}`;
  describe(`hostile upstream over ${transport}`, () => {
    test('crash mid-call: the caller gets an error at once, not a timeout', async (t) => {
      const outcome = await callHostile(server, 'crash', 15_000);
      t.diagnostic(`crash: ${outcome.ms} ms, ${String(outcome.error)}`);
      assert.ok(outcome.error, 'the call must fail');
      assert.ok(!isTimeout(outcome.error), `crash surfaced only as the client's own timeout after ${outcome.ms} ms`);
      await assertGatewayServesOthers(gw, `${server} crash`);
    });

    test('hang: the client times out and cancels; its session and the gateway keep working', async (t) => {
      const client = await connectClient(gw.url(server), gw.key);
      try {
        await assert.rejects(
          client.client.callTool({ name: 'hang', arguments: {} }, undefined, { timeout: 1_000 }),
          (error: unknown) => isTimeout(error),
        );
        const again = await client.client.callTool({ name: 'echo', arguments: { text: 'same session' } }, undefined, {
          timeout: 5_000,
        });
        assert.equal(firstText(again), 'same session');
        t.diagnostic('hang: client timeout, same session answers afterwards');
      } finally {
        await client.close();
      }
      await assertGatewayServesOthers(gw, `${server} hang`);
    });

    test('flood of 10,000 log notifications: the answer still arrives', async (t) => {
      const outcome = await callHostile(server, 'flood', 30_000);
      t.diagnostic(`flood: ${outcome.ms} ms, ${outcome.logs} log notifications reached the client`);
      assert.ifError(outcome.error);
      assert.equal(firstText(outcome.result), 'flooded 10000');
      await assertGatewayServesOthers(gw, `${server} flood`);
    });

    test('malformed JSON-RPC lines: ignored, the answer after them arrives', async (t) => {
      const outcome = await callHostile(server, 'malformed', 10_000);
      t.diagnostic(`malformed: ${outcome.ms} ms, ${outcome.error ? String(outcome.error) : 'answered'}`);
      assert.ifError(outcome.error);
      assert.equal(firstText(outcome.result), 'survived malformed');
      await assertGatewayServesOthers(gw, `${server} malformed`);
    });

    test('a result that is not a CallToolResult: the caller gets an error saying so', async () => {
      const outcome = await callHostile(server, 'bad_result', 10_000);
      assert.ok(outcome.error instanceof McpError, `an MCP error, not ${String(outcome.result ?? outcome.error)}`);
      assert.match(
        outcome.error.message,
        /sent an invalid tools\/call result \("content": Invalid input: expected array/,
      );
      await assertGatewayServesOthers(gw, `${server} bad result`);
    });

    test('responses for unknown request ids: ignored, the real answer arrives', async () => {
      const outcome = await callHostile(server, 'unknown_ids', 10_000);
      assert.ifError(outcome.error);
      assert.equal(firstText(outcome.result), 'survived unknown ids');
      await assertGatewayServesOthers(gw, `${server} unknown ids`);
    });

    test('a legal 8 MB answer reaches the client whole', async (t) => {
      const outcome = await callHostile(server, 'huge', 60_000, { bytes: 8 * 1024 * 1024 });
      t.diagnostic(`8 MB: ${outcome.ms} ms`);
      assert.ifError(outcome.error);
      assert.equal(firstText(outcome.result).length, 8 * 1024 * 1024);
      await assertGatewayServesOthers(gw, `${server} 8 MB`);
    });

    test(
      transport === 'http'
        ? 'a legal 20 MB answer reaches the client whole'
        : 'a 20 MB line is over the SDK stdio limit (10 MiB): the caller gets an error, not a hang',
      async (t) => {
        const before = rssMB(gw.serve.pid);
        const outcome = await callHostile(server, 'huge', 60_000);
        t.diagnostic(
          `20 MB: ${outcome.ms} ms, ${String(outcome.error ?? 'answered')}, gateway RSS ${before} -> ${rssMB(gw.serve.pid)} MB`,
        );
        if (transport === 'http') {
          assert.ifError(outcome.error);
          assert.equal(firstText(outcome.result).length, 20 * 1024 * 1024);
        } else {
          // StdioClientTransport's ReadBuffer refuses messages over 10 MiB and closes the connection.
          assert.ok(outcome.error && !isTimeout(outcome.error), String(outcome.error));
        }
        await assertGatewayServesOthers(gw, `${server} 20 MB`);
      },
    );

    test('output cut mid-message (process alive): the caller gets an error, not a hang', async (t) => {
      const outcome = await callHostile(server, 'cut', 8_000);
      t.diagnostic(`cut: ${outcome.ms} ms, ${String(outcome.error ?? 'answered')}`);
      assert.ok(outcome.error, 'a cut answer cannot be a result');
      assert.ok(!isTimeout(outcome.error), `the cut surfaced only as the client's own timeout after ${outcome.ms} ms`);
      await assertGatewayServesOthers(gw, `${server} cut`);
    });

    test('1,000 server-to-client requests in a burst: relayed, then the answer', async (t) => {
      const outcome = await callHostile(server, 'request_storm', 30_000);
      t.diagnostic(`request storm: ${outcome.ms} ms, ${outcome.error ? String(outcome.error) : 'answered'}`);
      assert.ifError(outcome.error);
      assert.equal(firstText(outcome.result), 'stormed');
      await assertGatewayServesOthers(gw, `${server} request storm`);
    });
  });
}

test('the hostile servers themselves are still usable through the gateway at the end', async () => {
  for (const server of ['hostile-stdio', 'hostile-http']) {
    const outcome = await callHostile(server, 'echo', 10_000, { text: 'still' });
    assert.ifError(outcome.error);
    assert.equal(firstText(outcome.result), 'still');
  }
});

test('an upstream that is gone: a new session to it gets a clear error and the gateway survives', async (t) => {
  await hostileHttp.stop();
  const client = connectClient(gw.url('hostile-http'), gw.key);
  const error = await client.then(
    async (c) => {
      await c.close();
      return undefined;
    },
    (e: unknown) => e,
  );
  t.diagnostic(`session to a dead upstream: ${String(error)}`);
  assert.ok(error, 'initialize against a dead upstream cannot succeed');
  await new Promise((r) => setTimeout(r, 300));
  await assertGatewayServesOthers(gw, 'a session to a dead upstream');
});
