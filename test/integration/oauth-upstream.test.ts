/**
 * Airlock signing in to a protected upstream MCP server, end to end and headless: a real
 * authorization server (oidc-provider), a real SDK MCP server that verifies its tokens, `airlock
 * serve` as a child process, a real SDK client calling through the gateway, `airlock pending` /
 * `airlock approve`, and a `$BROWSER` that hands the URL to Playwright-driven Chromium, which
 * fills in the AS's login form and lands on the gateway's `/oauth/callback`.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser } from 'playwright-core';
import {
  firstText,
  prepareHome,
  startServeProcess,
  until,
  connectClient,
  type ServeProcess,
  type RecordingClient,
} from '../helpers/gateway-harness.ts';
import { chromiumSkipReason, launchChromium } from '../helpers/browser.ts';
import { startAuthorizationServer, type AuthorizationServer } from '../fixtures/oauth/authorization-server.ts';
import { startProtectedMcpServer, type ProtectedMcpServer } from '../fixtures/oauth/protected-mcp-server.ts';

const BROWSER_SCRIPT = fileURLToPath(new URL('../fixtures/oauth/browser-to-file.ts', import.meta.url));
const ACCESS_TTL_S = 6;

interface PendingRow {
  id: string;
  kind: string;
  server: string;
  url: string | null;
  host: string | null;
  message: string;
}

let as: AuthorizationServer;
let mcp: ProtectedMcpServer;
let serve: ServeProcess;
let browser: Browser;
let urlFile: string;
let key: string;
let client: RecordingClient;
/** Everything the MCP client received, as raw bytes (to prove no token reached it). */
const received: string[] = [];

async function pending(): Promise<PendingRow[]> {
  const result = await serve.cli(['pending', '--json']);
  assert.equal(result.code, 0, result.stderr);
  return JSON.parse(result.stdout) as PendingRow[];
}

async function waitForConsent(kind: string, server: string): Promise<PendingRow> {
  let found: PendingRow | undefined;
  await until(
    async () => {
      found = (await pending()).find((row) => row.kind === kind && row.server === server);
      return Boolean(found);
    },
    `a ${kind} consent for ${server}`,
    20_000,
  );
  return found!;
}

function openedUrls(): string[] {
  return fs.existsSync(urlFile) ? fs.readFileSync(urlFile, 'utf8').split('\n').filter(Boolean) : [];
}

/** Approves with the CLI, then plays the user: opens what `$BROWSER` got in Chromium and logs in. */
async function approveAndLogIn(consent: PendingRow): Promise<string> {
  const before = openedUrls().length;
  const approved = await serve.cli(['approve', consent.id]);
  assert.equal(approved.code, 0, approved.stderr);
  await until(() => openedUrls().length > before, 'the browser was asked to open the URL');
  const url = openedUrls().at(-1)!;
  assert.equal(url, consent.url, 'approval opens exactly the URL the consent showed');
  const page = await browser.newPage();
  try {
    await page.goto(url);
    // oidc-provider's login form (first sign-in; later ones reuse the AS session cookie), then its
    // consent form ("Continue"), until the AS redirects to the gateway.
    for (let step = 0; step < 4 && !page.url().includes('/oauth/callback'); step++) {
      if (await page.locator('input[name="login"]').count()) {
        await page.fill('input[name="login"]', 'alice');
        await page.fill('input[name="password"]', 'wonderland');
      }
      const submit = page.locator('button[type="submit"]');
      if (!(await submit.count())) break;
      await Promise.all([page.waitForNavigation({ timeout: 15_000 }), submit.first().click()]);
    }
    await page.waitForURL(/\/oauth\/callback/, { timeout: 15_000 }).catch(async (error: unknown) => {
      throw new Error(
        `the browser did not reach the callback; it shows ${page.url()}: ${(await page.locator('body').innerText()).slice(0, 500)}`,
        { cause: error },
      );
    });
    return await page.locator('body').innerText();
  } finally {
    await page.close();
  }
}

async function serverState(name: string): Promise<string | undefined> {
  const result = await serve.cli(['status', '--json']);
  const parsed = JSON.parse(result.stdout || '{}') as { servers?: { name: string; state: string }[] };
  return parsed.servers?.find((s) => s.name === name)?.state;
}

