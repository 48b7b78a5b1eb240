/**
 * Hostile and broken input against a running `airlock serve` (child process) fronting real fixtures.
 * Every case asserts the clear error AND that the gateway and another open session still work afterwards.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import {
  connectClient,
  firstText,
  INITIALIZE,
  mcpHeaders,
  rawRequest,
  startServeProcess,
  stdioFixturePids,
  until,
} from '../helpers/gateway-harness.ts';
import type { RecordingClient, ServeProcess } from '../helpers/gateway-harness.ts';

let g: ServeProcess;
let aliceKey: string;
let bobKey: string;
/** Alice's long-lived session: every case checks it still works afterwards. */
let alice: RecordingClient;
const opened: RecordingClient[] = [];

async function addClient(name: string): Promise<string> {
  const result = await g.cli(['--json', 'client', 'add', name]);
  assert.equal(result.code, 0, result.stderr);
  const parsed = JSON.parse(result.stdout) as { name: string; key: string };
  assert.equal(parsed.name, name);
  return parsed.key;
}

async function connect(key: string, server?: string): Promise<RecordingClient> {
  const client = await connectClient(server ? `${g.mcpUrl}/${server}` : g.mcpUrl, key);
  opened.push(client);
  return client;
}

/** The gateway answers and Alice's session still works. */
async function stillWorks(): Promise<void> {
  const health = await rawRequest(`http://127.0.0.1:${g.port}/healthz`, { method: 'GET' });
  assert.equal(health.status, 200);
  const text = firstText(await alice.client.callTool({ name: 'remote__echo', arguments: { text: 'still here' } }));
  assert.equal(text, 'still here');
}

function rssKb(pid: number): number {
  const match = /VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(match?.[1] ?? 0);
}

/**
 * POSTs up to `total` bytes in 1 MB chunks, waiting for each to drain, and stops sending as soon as an
 * answer arrives (as a browser or curl does); resolves with the status, or undefined if none came.
 */
function postHuge(url: string, key: string, total: number, chunked: boolean): Promise<number | undefined> {
  const target = new URL(url);
  return new Promise((resolve) => {
    let status: number | undefined;
    let settled = false;
    const settle = () => {
      if (settled) return;
      settled = true;
      resolve(status);
    };
    const req = http.request({
      host: target.hostname,
      port: target.port,
      path: target.pathname,
      method: 'POST',
      headers: { ...mcpHeaders(key), ...(chunked ? {} : { 'content-length': String(total) }) },
      // A fresh connection: a pooled one the server is about to close would fail for the wrong reason.
      agent: false,
    });
    req.on('response', (res) => {
      status = res.statusCode;
      res.resume();
      res.on('end', () => {
        // The answer is in: give up the upload, as a browser or curl does.
        req.destroy();
        settle();
      });
      res.on('error', settle);
    });
    req.on('error', settle);
    req.on('close', () => {
      if (status !== undefined) settle();
    });
    const chunk = Buffer.alloc(1024 * 1024, 0x20);
    let sent = 0;
    const pump = () => {
      if (status !== undefined || req.destroyed) return;
      if (sent >= total) {
        req.end();
        return;
      }
      sent += chunk.length;
      if (req.write(chunk)) setImmediate(pump);
      else req.once('drain', pump);
    };
    pump();
  });
}

before(async () => {
  g = await startServeProcess({ timeoutMs: 1_500 });
  aliceKey = await addClient('alice');
  bobKey = await addClient('bob');
  alice = await connect(aliceKey);
  assert.equal(firstText(await alice.client.callTool({ name: 'remote__echo', arguments: { text: 'hi' } })), 'hi');
});
after(async () => {
  await Promise.all(opened.map((c) => c.close()));
  await g?.close();
});

