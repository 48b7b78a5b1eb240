import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import { Readable } from 'node:stream';
import { BodyTooLargeError, checkHostAndOrigin, readBody } from '../../../src/gateway/http-guards.ts';

const req = (headers: Record<string, string>) => ({ headers }) as unknown as IncomingMessage;

describe('checkHostAndOrigin', () => {
  test('accepts the three loopback hosts on our port, with or without our origin', () => {
    for (const host of ['127.0.0.1:4000', 'localhost:4000', '[::1]:4000', 'LOCALHOST:4000']) {
      assert.equal(checkHostAndOrigin(req({ host }), 4000), undefined, host);
    }
    assert.equal(checkHostAndOrigin(req({ host: 'localhost:4000', origin: 'http://127.0.0.1:4000' }), 4000), undefined);
  });

  test('refuses other hosts, other ports, a missing host, and foreign origins', () => {
    for (const host of ['evil.example:4000', '127.0.0.1:4001', '127.0.0.1', 'localhost', '0.0.0.0:4000']) {
      assert.match(checkHostAndOrigin(req({ host }), 4000) ?? '', /Host/, host);
    }
    assert.match(checkHostAndOrigin(req({}), 4000) ?? '', /Host/);
    for (const origin of ['https://127.0.0.1:4000', 'http://127.0.0.1:4001', 'http://evil.example', 'null', '']) {
      assert.match(checkHostAndOrigin(req({ host: '127.0.0.1:4000', origin }), 4000) ?? '', /Origin/, origin);
    }
  });
});

describe('readBody', () => {
  const stream = (chunks: Buffer[], headers: Record<string, string> = {}) =>
    Object.assign(Readable.from(chunks), { headers }) as unknown as IncomingMessage;

  test('returns the whole body under the limit', async () => {
    const body = await readBody(stream([Buffer.from('ab'), Buffer.from('cd')]), 10);
    assert.equal(body.toString(), 'abcd');
  });

  test('refuses a declared length over the limit without reading', async () => {
    await assert.rejects(readBody(stream([], { 'content-length': '11' }), 10), BodyTooLargeError);
  });

  test('stops as soon as a streamed body passes the limit', async () => {
    const chunks = Array.from({ length: 100 }, () => Buffer.alloc(1024));
    await assert.rejects(readBody(stream(chunks), 4096), BodyTooLargeError);
  });
});
