import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { WebStandardStreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { LATEST_PROTOCOL_VERSION } from '@modelcontextprotocol/sdk/types.js';
import { BoundedEventStore } from '../../../src/gateway/event-store.ts';
import { serveWebExchange, type WebExchangeHandler } from '../../../src/gateway/web-exchange.ts';

const QUICK_MS = 50;
const SLOW_MS = 300;
const ACCEPT = 'application/json, text/event-stream';

/** Whatever failed in the HTTP handler (serveWebExchange rejected): each test asserts it stays empty. */
const failures: unknown[] = [];
/** What each session's MCP server reported through onerror (a lost answer shows up here). */
const sessionErrors = new Map<string, unknown[]>();
const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown) => unhandled.push(reason);

const text = (value: string) => ({ content: [{ type: 'text' as const, text: value }] });

function makeMcpServer(errors: unknown[]): McpServer {
  const mcp = new McpServer({ name: 'web-exchange-test', version: '1.0.0' });
  mcp.registerTool('echo', { inputSchema: { text: z.string() } }, ({ text: value }) => text(value));
  mcp.registerTool('slow', { inputSchema: {} }, async () => {
    await sleep(SLOW_MS);
    return text('slept');
  });
  mcp.registerTool('progress', { inputSchema: {} }, async (_args, extra) => {
    const token = extra._meta?.progressToken;
    if (token !== undefined) {
      await extra.sendNotification({
        method: 'notifications/progress',
        params: { progressToken: token, progress: 1, total: 2 },
      });
    }
    return text('done');
  });
  mcp.registerTool('headers', { inputSchema: {} }, (_args, extra) =>
    text(JSON.stringify(extra.requestInfo?.headers ?? null)),
  );
  mcp.registerTool('announce', { inputSchema: {} }, () => {
    // No related request: the SDK sends this on the session's standalone GET stream.
    mcp.sendToolListChanged();
    return text('announced');
  });
  mcp.server.onerror = (error) => errors.push(error);
  return mcp;
}

let server: http.Server;
let base: string;
/** For each exchange served with `?stream=1`: whether `onAccepted` ran before anything was written. */
const acceptedBeforeWrites: boolean[] = [];
const transports: WebStandardStreamableHTTPServerTransport[] = [];
const mcpServers: McpServer[] = [];

function readAll(req: http.IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.once('end', () => resolve(Buffer.concat(chunks)));
    req.once('error', reject);
  });
}

