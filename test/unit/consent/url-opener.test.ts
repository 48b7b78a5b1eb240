import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { chmod, mkdtemp, readFile, rm, writeFile, access } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SpawnOptions } from 'node:child_process';
import { ConsentBroker } from '../../../src/consent/consent-broker.ts';
import { SystemUrlOpener, browserCommands, splitCommandLine } from '../../../src/consent/url-opener.ts';
import { AirlockError } from '../../../src/errors.ts';

async function tempDir(t: { after: (fn: () => Promise<void>) => void }): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'airlock-opener-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** The browser runs detached, after open() resolved: wait (bounded) for what it wrote. */
async function waitForFile(path: string): Promise<string> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      return await readFile(path, 'utf8');
    } catch {
      if (Date.now() > deadline) assert.fail(`the browser never wrote ${path}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

/** A fake browser as a POSIX sh script: writes its argument count and each argument, one per line. */
async function shBrowser(dir: string, out: string): Promise<string> {
  const script = join(dir, 'browser.sh');
  await writeFile(
    script,
    `#!/bin/sh\n{ echo "$#"; for arg in "$@"; do printf '%s\\n' "$arg"; done; echo "pass=$AIRLOCK_PASSPHRASE"; } > '${out}.tmp'\nmv '${out}.tmp' '${out}'\n`,
  );
  await chmod(script, 0o755);
  return script;
}

test('approve opens the URL through $BROWSER as one unchanged argument, never through a shell', async (t) => {
  const dir = await tempDir(t);
  const out = join(dir, 'argv.txt');
  const pwned = join(dir, 'pwned');
  const script = await shBrowser(dir, out);
  const url = `https://example.com/a?b=1&c=$(touch\${IFS}${pwned});x\`touch\${IFS}${pwned}\`|y>z'q'`;
  const opener = new SystemUrlOpener({ env: { ...process.env, BROWSER: script, AIRLOCK_PASSPHRASE: 'do-not-leak' } });
  const broker = new ConsentBroker({ urlOpener: opener });

  const { request, outcome } = broker.request({ kind: 'url-elicitation', server: 's', message: 'm', url });
  const expected = 'https://example.com/a?b=1&c=$(touch${IFS}' + pwned + ');x`touch${IFS}' + pwned + '`|y%3Ez%27q%27';
  assert.equal(request.url, expected, 'shown URL = opened URL (WHATWG-normalized)');
  const final = await broker.answerAndWait(request.id, { action: 'approve' }, 'desktop');
  assert.deepEqual(final, { action: 'approve', by: 'desktop' });
  assert.deepEqual(await outcome, final);

  const lines = (await waitForFile(out)).split('\n');
  assert.equal(lines[0], '1', 'exactly one argument');
  assert.equal(lines[1], expected, 'the argument is the request URL, byte for byte');
  assert.equal(lines[2], 'pass=', "Airlock's own secrets are not passed to the browser");
  assert.equal(await exists(pwned), false, 'no shell ran the command substitution');
});

test('a URL with a space arrives percent-encoded, still as one argument', async (t) => {
  const dir = await tempDir(t);
  const out = join(dir, 'argv.txt');
  const pwned = join(dir, 'pwned');
  const opener = new SystemUrlOpener({ env: { PATH: process.env.PATH, BROWSER: await shBrowser(dir, out) } });
  await opener.open(`https://example.com/a?b=1&c=$(touch ${pwned});x`);
  const lines = (await waitForFile(out)).split('\n');
  assert.equal(lines[0], '1');
  assert.equal(lines[1], `https://example.com/a?b=1&c=$(touch%20${pwned});x`);
  assert.equal(await exists(pwned), false);
});

test('$BROWSER with fixed arguments, a quoted path and %s placeholder (URL with "$&")', async (t) => {
  const dir = await tempDir(t);
  const out = join(dir, 'argv.json');
  const script = join(dir, 'record browser.mjs');
  await writeFile(
    script,
    `import { writeFileSync, renameSync } from 'node:fs';\n` +
      `writeFileSync(${JSON.stringify(out + '.tmp')}, JSON.stringify(process.argv.slice(2)));\n` +
      `renameSync(${JSON.stringify(out + '.tmp')}, ${JSON.stringify(out)});\n`,
  );
  const browser = `"${process.execPath}" "${script}" --new-window --app=%s`;
  const opener = new SystemUrlOpener({ env: { BROWSER: browser } });
  const url = 'https://example.com/cb?x=$&y=$1&z=%s';
  await opener.open(url);
  assert.deepEqual(JSON.parse(await waitForFile(out)), ['--new-window', `--app=${url}`]);
});

