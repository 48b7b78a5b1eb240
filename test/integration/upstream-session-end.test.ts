// When a client session ends, Airlock ends the upstream Streamable HTTP session it opened for it
// (the transport spec's DELETE), instead of leaving it alive on the server.
//
// Real parts: the everything fixture over Streamable HTTP behind a recording pass-through proxy,
// the gateway in-process, an SDK client.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { firstText, startGatewayHarness, until, type GatewayHarness } from '../helpers/gateway-harness.ts';
import { startHttpFixture, type RunningFixture } from '../helpers/spawn-fixture.ts';

let h: GatewayHarness | undefined;
let fixture: RunningFixture | undefined;
let proxy: http.Server | undefined;
after(async () => {
  await h?.close();
  proxy?.closeAllConnections();
  proxy?.close();
  await fixture?.stop();
});

test('ending a client session sends DELETE for its upstream session', async () => {
  fixture = await startHttpFixture({ name: 'fx-recorded' });
  const target = new URL(fixture.url);
  const seen: { method: string; session: string | undefined }[] = [];
  proxy = http.createServer((req, res) => {
    seen.push({ method: req.method ?? '', session: req.headers['mcp-session-id'] as string | undefined });
    const upstream = http.request(
      {
        host: target.hostname,
        port: target.port,
        method: req.method,
        path: req.url,
        headers: { ...req.headers, host: target.host },
      },
      (upRes) => {
        res.writeHead(upRes.statusCode ?? 502, upRes.headers);
        upRes.pipe(res);
      },
    );
    upstream.on('error', () => res.destroy());
    res.on('close', () => upstream.destroy());
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => proxy!.listen(0, '127.0.0.1', resolve));
  const proxied = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}${target.pathname}`;

  h = await startGatewayHarness({ noRemote: true, servers: { recorded: { url: proxied } } });
  const key = await h.addClient('ender');
  const client = await h.connect(key, 'recorded');
  assert.equal(firstText(await client.client.callTool({ name: 'echo', arguments: { text: 'x' } })), 'x');
  const upstreamSessions = new Set(seen.map((r) => r.session).filter(Boolean));
  assert.ok(upstreamSessions.size >= 1, 'the gateway opened upstream sessions');

  await client.transport.terminateSession();
  await until(
    () => seen.some((r) => r.method === 'DELETE' && r.session !== undefined && upstreamSessions.has(r.session)),
    'a DELETE for the upstream session of the ended client session',
  );
});
