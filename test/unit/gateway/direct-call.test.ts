import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import { directCallOf } from '../../../src/gateway/direct-call.ts';

const HEADERS = {
  accept: 'application/json, text/event-stream',
  'content-type': 'application/json',
  'mcp-protocol-version': '2025-11-25',
};

function req(headers: Record<string, string | undefined> = HEADERS, method = 'POST'): IncomingMessage {
  return { method, headers } as unknown as IncomingMessage;
}

const CALL = { jsonrpc: '2.0', id: 3, method: 'tools/call', params: { name: 'echo', arguments: { text: 'hi' } } };

test('a plain tools/call from a well-behaved client may be answered directly', () => {
  assert.deepEqual(directCallOf(req(), CALL), { id: 3, params: CALL.params });
  assert.deepEqual(directCallOf(req(), { ...CALL, id: 'a-string-id' })?.id, 'a-string-id');
  // Other _meta than a progress token or a task travels with the call.
  const meta = { ...CALL, params: { ...CALL.params, _meta: { 'example.com/trace': 'x' } } };
  assert.deepEqual(directCallOf(req(), meta)?.params, meta.params);
  const noVersion: Record<string, string> = { ...HEADERS };
  delete noVersion['mcp-protocol-version'];
  assert.ok(directCallOf(req(noVersion), CALL), 'the transport defaults a missing version header');
  assert.ok(directCallOf(req({ ...HEADERS, 'content-type': 'Application/JSON; charset=utf-8' }), CALL));
});

test('anything the transport must see, or would refuse with its own answer, is not answered directly', () => {
  const cases: [string, IncomingMessage, unknown][] = [
    ['a GET', req(HEADERS, 'GET'), CALL],
    ['a batch', req(), [CALL]],
    ['another method', req(), { ...CALL, method: 'tools/list' }],
    ['a notification', req(), { jsonrpc: '2.0', method: 'tools/call', params: CALL.params }],
    ['a fractional id', req(), { ...CALL, id: 1.5 }],
    ['a null id', req(), { ...CALL, id: null }],
    ['no jsonrpc member', req(), { id: 3, method: 'tools/call', params: CALL.params }],
    ['an unknown member', req(), { ...CALL, extra: true }],
    ['no params', req(), { jsonrpc: '2.0', id: 3, method: 'tools/call' }],
    ['no tool name', req(), { ...CALL, params: { arguments: {} } }],
    ['a progress token', req(), { ...CALL, params: { ...CALL.params, _meta: { progressToken: 1 } } }],
    [
      'a related task',
      req(),
      { ...CALL, params: { ...CALL.params, _meta: { 'io.modelcontextprotocol/related-task': { taskId: 't' } } } },
    ],
    ['a task request', req(), { ...CALL, params: { ...CALL.params, task: { ttl: 1000 } } }],
    ['_meta that is not an object', req(), { ...CALL, params: { ...CALL.params, _meta: 'x' } }],
    ['Accept without event streams (406)', req({ ...HEADERS, accept: 'application/json' }), CALL],
    ['no Accept (406)', req({ ...HEADERS, accept: undefined }), CALL],
    ['another content type (415)', req({ ...HEADERS, 'content-type': 'text/plain' }), CALL],
    ['an unsupported protocol version (400)', req({ ...HEADERS, 'mcp-protocol-version': '1999-01-01' }), CALL],
  ];
  for (const [what, request, body] of cases) assert.equal(directCallOf(request, body), undefined, what);
});
