/**
 * Direct answers to tools/call (src/gateway/direct-call.ts), seen on the wire.
 *
 * Real parts: the gateway in this process on 127.0.0.1, the everything fixture over stdio (`local`)
 * and over Streamable HTTP (`remote`, its own process). The client is raw HTTP, so the tests see
 * which shape each answer took (one JSON body, or an event stream) and in what order events came;
 * a raw client also opens no GET stream, so anything related to a call can only reach it on the
 * call's own stream.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import { createParser, type EventSourceMessage } from 'eventsource-parser';
import {
  INITIALIZE,
  firstText,
  mcpHeaders,
  rawRequest,
  startGatewayHarness,
  until,
  type GatewayHarness,
  type RawResponse,
} from '../helpers/gateway-harness.ts';

interface JsonRpc {
  jsonrpc: '2.0';
  id?: string | number;
  method?: string;
  params?: Record<string, unknown>;
  result?: Record<string, unknown>;
  error?: { code: number; message: string; data?: unknown };
}

function events(body: string): EventSourceMessage[] {
  const out: EventSourceMessage[] = [];
  const parser = createParser({ onEvent: (event) => out.push(event) });
  parser.feed(body);
  return out;
}

/** The JSON-RPC messages of an event stream (the priming event carries none). */
function messages(body: string): JsonRpc[] {
  return events(body)
    .filter((event) => event.data !== '')
    .map((event) => JSON.parse(event.data) as JsonRpc);
}

function call(id: number, name: string, args: Record<string, unknown> = {}): JsonRpc {
  return { jsonrpc: '2.0', id, method: 'tools/call', params: { name, arguments: args } };
}

/** A session opened with raw HTTP requests, as a client that sends exactly what the tests say. */
class RawSession {
  readonly url: string;
  readonly key: string;
  sessionId = '';
  constructor(url: string, key: string) {
    this.url = url;
    this.key = key;
  }
  headers(): Record<string, string> {
    return mcpHeaders(this.key, { 'mcp-session-id': this.sessionId, 'mcp-protocol-version': '2025-11-25' });
  }
  async open(): Promise<this> {
    const init = await rawRequest(this.url, { headers: mcpHeaders(this.key), body: JSON.stringify(INITIALIZE) });
    assert.equal(init.status, 200, init.body);
    this.sessionId = String(init.headers['mcp-session-id']);
    const initialized = await this.post({ jsonrpc: '2.0', method: 'notifications/initialized' });
    assert.equal(initialized.status, 202);
    return this;
  }
  post(body: unknown, timeoutMs?: number): Promise<RawResponse> {
    return rawRequest(this.url, {
      headers: this.headers(),
      body: JSON.stringify(body),
      ...(timeoutMs ? { timeoutMs } : {}),
    });
  }
  /** The answer as a message, whichever shape it came in. */
  static answerOf(response: RawResponse): JsonRpc {
    if (String(response.headers['content-type']).startsWith('application/json')) return response.json() as JsonRpc;
    const found = messages(response.body).find((m) => m.method === undefined);
    assert.ok(found, `no answer in ${response.body}`);
    return found;
  }
}

function auditedCalls(h: GatewayHarness, tool: string): Record<string, unknown>[] {
  return fs
    .readFileSync(h.gateway.paths.audit, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Record<string, unknown>)
    .filter((entry) => entry.type === 'tool-call' && entry.tool === tool);
}

const QUICK_MS = 1_000;
const SLOW_MS = QUICK_MS + 300;

