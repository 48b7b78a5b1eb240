/**
 * MCP clients sign in to Airlock (MCP Authorization, Airlock as the authorization server): a real
 * SDK Client with the SDK's OAuth client machinery, a real gateway with two real fixture servers,
 * consents answered through the real CLI (`airlock approve`, `airlock client revoke`), and the
 * browser played by plain HTTP requests that follow the wait page to the client's loopback
 * redirect listener.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { UnauthorizedError, type OAuthClientProvider } from '@modelcontextprotocol/sdk/client/auth.js';
import type {
  OAuthClientInformationMixed,
  OAuthClientMetadata,
  OAuthTokens,
} from '@modelcontextprotocol/sdk/shared/auth.js';
import { startAirlock, type Airlock } from '../../src/app/start-airlock.ts';
import { openVault } from '../../src/vault/file-vault.ts';
import { createCipher } from '../../src/vault/select-cipher.ts';
import { dataPaths } from '../../src/config/data-dir.ts';
import { stdioFixtureCommand } from '../helpers/spawn-fixture.ts';
import { firstText, runCli, until, VAULT_ENV } from '../helpers/gateway-harness.ts';

const ACCESS_TTL_MS = 2500;

let airlock: Airlock;
let home: string;
let origin: string;
let redirect: RedirectListener;
/** Every token and code seen, to check none was written anywhere. */
const secretsSeen = new Set<string>();

/** The client's loopback redirect endpoint (RFC 8252 §7.3): records what the browser brings back. */
interface RedirectListener {
  url: string;
  next(): Promise<URLSearchParams>;
  close(): Promise<void>;
}