describe('authentication', { timeout: 30_000 }, () => {
  test('no key: 401 with WWW-Authenticate pointing at the resource metadata', async () => {
    const res = await rawRequest(g.mcpUrl, { headers: mcpHeaders(undefined), body: JSON.stringify(INITIALIZE) });
    assert.equal(res.status, 401);
    assert.equal(
      res.headers['www-authenticate'],
      `Bearer resource_metadata="http://127.0.0.1:${g.port}/.well-known/oauth-protected-resource/mcp"`,
    );
    const one = await rawRequest(`${g.mcpUrl}/local`, {
      headers: mcpHeaders(undefined),
      body: JSON.stringify(INITIALIZE),
    });
    assert.equal(one.status, 401);
    assert.match(String(one.headers['www-authenticate']), /oauth-protected-resource\/mcp\/local"$/);
    await stillWorks();
  });

  test('a wrong key: 401 invalid_token', async () => {
    for (const token of ['alk_not-a-real-key', 'garbage', aliceKey.slice(0, -1)]) {
      const res = await rawRequest(g.mcpUrl, { headers: mcpHeaders(token), body: JSON.stringify(INITIALIZE) });
      assert.equal(res.status, 401, token);
      assert.match(String(res.headers['www-authenticate']), /error="invalid_token"/);
    }
    await stillWorks();
  });

  test('a key revoked with `airlock client revoke` stops its open session at once', async () => {
    const carolKey = await addClient('carol');
    const carol = await connect(carolKey);
    assert.equal(firstText(await carol.client.callTool({ name: 'local__echo', arguments: { text: 'c' } })), 'c');
    const sessionId = carol.transport.sessionId!;
    const revoke = await g.cli(['client', 'revoke', 'carol']);
    assert.equal(revoke.code, 0, revoke.stderr);
    // No waiting: the very next request of the open session is refused.
    const res = await rawRequest(g.mcpUrl, {
      headers: mcpHeaders(carolKey, { 'mcp-session-id': sessionId, 'mcp-protocol-version': '2025-11-25' }),
      body: JSON.stringify({ jsonrpc: '2.0', id: 9, method: 'tools/list' }),
    });
    assert.ok(res.status === 401 || res.status === 404, `status ${res.status}`);
    await assert.rejects(carol.client.callTool({ name: 'local__echo', arguments: { text: 'c' } }));
    await stillWorks();
  });

  test("a client using another client's session id gets 404", async () => {
    const res = await rawRequest(g.mcpUrl, {
      headers: mcpHeaders(bobKey, {
        'mcp-session-id': alice.transport.sessionId!,
        'mcp-protocol-version': '2025-11-25',
      }),
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'remote__echo' } }),
    });
    assert.equal(res.status, 404);
    // The same id on another endpoint is not Alice's session either.
    const other = await rawRequest(`${g.mcpUrl}/remote`, {
      headers: mcpHeaders(aliceKey, {
        'mcp-session-id': alice.transport.sessionId!,
        'mcp-protocol-version': '2025-11-25',
      }),
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
    });
    assert.equal(other.status, 404);
    await stillWorks();
  });
});

describe('DNS-rebinding defence', { timeout: 30_000 }, () => {
  test('a foreign Host header: 403 before any MCP processing', async () => {
    for (const host of ['evil.example:80', `evil.example:${g.port}`, '127.0.0.1:1', `127.0.0.2:${g.port}`]) {
      const res = await rawRequest(g.mcpUrl, {
        headers: mcpHeaders(aliceKey, { host }),
        body: JSON.stringify(INITIALIZE),
      });
      assert.equal(res.status, 403, host);
    }
    await stillWorks();
  });

  test("a foreign Origin: 403; Airlock's own origin is accepted", async () => {
    for (const origin of ['https://evil.example', 'http://localhost:1', 'null']) {
      const res = await rawRequest(g.mcpUrl, {
        headers: mcpHeaders(aliceKey, { origin }),
        body: JSON.stringify(INITIALIZE),
      });
      assert.equal(res.status, 403, origin);
    }
    const own = await rawRequest(g.mcpUrl, {
      headers: mcpHeaders(aliceKey, { origin: `http://localhost:${g.port}`, host: `localhost:${g.port}` }),
      body: JSON.stringify(INITIALIZE),
    });
    assert.equal(own.status, 200);
    await rawRequest(g.mcpUrl, {
      method: 'DELETE',
      headers: mcpHeaders(aliceKey, { 'mcp-session-id': String(own.headers['mcp-session-id']) }),
    });
    await stillWorks();
  });
});

