import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { nodeHttpFetch } from '../../../src/upstream/node-http-fetch.ts';

let server: http.Server;
let base: string;
const seen: { method: string; url: string; headers: http.IncomingHttpHeaders; body: string }[] = [];

before(async () => {
  server = http.createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => {
      seen.push({ method: req.method!, url: req.url!, headers: req.headers, body });
      if (req.url === '/json') {
        res.writeHead(200, { 'content-type': 'application/json', 'mcp-session-id': 'abc' });
        res.end(JSON.stringify({ echo: body }));
      } else if (req.url === '/sse') {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.write('data: one\n\n');
        setTimeout(() => res.end('data: two\n\n'), 50);
      } else if (req.url === '/hang') {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.write(': open\n\n');
      } else if (req.url === '/redirect') {
        res.writeHead(307, { location: '/json' });
        res.end();
      } else if (req.url === '/empty') {
        res.writeHead(202);
        res.end();
      } else {
        res.writeHead(404);
        res.end('no');
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

after(() => {
  server.closeAllConnections();
  server.close();
});

describe('nodeHttpFetch', () => {
  const fetchFn = nodeHttpFetch();

  test('sends method, headers and body, and returns status, headers and body', async () => {
    const response = await fetchFn(`${base}/json`, {
      method: 'POST',
      headers: new Headers({ 'content-type': 'application/json', 'x-test': 'yes' }),
      body: '{"a":1}',
    });
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('mcp-session-id'), 'abc');
    assert.deepEqual(await response.json(), { echo: '{"a":1}' });
    const request = seen.at(-1)!;
    assert.equal(request.method, 'POST');
    assert.equal(request.headers['x-test'], 'yes');
    assert.equal(request.headers['content-length'], '7');
  });

  test('reuses the connection for sequential requests (keep-alive)', async () => {
    const ports = new Set<number>();
    const onConnection = (socket: Socket) => ports.add(socket.remotePort!);
    server.on('connection', onConnection);
    try {
      for (let i = 0; i < 5; i++) await (await fetchFn(`${base}/json`, { method: 'POST', body: 'x' })).text();
    } finally {
      server.off('connection', onConnection);
    }
    assert.ok(ports.size <= 1, `opened ${ports.size} connections for 5 requests`);
  });

  test('streams an SSE body as it arrives', async () => {
    const response = await fetchFn(`${base}/sse`, { headers: { accept: 'text/event-stream' } });
    const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
    const first = await reader.read();
    assert.match(first.value!, /data: one/);
    let rest = '';
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      rest += value;
    }
    assert.match(rest, /data: two/);
  });

  test('an abort ends a pending stream, and a used signal keeps no listeners', async () => {
    const controller = new AbortController();
    let listeners = 0;
    const add = controller.signal.addEventListener.bind(controller.signal);
    const remove = controller.signal.removeEventListener.bind(controller.signal);
    controller.signal.addEventListener = ((...args: Parameters<typeof add>) => {
      listeners++;
      add(...args);
    }) as typeof add;
    controller.signal.removeEventListener = ((...args: Parameters<typeof remove>) => {
      listeners--;
      remove(...args);
    }) as typeof remove;
    for (let i = 0; i < 3; i++)
      await (await fetchFn(`${base}/json`, { method: 'POST', body: 'x', signal: controller.signal })).text();
    assert.equal(listeners, 0);
    const response = await fetchFn(`${base}/hang`, { signal: controller.signal });
    const reading = response.text();
    controller.abort();
    await assert.rejects(reading);
  });

  test('an already aborted signal rejects without sending', async () => {
    const before = seen.length;
    await assert.rejects(fetchFn(`${base}/json`, { method: 'POST', body: 'x', signal: AbortSignal.abort() }));
    assert.equal(seen.length, before);
  });

  test('a redirect is returned as is with redirect: manual, and followed otherwise', async () => {
    const manual = await fetchFn(`${base}/redirect`, { redirect: 'manual' });
    assert.equal(manual.status, 307);
    assert.equal(manual.headers.get('location'), '/json');
    const followed = await fetchFn(`${base}/redirect`, { method: 'POST', body: 'y' });
    assert.equal(followed.status, 200);
    assert.deepEqual(await followed.json(), { echo: 'y' });
  });

  test('a 202 has an empty body; an unreachable server rejects', async () => {
    const response = await fetchFn(`${base}/empty`, { method: 'POST', body: '{}' });
    assert.equal(response.status, 202);
    assert.equal(await response.text(), '');
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    await assert.rejects(fetchFn(`http://127.0.0.1:${port}/json`));
  });

  test('https and other bodies go to the fallback fetch', async () => {
    const calls: string[] = [];
    const fallback = async (input: string | URL) => {
      calls.push(String(input));
      return new Response('fallback');
    };
    const withFallback = nodeHttpFetch(fallback);
    assert.equal(await (await withFallback('https://example.invalid/x')).text(), 'fallback');
    const form = new URLSearchParams({ a: 'b' });
    assert.equal(await (await withFallback(`${base}/json`, { method: 'POST', body: form })).text(), 'fallback');
    assert.equal(calls.length, 2);
  });
});
