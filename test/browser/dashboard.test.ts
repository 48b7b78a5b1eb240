/**
 * The headless dashboard at `/ui/` against a real gateway (`startAirlock` in this process, a
 * memory vault, the everything fixture over stdio), driven in real headless Chromium.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { startAirlock, type Airlock } from '../../src/app/start-airlock.ts';
import { dataPaths } from '../../src/config/data-dir.ts';
import { readConfig } from '../../src/config/config-store.ts';
import { openVault } from '../../src/vault/file-vault.ts';
import { MemoryCipher } from '../../src/vault/memory-cipher.ts';
import { UI_CSP } from '../../src/ui-server/ui-headers.ts';
import { stdioFixtureCommand, EVERYTHING_SERVER } from '../helpers/spawn-fixture.ts';
import { connectClient, until } from '../helpers/gateway-harness.ts';
import { launchChromiumOrSkip } from './chromium.ts';
import { ensureRendererBuilt } from './renderer-build.ts';
import { screenshot, watchPageProblems } from './artifacts.ts';

const SECRET_VALUE = 'sk-live-Zq8rT3uVb9XwY2aP5dLkM7nH';

let home: string;
let airlock: Airlock;
const opened: string[] = [];

before(async () => {
  ensureRendererBuilt();
  home = fs.mkdtempSync(path.join(os.tmpdir(), 'airlock-ui-'));
  const local = stdioFixtureCommand({ name: 'fx-local' });
  fs.writeFileSync(
    path.join(home, 'config.json'),
    JSON.stringify({ mcpServers: { local: { command: local.command, args: local.args } } }, null, 2),
    { mode: 0o600 },
  );
  const vault = await openVault({ file: dataPaths(home).vault, cipher: new MemoryCipher() });
  airlock = await startAirlock({
    home,
    vault,
    port: 0,
    listenSocket: false,
    backoff: { baseMs: 50, maxMs: 500 },
    urlOpener: {
      open: async (url: string) => {
        opened.push(url);
      },
    },
  });
  await until(() => airlock.gateway.registry.states().every((s) => s.state === 'connected'), 'local connected', 20_000);
});

after(async () => {
  await airlock?.close();
  fs.rmSync(home, { recursive: true, force: true });
});

const api = (p: string) => `${airlock.gateway.origin}/api${p}`;

describe('headless UI over HTTP', () => {
  test('/api/ without a cookie or token is 401', async () => {
    for (const [method, p] of [
      ['GET', '/status'],
      ['GET', '/events'],
      ['GET', '/consents'],
      ['PUT', '/secrets/x'],
      ['POST', '/clients'],
    ] as const) {
      const response = await fetch(api(p), {
        method,
        headers: { 'content-type': 'application/json' },
        ...(method === 'GET' ? {} : { body: '{}' }),
      });
      assert.equal(response.status, 401, `${method} ${p}`);
      await response.body?.cancel();
    }
  });

  test('/ui/ carries the strict CSP and hardening headers', async () => {
    const response = await fetch(`${airlock.gateway.origin}/ui/`);
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('content-security-policy'), UI_CSP);
    assert.match(UI_CSP, /script-src 'self';/);
    assert.equal(response.headers.get('x-content-type-options'), 'nosniff');
    assert.equal(response.headers.get('referrer-policy'), 'no-referrer');
    assert.equal(response.headers.get('x-frame-options'), 'DENY');
    const html = await response.text();
    assert.doesNotMatch(html, /<script(?![^>]*\bsrc=)[^>]*>/, 'no inline script');
    assert.doesNotMatch(html, /<style|style=/, 'no inline style');
  });

  test('the one-time link sets an HttpOnly SameSite=Strict cookie, redirects off the token, and works once', async () => {
    const link = airlock.createUiLink();
    assert.match(link, new RegExp(`^${airlock.gateway.origin}/ui/\\?login=[A-Za-z0-9_-]{40,}$`));
    const first = await fetch(link, { redirect: 'manual' });
    assert.equal(first.status, 303);
    assert.equal(first.headers.get('location'), '/ui/');
    const cookie = first.headers.get('set-cookie') ?? '';
    assert.match(cookie, /HttpOnly/);
    assert.match(cookie, /SameSite=Strict/);
    assert.match(cookie, /Path=\//);
    const session = cookie.split(';')[0]!;

    const status = await fetch(api('/status'), { headers: { cookie: session } });
    assert.equal(status.status, 200);
    await status.body?.cancel();
    // A write with the cookie but without the UI's header is refused (another local page could send the cookie).
    const forged = await fetch(api('/secrets/x'), {
      method: 'PUT',
      headers: { cookie: session, 'content-type': 'application/json' },
      body: JSON.stringify({ value: 'v' }),
    });
    assert.equal(forged.status, 401);
    await forged.body?.cancel();

    const second = await fetch(link, { redirect: 'manual' });
    assert.equal(second.status, 403);
    assert.equal(second.headers.get('set-cookie'), null);
    await second.body?.cancel();
  });

  test('the admin token also reaches the new routes; bodies are validated', async () => {
    const auth = { authorization: `Bearer ${airlock.gateway.adminToken}`, 'content-type': 'application/json' };
    const bad = await fetch(api('/servers'), {
      method: 'POST',
      headers: auth,
      body: JSON.stringify({ name: 'Bad Name', url: 'x' }),
    });
    assert.equal(bad.status, 400);
    const literal = await fetch(api('/servers'), {
      method: 'POST',
      headers: auth,
      body: JSON.stringify({
        name: 'gh',
        url: 'https://example.com/mcp',
        headers: { Authorization: 'Bearer ghp_abcdefghijklmnopqrstuvwxyz0123456789' },
      }),
    });
    assert.equal(literal.status, 400, 'a literal token in a header is refused');
    assert.equal(readConfig(dataPaths(home).config).mcpServers.gh, undefined);
    const unknown = await fetch(api('/clients'), {
      method: 'POST',
      headers: auth,
      body: JSON.stringify({ name: 'c', servers: ['nope'] }),
    });
    assert.equal(unknown.status, 404);
    const emptySecret = await fetch(api('/secrets/ok'), {
      method: 'PUT',
      headers: auth,
      body: JSON.stringify({ value: '' }),
    });
    assert.equal(emptySecret.status, 400);
  });
});

describe('dashboard in Chromium', () => {
  let browser: Browser | undefined;
  let context: BrowserContext;
  let page: Page;
  let problems: string[];
  const bodies: string[] = [];

  test('launches Chromium and signs in with the one-time link', async (t) => {
    browser = await launchChromiumOrSkip(t);
    if (!browser) return;
    context = await browser.newContext({ viewport: { width: 1200, height: 900 }, deviceScaleFactor: 1 });
    page = await context.newPage();
    problems = watchPageProblems(page);
    page.on('response', (response) => {
      if (response.headers()['content-type']?.includes('text/event-stream')) return;
      response.text().then(
        (text) => bodies.push(text),
        () => {},
      );
    });
    await page.goto(airlock.createUiLink());
    assert.equal(page.url(), `${airlock.gateway.origin}/ui/`, 'the login token left the address bar');
    const cookies = await context.cookies();
    assert.equal(cookies.length, 1);
    assert.equal(cookies[0]!.httpOnly, true);
    assert.equal(cookies[0]!.sameSite, 'Strict');
  });

  test('lists the servers with state and tool count', async (t) => {
    if (!browser) return t.skip('no browser');
    const row = page.locator('[data-testid="server-row"][data-server="local"]');
    await row.waitFor();
    assert.equal(await row.getAttribute('data-state'), 'connected');
    assert.equal(await row.getByTestId('server-state').textContent(), 'Connected');
    const tools = airlock.gateway.registry.get('local')!.state.tools.length;
    assert.ok(tools > 3);
    assert.equal(await row.getByTestId('server-tools').textContent(), `${tools} tools`);
    assert.match((await row.textContent()) ?? '', /everything-server\.ts --stdio/);
  });

  test('adding a client shows its key and snippets once', async (t) => {
    if (!browser) return t.skip('no browser');
    await page.getByTestId('add-client').click();
    await page.getByTestId('add-client-form').getByLabel('Name').fill('cursor-laptop');
    await page.getByTestId('add-client-submit').click();
    const key = (await page.getByTestId('new-client-key').textContent()) ?? '';
    assert.match(key, /^alk_[A-Za-z0-9_-]{40,}$/);
    for (const target of ['claude', 'cursor', 'vscode', 'windsurf']) {
      await page.getByTestId(`snippet-tab-${target}`).click();
      const snippet = (await page.getByTestId('snippet').textContent()) ?? '';
      if (target === 'claude') assert.match(snippet, /"stdio"/);
      else assert.ok(snippet.includes(key), `${target} snippet carries the key`);
    }
    await page.locator('[data-testid="client-row"][data-client="cursor-laptop"]').waitFor();
    await screenshot(page, 'dashboard-new-client');

    // The key works: a real MCP client calls a tool with it (and the call shows up in the activity).
    const client = await connectClient(airlock.gateway.mcpUrl, key);
    await client.client.callTool({ name: 'local__echo', arguments: { text: 'hi' } });
    await client.client.callTool({ name: 'local__echo', arguments: { text: 'again' } });
    await client.close();

    await page.reload();
    await page.locator('[data-testid="client-row"][data-client="cursor-laptop"]').waitFor();
    assert.equal(await page.getByTestId('new-client-key').count(), 0);
    assert.ok(!(await page.content()).includes(key), 'the key is not shown again');
    await page.locator('[data-testid="activity-table"] tr[data-type="tool-call"]').first().waitFor();
  });

  test('setting a secret never shows its value', async (t) => {
    if (!browser) return t.skip('no browser');
    const form = page.getByTestId('secret-form');
    await form.getByLabel('Name').fill('github-token');
    await form.getByLabel('Value').fill(SECRET_VALUE);
    assert.equal(await form.getByLabel('Value').getAttribute('type'), 'password');
    await page.getByTestId('secret-save').click();
    await page.locator('[data-testid="secret-row"][data-secret="github-token"]').waitFor();
    assert.equal(await form.getByLabel('Value').inputValue(), '', 'the field is cleared');
    assert.equal(await airlock.gateway.vault.get('secret/github-token'), SECRET_VALUE);
    await page.reload();
    await page.locator('[data-testid="secret-row"][data-secret="github-token"]').waitFor();
    assert.ok(!(await page.content()).includes(SECRET_VALUE), 'not in the page');
    assert.ok(bodies.length > 5);
    assert.ok(!bodies.some((body) => body.includes(SECRET_VALUE)), 'not in any response');
  });

  test('a pending consent shows up live, and answering it closes it', async (t) => {
    if (!browser) return t.skip('no browser');
    const { request, outcome } = airlock.consents.request({
      kind: 'url-elicitation',
      server: 'local',
      message: 'Please confirm the payment in your bank app.',
      url: 'https://bank.example.com/confirm?ref=42',
    });
    const card = page.locator(`[data-testid="consent-card"][data-consent-id="${request.id}"]`);
    await card.waitFor();
    assert.equal(await card.getByTestId('consent-url-host').textContent(), 'bank.example.com');
    await page.waitForFunction(
      (id) =>
        !(document.querySelector(`[data-consent-id="${id}"] [data-testid="consent-approve"]`) as HTMLButtonElement)
          .disabled,
      request.id,
    );
    await screenshot(page, 'dashboard');
    await card.getByTestId('consent-approve').click();
    assert.equal((await outcome).action, 'approve');
    assert.deepEqual(opened, ['https://bank.example.com/confirm?ref=42']);
    await card.waitFor({ state: 'detached' });
    await page.getByTestId('no-pending').waitFor();

    const second = airlock.consents.request({
      kind: 'url-elicitation',
      server: 'local',
      message: 'x',
      url: 'https://example.com/',
    });
    const secondCard = page.locator(`[data-testid="consent-card"][data-consent-id="${second.request.id}"]`);
    await secondCard.getByTestId('consent-decline').click();
    assert.equal((await second.outcome).action, 'deny');
    assert.equal(opened.length, 1);
  });

  test('adding a stdio server requires confirming the exact command', async (t) => {
    if (!browser) return t.skip('no browser');
    await page.getByTestId('add-server').click();
    const form = page.getByTestId('add-server-form');
    await form.getByText('Local command (stdio)').click();
    await form.getByLabel('Name').fill('second');
    await form.getByLabel('Command', { exact: true }).fill(process.execPath);
    await form.getByLabel('Arguments, one per line').fill(`${EVERYTHING_SERVER}\n--stdio\n--name\nfx two`);
    assert.equal(
      await form.getByTestId('command-line').textContent(),
      `${process.execPath} ${EVERYTHING_SERVER} --stdio --name 'fx two'`,
    );
    assert.equal(await form.getByTestId('add-server-submit').isDisabled(), true, 'not before the confirmation');
    await form.getByTestId('command-trust').check();
    await form.getByTestId('add-server-submit').click();
    const row = page.locator('[data-testid="server-row"][data-server="second"]');
    await row.waitFor();
    await page
      .locator('[data-testid="server-row"][data-server="second"][data-state="connected"]')
      .waitFor({ timeout: 20_000 });
    assert.deepEqual(readConfig(dataPaths(home).config).mcpServers.second, {
      command: process.execPath,
      args: [EVERYTHING_SERVER, '--stdio', '--name', 'fx two'],
    });
    await row.getByRole('button', { name: 'Remove' }).click();
    await row.getByRole('button', { name: 'Remove' }).click();
    await row.waitFor({ state: 'detached' });
    assert.equal(readConfig(dataPaths(home).config).mcpServers.second, undefined);
  });

  test('a spent link gives no session in a fresh browser', async (t) => {
    if (!browser) return t.skip('no browser');
    const link = airlock.createUiLink();
    const first = await browser.newContext();
    const firstPage = await first.newPage();
    await firstPage.goto(link);
    await firstPage.locator('[data-testid="server-row"]').first().waitFor();
    await first.close();

    const other = await browser.newContext();
    const otherPage = await other.newPage();
    const response = await otherPage.goto(link);
    assert.equal(response?.status(), 403);
    await otherPage.goto(`${airlock.gateway.origin}/ui/`);
    await otherPage.getByText('Open the dashboard link').waitFor();
    await other.close();
  });

  test('no CSP violations or page errors', async (t) => {
    if (!browser) return t.skip('no browser');
    assert.deepEqual(problems, []);
    await browser.close();
  });
});