describe('bad input', { timeout: 60_000 }, () => {
  test('malformed JSON: 400 with JSON-RPC -32700', async () => {
    const res = await rawRequest(g.mcpUrl, { headers: mcpHeaders(aliceKey), body: '{"jsonrpc": "2.0", "id": 1,' });
    assert.equal(res.status, 400);
    assert.equal((res.json() as { error: { code: number } }).error.code, -32700);
    await stillWorks();
  });

  test('wrong JSON-RPC shapes: 400 with a JSON-RPC error, with and without a session', async () => {
    const sessionHeaders = mcpHeaders(aliceKey, {
      'mcp-session-id': alice.transport.sessionId!,
      'mcp-protocol-version': '2025-11-25',
    });
    const bodies = [
      '{"foo": 1}',
      '[]',
      '42',
      'null',
      '{"jsonrpc": "1.0", "id": 1, "method": "ping"}',
      '{"jsonrpc": "2.0", "id": {"x": 1}, "method": "ping"}',
      '{"jsonrpc": "2.0", "id": 1, "method": 7}',
    ];
    for (const body of bodies) {
      const fresh = await rawRequest(g.mcpUrl, { headers: mcpHeaders(aliceKey), body });
      assert.equal(fresh.status, 400, `without a session: ${body}`);
      assert.equal(typeof (fresh.json() as { error: { code: number } }).error.code, 'number');
      const inSession = await rawRequest(g.mcpUrl, { headers: sessionHeaders, body });
      assert.equal(inSession.status, 400, `in a session: ${body} -> ${inSession.body}`);
      assert.equal(typeof (inSession.json() as { error: { code: number } }).error.code, 'number');
    }
    await stillWorks();
  });

  test('a 50 MB body: 413, and the gateway does not keep it in memory', async () => {
    const before = rssKb(g.pid);
    // 200 MB in all: were any body kept (or parsed), the gateway would grow by far more than one body's size.
    for (const chunked of [false, true, false, true]) {
      const status = await postHuge(g.mcpUrl, aliceKey, 50 * 1024 * 1024, chunked);
      assert.equal(status, 413, chunked ? 'chunked upload' : 'with content-length');
    }
    const growthMb = (rssKb(g.pid) - before) / 1024;
    process.stderr.write(`# gateway RSS growth after 4 x 50 MB: ${growthMb.toFixed(1)} MB\n`);
    assert.ok(growthMb < 40, `gateway RSS grew by ${growthMb.toFixed(1)} MB`);
    await stillWorks();
  });

  test('an unknown server: 404 on /mcp/SERVER', async () => {
    for (const server of ['nope', 'NOPE', '..%2F..', 'x'.repeat(40)]) {
      const res = await rawRequest(`${g.mcpUrl}/${server}`, {
        headers: mcpHeaders(aliceKey),
        body: JSON.stringify(INITIALIZE),
      });
      assert.equal(res.status, 404, server);
    }
    await stillWorks();
  });

  test('an unknown tool: a clear error, on /mcp and on /mcp/SERVER', async () => {
    await assert.rejects(alice.client.callTool({ name: 'remote__no_such_tool', arguments: {} }), /no_such_tool/);
    const one = await connect(aliceKey, 'remote');
    const result = await one.client.callTool({ name: 'no_such_tool', arguments: {} }).then(
      (r) => ({ isError: r.isError, text: firstText(r) }),
      (error: Error) => ({ isError: true, text: error.message }),
    );
    assert.equal(result.isError, true);
    assert.match(result.text, /no_such_tool/);
    assert.equal(firstText(await one.client.callTool({ name: 'echo', arguments: { text: 'x' } })), 'x');
    await stillWorks();
  });
});

