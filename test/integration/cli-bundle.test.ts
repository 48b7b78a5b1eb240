/**
 * bin/airlock.js runs the CLI bundle (scripts/build-cli.js) while it is at least as new as every
 * source file it was built from, and the TypeScript sources otherwise or with AIRLOCK_FROM_SOURCE=1.
 * A throwaway checkout (copies of bin/ and src/, the repo's node_modules linked) gets its bundle from
 * the real build script; AIRLOCK_DEBUG_ENTRY=1 makes the launcher say which entry module it runs.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  connectClient,
  firstText,
  prepareHome,
  until,
  VAULT_ENV,
  waitForMcpUrl,
  type PreparedHome,
} from '../helpers/gateway-harness.ts';

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const MARKER = 'cli-bundle-renderer-marker-41c9';

let checkout: string;
let bin: string;
let bundleEntry: string;
let sourceEntry: string;
const cleanups: Array<() => Promise<void> | void> = [];

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
  /** The entry module the launcher reported. */
  entry: string | undefined;
}

function entryOf(stderr: string): string | undefined {
  return /^airlock: entry (.+)$/m.exec(stderr)?.[1];
}

function run(args: string[], env: Record<string, string> = {}): Run {
  const result = spawnSync(process.execPath, [bin, ...args], {
    env: { ...process.env, ...VAULT_ENV, AIRLOCK_DEBUG_ENTRY: '1', ...env },
    encoding: 'utf8',
    timeout: 30_000,
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr, entry: entryOf(result.stderr) };
}

before(() => {
  checkout = fs.mkdtempSync(path.join(os.tmpdir(), 'airlock-cli-bundle-'));
  cleanups.push(() => fs.rmSync(checkout, { recursive: true, force: true }));
  for (const part of ['bin', 'src', 'package.json']) {
    fs.cpSync(path.join(REPO_ROOT, part), path.join(checkout, part), { recursive: true });
  }
  fs.symlinkSync(path.join(REPO_ROOT, 'node_modules'), path.join(checkout, 'node_modules'), 'dir');
  fs.mkdirSync(path.join(checkout, 'dist-renderer'));
  fs.writeFileSync(path.join(checkout, 'dist-renderer', 'index.html'), `<!doctype html><title>${MARKER}</title>\n`);

  const build = spawnSync(process.execPath, [path.join(REPO_ROOT, 'scripts', 'build-cli.js')], {
    cwd: REPO_ROOT,
    env: { ...process.env, AIRLOCK_CLI_OUT: path.join(checkout, 'dist', 'cli') },
    encoding: 'utf8',
    timeout: 120_000,
  });
  assert.equal(build.status, 0, `build failed:\n${build.stdout}\n${build.stderr}`);
  bin = path.join(checkout, 'bin', 'airlock.js');
  bundleEntry = path.join(checkout, 'dist', 'cli', 'main.js');
  sourceEntry = path.join(checkout, 'src', 'cli', 'main.ts');
});

after(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

describe('the CLI bundle', { timeout: 180_000 }, () => {
  test('runs when fresh and prints what the sources print', () => {
    for (const args of [['--version'], ['--help'], ['serve', '--help'], ['no-such-command']]) {
      const bundled = run(args);
      const sources = run(args, { AIRLOCK_FROM_SOURCE: '1' });
      assert.equal(bundled.entry, bundleEntry, `${args.join(' ')}: ${bundled.stderr}`);
      assert.equal(sources.entry, sourceEntry, `${args.join(' ')} with AIRLOCK_FROM_SOURCE=1: ${sources.stderr}`);
      assert.deepEqual(
        { code: bundled.code, stdout: bundled.stdout, stderr: bundled.stderr.replace(bundleEntry, '') },
        { code: sources.code, stdout: sources.stdout, stderr: sources.stderr.replace(sourceEntry, '') },
        args.join(' '),
      );
    }
  });

  test('a bundled `serve` answers tools/call through /mcp/SERVER and serves the checkout’s /ui/', async () => {
    const prepared: PreparedHome = await prepareHome();
    let serve: ChildProcess | undefined;
    try {
      const added = run(['--home', prepared.home, '--json', 'client', 'add', 'bundle']);
      assert.equal(added.code, 0, added.stderr);
      assert.equal(added.entry, bundleEntry);
      const { key, snippets } = JSON.parse(added.stdout) as { key: string; snippets: unknown };
      // Clients that launch the stdio bridge are told to run the launcher, not a chunk of the bundle.
      assert.ok(JSON.stringify(snippets).includes(JSON.stringify(bin)), JSON.stringify(snippets));

      const child = spawn(process.execPath, [bin, 'serve', '--home', prepared.home, '--port', '0'], {
        env: { ...process.env, ...VAULT_ENV, AIRLOCK_DEBUG_ENTRY: '1' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      serve = child;
      let stderr = '';
      child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
      child.stdout.setEncoding('utf8');
      const mcpUrl = await waitForMcpUrl(child, () => stderr, 30_000);
      assert.equal(entryOf(stderr), bundleEntry);
      await until(
        () => {
          const status = run(['--home', prepared.home, '--json', 'status']);
          const parsed = JSON.parse(status.stdout || '{}') as { servers?: { state: string }[] };
          return Boolean(parsed.servers?.length) && parsed.servers!.every((s) => s.state === 'connected');
        },
        'every server connected',
        30_000,
      );

      const client = await connectClient(`${mcpUrl}/remote`, key);
      try {
        const result = await client.client.callTool({ name: 'echo', arguments: { text: 'through the bundle' } });
        assert.equal(firstText(result), 'through the bundle');
      } finally {
        await client.close();
      }

      const page = await fetch(new URL('/ui/', mcpUrl));
      assert.equal(page.status, 200);
      assert.match(await page.text(), new RegExp(MARKER));
    } finally {
      if (serve && serve.exitCode === null && serve.signalCode === null) {
        const exited = new Promise((resolve) => serve!.once('exit', resolve));
        serve.kill('SIGTERM');
        const timer = setTimeout(() => serve!.kill('SIGKILL'), 10_000);
        await exited;
        clearTimeout(timer);
      }
      await prepared.cleanup();
    }
  });

  test('the sources run once a source file is newer than the bundle, or one is missing', () => {
    const builtAt = fs.statSync(path.join(checkout, 'dist', 'cli', 'inputs.json')).mtime;
    const edited = path.join(checkout, 'src', 'errors.ts');
    const before = fs.statSync(edited);
    fs.utimesSync(edited, before.atime, new Date(builtAt.getTime() + 2_000));
    try {
      const stale = run(['--version']);
      assert.equal(stale.entry, sourceEntry, stale.stderr);
      assert.equal(stale.code, 0, stale.stderr);
      assert.equal(stale.stdout, run(['--version'], { AIRLOCK_FROM_SOURCE: '1' }).stdout);
    } finally {
      fs.utimesSync(edited, before.atime, before.mtime);
    }
    assert.equal(run(['--version']).entry, bundleEntry, 'fresh again once the edit is undone');

    const moved = path.join(checkout, 'src', 'version.ts');
    fs.renameSync(moved, `${moved}.away`);
    try {
      // The sources then fail to load too: what matters here is that the bundle was not trusted.
      assert.equal(run(['--version']).entry, sourceEntry);
    } finally {
      fs.renameSync(`${moved}.away`, moved);
    }
  });
});
