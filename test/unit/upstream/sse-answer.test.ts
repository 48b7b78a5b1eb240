import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { LATEST_PROTOCOL_VERSION } from '@modelcontextprotocol/sdk/types.js';
import { nodeHttpFetch } from '../../../src/upstream/node-http-fetch.ts';

/** What an upstream writes for one exchange: byte pieces, each after a pause, and how the exchange ends. */
interface Script {
  headers?: Record<string, string>;
  pieces: (string | Buffer)[];
  gapMs?: number;
  ending: 'end' | 'destroy' | 'hang';
}

const PRIMING = 'id: stream-1_0001\ndata: \n\n';
const event = (message: unknown, id = 'stream-1_0002') =>
  `event: message\nid: ${id}\ndata: ${JSON.stringify(message)}\n\n`;
const answer = (id: string | number, text = 'ok') => ({
  result: { content: [{ type: 'text', text }] },
  jsonrpc: '2.0',
  id,
});
const progress = { method: 'notifications/progress', params: { progressToken: 't', progress: 1 }, jsonrpc: '2.0' };
const call = (id: string | number) => ({ jsonrpc: '2.0', id, method: 'tools/call', params: { name: 'echo' } });

const scripts = new Map<string, Script>();
let server: http.Server;
let base: string;
const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown) => unhandled.push(reason);

