/**
 * Misbehaving clients against a real `airlock serve` process: garbage on the wire, a client that hangs up
 * mid-call, and 1,000 sessions at once. The gateway answers each with a clear HTTP/JSON-RPC error and keeps
 * serving everyone else.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import http from 'node:http';
import net from 'node:net';
import { connectClient, firstText, INITIALIZE, mcpHeaders, rawRequest } from '../helpers/gateway-harness.ts';
import { assertGatewayServesOthers, rssMB, startChaosGateway, type ChaosGateway } from './chaos-harness.ts';

let gw: ChaosGateway;

before(async () => {
  gw = await startChaosGateway();
});

after(async () => {
  await gw?.close();
});

const host = () => ({ host: `127.0.0.1:${gw.serve.port}` });

/** Opens a session with raw HTTP; returns its id. */
async function rawSession(path = '/mcp'): Promise<string> {
  const res = await rawRequest(gw.url() + path.replace(/^\/mcp/, ''), {
    headers: { ...mcpHeaders(gw.key), ...host() },
    body: JSON.stringify(INITIALIZE),
  });
  assert.equal(res.status, 200, res.body);
  const id = res.headers['mcp-session-id'];
  assert.ok(typeof id === 'string', 'initialize answers with Mcp-Session-Id');
  const sessionHeaders = {
    ...mcpHeaders(gw.key),
    ...host(),
    'mcp-session-id': id,
    'mcp-protocol-version': '2025-11-25',
  };
  const initialized = await rawRequest(gw.url() + path.replace(/^\/mcp/, ''), {
    headers: sessionHeaders,
    body: JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }),
  });
  assert.equal(initialized.status, 202);
  return id;
}

test('garbage requests get 4xx answers, never a 5xx or a dropped gateway', async (t) => {
  const headers = { ...mcpHeaders(gw.key), ...host() };
  const session = await rawSession();
  const inSession = { ...headers, 'mcp-session-id': session, 'mcp-protocol-version': '2025-11-25' };
  const cases: { name: string; opts: Parameters<typeof rawRequest>[1]; expect: number[] }[] = [
    { name: 'random bytes', opts: { headers, body: crypto.randomBytes(4096) }, expect: [400] },
    { name: 'truncated JSON', opts: { headers, body: JSON.stringify(INITIALIZE).slice(0, 40) }, expect: [400] },
    { name: 'empty body', opts: { headers, body: '' }, expect: [400] },
    { name: 'JSON that is not JSON-RPC', opts: { headers, body: '{"hello":"world"}' }, expect: [400] },
    { name: 'a batch of garbage', opts: { headers, body: '[1,"two",null,{}]' }, expect: [400] },
    {
      name: 'wrong content-type',
      opts: { headers: { ...headers, 'content-type': 'text/plain' }, body: JSON.stringify(INITIALIZE) },
      expect: [400, 415],
    },
    {
      name: 'no Accept for SSE',
      opts: { headers: { ...headers, accept: 'text/html' }, body: JSON.stringify(INITIALIZE) },
      expect: [406],
    },
    { name: 'random bytes in a session', opts: { headers: inSession, body: crypto.randomBytes(2048) }, expect: [400] },
    {
      name: 'invalid JSON-RPC in a session',
      opts: { headers: inSession, body: '{"jsonrpc":"2.0","id":{},"method":7}' },
      expect: [400],
    },
    {
      name: 'unknown session id',
      opts: {
        headers: { ...inSession, 'mcp-session-id': 'no-such-session' },
        body: '{"jsonrpc":"2.0","id":1,"method":"ping"}',
      },
      expect: [404],
    },
    {
      name: '9 MB body (over the 8 MB limit)',
      opts: { headers, body: Buffer.alloc(9 * 1024 * 1024, 0x20) },
      // The gateway answers 413 from Content-Length and closes; the writer may see EPIPE before reading it.
      expect: [413, -1],
    },
    { name: 'PUT', opts: { method: 'PUT', headers, body: '{}' }, expect: [405] },
  ];
  for (const c of cases) {
    const res = await rawRequest(gw.url(), c.opts).catch((error: unknown) => ({ status: -1, body: String(error) }));
    t.diagnostic(`${c.name}: ${res.status} ${res.body.slice(0, 120)}`);
    assert.ok(
      c.expect.includes(res.status),
      `${c.name}: expected ${c.expect.join('/')}, got ${res.status} ${res.body}`,
    );
  }
  // The session the garbage was sent into still works.
  const ping = await rawRequest(gw.url(), { headers: inSession, body: '{"jsonrpc":"2.0","id":9,"method":"ping"}' });
  assert.equal(ping.status, 200);
  assert.match(ping.body, /"result":\{\}/);
  await assertGatewayServesOthers(gw, 'garbage requests');
});

