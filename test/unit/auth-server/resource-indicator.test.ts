import { test } from 'node:test';
import assert from 'node:assert/strict';
import { audienceAllowsPath, parseMcpResource } from '../../../src/auth-server/resource-indicator.ts';

const context = { port: 47100, servers: ['a', 'b'] };

test('resource parameters name one of the gateway endpoints, canonicalised to 127.0.0.1', () => {
  assert.deepEqual(parseMcpResource('http://127.0.0.1:47100/mcp', context), {
    resource: 'http://127.0.0.1:47100/mcp',
    path: '/mcp',
  });
  assert.deepEqual(parseMcpResource('HTTP://LOCALHOST:47100/mcp/a/', context), {
    resource: 'http://127.0.0.1:47100/mcp/a',
    path: '/mcp/a',
    server: 'a',
  });
  assert.equal(parseMcpResource('http://[::1]:47100/mcp/b', context)?.resource, 'http://127.0.0.1:47100/mcp/b');
  for (const bad of [
    'http://127.0.0.1:47101/mcp',
    'https://127.0.0.1:47100/mcp',
    'http://example.com:47100/mcp',
    'http://127.0.0.1:47100/mcp/c',
    'http://127.0.0.1:47100/mcp?x=1',
    'http://127.0.0.1:47100/mcp#f',
    'http://127.0.0.1:47100/other',
    'not a url',
  ]) {
    assert.equal(parseMcpResource(bad, context), undefined, bad);
  }
});

test('a token works only at the endpoint of its audience', () => {
  assert.ok(audienceAllowsPath('http://127.0.0.1:47100/mcp', '/mcp'));
  assert.ok(audienceAllowsPath('http://127.0.0.1:47100/mcp', '/mcp/'));
  assert.ok(audienceAllowsPath('http://127.0.0.1:47100/mcp/a', '/mcp/a'));
  assert.ok(!audienceAllowsPath('http://127.0.0.1:47100/mcp/a', '/mcp/b'));
  assert.ok(!audienceAllowsPath('http://127.0.0.1:47100/mcp/a', '/mcp'));
  assert.ok(!audienceAllowsPath('http://127.0.0.1:47100/mcp', '/mcp/a'));
  assert.ok(!audienceAllowsPath('garbage', '/mcp'));
});