before(async () => {
  process.on('unhandledRejection', onUnhandled);
  server = http.createServer((req, res) => {
    req.resume();
    req.once('end', () => void play(req, res));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

async function play(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  const script = scripts.get(new URL(req.url!, base).pathname);
  if (!script) {
    res.writeHead(404).end();
    return;
  }
  // Every write its own TCP segment, so a split in the script is a split on the wire.
  res.socket?.setNoDelay(true);
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', ...script.headers });
  res.flushHeaders();
  for (const piece of script.pieces) {
    if (script.gapMs) await sleep(script.gapMs);
    if (res.destroyed) return;
    res.write(piece);
  }
  if (script.gapMs) await sleep(script.gapMs);
  if (script.ending === 'end') res.end();
  else if (script.ending === 'destroy') res.socket?.destroy();
}

after(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  process.off('unhandledRejection', onUnhandled);
  assert.deepEqual(unhandled, []);
});

const fetchFn = nodeHttpFetch(() => Promise.reject(new Error('the fallback fetch must not be used')));

function route(name: string, script: Script): string {
  scripts.set(`/${name}`, script);
  return `${base}/${name}`;
}

function postJson(url: string, body: unknown, signal?: AbortSignal): Promise<Response> {
  return fetchFn(url, {
    method: 'POST',
    headers: { accept: 'application/json, text/event-stream', 'content-type': 'application/json' },
    body: JSON.stringify(body),
    ...(signal ? { signal } : {}),
  });
}

async function bytes(response: Response): Promise<Buffer> {
  return Buffer.from(await response.arrayBuffer());
}

/** The exact bytes a script writes. */
function wire(script: Script): Buffer {
  return Buffer.concat(script.pieces.map((piece) => (typeof piece === 'string' ? Buffer.from(piece) : piece)));
}

describe('readSseAnswer through nodeHttpFetch', () => {
  test('priming event, answer, end: a JSON body with exactly that message, session id kept', async () => {
    const message = answer(7);
    const url = route('answer', {
      headers: { 'mcp-session-id': 'sess-1' },
      pieces: [PRIMING, event(message)],
      ending: 'end',
    });
    const response = await postJson(url, call(7));
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('content-type'), 'application/json');
    assert.equal(response.headers.get('mcp-session-id'), 'sess-1');
    assert.equal(await response.text(), JSON.stringify(message));
  });

  test('a JSON-RPC error answer and a string id are answers too; an id of another type is not', async () => {
    const failed = { jsonrpc: '2.0', id: 'req-1', error: { code: -32000, message: 'nope' } };
    const url = route('error-answer', { pieces: [PRIMING, event(failed)], ending: 'end' });
    const response = await postJson(url, call('req-1'));
    assert.equal(response.headers.get('content-type'), 'application/json');
    assert.equal(await response.text(), JSON.stringify(failed));

    const script: Script = { pieces: [PRIMING, event(answer('7'))], ending: 'end' };
    const mismatch = await postJson(route('string-seven', script), call(7));
    assert.equal(mismatch.headers.get('content-type'), 'text/event-stream');
    assert.deepEqual(await bytes(mismatch), wire(script));
  });

  test('events of another type are skipped as the SDK client skips them; the message after them is the answer', async () => {
    const message = answer(8);
    const url = route('typed-events', {
      pieces: [PRIMING, `event: ping\ndata: ${JSON.stringify(answer(8, 'not this one'))}\n\n`, event(message)],
      ending: 'end',
    });
    const response = await postJson(url, call(8));
    assert.equal(response.headers.get('content-type'), 'application/json');
    assert.equal(await response.text(), JSON.stringify(message));
  });

  test('an answer split across TCP writes, mid-JSON and mid-UTF-8 character, still becomes JSON', async () => {
    const message = answer(8, 'héllo 🌍 wörld');
    const whole = Buffer.from(`${PRIMING}: keepalive\n\n${event(message)}`);
    const emoji = whole.indexOf(Buffer.from('🌍'));
    const cuts = [
      PRIMING.length - 3,
      whole.indexOf(Buffer.from('"content"')) + 4,
      emoji + 1,
      emoji + 3,
      whole.length - 1,
    ];
    const pieces = cuts.map((cut, i) => whole.subarray(i === 0 ? 0 : cuts[i - 1], cut));
    pieces.push(whole.subarray(cuts.at(-1)));
    assert.deepEqual(Buffer.concat(pieces), whole);
    const url = route('split', { pieces, gapMs: 15, ending: 'end' });
    const response = await postJson(url, call(8));
    assert.equal(response.headers.get('content-type'), 'application/json');
    const text = await response.text();
    assert.equal(text, JSON.stringify(message));
    assert.equal((JSON.parse(text) as typeof message).result.content[0]!.text, 'héllo 🌍 wörld');
  });

  test('a notification before the answer: the SSE body is byte for byte what the server sent', async () => {
    const apart: Script = {
      headers: { 'mcp-session-id': 'sess-2' },
      pieces: [
        PRIMING,
        event({ ...progress, params: { ...progress.params, message: 'çà 🚀' } }),
        event(answer(9), 'x3'),
      ],
      gapMs: 10,
      ending: 'end',
    };
    const response = await postJson(route('notify-first', apart), call(9));
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('content-type'), 'text/event-stream');
    assert.equal(response.headers.get('mcp-session-id'), 'sess-2');
    assert.deepEqual(await bytes(response), wire(apart));

    // The same with the notification and the answer in one write.
    const together: Script = { pieces: [PRIMING + event(progress) + event(answer(10), 'x3')], ending: 'end' };
    assert.deepEqual(await bytes(await postJson(route('notify-together', together), call(10))), wire(together));
  });

  test('a first message that answers another id: the stream is replayed whole', async () => {
    const script: Script = { pieces: [PRIMING, event(answer(999)), event(answer(11), 'x3')], gapMs: 5, ending: 'end' };
    const response = await postJson(route('other-id', script), call(11));
    assert.equal(response.headers.get('content-type'), 'text/event-stream');
    assert.deepEqual(await bytes(response), wire(script));
  });

  test('a stream that ends after its priming event: those bytes, then the end', async () => {
    const script: Script = { pieces: [PRIMING], gapMs: 5, ending: 'end' };
    const response = await postJson(route('priming-only', script), call(12));
    assert.equal(response.headers.get('content-type'), 'text/event-stream');
    assert.deepEqual(await bytes(response), wire(script));
  });

  test('a connection lost before any message: the bytes so far, then a body error', { timeout: 2000 }, async () => {
    const script: Script = { pieces: [PRIMING], gapMs: 10, ending: 'destroy' };
    const response = await postJson(route('lost-after-priming', script), call(13));
    assert.equal(response.headers.get('content-type'), 'text/event-stream');
    const reader = response.body!.getReader();
    const first = await reader.read();
    assert.equal(Buffer.from(first.value!).toString(), PRIMING);
    await assert.rejects(reader.read());

    const bare = await postJson(route('lost-at-once', { pieces: [], gapMs: 10, ending: 'destroy' }), call(14));
    await assert.rejects(bare.arrayBuffer());
  });

  test('a connection lost before the headers: the fetch rejects', { timeout: 2000 }, async () => {
    const lost = http.createServer((req) => req.socket.destroy());
    await new Promise<void>((resolve) => lost.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(lost.address() as AddressInfo).port}/`;
      await assert.rejects(postJson(url, call(15)), { code: 'ECONNRESET' });
    } finally {
      await new Promise((resolve) => lost.close(resolve));
    }
  });

  test('a server that answers and never ends the stream: the JSON comes back at once', { timeout: 2000 }, async () => {
    const message = answer(16);
    const response = await postJson(route('linger', { pieces: [PRIMING, event(message)], ending: 'hang' }), call(16));
    assert.equal(response.headers.get('content-type'), 'application/json');
    assert.equal(await response.text(), JSON.stringify(message));
  });

  test('a GET, a notification POST and a batch POST get the SSE stream untouched', async () => {
    const script: Script = { pieces: [PRIMING, event(answer(1))], ending: 'end' };
    const url = route('answer-one', script);
    const get = await fetchFn(url, { headers: { accept: 'text/event-stream' } });
    assert.equal(get.headers.get('content-type'), 'text/event-stream');
    assert.deepEqual(await bytes(get), wire(script));
    const notification = await postJson(url, { jsonrpc: '2.0', method: 'notifications/initialized' });
    assert.equal(notification.headers.get('content-type'), 'text/event-stream');
    assert.deepEqual(await bytes(notification), wire(script));
    const batch = await postJson(url, [call(1)]);
    assert.equal(batch.headers.get('content-type'), 'text/event-stream');
    assert.deepEqual(await bytes(batch), wire(script));
  });

  test('an abort while waiting for the first message ends the exchange promptly', { timeout: 2000 }, async () => {
    const url = route('hold', { pieces: [PRIMING], ending: 'hang' });
    const controller = new AbortController();
    const pending = postJson(url, call(17), controller.signal);
    await sleep(30);
    controller.abort();
    // The headers are in, so the fetch resolves: with the priming bytes it had, and a body that
    // fails like a lost connection.
    const response = await pending;
    assert.equal(response.headers.get('content-type'), 'text/event-stream');
    const reader = response.body!.getReader();
    assert.equal(Buffer.from((await reader.read()).value!).toString(), PRIMING);
    await assert.rejects(reader.read());
  });
});

describe('an SDK client on nodeHttpFetch', () => {
  test(
    'resumes a call whose stream was lost after the priming event, and gets the answer',
    { timeout: 3000 },
    async () => {
      const resumedWith: (string | undefined)[] = [];
      const upstream = http.createServer((req, res) => {
        let raw = '';
        req.setEncoding('utf8');
        req.on('data', (chunk: string) => (raw += chunk));
        req.once('end', () => {
          if (req.method === 'GET') {
            const lastEventId = req.headers['last-event-id'];
            if (typeof lastEventId !== 'string') {
              res.writeHead(405).end();
              return;
            }
            resumedWith.push(lastEventId);
            res.writeHead(200, { 'content-type': 'text/event-stream', 'mcp-session-id': 'sess-r' });
            res.end(event(answer(1, 'resumed'), 'stream-9_0002'));
            return;
          }
          const message = JSON.parse(raw) as { id?: number; method: string };
          if (message.id === undefined) {
            res.writeHead(202).end();
          } else if (message.method === 'initialize') {
            res.writeHead(200, { 'content-type': 'application/json', 'mcp-session-id': 'sess-r' });
            res.end(
              JSON.stringify({
                jsonrpc: '2.0',
                id: message.id,
                result: {
                  protocolVersion: LATEST_PROTOCOL_VERSION,
                  capabilities: { tools: {} },
                  serverInfo: { name: 'u', version: '1' },
                },
              }),
            );
          } else {
            // The priming event gives the client its resume point; then the connection is lost.
            res.writeHead(200, { 'content-type': 'text/event-stream', 'mcp-session-id': 'sess-r' });
            res.write('id: stream-9_0001\nretry: 10\ndata: \n\n', () => setTimeout(() => res.socket?.destroy(), 10));
          }
        });
      });
      await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
      const url = new URL(`http://127.0.0.1:${(upstream.address() as AddressInfo).port}/mcp`);
      const client = new Client({ name: 'sdk', version: '1' });
      const transport = new StreamableHTTPClientTransport(url, {
        fetch: nodeHttpFetch(),
        reconnectionOptions: {
          initialReconnectionDelay: 10,
          maxReconnectionDelay: 50,
          reconnectionDelayGrowFactor: 1,
          maxRetries: 2,
        },
      });
      try {
        await client.connect(transport);
        const result = await client.callTool({ name: 'echo', arguments: {} }, undefined, { timeout: 1500 });
        assert.deepEqual(result.content, [{ type: 'text', text: 'resumed' }]);
        assert.deepEqual(resumedWith, ['stream-9_0001']);
      } finally {
        await client.close();
        upstream.closeAllConnections();
        await new Promise((resolve) => upstream.close(resolve));
      }
    },
  );
});