describe('failing upstreams', { timeout: 60_000 }, () => {
  test('an upstream process that dies is restarted by the supervisor', async () => {
    const status = async () =>
      (
        JSON.parse((await g.cli(['--json', 'status'])).stdout) as {
          servers: { name: string; state: string; restarts: number }[];
        }
      ).servers.find((s) => s.name === 'local')!;
    const restartsBefore = (await status()).restarts;
    // The oldest stdio fixture child of the gateway is the supervisor's own (monitoring) connection.
    const [monitor] = stdioFixturePids(g.pid).sort((a, b) => a - b);
    assert.ok(monitor);
    process.kill(monitor, 'SIGKILL');
    await until(async () => {
      const s = await status();
      return s.state === 'connected' && s.restarts > restartsBefore;
    }, 'the supervisor to restart local');
    await stillWorks();
  });

  test('crash mid-call: the caller gets an error; its session and others live on', async () => {
    const victim = await connect(bobKey, 'local');
    assert.equal(firstText(await victim.client.callTool({ name: 'echo', arguments: { text: 'a' } })), 'a');
    await assert.rejects(victim.client.callTool({ name: 'crash', arguments: {} }));
    // The next call in the same session gets a fresh upstream process.
    assert.equal(firstText(await victim.client.callTool({ name: 'echo', arguments: { text: 'b' } })), 'b');
    assert.equal(firstText(await alice.client.callTool({ name: 'local__echo', arguments: { text: 'c' } })), 'c');
    await stillWorks();
  });

  test("an upstream that never answers: timeout error after the server's timeoutMs, cancelled upstream", async () => {
    const c = await connect(bobKey, 'local');
    const started = Date.now();
    await assert.rejects(c.client.callTool({ name: 'hang', arguments: {} }), /timed out/i);
    assert.ok(Date.now() - started < 15_000, 'the configured timeoutMs (1.5 s) applied');
    // `hang` records nothing; `slow` without a progress token hangs the same way and records its cancellation.
    const count = async () =>
      (JSON.parse(firstText(await c.client.callTool({ name: 'last_cancelled', arguments: {} }))) as { count?: number })
        .count ?? 0;
    const before = await count();
    await assert.rejects(c.client.callTool({ name: 'slow', arguments: { ms: 60_000 } }), /timed out/i);
    await until(async () => (await count()) > before, 'notifications/cancelled to reach the upstream');
    const last = JSON.parse(firstText(await c.client.callTool({ name: 'last_cancelled', arguments: {} })));
    assert.equal(last.ms, 60_000);
    await stillWorks();
  });
});

describe('config.json broken while running', { timeout: 30_000 }, () => {
  test('the gateway keeps the last good config, leaves the file untouched, and status shows the error', async () => {
    const file = path.join(g.home, 'config.json');
    const good = fs.readFileSync(file);
    const broken = '{ "mcpServers": { "local": { "command": 42 } }, "oops": ';
    fs.writeFileSync(file, broken);
    let status: { configError: string | null; servers: { name: string; state: string }[] } | undefined;
    await until(async () => {
      status = JSON.parse((await g.cli(['--json', 'status'])).stdout);
      return Boolean(status?.configError);
    }, 'status to report the config error');
    assert.match(status!.configError!, /config\.json/);
    assert.deepEqual(status!.servers.map((s) => [s.name, s.state]).sort(), [
      ['local', 'connected'],
      ['remote', 'connected'],
    ]);
    assert.equal(fs.readFileSync(file, 'utf8'), broken);
    await stillWorks();
    fs.writeFileSync(file, good);
    await until(async () => {
      status = JSON.parse((await g.cli(['--json', 'status'])).stdout);
      return status?.configError === null;
    }, 'the error to clear once the file is fixed');
    await stillWorks();
  });
});