test('huge headers are refused (431) and non-HTTP bytes on the socket are dropped', async (t) => {
  const res = await rawRequest(gw.url(), {
    headers: { ...mcpHeaders(gw.key), ...host(), 'x-huge': 'h'.repeat(64 * 1024) },
    body: JSON.stringify(INITIALIZE),
  }).catch((error: unknown) => ({ status: -1, body: String(error) }));
  t.diagnostic(`64 KB header: ${res.status}`);
  assert.ok(res.status === 431 || res.status === -1, `huge header: ${res.status}`);
  for (let i = 0; i < 20; i++) {
    await new Promise<void>((resolve) => {
      const socket = net.connect(gw.serve.port, '127.0.0.1', () => socket.end(crypto.randomBytes(8192)));
      socket.on('error', () => resolve());
      socket.on('close', () => resolve());
      socket.resume();
    });
  }
  await assertGatewayServesOthers(gw, 'huge headers and raw garbage');
});

// 50 ms: while the call is still answered directly (before any byte of the answer); 300 ms: once the
// exchange has become an event stream (past the 200 ms quick-answer window).
for (const hangUpMs of [50, 300]) {
  test(`a client that hangs up ${hangUpMs} ms into a call: the gateway stays healthy`, async (t) => {
    const session = await rawSession('/mcp/remote');
    const headers = {
      ...mcpHeaders(gw.key),
      ...host(),
      'mcp-session-id': session,
      'mcp-protocol-version': '2025-11-25',
    };
    const target = new URL(gw.url('remote'));
    await new Promise<void>((resolve) => {
      const req = http.request(
        { host: target.hostname, port: target.port, path: target.pathname, method: 'POST', headers },
        (res) => res.resume(),
      );
      req.on('error', () => resolve());
      req.on('close', () => resolve());
      req.end(
        JSON.stringify({
          jsonrpc: '2.0',
          id: 7,
          method: 'tools/call',
          params: { name: 'slow', arguments: { ms: 3_000 } },
        }),
      );
      setTimeout(() => req.destroy(), hangUpMs);
    });
    await new Promise((r) => setTimeout(r, 500));
    const probe = await connectClient(gw.url('remote'), gw.key);
    try {
      const report = JSON.parse(firstText(await probe.client.callTool({ name: 'last_cancelled', arguments: {} }))) as {
        cancelled: boolean;
      };
      t.diagnostic(`upstream saw the cancellation: ${report.cancelled}`);
    } finally {
      await probe.close();
    }
    await assertGatewayServesOthers(gw, `a client hang-up ${hangUpMs} ms into a call`);
  });
}

test('1,000 sessions at once: all initialize and answer, then all close', async (t) => {
  const before = rssMB(gw.serve.pid);
  const sessionsBefore = (JSON.parse((await gw.serve.cli(['status', '--json'])).stdout) as { sessions: number })
    .sessions;
  const ids: string[] = [];
  const started = Date.now();
  for (let i = 0; i < 1_000; i += 50) {
    ids.push(...(await Promise.all(Array.from({ length: 50 }, () => rawSession()))));
  }
  const opened = Date.now() - started;
  assert.equal(new Set(ids).size, 1_000);
  const withSessions = rssMB(gw.serve.pid);
  const headersFor = (id: string) => ({
    ...mcpHeaders(gw.key),
    ...host(),
    'mcp-session-id': id,
    'mcp-protocol-version': '2025-11-25',
  });
  let answered = 0;
  for (let i = 0; i < ids.length; i += 100) {
    const batch = await Promise.all(
      ids.slice(i, i + 100).map((id) =>
        // ping, not tools/list: every /mcp session has its own upstream connections, and `local` is a stdio
        // server, so listing would spawn 1,000 upstream processes.
        rawRequest(gw.url(), { headers: headersFor(id), body: '{"jsonrpc":"2.0","id":2,"method":"ping"}' }),
      ),
    );
    answered += batch.filter((r) => r.status === 200 && r.body.includes('"result":{}')).length;
  }
  assert.equal(answered, 1_000, 'every session answers ping');
  const afterCalls = rssMB(gw.serve.pid);
  for (let i = 0; i < ids.length; i += 100) {
    const closed = await Promise.all(
      ids.slice(i, i + 100).map((id) => rawRequest(gw.url(), { method: 'DELETE', headers: headersFor(id) })),
    );
    assert.ok(
      closed.every((r) => r.status === 200),
      'DELETE closes each session',
    );
  }
  const status = JSON.parse((await gw.serve.cli(['status', '--json'])).stdout) as { sessions: number };
  t.diagnostic(
    `1,000 sessions: opened in ${opened} ms; gateway RSS ${before} MB -> ${withSessions} MB open -> ` +
      `${afterCalls} MB after a ping on each -> ` +
      `${rssMB(gw.serve.pid)} MB after DELETE; sessions before ${sessionsBefore}, after ${status.sessions}`,
  );
  assert.equal(status.sessions, sessionsBefore);
  await assertGatewayServesOthers(gw, '1,000 sessions');
});
