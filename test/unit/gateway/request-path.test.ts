import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pathnameOf, routeOf } from '../../../src/gateway/request-path.ts';

test('pathnameOf agrees with the WHATWG URL parser on plain and tricky targets', () => {
  const targets = [
    '/mcp',
    '/mcp/',
    '/mcp/echo',
    '/mcp/my-server/',
    '/healthz',
    '/',
    '/mcp/./echo',
    '/mcp/x/../echo',
    '/mcp/%65cho',
    '/mcp/echo?x=1',
    '/mcp/echo#frag',
    '//evil.example/mcp',
    '/mcp//echo',
    '/.well-known/oauth-protected-resource/mcp',
    '/mcp/a.b',
    '/mcp/..',
    '/mcp\\echo',
  ];
  for (const target of targets) {
    assert.equal(pathnameOf(target), new URL(target, 'http://127.0.0.1').pathname, target);
  }
  assert.equal(pathnameOf(undefined), '/');
});

test('routeOf names the endpoint, and refuses what names no valid server', () => {
  assert.deepEqual(routeOf('/mcp'), { kind: 'all' });
  assert.deepEqual(routeOf('/mcp/'), { kind: 'all' });
  assert.deepEqual(routeOf('/mcp/echo'), { kind: 'one', server: 'echo' });
  assert.deepEqual(routeOf('/mcp/echo/'), { kind: 'one', server: 'echo' });
  assert.deepEqual(routeOf('/mcp/%65cho'), { kind: 'one', server: 'echo' });
  assert.equal(routeOf('/mcp/Echo'), 'bad');
  assert.equal(routeOf('/mcp/%E0%A4%A'), 'bad', 'a malformed escape is an unknown server, not a crash');
  assert.equal(routeOf('/mcp/a/b'), undefined);
  assert.equal(routeOf('/api/status'), undefined);
});