async function startRedirectListener(): Promise<RedirectListener> {
  const waiting: ((params: URLSearchParams) => void)[] = [];
  const arrived: URLSearchParams[] = [];
  const server = http.createServer((req, res) => {
    const params = new URL(req.url ?? '/', 'http://127.0.0.1').searchParams;
    const waiter = waiting.shift();
    if (waiter) waiter(params);
    else arrived.push(params);
    res.end('You can close this window.');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/callback`,
    next: () => {
      const ready = arrived.shift();
      return ready ? Promise.resolve(ready) : new Promise((resolve) => waiting.push(resolve));
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** The SDK's OAuthClientProvider as an app would implement it; the "browser" is left to the test. */
class TestOAuthProvider implements OAuthClientProvider {
  clientInfo: OAuthClientInformationMixed | undefined;
  savedTokens: OAuthTokens | undefined;
  verifier = '';
  lastState = '';
  authorizationUrl: URL | undefined;
  readonly redirectUri: string;
  readonly name: string;

  constructor(redirectUri: string, name: string) {
    this.redirectUri = redirectUri;
    this.name = name;
  }
  get redirectUrl(): string {
    return this.redirectUri;
  }
  get clientMetadata(): OAuthClientMetadata {
    return {
      client_name: this.name,
      redirect_uris: [this.redirectUri],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'none',
    };
  }
  state(): string {
    this.lastState = crypto.randomBytes(12).toString('hex');
    return this.lastState;
  }
  clientInformation() {
    return this.clientInfo;
  }
  saveClientInformation(info: OAuthClientInformationMixed) {
    this.clientInfo = info;
  }
  tokens() {
    return this.savedTokens;
  }
  saveTokens(tokens: OAuthTokens) {
    secretsSeen.add(tokens.access_token);
    if (tokens.refresh_token) secretsSeen.add(tokens.refresh_token);
    this.savedTokens = tokens;
  }
  redirectToAuthorization(url: URL) {
    this.authorizationUrl = url;
  }
  saveCodeVerifier(verifier: string) {
    this.verifier = verifier;
  }
  codeVerifier() {
    return this.verifier;
  }
  invalidateCredentials(scope: 'all' | 'client' | 'tokens' | 'verifier' | 'discovery') {
    if (scope === 'all' || scope === 'tokens') this.savedTokens = undefined;
    if (scope === 'all' || scope === 'client') this.clientInfo = undefined;
  }
}

interface PendingRow {
  id: string;
  kind: string;
  server: string;
  message: string;
  clientName?: string;
  choices?: { servers?: string[] };
}

async function pendingSignin(): Promise<PendingRow> {
  let found: PendingRow | undefined;
  await until(async () => {
    const result = await runCli(home, ['pending', '--json']);
    assert.equal(result.code, 0, result.stderr);
    found = (JSON.parse(result.stdout) as PendingRow[]).find((row) => row.kind === 'client-signin');
    return found !== undefined;
  }, 'a client-signin consent');
  return found!;
}

/** Plays the browser: opens the authorization URL and follows the wait page until it redirects. */
async function browse(authorizationUrl: URL | string): Promise<{ waitUrl: string; finish: () => Promise<string> }> {
  const res = await fetch(authorizationUrl, { redirect: 'manual' });
  if (res.status === 302) {
    const location = res.headers.get('location')!;
    return { waitUrl: '', finish: async () => location };
  }
  assert.equal(res.status, 200, 'the authorization page waits for the user');
  const html = await res.text();
  const wait = /url=(\/oauth\/wait\/[A-Za-z0-9_-]+)/.exec(html)?.[1];
  assert.ok(wait, 'the page refreshes itself to its wait URL');
  const waitUrl = origin + wait;
  return {
    waitUrl,
    finish: async () => {
      let location: string | null = null;
      await until(async () => {
        const poll = await fetch(waitUrl, { redirect: 'manual' });
        await poll.text();
        location = poll.status === 302 ? poll.headers.get('location') : null;
        return location !== null;
      }, 'the redirect back to the client');
      return location!;
    },
  };
}

async function rawPost(
  pathname: string,
  form: Record<string, string>,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(origin + pathname, { method: 'POST', body: new URLSearchParams(form) });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

function pkce(): { verifier: string; challenge: string } {
  const verifier = crypto.randomBytes(32).toString('base64url');
  return { verifier, challenge: crypto.createHash('sha256').update(verifier).digest('base64url') };
}

async function register(name: string, redirectUris: string[]): Promise<string> {
  const res = await fetch(`${origin}/oauth/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ client_name: name, redirect_uris: redirectUris, token_endpoint_auth_method: 'none' }),
  });
  const body = (await res.json()) as { client_id: string; client_secret?: string };
  assert.equal(res.status, 201, JSON.stringify(body));
  assert.equal(body.client_secret, undefined, 'public clients get no secret');
  return body.client_id;
}

function authorizeUrl(params: Record<string, string | undefined>): string {
  const url = new URL(`${origin}/oauth/authorize`);
  for (const [key, value] of Object.entries(params)) if (value !== undefined) url.searchParams.set(key, value);
  return url.href;
}

/** A full sign-in by hand: register, authorize, approve (admin API), code → tokens. */
async function signIn(opts: { name: string; resource: string; servers: string[] }) {
  const redirectUri = redirect.url;
  const clientId = await register(opts.name, [redirectUri]);
  const { verifier, challenge } = pkce();
  const page = await browse(
    authorizeUrl({
      response_type: 'code',
      client_id: clientId,
      redirect_uri: redirectUri,
      code_challenge: challenge,
      code_challenge_method: 'S256',
      state: 'st',
      resource: opts.resource,
    }),
  );
  const consent = airlock.consents.pending().find((r) => r.kind === 'client-signin' && r.clientName === opts.name)!;
  assert.ok(consent);
  await airlock.consents.answerAndWait(consent.id, { action: 'approve', servers: opts.servers }, 'test');
  const code = new URL(await page.finish()).searchParams.get('code')!;
  const token = await rawPost('/oauth/token', {
    grant_type: 'authorization_code',
    code,
    code_verifier: verifier,
    client_id: clientId,
    redirect_uri: redirectUri,
    resource: opts.resource,
  });
  assert.equal(token.status, 200, JSON.stringify(token.body));
  secretsSeen.add(code);
  secretsSeen.add(String(token.body.access_token));
  secretsSeen.add(String(token.body.refresh_token));
  return {
    clientId,
    access: String(token.body.access_token),
    refresh: String(token.body.refresh_token),
    verifier,
    challenge,
  };
}

