/**
 * `${oauth:NAME}` for an `oauthProviders` entry, and an authorization server Airlock refuses:
 * Airlock in this process (real gateway, passphrase vault), a real oidc-provider AS, a real stdio
 * server that receives the token in its environment, and Chromium signing in.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import type { Browser } from 'playwright-core';
import { startAirlock, type Airlock } from '../../src/app/start-airlock.ts';
import { openVault } from '../../src/vault/file-vault.ts';
import { createCipher } from '../../src/vault/select-cipher.ts';
import { connectClient, firstText, until, VAULT_ENV, type RecordingClient } from '../helpers/gateway-harness.ts';
import { stdioFixtureCommand } from '../helpers/spawn-fixture.ts';
import { chromiumSkipReason, launchChromium } from '../helpers/browser.ts';
import { startAuthorizationServer, type AuthorizationServer } from '../fixtures/oauth/authorization-server.ts';

async function freePort(): Promise<number> {
  const probe = net.createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const port = (probe.address() as AddressInfo).port;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

/** An AS that advertises no PKCE support, in front of a server that demands sign-in. */
async function startNoPkceWorld(): Promise<{ url: string; close(): Promise<void> }> {
  const app = express();
  const server: Server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  app.get('/.well-known/oauth-protected-resource/mcp', (_req, res) => {
    res.json({ resource: `${origin}/mcp`, authorization_servers: [origin] });
  });
  app.get('/.well-known/oauth-authorization-server', (_req, res) => {
    res.json({
      issuer: origin,
      authorization_endpoint: `${origin}/authorize`,
      token_endpoint: `${origin}/token`,
      registration_endpoint: `${origin}/register`,
      response_types_supported: ['code'],
    });
  });
  app.post('/register', express.json(), (req, res) => {
    res.status(201).json({ ...req.body, client_id: 'no-pkce-client' });
  });
  app.all('/mcp', (_req, res) => {
    res
      .status(401)
      .set('WWW-Authenticate', `Bearer resource_metadata="${origin}/.well-known/oauth-protected-resource/mcp"`)
      .json({ error: 'invalid_token' });
  });
  return {
    url: `${origin}/mcp`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

describe('oauthProviders and refused authorization servers', { skip: chromiumSkipReason(), timeout: 120_000 }, () => {
  let as: AuthorizationServer;
  let noPkce: { url: string; close(): Promise<void> };
  let airlock: Airlock;
  let browser: Browser;
  let home: string;
  let client: RecordingClient;
  const opened: string[] = [];

  before(async () => {
    const port = await freePort();
    as = await startAuthorizationServer({
      clients: [
        {
          client_id: 'airlock-desktop',
          token_endpoint_auth_method: 'none',
          redirect_uris: [`http://127.0.0.1:${port}/oauth/callback`],
          grant_types: ['authorization_code', 'refresh_token'],
          response_types: ['code'],
        },
      ],
    });
    noPkce = await startNoPkceWorld();
    browser = await launchChromium();
    home = fs.mkdtempSync(path.join(os.tmpdir(), 'airlock-oauth-prov-'));
    const fixture = stdioFixtureCommand({ name: 'fx-corp' });
    fs.writeFileSync(
      path.join(home, 'config.json'),
      JSON.stringify({
        gateway: { port },
        mcpServers: {
          corp: { command: fixture.command, args: fixture.args, env: { CORP_TOKEN: '${oauth:corp-sso}' } },
          nopkce: { url: noPkce.url },
        },
        oauthProviders: {
          'corp-sso': {
            authorizationUrl: `${as.issuer}/auth`,
            tokenUrl: `${as.issuer}/token`,
            clientId: 'airlock-desktop',
            scopes: ['openid', 'offline_access'],
          },
        },
      }),
    );
    const vault = await openVault({
      file: path.join(home, 'vault.json'),
      cipher: createCipher({ env: VAULT_ENV, home }),
    });
    airlock = await startAirlock({
      home,
      vault,
      port,
      listenSocket: false,
      backoff: { baseMs: 200, maxMs: 1000 },
      urlOpener: { open: async (url) => void opened.push(url) },
    });
  });

  after(async () => {
    await client?.close();
    await airlock?.close();
    await browser?.close();
    await noPkce?.close();
    await as?.close();
    if (home) fs.rmSync(home, { recursive: true, force: true });
  });

  test('an AS without S256 in code_challenge_methods_supported is refused with a clear error', async () => {
    const registry = airlock.gateway.registry;
    await until(() => registry.get('nopkce')?.state.state === 'error', 'nopkce in error', 15_000);
    assert.match(registry.get('nopkce')!.state.reason ?? '', /does not advertise PKCE with S256/);
    assert.ok(!airlock.consents.pending().some((c) => c.server === 'nopkce'), 'no consent, no browser for it');
  });

  test('${oauth:NAME} signs in behind a provider-signin consent; the stdio server gets the token, the client sees it redacted', async () => {
    const consent = await (async () => {
      await until(
        () => airlock.consents.pending().some((c) => c.kind === 'provider-signin'),
        'a provider-signin consent',
        15_000,
      );
      return airlock.consents.pending().find((c) => c.kind === 'provider-signin')!;
    })();
    assert.equal(consent.server, 'corp-sso');
    assert.match(consent.message, /Sign in to corp-sso for server corp/);
    const url = new URL(consent.url!);
    assert.equal(url.searchParams.get('code_challenge_method'), 'S256');
    assert.equal(url.searchParams.get('client_id'), 'airlock-desktop');

    const outcome = await airlock.consents.answerAndWait(consent.id, { action: 'approve' }, 'test');
    assert.equal(outcome?.action, 'approve');
    assert.equal(opened.at(-1), consent.url);
    const page = await browser.newPage();
    await page.goto(opened.at(-1)!);
    for (let step = 0; step < 4 && !page.url().includes('/oauth/callback'); step++) {
      if (await page.locator('input[name="login"]').count()) {
        await page.fill('input[name="login"]', 'bob');
        await page.fill('input[name="password"]', 'builder');
      }
      const submit = page.locator('button[type="submit"]');
      if (!(await submit.count())) break;
      await Promise.all([page.waitForNavigation({ timeout: 15_000 }), submit.first().click()]);
    }
    assert.match(await page.locator('body').innerText(), /Signed in to provider corp-sso/);
    await page.close();

    const registry = airlock.gateway.registry;
    await until(() => registry.get('corp')?.state.state === 'connected', 'corp connected', 20_000);
    const stored = JSON.parse((await airlock.gateway.vault.get('oauth/provider/corp-sso'))!) as {
      access_token: string;
    };
    const key = (await airlock.gateway.clientKeys.add('tester', '*')).key;
    client = await connectClient(airlock.gateway.mcpUrl, key, {}, { capabilities: {} });
    const result = await client.client.callTool({ name: 'corp__env', arguments: { name: 'CORP_TOKEN' } });
    const text = firstText(result);
    assert.match(text, /\[redacted:[^\]]+\]/, 'the client sees a redaction marker');
    assert.ok(!text.includes(stored.access_token), 'the token never travels through the MCP client');

    const audit = fs.readFileSync(path.join(home, 'audit.jsonl'), 'utf8');
    assert.match(audit, /"type":"oauth-signin".*"provider":"corp-sso".*"outcome":"signed-in"/);
    assert.ok(!audit.includes(stored.access_token));
  });
});