test('the opener itself refuses anything but http(s), even when called directly', async () => {
  const spawned: string[] = [];
  const opener = new SystemUrlOpener({
    env: { BROWSER: '/bin/true' },
    spawn: (command) => {
      spawned.push(command);
      throw new Error('must not be called');
    },
  });
  for (const url of [
    'javascript:alert(1)',
    'file:///etc/passwd',
    'data:text/html,x',
    'http://example.com/',
    '/relative',
  ]) {
    await assert.rejects(
      opener.open(url),
      (error: unknown) => error instanceof AirlockError && error.code === 'URL_REFUSED',
    );
  }
  assert.deepEqual(spawned, []);
});

test('a missing browser is BROWSER_FAILED, the message names the command but not the URL', async (t) => {
  const dir = await tempDir(t);
  const opener = new SystemUrlOpener({ env: { BROWSER: join(dir, 'no-such-browser') } });
  await assert.rejects(opener.open('https://example.com/cb?code=SECRET'), (error: unknown) => {
    assert.ok(error instanceof AirlockError);
    assert.equal(error.code, 'BROWSER_FAILED');
    assert.match(error.message, /no-such-browser/);
    assert.match(error.message, /ENOENT/);
    assert.ok(!error.message.includes('SECRET'));
    assert.equal(error.cause, undefined, 'no spawn error (whose spawnargs hold the URL) attached');
    return true;
  });
});

test('a $BROWSER list falls through to the next command that starts', async (t) => {
  const dir = await tempDir(t);
  const out = join(dir, 'argv.txt');
  const script = await shBrowser(dir, out);
  const opener = new SystemUrlOpener({ env: { BROWSER: `${join(dir, 'missing')}:${script}` }, platform: 'linux' });
  await opener.open('https://example.com/');
  assert.equal((await waitForFile(out)).split('\n')[1], 'https://example.com/');
});

test('without $BROWSER the OS opener is used: open, xdg-open, rundll32 (never cmd or a shell)', async () => {
  const calls: Array<{ command: string; args: string[]; options: SpawnOptions }> = [];
  const spawn = (command: string, args: string[], options: SpawnOptions) => {
    calls.push({ command, args, options });
    const child = Object.assign(new EventEmitter(), { unref: () => {} });
    setImmediate(() => child.emit('spawn'));
    return child;
  };
  const url = 'https://example.com/a?b=1&c=2';
  for (const platform of ['darwin', 'linux', 'win32', 'freebsd'] as const) {
    await new SystemUrlOpener({ env: {}, platform, spawn }).open(url);
  }
  assert.deepEqual(
    calls.map((call) => [call.command, ...call.args]),
    [
      ['open', url],
      ['xdg-open', url],
      ['rundll32', 'url.dll,FileProtocolHandler', url],
      ['xdg-open', url],
    ],
  );
  for (const { options } of calls) {
    assert.equal(options.shell, false);
    assert.equal(options.detached, true);
    assert.equal(options.stdio, 'ignore');
  }
});

test('command line splitting and $BROWSER parsing', () => {
  assert.deepEqual(splitCommandLine('  firefox   --new-tab '), ['firefox', '--new-tab']);
  assert.deepEqual(splitCommandLine('"C:\\Program Files\\Mozilla Firefox\\firefox.exe" -new-tab'), [
    'C:\\Program Files\\Mozilla Firefox\\firefox.exe',
    '-new-tab',
  ]);
  const url = 'https://example.com/';
  assert.deepEqual(browserCommands(url, { BROWSER: 'firefox:chromium --incognito' }, 'linux'), [
    { command: 'firefox', args: [url] },
    { command: 'chromium', args: ['--incognito', url] },
  ]);
  assert.deepEqual(browserCommands(url, { BROWSER: 'C:\\b\\chrome.exe;edge' }, 'win32'), [
    { command: 'C:\\b\\chrome.exe', args: [url] },
    { command: 'edge', args: [url] },
  ]);
  assert.deepEqual(browserCommands(url, { BROWSER: '   ' }, 'darwin'), [{ command: 'open', args: [url] }]);
});
