/**
 * Client ID Metadata Documents. No https server can run here, so the fetch is a stub that answers
 * like one would; the checks on the URL, the response and the document are the real ones.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  ClientMetadataDocuments,
  isClientMetadataUrl,
  MAX_DOCUMENT_BYTES,
  type DocumentFetcher,
} from '../../../src/auth-server/client-metadata-document.ts';

const ID = 'https://app.example.com/oauth/client.json';
const DOC = {
  client_id: ID,
  client_name: 'Example',
  redirect_uris: ['http://127.0.0.1:3000/callback'],
  token_endpoint_auth_method: 'none',
};

function serving(body: unknown, status = 200, cacheControl?: string): DocumentFetcher & { calls: string[] } {
  const calls: string[] = [];
  const fetcher = async (url: URL) => {
    calls.push(url.href);
    return {
      status,
      body: typeof body === 'string' ? body : JSON.stringify(body),
      ...(cacheControl ? { cacheControl } : {}),
    };
  };
  return Object.assign(fetcher, { calls });
}

test('client_ids that are https URLs with a path are metadata documents', () => {
  assert.ok(isClientMetadataUrl(ID));
  assert.ok(!isClientMetadataUrl('https://app.example.com/'));
  assert.ok(!isClientMetadataUrl('http://app.example.com/client.json'));
  assert.ok(!isClientMetadataUrl('3f1c6f1e-uuid'));
});

test('a valid document becomes a public client and is cached', async () => {
  const fetcher = serving(DOC);
  const docs = new ClientMetadataDocuments({ fetcher });
  const client = await docs.resolve(ID);
  assert.equal(client.client_id, ID);
  assert.equal(client.client_name, 'Example');
  assert.deepEqual(client.redirect_uris, ['http://127.0.0.1:3000/callback']);
  await docs.resolve(ID);
  assert.equal(fetcher.calls.length, 1);
});

test('no-store documents are fetched again', async () => {
  const fetcher = serving(DOC, 200, 'no-store');
  const docs = new ClientMetadataDocuments({ fetcher });
  await docs.resolve(ID);
  await docs.resolve(ID);
  assert.equal(fetcher.calls.length, 2);
});

test('documents that do not describe themselves, or are unsafe, are refused', async () => {
  const cases: [unknown, RegExp][] = [
    [{ ...DOC, client_id: 'https://other.example.com/c.json' }, /client_id/],
    [{ ...DOC, client_name: undefined }, /client_name/],
    [{ ...DOC, client_secret: 's' }, /secret/],
    [{ ...DOC, token_endpoint_auth_method: 'private_key_jwt' }, /does not support/],
    [{ ...DOC, redirect_uris: [] }, /redirect_uris/],
    [{ ...DOC, redirect_uris: ['http://evil.example.com/cb'] }, /redirect URI/],
    ['not json', /not JSON/],
    [[1, 2], /JSON object/],
    ['x'.repeat(MAX_DOCUMENT_BYTES + 1), /larger/],
  ];
  for (const [body, message] of cases) {
    await assert.rejects(new ClientMetadataDocuments({ fetcher: serving(body) }).resolve(ID), message);
  }
  await assert.rejects(new ClientMetadataDocuments({ fetcher: serving(DOC, 404) }).resolve(ID), /HTTP 404/);
});

test('metadata URLs on loopback or private addresses are never fetched (SSRF)', async () => {
  for (const id of [
    'https://localhost/c.json',
    'https://127.0.0.1/c.json',
    'https://10.1.2.3/c.json',
    'https://[::1]/c.json',
    'https://169.254.169.254/latest',
  ]) {
    const fetcher = serving({ ...DOC, client_id: id });
    await assert.rejects(new ClientMetadataDocuments({ fetcher }).resolve(id), /private|this computer/, id);
    assert.equal(fetcher.calls.length, 0, id);
  }
});

test('a fetch that fails or hangs is reported, bounded by the timeout', async () => {
  const hanging: DocumentFetcher = (_url, signal) =>
    new Promise((_resolve, reject) => signal.addEventListener('abort', () => reject(signal.reason)));
  // AbortSignal.timeout does not keep the process alive; this timer does, for the test's sake.
  const keepAlive = setTimeout(() => {}, 10_000);
  try {
    await assert.rejects(
      new ClientMetadataDocuments({ fetcher: hanging, timeoutMs: 50 }).resolve(ID),
      /could not be fetched/,
    );
  } finally {
    clearTimeout(keepAlive);
  }
});