async function mcpInitialize(pathname: string, token: string): Promise<number> {
  const res = await fetch(origin + pathname, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${token}`,
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
    },
    body: JSON.stringify({
      jsonrpc: '2.0',
      id: 1,
      method: 'initialize',
      params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'raw', version: '1' } },
    }),
  });
  await res.text();
  return res.status;
}

before(async () => {
  home = fs.mkdtempSync(path.join(os.tmpdir(), 'airlock-client-auth-'));
  const a = stdioFixtureCommand({ name: 'fx-a' });
  const b = stdioFixtureCommand({ name: 'fx-b' });
  fs.writeFileSync(
    path.join(home, 'config.json'),
    JSON.stringify({
      gateway: { port: 47100 },
      mcpServers: { a: { command: a.command, args: a.args }, b: { command: b.command, args: b.args } },
    }),
    { mode: 0o600 },
  );
  const vault = await openVault({ file: dataPaths(home).vault, cipher: createCipher({ env: VAULT_ENV, home }) });
  airlock = await startAirlock({
    home,
    vault,
    port: 0,
    listenSocket: false,
    urlOpener: { open: async () => {} },
    authServer: { accessTokenTtlMs: ACCESS_TTL_MS, codeTtlMs: 2000 },
  });
  origin = airlock.gateway.origin;
  redirect = await startRedirectListener();
  await until(
    () => airlock.gateway.registry.states().every((s) => s.state === 'connected'),
    'servers connected',
    20_000,
  );
});

after(async () => {
  await redirect?.close();
  await airlock?.close();
  fs.rmSync(home, { recursive: true, force: true });
});

describe('an MCP client signs in to Airlock', () => {
  test('SDK client: discovery from the 401, registration, consent, PKCE, tools, refresh, revocation', async () => {
    const mcpUrl = new URL(airlock.gateway.mcpUrl);
    const provider = new TestOAuthProvider(redirect.url, 'Test Client');

    // 1. No token: 401 → resource metadata → AS metadata → registration → authorization URL.
    await assert.rejects(
      new Client({ name: 't', version: '1' }).connect(
        new StreamableHTTPClientTransport(mcpUrl, { authProvider: provider }),
      ),
      UnauthorizedError,
    );
    const authUrl = provider.authorizationUrl!;
    assert.ok(authUrl, 'the SDK was sent to the authorization endpoint');
    assert.equal(authUrl.origin + authUrl.pathname, `${origin}/oauth/authorize`);
    assert.equal(authUrl.searchParams.get('code_challenge_method'), 'S256');
    assert.equal(authUrl.searchParams.get('resource'), mcpUrl.href);

    // 2. The browser waits; the user approves server `a` only, with the real CLI.
    const page = await browse(authUrl);
    const consent = await pendingSignin();
    assert.equal(consent.server, 'airlock');
    assert.equal(consent.clientName, 'Test Client');
    assert.match(consent.message, /registered just now/);
    assert.ok(consent.message.includes(redirect.url), 'the consent shows the redirect URI');
    assert.deepEqual(consent.choices?.servers, ['a', 'b']);
    const approved = await runCli(home, ['approve', consent.id, '--servers', 'a']);
    assert.equal(approved.code, 0, approved.stderr);

    // 3. The wait page redirects to the client's loopback listener with the code and the state.
    const location = await page.finish();
    assert.ok(location.startsWith(`${redirect.url}?`));
    await fetch(location);
    const params = await redirect.next();
    assert.equal(params.get('state'), provider.lastState);
    const code = params.get('code')!;
    secretsSeen.add(code);

    // 4. Code → tokens (PKCE, resource), then MCP with the token.
    const transport = new StreamableHTTPClientTransport(mcpUrl, { authProvider: provider });
    await transport.finishAuth(code);
    const firstAccess = provider.savedTokens!.access_token;
    const client = new Client({ name: 't', version: '1' });
    await client.connect(new StreamableHTTPClientTransport(mcpUrl, { authProvider: provider }));
    const tools = (await client.listTools()).tools.map((t) => t.name);
    assert.ok(tools.includes('a__echo'));
    assert.ok(
      tools.every((name) => name.startsWith('a__')),
      `only granted servers are listed: ${tools.join(', ')}`,
    );
    assert.equal(firstText(await client.callTool({ name: 'a__echo', arguments: { text: 'hi' } })), 'hi');
    const denied = await client
      .callTool({ name: 'b__echo', arguments: { text: 'no' } })
      .catch((error: unknown) => error);
    assert.ok(
      denied instanceof Error || (denied as { isError?: boolean }).isError,
      'server b cannot be called through /mcp',
    );
    assert.equal(await mcpInitialize('/mcp/b', firstAccess), 401, 'a /mcp token does not open /mcp/b');
    assert.equal(await mcpInitialize('/mcp/a', firstAccess), 401, 'a /mcp token works at /mcp only');

    // 5. The access token expires; the SDK refreshes (rotation) and the call goes through.
    const firstRefresh = provider.savedTokens!.refresh_token;
    await new Promise((r) => setTimeout(r, ACCESS_TTL_MS + 200));
    assert.equal(firstText(await client.callTool({ name: 'a__echo', arguments: { text: 'again' } })), 'again');
    assert.notEqual(provider.savedTokens!.access_token, firstAccess);
    assert.notEqual(provider.savedTokens!.refresh_token, firstRefresh);

    // 6. It shows in `client list`, marked as self-named, with its grant and redirect URI.
    const list = await runCli(home, ['client', 'list', '--json']);
    assert.equal(list.code, 0, list.stderr);
    const row = (
      JSON.parse(list.stdout) as {
        kind: string;
        name: string;
        servers: string[];
        redirectUris: string[];
        nameVerified: boolean;
        endpoints: string[];
      }[]
    ).find((r) => r.kind === 'oauth' && r.name === 'Test Client');
    assert.ok(row);
    assert.deepEqual(row.servers, ['a']);
    assert.deepEqual(row.endpoints, ['/mcp']);
    assert.deepEqual(row.redirectUris, [redirect.url]);
    assert.equal(row.nameVerified, false);
    const api = await fetch(`${origin}/api/oauth-clients`, {
      headers: { authorization: `Bearer ${airlock.gateway.adminToken}` },
    });
    assert.ok(((await api.json()) as { name: string }[]).some((c) => c.name === 'Test Client'));

    // 7. Revoked with the CLI: 401 at once, and its open session is closed.
    const current = provider.savedTokens!.access_token;
    assert.ok(airlock.gateway.sessions.list().some((s) => s.grant.id.startsWith('oauth:')));
    const revoked = await runCli(home, ['client', 'revoke', 'Test Client']);
    assert.equal(revoked.code, 0, revoked.stderr);
    await until(
      () => !airlock.gateway.sessions.list().some((s) => s.grant.id.startsWith('oauth:')),
      'the OAuth session closed',
    );
    assert.equal(await mcpInitialize('/mcp', current), 401);
    await assert.rejects(client.callTool({ name: 'a__echo', arguments: { text: 'gone' } }));
    await client.close().catch(() => {});
    const after = await runCli(home, ['client', 'list', '--json']);
    // (The SDK, refused, registered afresh and asked to sign in again: that registration holds no grant.)
    const rows = (JSON.parse(after.stdout) as { name: string; grants?: number; servers: string[] }[]).filter(
      (r) => r.name === 'Test Client',
    );
    assert.ok(
      rows.every((r) => r.grants === 0 && r.servers.length === 0),
      JSON.stringify(rows),
    );
  });

  test('a denied consent ends in access_denied at the client, with state echoed', async () => {
    const clientId = await register('Denied Client', [redirect.url]);
    const { challenge } = pkce();
    const page = await browse(
      authorizeUrl({
        response_type: 'code',
        client_id: clientId,
        redirect_uri: redirect.url,
        code_challenge: challenge,
        code_challenge_method: 'S256',
        state: 'xyz',
      }),
    );
    const consent = await pendingSignin();
    const denied = await runCli(home, ['deny', consent.id]);
    assert.equal(denied.code, 0, denied.stderr);
    const location = new URL(await page.finish());
    assert.equal(location.searchParams.get('error'), 'access_denied');
    assert.equal(location.searchParams.get('state'), 'xyz');
    assert.equal(location.searchParams.get('code'), null);
  });
});

describe('authorization server checks', () => {
  test('metadata: protected resource per endpoint, authorization server with S256 only', async () => {
    const prm = (await (await fetch(`${origin}/.well-known/oauth-protected-resource/mcp/a`)).json()) as Record<
      string,
      unknown
    >;
    assert.equal(prm.resource, `${origin}/mcp/a`);
    assert.deepEqual(prm.authorization_servers, [origin]);
    assert.equal((await fetch(`${origin}/.well-known/oauth-protected-resource/mcp/nope`)).status, 404);
    const as = (await (await fetch(`${origin}/.well-known/oauth-authorization-server`)).json()) as Record<
      string,
      unknown
    >;
    assert.equal(as.issuer, origin);
    assert.deepEqual(as.code_challenge_methods_supported, ['S256']);
    assert.equal(as.registration_endpoint, `${origin}/oauth/register`);
    assert.equal(as.revocation_endpoint, `${origin}/oauth/revoke`);
    const challenge = (await fetch(`${origin}/mcp/a`, { method: 'POST' })).headers.get('www-authenticate');
    assert.equal(challenge, `Bearer resource_metadata="${origin}/.well-known/oauth-protected-resource/mcp/a"`);
  });

  test('registration refuses plain-http non-loopback and script redirect URIs, accepts app schemes', async () => {
    for (const bad of ['http://example.com/cb', 'javascript:alert(1)', 'http://127.0.0.1/cb#frag']) {
      const res = await fetch(`${origin}/oauth/register`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ client_name: 'x', redirect_uris: [bad] }),
      });
      assert.equal(res.status, 400, bad);
    }
    await register('App Scheme', ['cursor://anysphere.cursor-retrieval/oauth/callback', 'https://app.example.com/cb']);
  });

  test('PKCE is required and S256 only; the redirect URI must be registered (any loopback port)', async () => {
    const clientId = await register('Pkce Client', ['http://127.0.0.1:6274/oauth/callback']);
    const { challenge } = pkce();
    const base = {
      response_type: 'code',
      client_id: clientId,
      redirect_uri: 'http://127.0.0.1:6274/oauth/callback',
      state: 's1',
    };
    for (const extra of [
      {},
      { code_challenge: challenge, code_challenge_method: 'plain' },
      { code_challenge: challenge },
    ]) {
      const res = await fetch(authorizeUrl({ ...base, ...extra }), { redirect: 'manual' });
      assert.equal(res.status, 302);
      const location = new URL(res.headers.get('location')!);
      assert.equal(location.searchParams.get('error'), 'invalid_request', JSON.stringify(extra));
      assert.equal(location.searchParams.get('state'), 's1');
    }
    const wrong = await fetch(
      authorizeUrl({
        ...base,
        redirect_uri: 'http://127.0.0.1:6274/other',
        code_challenge: challenge,
        code_challenge_method: 'S256',
      }),
      { redirect: 'manual' },
    );
    assert.equal(wrong.status, 400, 'an unregistered redirect URI is answered directly, never redirected to');
    const badResource = await fetch(
      authorizeUrl({
        ...base,
        code_challenge: challenge,
        code_challenge_method: 'S256',
        resource: 'https://example.com/mcp',
      }),
      { redirect: 'manual' },
    );
    assert.equal(new URL(badResource.headers.get('location')!).searchParams.get('error'), 'invalid_target');
    assert.equal(airlock.consents.pending().length, 0, 'no consent was raised for a refused request');
    // RFC 8252 §7.3: a loopback redirect may use another port.
    const otherPort = await browse(
      authorizeUrl({
        ...base,
        redirect_uri: 'http://127.0.0.1:5555/oauth/callback',
        code_challenge: challenge,
        code_challenge_method: 'S256',
      }),
    );
    assert.ok(otherPort.waitUrl);
    for (const request of airlock.consents.pending()) airlock.consents.answer(request.id, { action: 'deny' }, 'test');
  });

  test('codes are single-use, short-lived and PKCE-bound; refresh tokens rotate and reuse revokes', async () => {
    const redirectUri = redirect.url;
    // Wrong verifier: refused, and the code is spent.
    const clientId = await register('Code Client', [redirectUri]);
    const { challenge } = pkce();
    const page = await browse(
      authorizeUrl({
        response_type: 'code',
        client_id: clientId,
        redirect_uri: redirectUri,
        code_challenge: challenge,
        code_challenge_method: 'S256',
        resource: `${origin}/mcp/a`,
      }),
    );
    const consent = airlock.consents.pending().find((r) => r.clientName === 'Code Client')!;
    assert.deepEqual(consent.choices?.servers, ['a'], 'a /mcp/a sign-in offers server a only');
    await airlock.consents.answerAndWait(consent.id, { action: 'approve' }, 'test');
    const code = new URL(await page.finish()).searchParams.get('code')!;
    const wrongVerifier = await rawPost('/oauth/token', {
      grant_type: 'authorization_code',
      code,
      code_verifier: pkce().verifier,
      client_id: clientId,
    });
    assert.equal(wrongVerifier.body.error, 'invalid_grant');

    // A good exchange works once only.
    const good = await signIn({ name: 'Once Client', resource: `${origin}/mcp/a`, servers: ['a'] });
    assert.equal(await mcpInitialize('/mcp/a', good.access), 200);
    assert.equal(await mcpInitialize('/mcp/b', good.access), 401, 'audience: a /mcp/a token is refused at /mcp/b');
    assert.equal(await mcpInitialize('/mcp', good.access), 401, 'audience: a /mcp/a token is refused at /mcp');

    // Refresh with a resource other than the grant's: refused.
    const otherResource = await rawPost('/oauth/token', {
      grant_type: 'refresh_token',
      refresh_token: good.refresh,
      client_id: good.clientId,
      resource: `${origin}/mcp/b`,
    });
    assert.equal(otherResource.body.error, 'invalid_target');
    // Rotation: the new refresh token works, the old one fails and revokes the grant.
    const rotated = await rawPost('/oauth/token', {
      grant_type: 'refresh_token',
      refresh_token: good.refresh,
      client_id: good.clientId,
    });
    assert.equal(rotated.status, 200);
    secretsSeen.add(String(rotated.body.access_token));
    secretsSeen.add(String(rotated.body.refresh_token));
    assert.notEqual(rotated.body.refresh_token, good.refresh);
    assert.equal(await mcpInitialize('/mcp/a', String(rotated.body.access_token)), 200);
    const reused = await rawPost('/oauth/token', {
      grant_type: 'refresh_token',
      refresh_token: good.refresh,
      client_id: good.clientId,
    });
    assert.equal(reused.body.error, 'invalid_grant');
    assert.equal(
      await mcpInitialize('/mcp/a', String(rotated.body.access_token)),
      401,
      'reuse of an old refresh token revoked the grant',
    );
    const afterReuse = await rawPost('/oauth/token', {
      grant_type: 'refresh_token',
      refresh_token: String(rotated.body.refresh_token),
      client_id: good.clientId,
    });
    assert.equal(afterReuse.body.error, 'invalid_grant');

    // Expired code (codeTtlMs is 2 s in this gateway).
    const slow = await register('Slow Client', [redirectUri]);
    const p = pkce();
    const slowPage = await browse(
      authorizeUrl({
        response_type: 'code',
        client_id: slow,
        redirect_uri: redirectUri,
        code_challenge: p.challenge,
        code_challenge_method: 'S256',
      }),
    );
    const slowConsent = airlock.consents.pending().find((r) => r.clientName === 'Slow Client')!;
    await airlock.consents.answerAndWait(slowConsent.id, { action: 'approve', servers: ['b'] }, 'test');
    const slowCode = new URL(await slowPage.finish()).searchParams.get('code')!;
    await new Promise((r) => setTimeout(r, 2200));
    const expired = await rawPost('/oauth/token', {
      grant_type: 'authorization_code',
      code: slowCode,
      code_verifier: p.verifier,
      client_id: slow,
    });
    assert.equal(expired.body.error, 'invalid_grant');
  });

  test('a code is redeemed once; redirect_uri and resource must match; RFC 7009 revocation', async () => {
    const redirectUri = redirect.url;
    const clientId = await register('Exact Client', [redirectUri]);
    const { verifier, challenge } = pkce();
    const page = await browse(
      authorizeUrl({
        response_type: 'code',
        client_id: clientId,
        redirect_uri: redirectUri,
        code_challenge: challenge,
        code_challenge_method: 'S256',
        resource: `${origin}/mcp`,
      }),
    );
    const consent = airlock.consents.pending().find((r) => r.clientName === 'Exact Client')!;
    await airlock.consents.answerAndWait(consent.id, { action: 'approve', servers: ['a'] }, 'test');
    const code = new URL(await page.finish()).searchParams.get('code')!;
    const mismatch = await rawPost('/oauth/token', {
      grant_type: 'authorization_code',
      code,
      code_verifier: verifier,
      client_id: clientId,
      redirect_uri: `${redirectUri}x`,
    });
    assert.equal(mismatch.body.error, 'invalid_grant');
    const again = await rawPost('/oauth/token', {
      grant_type: 'authorization_code',
      code,
      code_verifier: verifier,
      client_id: clientId,
      redirect_uri: redirectUri,
    });
    assert.equal(again.body.error, 'invalid_grant', 'the code was spent by the first attempt');

    const good = await signIn({ name: 'Revoke Client', resource: `${origin}/mcp`, servers: ['a', 'b'] });
    const wrongResource = await rawPost('/oauth/token', {
      grant_type: 'refresh_token',
      refresh_token: good.refresh,
      client_id: good.clientId,
      resource: 'http://127.0.0.1:1/mcp',
    });
    assert.equal(wrongResource.body.error, 'invalid_target');
    assert.equal(await mcpInitialize('/mcp', good.access), 200);
    const revoke = await rawPost('/oauth/revoke', { token: good.refresh, client_id: good.clientId });
    assert.equal(revoke.status, 200);
    assert.equal(await mcpInitialize('/mcp', good.access), 401, 'revoking the refresh token revokes the grant');
  });

  test('no token or code appears in config.json, audit.jsonl, logs or snippets', async () => {
    assert.ok(secretsSeen.size > 5);
    const paths = dataPaths(home);
    const files = [paths.config, paths.audit, paths.vault];
    for (const dir of [path.join(home, 'logs')]) {
      if (fs.existsSync(dir)) for (const f of fs.readdirSync(dir)) files.push(path.join(dir, f));
    }
    const snippets = await runCli(home, ['client', 'add', 'keyed', '--servers', 'a', '--json']);
    for (const file of files) {
      if (!fs.existsSync(file) || fs.statSync(file).isDirectory()) continue;
      const text = fs.readFileSync(file, 'utf8');
      for (const secret of secretsSeen) assert.ok(!text.includes(secret), `a token leaked into ${path.basename(file)}`);
    }
    for (const secret of secretsSeen) assert.ok(!snippets.stdout.includes(secret));
    assert.ok(fs.readFileSync(paths.audit, 'utf8').includes('oauth-grant'), 'grants are audited (without tokens)');
  });
});
