/**
 * End to end, in the real desktop app: it starts with a temporary data directory and the
 * passphrase backend, shows its tray, opens a native consent window for a request, and a click
 * on Open approves it. Skipped (with the reason) only where no Electron binary exists; where
 * one exists every failure is a failure.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { _electron as electron, type ElectronApplication, type Page } from 'playwright-core';
import { electronBinary } from './electron-binary.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const binary = electronBinary(root);

test('desktop app: tray, native consent window, Open approves', { timeout: 120_000 }, async (t) => {
  if ('missing' in binary) {
    const reason = `Electron binary not available here: ${binary.missing}`;
    console.log(`# SKIP ${reason}`);
    t.skip(reason);
    return;
  }
  for (const file of ['dist-electron/main.cjs', 'dist-electron/preload.cjs', 'dist-renderer/consent.html']) {
    assert.ok(fs.existsSync(path.join(root, file)), `${file} is built (run npm run build first)`);
  }

  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'airlock-e2e-'));
  const browserLog = path.join(home, 'browser.log');
  const fakeBrowser = path.join(home, 'fake-browser.sh');
  fs.writeFileSync(fakeBrowser, `#!/bin/sh\nprintf '%s\\n' "$1" >> "${browserLog}"\n`, { mode: 0o700 });
  const running: { app?: ElectronApplication } = {};
  t.after(async () => {
    await running.app?.close().catch(() => undefined);
    fs.rmSync(home, { recursive: true, force: true });
  });

  const app = await electron.launch({
    executablePath: binary.path,
    args: [root, ...(process.platform === 'linux' ? ['--no-sandbox'] : [])],
    env: {
      ...process.env,
      AIRLOCK_HOME: home,
      AIRLOCK_SECRET_BACKEND: 'passphrase',
      AIRLOCK_PASSPHRASE: 'e2e passphrase',
      BROWSER: fakeBrowser,
    },
    timeout: 60_000,
  });
  running.app = app;

  // The app is up once its tray exists.
  await waitFor(
    () =>
      app.evaluate(() => {
        const desktop = (globalThis as { airlockDesktop?: { tray?: { isDestroyed(): boolean } } }).airlockDesktop;
        return Boolean(desktop?.tray && !desktop.tray.isDestroyed());
      }),
    'the tray icon',
  );
  assert.ok(fs.existsSync(path.join(home, 'admin-token')), 'the gateway runs on the temporary data directory');

  const consentWindow = app.waitForEvent('window', {
    predicate: (page: Page) => page.url().endsWith('/consent.html'),
    timeout: 30_000,
  });
  await app.evaluate(() => {
    const desktop = globalThis as unknown as {
      airlockDesktop: { airlock: { consents: { request(input: object): { outcome: Promise<unknown> } } } };
      e2eOutcome?: Promise<unknown>;
    };
    const { outcome } = desktop.airlockDesktop.airlock.consents.request({
      kind: 'url-elicitation',
      server: 'e2e',
      message: 'Open the e2e page',
      url: 'https://example.com/e2e?step=1',
    });
    (globalThis as { e2eOutcome?: Promise<unknown> }).e2eOutcome = outcome;
  });
  const page = await consentWindow;
  const open = page.getByRole('button', { name: /^open/i });
  await open.waitFor({ state: 'visible', timeout: 30_000 });
  await page.bringToFront();
  // The window takes an approval only after it has been in front for a moment.
  await new Promise((resolve) => setTimeout(resolve, 800));
  await open.click();

  const outcome = (await app.evaluate(() => (globalThis as { e2eOutcome?: Promise<unknown> }).e2eOutcome)) as {
    action: string;
    by: string;
  };
  assert.equal(outcome.action, 'approve');
  assert.equal(outcome.by, 'desktop');
  await waitFor(async () => fs.existsSync(browserLog), 'the browser to be started');
  assert.equal(fs.readFileSync(browserLog, 'utf8').trim(), 'https://example.com/e2e?step=1');
});

async function waitFor(check: () => Promise<boolean>, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check().catch(() => false)) return;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  assert.fail(`timed out waiting for ${what}`);
}