before(async () => {
  process.on('unhandledRejection', onUnhandled);
  const sessions = new Map<string, WebStandardStreamableHTTPServerTransport>();
  const handle = async (req: http.IncomingMessage, res: http.ServerResponse) => {
    const raw = await readAll(req);
    const body: unknown = raw.length > 0 ? JSON.parse(raw.toString('utf8')) : undefined;
    const sessionId = req.headers['mcp-session-id'];
    let transport = typeof sessionId === 'string' ? sessions.get(sessionId) : undefined;
    if (!transport) {
      if (typeof sessionId === 'string') {
        res.writeHead(404).end();
        return;
      }
      const errors: unknown[] = [];
      const created = new WebStandardStreamableHTTPServerTransport({
        sessionIdGenerator: () => crypto.randomUUID(),
        eventStore: new BoundedEventStore(),
        onsessioninitialized: (id) => {
          sessions.set(id, created);
          sessionErrors.set(id, errors);
        },
      });
      const mcp = makeMcpServer(errors);
      await mcp.connect(created);
      transports.push(created);
      mcpServers.push(mcp);
      transport = created;
    }
    if (req.url?.endsWith('?stream=1')) {
      await serveWebExchange(transport, req, res, body, {
        quickAnswerMs: 0,
        onAccepted: () => acceptedBeforeWrites.push(!res.headersSent),
      });
      return;
    }
    await serveWebExchange(transport, req, res, body, { quickAnswerMs: QUICK_MS });
  };
  server = http.createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      failures.push(error);
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/mcp`;
});

after(async () => {
  for (const mcp of mcpServers) await mcp.close();
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  process.off('unhandledRejection', onUnhandled);
});

interface Exchange {
  status: number;
  contentType: string | null;
  headers: Headers;
  text: string;
}

async function exchange(init: RequestInit & { sessionId?: string }, url = base): Promise<Exchange> {
  const headers = new Headers(init.headers);
  if (!headers.has('accept')) headers.set('accept', ACCEPT);
  if (init.body !== undefined) headers.set('content-type', 'application/json');
  if (init.sessionId) {
    headers.set('mcp-session-id', init.sessionId);
    if (!headers.has('mcp-protocol-version')) headers.set('mcp-protocol-version', LATEST_PROTOCOL_VERSION);
  }
  const response = await fetch(url, { ...init, headers, signal: init.signal ?? AbortSignal.timeout(5000) });
  return {
    status: response.status,
    contentType: response.headers.get('content-type'),
    headers: response.headers,
    text: await response.text(),
  };
}

/**
 * A raw fetch on a session for the tests that hold on to the response (abort it, read it as it comes):
 * a POST of `body`, or without one a GET of the session's stream (resumed from `lastEventId`).
 */
function sessionFetch(
  sessionId: string,
  opts: { body?: unknown; lastEventId?: string; signal: AbortSignal },
): Promise<Response> {
  const headers: Record<string, string> = {
    accept: opts.body === undefined ? 'text/event-stream' : ACCEPT,
    'mcp-session-id': sessionId,
    'mcp-protocol-version': LATEST_PROTOCOL_VERSION,
  };
  if (opts.lastEventId) headers['last-event-id'] = opts.lastEventId;
  if (opts.body === undefined) return fetch(base, { headers, signal: opts.signal });
  headers['content-type'] = 'application/json';
  return fetch(base, { method: 'POST', headers, body: JSON.stringify(opts.body), signal: opts.signal });
}

function post(sessionId: string | undefined, body: unknown, headers?: Record<string, string>): Promise<Exchange> {
  return exchange({ method: 'POST', body: JSON.stringify(body), ...(sessionId ? { sessionId } : {}), headers });
}

function call(id: number, name: string, args: Record<string, unknown> = {}, meta?: Record<string, unknown>) {
  return {
    jsonrpc: '2.0',
    id,
    method: 'tools/call',
    params: { name, arguments: args, ...(meta ? { _meta: meta } : {}) },
  };
}

/** The SSE events of a body, as written by the transport (each ends with a blank line). */
function sseEvents(body: string): string[] {
  assert.ok(body.endsWith('\n\n'), `SSE body does not end with a complete event: ${JSON.stringify(body)}`);
  return body.slice(0, -2).split('\n\n');
}

const PRIMING = /^id: (\S+)\ndata: $/;

function messageOf(event: string): Record<string, unknown> {
  const match = /^event: message\nid: \S+\ndata: (.*)$/.exec(event);
  assert.ok(match, `not a message event: ${JSON.stringify(event)}`);
  return JSON.parse(match[1]!) as Record<string, unknown>;
}

/** Asserts a body is exactly one JSON-RPC response (one `JSON.stringify` line) and returns it. */
function jsonAnswer(result: Exchange, id: number): Record<string, unknown> {
  assert.equal(result.status, 200);
  assert.equal(result.contentType, 'application/json');
  assert.equal(result.headers.get('content-length'), String(Buffer.byteLength(result.text)));
  assert.equal(result.headers.get('cache-control'), null);
  const message = JSON.parse(result.text) as Record<string, unknown>;
  assert.equal(result.text, JSON.stringify(message));
  assert.deepEqual(Object.keys(message).sort(), ['id', 'jsonrpc', 'result']);
  assert.equal(message.jsonrpc, '2.0');
  assert.equal(message.id, id);
  return message;
}

async function initialize(): Promise<string> {
  const result = await post(undefined, {
    jsonrpc: '2.0',
    id: 0,
    method: 'initialize',
    params: { protocolVersion: LATEST_PROTOCOL_VERSION, capabilities: {}, clientInfo: { name: 'raw', version: '1' } },
  });
  const message = jsonAnswer(result, 0);
  assert.equal((message.result as { protocolVersion: string }).protocolVersion, LATEST_PROTOCOL_VERSION);
  const sessionId = result.headers.get('mcp-session-id');
  assert.ok(sessionId, 'initialize answer has no mcp-session-id');
  const initialized = await post(sessionId, { jsonrpc: '2.0', method: 'notifications/initialized' });
  assert.equal(initialized.status, 202);
  return sessionId;
}

/** No handler failure, no unhandled rejection, and (unless it was provoked on purpose) no session error. */
function assertServerHealthy(sessionId?: string): void {
  assert.deepEqual(failures, []);
  assert.deepEqual(unhandled, []);
  if (sessionId) assert.deepEqual(sessionErrors.get(sessionId), []);
}

describe('serveWebExchange', () => {
  test('initialize and a quick tools/call come back as one application/json body with the session id', async () => {
    const sessionId = await initialize();
    const result = await post(sessionId, call(1, 'echo', { text: 'héllo' }));
    assert.deepEqual(jsonAnswer(result, 1), {
      result: { content: [{ type: 'text', text: 'héllo' }] },
      jsonrpc: '2.0',
      id: 1,
    });
    assert.equal(result.headers.get('mcp-session-id'), sessionId);
    // A string id is matched as is.
    const byString = await post(sessionId, { ...call(0, 'echo', { text: 's' }), id: 'req-7' });
    assert.equal(byString.contentType, 'application/json');
    assert.equal((JSON.parse(byString.text) as { id: unknown }).id, 'req-7');
    assertServerHealthy(sessionId);
  });

  test('an answer slower than quickAnswerMs streams as SSE: the priming event, then the answer', async () => {
    const sessionId = await initialize();
    const result = await post(sessionId, call(2, 'slow'));
    assert.equal(result.status, 200);
    assert.equal(result.contentType, 'text/event-stream');
    assert.equal(result.headers.get('mcp-session-id'), sessionId);
    const events = sseEvents(result.text);
    assert.equal(events.length, 2, result.text);
    assert.match(events[0]!, PRIMING);
    assert.deepEqual(messageOf(events[1]!), {
      result: { content: [{ type: 'text', text: 'slept' }] },
      jsonrpc: '2.0',
      id: 2,
    });
    assertServerHealthy(sessionId);
  });

  test('quickAnswerMs 0 streams even a quick answer, and onAccepted runs before anything is written', async () => {
    const sessionId = await initialize();
    const result = await exchange(
      { method: 'POST', sessionId, body: JSON.stringify(call(9, 'echo', { text: 'now' })) },
      `${base}?stream=1`,
    );
    assert.equal(result.contentType, 'text/event-stream');
    const events = sseEvents(result.text);
    assert.equal(events.length, 2, result.text);
    assert.match(events[0]!, PRIMING);
    assert.deepEqual(messageOf(events[1]!).result, { content: [{ type: 'text', text: 'now' }] });
    assert.deepEqual(acceptedBeforeWrites, [true]);
    assertServerHealthy(sessionId);
  });

  test('a progress notification before the answer keeps the exchange on SSE, in order', async () => {
    const sessionId = await initialize();
    const result = await post(sessionId, call(3, 'progress', {}, { progressToken: 'tok-3' }));
    assert.equal(result.status, 200);
    assert.equal(result.contentType, 'text/event-stream');
    const events = sseEvents(result.text);
    assert.equal(events.length, 3, result.text);
    assert.match(events[0]!, PRIMING);
    assert.deepEqual(messageOf(events[1]!), {
      method: 'notifications/progress',
      params: { progressToken: 'tok-3', progress: 1, total: 2 },
      jsonrpc: '2.0',
    });
    assert.deepEqual(messageOf(events[2]!).id, 3);
    assert.deepEqual(messageOf(events[2]!).result, { content: [{ type: 'text', text: 'done' }] });
    // Without a token the same tool answers alone, and quickly: JSON again.
    jsonAnswer(await post(sessionId, call(4, 'progress')), 4);
    assertServerHealthy(sessionId);
  });

  test('a batch streams every answer as SSE; a notification-only POST is a bare 202', async () => {
    const sessionId = await initialize();
    const batch = await post(sessionId, [call(10, 'echo', { text: 'a' }), call(11, 'echo', { text: 'b' })]);
    assert.equal(batch.status, 200);
    assert.equal(batch.contentType, 'text/event-stream');
    const events = sseEvents(batch.text);
    assert.equal(events.length, 3, batch.text);
    assert.match(events[0]!, PRIMING);
    assert.deepEqual(
      events.slice(1).map((event) => messageOf(event).id),
      [10, 11],
    );

    const note = await post(sessionId, { jsonrpc: '2.0', method: 'notifications/roots/list_changed' });
    assert.equal(note.status, 202);
    assert.equal(note.text, '');
    assertServerHealthy(sessionId);
  });

  test("the transport's own error answers and a DELETE pass through unchanged", async () => {
    const sessionId = await initialize();
    const notAcceptable = await post(sessionId, call(20, 'echo', { text: 'x' }), { accept: 'application/json' });
    assert.equal(notAcceptable.status, 406);
    assert.equal(notAcceptable.contentType, 'application/json');
    assert.equal(notAcceptable.headers.get('content-length'), String(Buffer.byteLength(notAcceptable.text)));
    assert.match((JSON.parse(notAcceptable.text) as { error: { message: string } }).error.message, /Not Acceptable/);
    const badVersion = await post(sessionId, call(21, 'echo', { text: 'x' }), { 'mcp-protocol-version': '1999-01-01' });
    assert.equal(badVersion.status, 400);

    const deleted = await exchange({ method: 'DELETE', sessionId });
    assert.equal(deleted.status, 200);
    assert.equal(deleted.text, '');
    const gone = await post(sessionId, call(22, 'echo', { text: 'x' }));
    assert.equal(gone.status, 404);
    assert.equal((JSON.parse(gone.text) as { error: { code: number } }).error.code, -32001);
    assertServerHealthy();
  });

  test('a GET opens the standalone stream at once, carries notifications, and is released on disconnect', async () => {
    const sessionId = await initialize();
    const openStream = async () => {
      const controller = new AbortController();
      const response = await sessionFetch(sessionId, { signal: controller.signal });
      return { response, controller };
    };
    // fetch resolves on the headers: the stream's headers must be flushed before any event exists.
    const first = await openStream();
    assert.equal(first.response.status, 200);
    assert.equal(first.response.headers.get('content-type'), 'text/event-stream');
    const reader = first.response.body!.pipeThrough(new TextDecoderStream()).getReader();

    const second = await exchange({ method: 'GET', sessionId, headers: { accept: 'text/event-stream' } });
    assert.equal(second.status, 409, 'only one standalone stream per session');

    jsonAnswer(await post(sessionId, call(30, 'announce')), 30);
    let seen = '';
    while (!seen.includes('\n\n')) {
      const { value, done } = await reader.read();
      assert.equal(done, false);
      seen += value;
    }
    assert.deepEqual(messageOf(seen.slice(0, -2)), { method: 'notifications/tools/list_changed', jsonrpc: '2.0' });

    // The client goes away: the adapter must cancel the transport's stream, or the session
    // would refuse every new GET with 409.
    first.controller.abort();
    await reader.cancel().catch(() => {});
    let status = 0;
    for (let attempt = 0; attempt < 50 && status !== 200; attempt++) {
      await sleep(10);
      const again = await openStream();
      status = again.response.status;
      again.controller.abort();
      await again.response.body?.cancel().catch(() => {});
    }
    assert.equal(status, 200);
    assertServerHealthy();
  });

  test('only the five transport headers reach requestInfo: no Authorization, cookie or key', async () => {
    const sessionId = await initialize();
    const result = await post(sessionId, call(40, 'headers'), {
      authorization: 'Bearer s3cret-token',
      cookie: 'session=s3cret-cookie',
      'x-airlock-key': 's3cret-key',
    });
    const message = jsonAnswer(result, 40);
    const seenText = (message.result as { content: { text: string }[] }).content[0]!.text;
    assert.doesNotMatch(seenText, /s3cret/);
    const seen = JSON.parse(seenText) as Record<string, string>;
    assert.deepEqual(Object.keys(seen).sort(), ['accept', 'content-type', 'mcp-protocol-version', 'mcp-session-id']);
    assert.equal(seen['mcp-session-id'], sessionId);
    assert.equal(seen.accept, ACCEPT);
    assertServerHealthy(sessionId);
  });

  test('a real SDK client works end to end, with JSON for quick answers and SSE otherwise', async () => {
    const answers: { request: string; contentType: string | null }[] = [];
    const recordingFetch = async (input: string | URL, init?: RequestInit): Promise<Response> => {
      const response = await fetch(input, init);
      if (init?.method === 'POST' && typeof init.body === 'string') {
        const message = JSON.parse(init.body) as { method?: string; params?: { name?: string } };
        if (message.method) {
          answers.push({
            request: [message.method, message.params?.name].filter(Boolean).join(' '),
            contentType: response.headers.get('content-type'),
          });
        }
      }
      return response;
    };
    const client = new Client({ name: 'sdk', version: '1' });
    const transport = new StreamableHTTPClientTransport(new URL(base), { fetch: recordingFetch });
    await client.connect(transport);
    const sessionId = transport.sessionId;
    assert.ok(sessionId);
    try {
      const tools = await client.listTools();
      assert.deepEqual(tools.tools.map((tool) => tool.name).sort(), [
        'announce',
        'echo',
        'headers',
        'progress',
        'slow',
      ]);
      assert.deepEqual((await client.callTool({ name: 'echo', arguments: { text: 'sdk' } })).content, [
        { type: 'text', text: 'sdk' },
      ]);
      assert.deepEqual((await client.callTool({ name: 'slow', arguments: {} })).content, [
        { type: 'text', text: 'slept' },
      ]);
      const progress: unknown[] = [];
      const done = await client.callTool({ name: 'progress', arguments: {} }, undefined, {
        onprogress: (update) => progress.push(update),
      });
      assert.deepEqual(done.content, [{ type: 'text', text: 'done' }]);
      assert.deepEqual(progress, [{ progress: 1, total: 2 }]);
    } finally {
      await client.close();
    }
    assert.deepEqual(answers, [
      { request: 'initialize', contentType: 'application/json' },
      { request: 'notifications/initialized', contentType: null },
      { request: 'tools/list', contentType: 'application/json' },
      { request: 'tools/call echo', contentType: 'application/json' },
      { request: 'tools/call slow', contentType: 'text/event-stream' },
      { request: 'tools/call progress', contentType: 'text/event-stream' },
    ]);
    assertServerHealthy(sessionId);
  });

  test('a client that hangs up while its answer is held: no error, and the server keeps serving', async () => {
    const sessionId = await initialize();
    const controller = new AbortController();
    const hungUp = sessionFetch(sessionId, { body: call(50, 'slow'), signal: controller.signal });
    // Within quickAnswerMs: the adapter is still holding the stream and has sent no headers.
    await sleep(QUICK_MS / 2);
    controller.abort();
    await assert.rejects(hungUp, { name: 'AbortError' });
    // Let the slow answer arrive at a stream nobody reads any more.
    await sleep(SLOW_MS + 50);
    jsonAnswer(await post(sessionId, call(51, 'echo', { text: 'still here' })), 51);
    assertServerHealthy(sessionId);
  });

  test('a client that hangs up mid-stream can resume from the priming event id and gets the answer', async () => {
    const sessionId = await initialize();
    const controller = new AbortController();
    const response = await sessionFetch(sessionId, { body: call(60, 'slow'), signal: controller.signal });
    assert.equal(response.headers.get('content-type'), 'text/event-stream');
    const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
    let seen = '';
    while (!seen.includes('\n\n')) seen += (await reader.read()).value ?? '';
    const priming = PRIMING.exec(seen.slice(0, seen.indexOf('\n\n')));
    assert.ok(priming, `first event is not a priming event: ${JSON.stringify(seen)}`);
    controller.abort();
    await reader.cancel().catch(() => {});

    await sleep(SLOW_MS);
    const resume = new AbortController();
    const resumed = await sessionFetch(sessionId, { lastEventId: priming[1]!, signal: resume.signal });
    assert.equal(resumed.status, 200);
    const replay = resumed.body!.pipeThrough(new TextDecoderStream()).getReader();
    let replayed = '';
    const deadline = AbortSignal.timeout(2000);
    while (!replayed.includes('\n\n') && !deadline.aborted) replayed += (await replay.read()).value ?? '';
    resume.abort();
    await replay.cancel().catch(() => {});
    const answer = messageOf(replayed.slice(0, replayed.indexOf('\n\n')));
    assert.equal(answer.id, 60);
    assert.deepEqual(answer.result, { content: [{ type: 'text', text: 'slept' }] });
    jsonAnswer(await post(sessionId, call(61, 'echo', { text: 'after resume' })), 61);
    assertServerHealthy(sessionId);
  });
});

describe('serveWebExchange with a hand-written SSE response', () => {
  /** Serves one POST with a handler whose stream writes `events` in one tick, then ends or stays open. */
  async function serveOnce(
    events: string[],
    end: boolean,
    requestId: number,
  ): Promise<{ contentType: string | null; text: string }> {
    const encoder = new TextEncoder();
    const handler: WebExchangeHandler = {
      handleRequest: async () =>
        new Response(
          new ReadableStream<Uint8Array>({
            start(controller) {
              for (const chunk of events) controller.enqueue(encoder.encode(chunk));
              if (end) controller.close();
              else setTimeout(() => controller.close(), 2 * QUICK_MS);
            },
          }),
          { headers: { 'content-type': 'text/event-stream' } },
        ),
    };
    const one = http.createServer((req, res) => {
      req.resume();
      req.once(
        'end',
        () => void serveWebExchange(handler, req, res, call(requestId, 'echo'), { quickAnswerMs: QUICK_MS }),
      );
    });
    await new Promise<void>((resolve) => one.listen(0, '127.0.0.1', resolve));
    try {
      const response = await fetch(`http://127.0.0.1:${(one.address() as AddressInfo).port}/`, {
        method: 'POST',
        body: '{}',
        signal: AbortSignal.timeout(2000),
      });
      return { contentType: response.headers.get('content-type'), text: await response.text() };
    } finally {
      one.closeAllConnections();
      await new Promise((resolve) => one.close(resolve));
    }
  }
  const answerEvent = (id: number) =>
    `event: message\nid: e${id}\ndata: ${JSON.stringify({ jsonrpc: '2.0', id, result: {} })}\n\n`;

  test('the answer alone, then the end: JSON', async () => {
    const result = await serveOnce(['id: p\ndata: \n\n', answerEvent(1)], true, 1);
    assert.equal(result.contentType, 'application/json');
    assert.deepEqual(JSON.parse(result.text), { jsonrpc: '2.0', id: 1, result: {} });
  });

  test('an answer the stream does not end after, or an answer to another id: streamed as written', async () => {
    const open = ['id: p\ndata: \n\n', answerEvent(1), ': more\n\n'];
    const stillOpen = await serveOnce(open, false, 1);
    assert.equal(stillOpen.contentType, 'text/event-stream');
    assert.equal(stillOpen.text, open.join(''));
    const other = await serveOnce(['id: p\ndata: \n\n', answerEvent(2)], true, 1);
    assert.equal(other.contentType, 'text/event-stream');
    assert.equal(other.text, `id: p\ndata: \n\n${answerEvent(2)}`);
  });
});