describe('direct answers to tools/call', () => {
  let h: GatewayHarness;
  let key: string;
  before(async () => {
    // A long window, so a quick answer is quick on a loaded machine too; `slow` calls outlast it.
    h = await startGatewayHarness({ quickAnswerMs: QUICK_MS });
    key = await h.addClient('raw-direct');
  });
  after(async () => {
    await h?.close();
  });

  for (const endpoint of ['local', 'remote', undefined] as const) {
    const name = (tool: string) => (endpoint ? tool : `local__${tool}`);
    test(`on ${endpoint ? `/mcp/${endpoint}` : '/mcp'}: a quick call is one JSON body, the answer the transport gives`, async () => {
      const session = await new RawSession(h.url(endpoint), key).open();
      // On /mcp the first call also lists the tools of every server (and connects to them).
      await session.post({ jsonrpc: '2.0', id: 1, method: 'tools/list' });
      const cases: [string, Record<string, unknown>][] = [
        ['echo', { text: 'hi' }],
        ['add', { a: 2, b: 40 }],
        ['fail', {}],
        ['echo', { wrong: 'arguments' }],
        ['no_such_tool', {}],
      ];
      let id = 10;
      for (const [tool, args] of cases) {
        const direct = await session.post(call(++id, name(tool), args));
        assert.equal(direct.status, 200);
        assert.equal(direct.headers['content-type'], 'application/json', `${tool}: ${direct.body}`);
        assert.equal(direct.headers['mcp-session-id'], session.sessionId);
        // A batch of one always takes the SDK transport's path: the reference answer.
        const viaTransport = await session.post([call(id, name(tool), args)]);
        assert.equal(viaTransport.status, 200);
        const reference = viaTransport.headers['content-type']?.startsWith('text/event-stream')
          ? messages(viaTransport.body)
          : (viaTransport.json() as JsonRpc[]);
        assert.deepEqual(direct.json(), reference[0], tool);
      }
    });
  }

  test('a call slower than the quick-answer window streams, priming event first, and runs upstream once', async () => {
    const session = await new RawSession(h.url('remote'), key).open();
    const before = auditedCalls(h, 'slow').length;
    const response = await session.post(call(5, 'slow', { ms: SLOW_MS }));
    assert.equal(response.status, 200);
    assert.ok(String(response.headers['content-type']).startsWith('text/event-stream'), response.body);
    const stream = events(response.body);
    assert.equal(stream[0]?.data, '', 'the priming event (no data) comes first');
    assert.ok(stream[0]?.id, 'the priming event carries an event id to resume from');
    const answer = RawSession.answerOf(response);
    assert.equal(answer.id, 5);
    assert.equal(firstText(answer.result), `slept ${SLOW_MS} ms`);
    // Handed to the transport, the call was adopted, not sent upstream a second time.
    assert.equal(auditedCalls(h, 'slow').length, before + 1);
  });

  test('a log message sent during a call reaches the client on the call stream, before the answer', async () => {
    const session = await new RawSession(h.url('local'), key).open();
    const response = await session.post(call(6, 'log', { level: 'info', message: 'during the call' }));
    assert.ok(String(response.headers['content-type']).startsWith('text/event-stream'), response.body);
    const sent = messages(response.body);
    const log = sent.findIndex((m) => m.method === 'notifications/message');
    const answer = sent.findIndex((m) => m.id === 6);
    assert.ok(log >= 0, `no log message in ${response.body}`);
    assert.equal(sent[log]?.params?.data, 'during the call');
    assert.ok(answer > log, 'the answer comes after the log message');
    assert.equal(firstText(sent[answer]?.result), 'logged');
  });

  test('a request the upstream makes during a call (roots/list) travels on the call stream and is answered', async () => {
    const session = await new RawSession(h.url('local'), key).open();
    const url = new URL(h.url('local'));
    const answered: JsonRpc[] = [];
    const answer = await new Promise<JsonRpc>((resolve, reject) => {
      const req = http.request(
        { host: url.hostname, port: url.port, path: url.pathname, method: 'POST', headers: session.headers() },
        (res) => {
          assert.ok(String(res.headers['content-type']).startsWith('text/event-stream'));
          const parser = createParser({
            onEvent: (event) => {
              if (!event.data) return;
              const message = JSON.parse(event.data) as JsonRpc;
              if (message.method === 'roots/list') {
                const reply = {
                  jsonrpc: '2.0',
                  id: message.id,
                  result: { roots: [{ uri: 'file:///direct-root', name: 'direct' }] },
                };
                answered.push(message);
                void session.post(reply).then((r) => assert.equal(r.status, 202), reject);
              } else if (message.id === 7) resolve(message);
            },
          });
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => parser.feed(chunk));
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end(JSON.stringify(call(7, 'roots')));
    });
    assert.equal(answered.length, 1, 'the upstream asked once');
    assert.deepEqual(JSON.parse(firstText(answer.result)), [{ uri: 'file:///direct-root', name: 'direct' }]);
  });

  test('a call cancelled within the quick-answer window ends without an answer and is cancelled upstream', async () => {
    const session = await new RawSession(h.url('remote'), key).open();
    const count = async () =>
      (
        JSON.parse(firstText(RawSession.answerOf(await session.post(call(90, 'last_cancelled'))).result)) as {
          count?: number;
        }
      ).count ?? 0;
    const before = await count();
    const pending = session.post(call(8, 'slow', { ms: 20_000 }), 15_000);
    await new Promise((resolve) => setTimeout(resolve, 60));
    const cancel = await session.post({
      jsonrpc: '2.0',
      method: 'notifications/cancelled',
      params: { requestId: 8, reason: 'user gave up' },
    });
    assert.equal(cancel.status, 202);
    const response = await pending;
    assert.equal(response.status, 200);
    assert.ok(String(response.headers['content-type']).startsWith('text/event-stream'));
    assert.deepEqual(messages(response.body), [], 'no answer to a cancelled request');
    await until(async () => (await count()) > before, 'the upstream to record the cancellation');
    await until(
      () => auditedCalls(h, 'slow').some((entry) => entry.outcome === 'cancelled'),
      'the cancelled call in the audit log',
    );
  });

  test('a session deleted during a call ends the call exchange at once', async () => {
    const session = await new RawSession(h.url('local'), key).open();
    const pending = session.post(call(9, 'hang'), 15_000);
    await new Promise((resolve) => setTimeout(resolve, 60));
    const deleted = await rawRequest(h.url('local'), { method: 'DELETE', headers: session.headers() });
    assert.equal(deleted.status, 200);
    const response = await pending;
    assert.deepEqual(messages(response.body), []);
    const after = await session.post(call(10, 'echo', { text: 'gone' }));
    assert.equal(after.status, 404, 'the session is gone');
  });
});
