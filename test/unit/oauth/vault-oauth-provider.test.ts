import { after, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { auth } from '@modelcontextprotocol/sdk/client/auth.js';
import { openVault, type FileVault } from '../../../src/vault/file-vault.ts';
import { MemoryCipher } from '../../../src/vault/memory-cipher.ts';
import { PkceUnsupportedError, VaultOAuthProvider } from '../../../src/oauth/vault-oauth-provider.ts';
import { serverRecordName } from '../../../src/oauth/oauth-records.ts';
import type { ReferenceSource } from '../../../src/secrets/references.ts';
import { startLocalOAuthServer, type LocalOAuthServer, type TokenAnswer } from './local-oauth-server.ts';

const REFERENCES: ReferenceSource = {
  secret: async () => undefined,
  oauthToken: async () => {
    throw new Error('no providers here');
  },
};
const REDIRECT = 'http://127.0.0.1:47999/oauth/callback';

let dir: string;
let vault: FileVault;

function providerFor(as: LocalOAuthServer, extra: { onSignedOut?: (server: string) => void } = {}): VaultOAuthProvider {
  return new VaultOAuthProvider({
    server: 'up',
    config: () => ({ url: as.mcpUrl }),
    vault,
    references: REFERENCES,
    redirectUrl: () => REDIRECT,
    ...extra,
  });
}

/** Discovery, registration and tokens as a completed sign-in leaves them, through the provider's own API. */
async function signedIn(provider: VaultOAuthProvider, as: LocalOAuthServer, expiresIn = 3600): Promise<void> {
  await provider.saveDiscoveryState({
    authorizationServerUrl: as.base,
    authorizationServerMetadata: {
      issuer: as.base,
      authorization_endpoint: `${as.base}/authorize`,
      token_endpoint: `${as.base}/token`,
      response_types_supported: ['code'],
      code_challenge_methods_supported: ['S256'],
    },
  });
  await provider.saveClientInformation({ client_id: 'client-1', redirect_uris: [REDIRECT] });
  await provider.saveTokens({
    access_token: 'access-0',
    refresh_token: 'refresh-0',
    token_type: 'Bearer',
    expires_in: expiresIn,
  });
}

async function storedRecord(): Promise<{ tokens?: { access_token?: string; refresh_token?: string } } | undefined> {
  const raw = await vault.get(serverRecordName('up'));
  return raw ? (JSON.parse(raw) as { tokens?: { access_token?: string; refresh_token?: string } }) : undefined;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('VaultOAuthProvider', () => {
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'airlock-oauth-provider-'));
  });
  beforeEach(async () => {
    await vault?.close();
    vault = await openVault({ file: path.join(dir, 'vault.json'), cipher: new MemoryCipher() });
  });
  after(async () => {
    await vault?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('refuses to start a sign-in when the AS does not advertise PKCE S256: no authorization URL is produced', async (t) => {
    for (const pkceMethods of [null, ['plain']]) {
      const as = await startLocalOAuthServer({ pkceMethods });
      t.after(() => as.close());
      const provider = providerFor(as);
      const shown: URL[] = [];
      const view = provider.interactive({ state: 'state-1', onAuthorizationUrl: (url) => void shown.push(url) });
      await assert.rejects(auth(view, { serverUrl: as.mcpUrl }), (error: unknown) =>
        // Without the field the SDK would go on; Airlock refuses. With only `plain` the SDK refuses too.
        pkceMethods === null ? error instanceof PkceUnsupportedError : error instanceof Error,
      );
      assert.deepEqual(shown, [], `no authorization URL for ${JSON.stringify(pkceMethods)}`);
      await assert.rejects(provider.assertPkceSupported(), PkceUnsupportedError);
      await vault.delete(serverRecordName('up'));
    }
  });

  test('with S256 advertised, the interactive sign-in produces a PKCE S256 authorization URL with the resource', async (t) => {
    const as = await startLocalOAuthServer();
    t.after(() => as.close());
    const provider = providerFor(as);
    const shown: URL[] = [];
    const view = provider.interactive({ state: 'state-1', onAuthorizationUrl: (url) => void shown.push(url) });
    assert.equal(await auth(view, { serverUrl: as.mcpUrl }), 'REDIRECT');
    assert.equal(shown.length, 1);
    const url = shown[0]!;
    assert.equal(url.searchParams.get('code_challenge_method'), 'S256');
    assert.equal(url.searchParams.get('state'), 'state-1');
    assert.equal(url.searchParams.get('resource'), as.mcpUrl);
    assert.equal(url.searchParams.get('redirect_uri'), REDIRECT);
  });

  test('concurrent callers of an expiring token share one refresh, and never see the refresh token', async (t) => {
    const as = await startLocalOAuthServer({ tokenDelayMs: 100 });
    t.after(() => as.close());
    const provider = providerFor(as);
    await signedIn(provider, as, 1);
    await sleep(800); // inside the refresh margin (a quarter of the 1 s lifetime)
    const results = await Promise.all([provider.tokens(), provider.tokens(), provider.tokens(), provider.refresh()]);
    assert.equal(as.tokenRequests.length, 1, 'one refresh request');
    assert.equal(as.tokenRequests[0]!.get('grant_type'), 'refresh_token');
    assert.equal(as.tokenRequests[0]!.get('refresh_token'), 'refresh-0');
    assert.equal(as.tokenRequests[0]!.get('resource'), as.mcpUrl);
    for (const tokens of results.slice(0, 3)) {
      assert.equal((tokens as { access_token: string }).access_token, 'access-1');
      assert.equal((tokens as { refresh_token?: string }).refresh_token, undefined);
    }
    assert.equal(results[3], 'ok');
    assert.equal((await storedRecord())?.tokens?.refresh_token, 'refresh-1');
  });

  test('a refresh token the AS rejects is deleted with the tokens, and the server is signed out', async (t) => {
    const as = await startLocalOAuthServer({
      onToken: (): TokenAnswer => ({ status: 400, body: { error: 'invalid_grant', error_description: 'revoked' } }),
    });
    t.after(() => as.close());
    const signedOut: string[] = [];
    const provider = providerFor(as, { onSignedOut: (server) => signedOut.push(server) });
    await signedIn(provider, as);
    assert.equal(await provider.refresh(), 'invalid');
    assert.equal(await provider.hasTokens(), false);
    assert.equal(await provider.tokens(), undefined);
    assert.equal((await storedRecord())?.tokens, undefined, 'nothing left in the vault');
    assert.deepEqual(signedOut, ['up']);
  });

  test('an AS that cannot answer keeps the tokens (the refresh is tried again later)', async (t) => {
    const as = await startLocalOAuthServer({
      onToken: () => ({ status: 503, body: { error: 'temporarily_unavailable' } }),
    });
    t.after(() => as.close());
    const provider = providerFor(as);
    await signedIn(provider, as);
    assert.equal(await provider.refresh(), 'failed');
    assert.equal((await storedRecord())?.tokens?.refresh_token, 'refresh-0');
  });

  test('tokens live only in the vault: a new provider reads them back, and nothing is written beside it', async (t) => {
    const as = await startLocalOAuthServer();
    t.after(() => as.close());
    await signedIn(providerFor(as), as);
    const again = providerFor(as); // nothing held in memory: what a restart would see
    assert.equal((await again.tokens())?.access_token, 'access-0');
    assert.equal((await storedRecord())?.tokens?.access_token, 'access-0');
    for (const file of fs.readdirSync(dir, { recursive: true, encoding: 'utf8' })) {
      const full = path.join(dir, file);
      if (fs.statSync(full).isFile())
        assert.ok(!fs.readFileSync(full, 'utf8').includes('access-0'), `${file} holds no token in the clear`);
    }
  });

  test('a server whose URL changed does not get the old tokens', async (t) => {
    const as = await startLocalOAuthServer();
    t.after(() => as.close());
    await signedIn(providerFor(as), as);
    const moved = new VaultOAuthProvider({
      server: 'up',
      config: () => ({ url: `${as.base}/other` }),
      vault,
      references: REFERENCES,
      redirectUrl: () => REDIRECT,
    });
    assert.equal(await moved.tokens(), undefined);
  });
});