async function vaultAccessToken(): Promise<string | undefined> {
  const { openVault } = await import('../../src/vault/file-vault.ts');
  const { createCipher } = await import('../../src/vault/select-cipher.ts');
  const { VAULT_ENV } = await import('../helpers/gateway-harness.ts');
  const vault = await openVault({
    file: path.join(serve.home, 'vault.json'),
    cipher: createCipher({ env: VAULT_ENV, home: serve.home }),
  });
  try {
    const raw = await vault.get('oauth/server/protected');
    return raw ? (JSON.parse(raw) as { tokens?: { access_token?: string } }).tokens?.access_token : undefined;
  } finally {
    await vault.close();
  }
}

describe('upstream OAuth sign-in through the gateway', { skip: chromiumSkipReason(), timeout: 180_000 }, () => {
  before(async () => {
    as = await startAuthorizationServer({ accessTokenTtl: ACCESS_TTL_S });
    mcp = await startProtectedMcpServer({ issuer: as.issuer, jwksUri: as.jwksUri });
    browser = await launchChromium();
    const prepared = await prepareHome({ noRemote: true, servers: { protected: { url: mcp.url } } });
    urlFile = path.join(prepared.home, 'opened-urls.txt');
    process.env.BROWSER = `${process.execPath} ${BROWSER_SCRIPT} ${urlFile}`;
    serve = await startServeProcess({ prepared, waitConnected: false });
    delete process.env.BROWSER;
    await until(async () => (await serverState('protected')) === 'needs-sign-in', 'protected needs sign-in', 20_000);
    const added = await serve.cli(['client', 'add', 'tester', '--json']);
    key = (JSON.parse(added.stdout) as { key: string }).key;
    client = await connectClient(serve.mcpUrl, key, {}, { name: 'oauth-test-client', capabilities: {} });
    const originalOnMessage = client.transport.onmessage;
    client.transport.onmessage = (message) => {
      received.push(JSON.stringify(message));
      originalOnMessage?.(message);
    };
  });

  after(async () => {
    if (process.env.OAUTH_TEST_DEBUG) process.stderr.write(`SERVE STDERR:\n${serve?.stderr()}\n`);
    await client?.close();
    await browser?.close();
    await serve?.close();
    await mcp?.close();
    await as?.close();
  });

  test('a tool call waits for one consent and the browser sign-in, then completes', async () => {
    assert.equal(await serverState('protected'), 'needs-sign-in');
    assert.deepEqual(await pending(), [], 'nothing is asked before a client needs the server');
    // Two concurrent calls share one consent.
    const calls = [
      client.client.callTool({ name: 'protected__whoami', arguments: {} }, undefined, { timeout: 120_000 }),
      client.client.callTool({ name: 'protected__whoami', arguments: {} }, undefined, { timeout: 120_000 }),
    ];
    const consent = await waitForConsent('upstream-signin', 'protected');
    assert.match(consent.message, /Sign in to protected/);
    assert.equal(consent.host, '127.0.0.1');
    const authUrl = new URL(consent.url!);
    assert.equal(authUrl.origin, as.issuer);
    assert.equal(authUrl.searchParams.get('code_challenge_method'), 'S256');
    assert.equal(authUrl.searchParams.get('resource'), mcp.url);
    assert.equal(authUrl.searchParams.get('scope'), 'mcp:read');
    assert.equal(authUrl.searchParams.get('redirect_uri'), `http://127.0.0.1:${serve.port}/oauth/callback`);
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(
      (await pending()).filter((row) => row.server === 'protected').length,
      1,
      'one consent for concurrent calls',
    );

    const pageText = await approveAndLogIn(consent);
    assert.match(pageText, /Signed in to protected, you can close this tab/);
    const results = await Promise.all(calls);
    for (const result of results) assert.match(firstText(result), /^sub=alice scopes=mcp:read$/);
    await until(async () => (await serverState('protected')) === 'connected', 'protected connected', 15_000);
  });

  test('the access token lives only in the vault', async () => {
    const token = await vaultAccessToken();
    assert.ok(token, 'a token is stored in the vault');
    assert.ok(mcp.tokensSeen.includes(token), 'the server received it');
    const files = ['config.json', 'audit.jsonl', 'vault.json'].map((f) => path.join(serve.home, f));
    const logDir = path.join(serve.home, 'logs');
    if (fs.existsSync(logDir)) {
      for (const f of fs.readdirSync(logDir, { recursive: true, encoding: 'utf8' })) {
        const file = path.join(logDir, f);
        if (fs.statSync(file).isFile()) files.push(file);
      }
    }
    for (const file of files) {
      if (!fs.existsSync(file)) continue;
      assert.ok(!fs.readFileSync(file, 'utf8').includes(token), `${path.basename(file)} does not contain the token`);
    }
    assert.ok(!received.join('\n').includes(token), 'the MCP client never received the token');
    assert.ok(!serve.stdout().includes(token) && !serve.stderr().includes(token));
  });

  test('an expiring access token is refreshed (once) without the user', async () => {
    const before = as.refreshes();
    const oldToken = await vaultAccessToken();
    await new Promise((r) => setTimeout(r, ACCESS_TTL_S * 1000));
    const results = await Promise.all([
      client.client.callTool({ name: 'protected__whoami', arguments: {} }),
      client.client.callTool({ name: 'protected__whoami', arguments: {} }),
    ]);
    for (const result of results) assert.match(firstText(result), /sub=alice/);
    assert.equal(as.refreshes() - before, 1, 'concurrent calls refreshed once');
    assert.notEqual(await vaultAccessToken(), oldToken);
    assert.deepEqual(await pending(), []);
  });

  test('step-up: insufficient_scope asks again, with the broader scope, and the call completes', async () => {
    const call = client.client.callTool({ name: 'protected__write_note', arguments: { text: 'hi' } }, undefined, {
      timeout: 120_000,
    });
    const consent = await waitForConsent('upstream-signin', 'protected');
    assert.match(consent.message, /more permissions/);
    assert.equal(new URL(consent.url!).searchParams.get('scope'), 'mcp:read mcp:write');
    await approveAndLogIn(consent);
    assert.equal(firstText(await call), 'wrote hi');
  });

  test('a revoked refresh token sends the server back to sign-in', async () => {
    as.revokeRefreshTokens();
    await new Promise((r) => setTimeout(r, ACCESS_TTL_S * 1000));
    const call = client.client
      .callTool({ name: 'protected__whoami', arguments: {} }, undefined, { timeout: 120_000 })
      .then(
        (r) => r,
        (e: unknown) => e,
      );
    const consent = await waitForConsent('upstream-signin', 'protected');
    assert.equal(await vaultAccessToken(), undefined, 'the rejected tokens were removed');
    const denied = await serve.cli(['deny', consent.id]);
    assert.equal(denied.code, 0, denied.stderr);
    const result = await call;
    assert.ok(
      result instanceof Error || (result as { isError?: boolean }).isError,
      'the call fails when the user declines',
    );
    await until(
      async () => (await serverState('protected')) === 'needs-sign-in',
      'protected needs sign-in again',
      15_000,
    );
  });

  test('POST /api/servers/:name/signin raises the consent now; airlock logout forgets the tokens', async () => {
    const info = JSON.parse(fs.readFileSync(path.join(serve.home, 'gateway.json'), 'utf8')) as { port: number };
    const token = fs.readFileSync(path.join(serve.home, 'admin-token'), 'utf8').trim();
    const res = await fetch(`http://127.0.0.1:${info.port}/api/servers/protected/signin`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}` },
    });
    assert.equal(res.status, 202);
    const consent = await waitForConsent('upstream-signin', 'protected');
    assert.match(await approveAndLogIn(consent), /Signed in to protected/);
    await until(
      async () => (await serverState('protected')) === 'connected',
      'protected connected after sign-in',
      15_000,
    );
    assert.ok(await vaultAccessToken());

    const out = await serve.cli(['logout', 'protected', '--json']);
    assert.equal(out.code, 0, out.stderr);
    assert.equal((JSON.parse(out.stdout) as { removed: boolean }).removed, true);
    assert.equal(await vaultAccessToken(), undefined);
    await until(
      async () => (await serverState('protected')) === 'needs-sign-in',
      'protected needs sign-in after logout',
      15_000,
    );
  });

  test('a listing does not wait for a person: it answers at once and asks to sign in in the background', async () => {
    assert.equal(await serverState('protected'), 'needs-sign-in');
    const started = Date.now();
    const listed = await client.client.listTools(undefined, { timeout: 15_000 });
    assert.ok(
      !listed.tools.some((tool) => tool.name.startsWith('protected__')),
      `a server that needs sign-in lists nothing (answered in ${Date.now() - started} ms)`,
    );
    const consent = await waitForConsent('upstream-signin', 'protected');
    const changedBefore = client.toolListChanged;
    assert.match(await approveAndLogIn(consent), /Signed in to protected/);
    await until(() => client.toolListChanged > changedBefore, 'tools/list_changed once signed in', 15_000);
    const again = await client.client.listTools();
    assert.ok(again.tools.some((tool) => tool.name === 'protected__whoami'));
  });
});
