import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CONTENT_SECURITY_POLICY, resolveAppFile, serveAppFile } from '../../../electron/app-protocol.ts';
import { isAppPage } from '../../../electron/ipc/sender-guard.ts';

test('airlock://app/ maps into the renderer directory and nowhere else', () => {
  const root = '/app/dist-renderer';
  assert.equal(resolveAppFile(root, 'airlock://app/'), '/app/dist-renderer/index.html');
  assert.equal(resolveAppFile(root, 'airlock://app/consent.html'), '/app/dist-renderer/consent.html');
  assert.equal(resolveAppFile(root, 'airlock://app/assets/a.js?x=1#y'), '/app/dist-renderer/assets/a.js');
  for (const url of [
    'airlock://app/../secret',
    'airlock://app/%2e%2e/%2e%2e/etc/passwd',
    'airlock://app/..%2f..%2fetc/passwd',
    'airlock://app/a%5c..%5c..%5cx',
    'airlock://app/a%00.html',
    'airlock://other/index.html',
    'file:///etc/passwd',
    'https://app/index.html',
    '::',
  ]) {
    const file = resolveAppFile(root, url);
    assert.ok(file === undefined || file.startsWith(`${root}/`), `${url} -> ${file}`);
  }
  assert.equal(resolveAppFile(root, 'airlock://other/index.html'), undefined);
  assert.equal(resolveAppFile(root, 'airlock://app/a%00.html'), undefined);
});

test('responses carry a strict CSP, and a missing file is a plain 404', async (t) => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'airlock-renderer-'));
  t.after(() => fs.rmSync(root, { recursive: true, force: true }));
  fs.writeFileSync(path.join(root, 'index.html'), '<!doctype html><title>x</title>');
  const read = (file: string) => fs.promises.readFile(file);
  const ok = await serveAppFile(root, 'airlock://app/index.html', read);
  assert.equal(ok.status, 200);
  assert.equal(ok.headers['content-type'], 'text/html; charset=utf-8');
  assert.equal(ok.headers['content-security-policy'], CONTENT_SECURITY_POLICY);
  assert.match(CONTENT_SECURITY_POLICY, /script-src 'self'(;|$)/);
  assert.doesNotMatch(CONTENT_SECURITY_POLICY, /unsafe-inline|unsafe-eval|\*/);
  const missing = await serveAppFile(root, 'airlock://app/nope.js', read);
  assert.equal(missing.status, 404);
  assert.equal(missing.headers['content-security-policy'], CONTENT_SECURITY_POLICY);
});

test('a sender page is recognised by scheme, host and path only', () => {
  assert.equal(isAppPage('airlock://app/consent.html', '/consent.html'), true);
  assert.equal(isAppPage('airlock://app/consent.html#x', '/consent.html'), true);
  assert.equal(isAppPage('airlock://app/index.html', '/consent.html'), false);
  assert.equal(isAppPage('airlock://evil/consent.html', '/consent.html'), false);
  assert.equal(isAppPage('file:///app/consent.html', '/consent.html'), false);
  assert.equal(isAppPage('', '/consent.html'), false);
});
