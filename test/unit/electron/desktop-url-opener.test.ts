import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createDesktopUrlOpener, ShellUrlOpener } from '../../../electron/desktop-url-opener.ts';
import { SystemUrlOpener } from '../../../src/consent/url-opener.ts';

function recordingOpener() {
  const opened: string[] = [];
  return { opened, opener: new ShellUrlOpener(async (url) => void opened.push(url)) };
}

test('only http(s) URLs ever reach shell.openExternal', async () => {
  const { opened, opener } = recordingOpener();
  const refused = [
    'javascript:alert(1)',
    'file:///etc/passwd',
    'data:text/html,<script>x</script>',
    'smb://host/share',
    'ms-settings:privacy',
    'vscode://extension/x',
    '  javascript:alert(1)',
    'not a url',
  ];
  for (const url of refused) await assert.rejects(opener.open(url), { code: 'URL_REFUSED' }, url);
  assert.deepEqual(opened, []);
  await opener.open('https://accounts.example.com/authorize?x=1');
  await opener.open('http://127.0.0.1:8080/callback');
  assert.deepEqual(opened, ['https://accounts.example.com/authorize?x=1', 'http://127.0.0.1:8080/callback']);
});

test('a browser failure is reported without the URL', async () => {
  const opener = new ShellUrlOpener(async () => {
    throw new Error('failed to open https://a.example/?code=secret');
  });
  await assert.rejects(opener.open('https://a.example/?code=secret'), (error: Error & { code?: string }) => {
    assert.equal(error.code, 'BROWSER_FAILED');
    assert.doesNotMatch(error.message, /secret/);
    return true;
  });
});

test('$BROWSER wins, as in the CLI; otherwise the OS default through openExternal', () => {
  assert.ok(createDesktopUrlOpener({ BROWSER: 'firefox' }, async () => {}) instanceof SystemUrlOpener);
  assert.ok(createDesktopUrlOpener({}, async () => {}) instanceof ShellUrlOpener);
});
