/**
 * What the packaged desktop app hands out and serves: the core bundled inside the app cannot find
 * `dist-renderer/` or `bin/airlock.js` next to its sources, so the app passes `uiDistDir` and
 * `bridge` to `startAirlock`. Here a real gateway gets both, and the standalone CLI bundle
 * (`scripts/build-electron.js`, built into a temp directory) is run by plain Node as Claude Desktop would.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import readline from 'node:readline';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { getDefaultEnvironment, StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { startAirlock, type Airlock } from '../../src/app/start-airlock.ts';
import { dataPaths } from '../../src/config/data-dir.ts';
import { openVault } from '../../src/vault/file-vault.ts';
import { MemoryCipher } from '../../src/vault/memory-cipher.ts';
import { firstText, prepareHome, until, type PreparedHome } from '../helpers/gateway-harness.ts';

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const MARKER = 'desktop-renderer-marker-7f3a';

let prepared: PreparedHome;
let airlock: Airlock;
let uiDir: string;
let buildDir: string;
let cliBundle: string;
const cleanups: Array<() => Promise<void> | void> = [];

before(async () => {
  buildDir = fs.mkdtempSync(path.join(os.tmpdir(), 'airlock-build-'));
  cleanups.push(() => fs.rmSync(buildDir, { recursive: true, force: true }));
  const build = spawnSync(process.execPath, [path.join(REPO_ROOT, 'scripts', 'build-electron.js')], {
    cwd: REPO_ROOT,
    env: { ...process.env, AIRLOCK_BUILD_OUT: buildDir },
    encoding: 'utf8',
    timeout: 120_000,
  });
  assert.equal(build.status, 0, `build failed:\n${build.stdout}\n${build.stderr}`);
  cliBundle = path.join(buildDir, 'airlock-cli.mjs');

  uiDir = fs.mkdtempSync(path.join(os.tmpdir(), 'airlock-ui-dist-'));
  cleanups.push(() => fs.rmSync(uiDir, { recursive: true, force: true }));
  fs.writeFileSync(path.join(uiDir, 'index.html'), `<!doctype html><title>${MARKER}</title>\n`);

  prepared = await prepareHome({ noRemote: true });
  cleanups.push(() => prepared.cleanup());
  const vault = await openVault({ file: dataPaths(prepared.home).vault, cipher: new MemoryCipher() });
  airlock = await startAirlock({
    home: prepared.home,
    vault,
    port: 0,
    listenSocket: true,
    backoff: { baseMs: 50, maxMs: 500 },
    urlOpener: { open: async () => {} },
    uiDistDir: uiDir,
    bridge: { command: process.execPath, args: [cliBundle] },
  });
  cleanups.unshift(() => airlock.close());
  await until(() => airlock.gateway.registry.states().every((s) => s.state === 'connected'), 'local connected', 20_000);
});

after(async () => {
  for (const cleanup of cleanups) await cleanup();
});

describe('the desktop app’s paths', { timeout: 120_000 }, () => {
  test('/ui/ serves the renderer from uiDistDir after the one-time login link', async () => {
    const login = await fetch(airlock.createUiLink(), { redirect: 'manual' });
    assert.equal(login.status, 303);
    assert.equal(login.headers.get('location'), '/ui/');
    const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0]!;
    assert.ok(cookie.includes('='), 'a session cookie is set');
    await login.body?.cancel();

    const page = await fetch(`${airlock.gateway.origin}/ui/`, { headers: { cookie } });
    assert.equal(page.status, 200);
    assert.match(page.headers.get('content-type') ?? '', /text\/html/);
    assert.match(await page.text(), new RegExp(MARKER));
  });

  test('POST /api/clients hands out a Claude Desktop snippet that launches the given bridge', async () => {
    const response = await fetch(`${airlock.gateway.origin}/api/clients`, {
      method: 'POST',
      headers: { authorization: `Bearer ${airlock.gateway.adminToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'claude' }),
    });
    assert.equal(response.status, 201);
    const body = (await response.json()) as {
      snippets: Array<{ target: string; config: { mcpServers: { airlock: { command: string; args: string[] } } } }>;
    };
    const claude = body.snippets.find((s) => s.target === 'claude');
    assert.deepEqual(claude?.config.mcpServers.airlock, {
      command: process.execPath,
      args: [cliBundle, 'stdio', '--client', 'claude'],
    });

    // And that command works: plain Node runs the bundle, which reaches the gateway over its socket.
    const { command, args } = claude!.config.mcpServers.airlock;
    const transport = new StdioClientTransport({
      command,
      args,
      env: { ...getDefaultEnvironment(), AIRLOCK_HOME: prepared.home },
      stderr: 'pipe',
    });
    const client = new Client({ name: 'claude-desktop-stand-in', version: '1.0.0' });
    try {
      await client.connect(transport);
      assert.equal(client.getServerVersion()?.name, 'airlock');
      const echoed = await client.callTool({ name: 'local__echo', arguments: { text: 'through the bundle' } });
      assert.equal(firstText(echoed), 'through the bundle');
    } finally {
      await client.close();
    }
  });

  test('the CLI bundle is self-contained: plain Node runs it from any directory', async () => {
    const elsewhere = fs.mkdtempSync(path.join(os.tmpdir(), 'airlock-cli-copy-'));
    try {
      const copy = path.join(elsewhere, 'airlock-cli.mjs');
      fs.copyFileSync(cliBundle, copy);
      const help = spawnSync(process.execPath, [copy, '--help'], { cwd: elsewhere, encoding: 'utf8', timeout: 30_000 });
      assert.equal(help.status, 0, help.stderr);
      assert.match(help.stdout, /stdio \[options\]/);

      // No gateway in this data directory: the bridge answers the client with an error naming it.
      const emptyHome = path.join(elsewhere, 'home');
      fs.mkdirSync(emptyHome, { mode: 0o700 });
      const initialize = {
        jsonrpc: '2.0',
        id: 1,
        method: 'initialize',
        params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 't', version: '1' } },
      };
      const reply = await firstReply(
        process.execPath,
        [copy, '--home', emptyHome, 'stdio', '--client', 'x'],
        initialize,
      );
      assert.equal(reply.id, 1);
      assert.match(reply.error?.message ?? '', /^Airlock gateway: .*airlock\.sock/);
    } finally {
      fs.rmSync(elsewhere, { recursive: true, force: true });
    }
  });
});

/** Sends one JSON-RPC message to a stdio process, keeping its stdin open until the first reply line. */
async function firstReply(
  command: string,
  args: string[],
  message: unknown,
): Promise<{ id?: number; error?: { message?: string } }> {
  const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    const lines = readline.createInterface({ input: child.stdout });
    const line = new Promise<string>((resolve, reject) => {
      lines.once('line', resolve);
      child.once('exit', (code) => reject(new Error(`exited (${code}) without a reply`)));
    });
    child.stdin.write(`${JSON.stringify(message)}\n`);
    return JSON.parse(await line) as { id?: number; error?: { message?: string } };
  } finally {
    child.stdin.end();
    const timer = setTimeout(() => child.kill(), 5_000);
    await exited;
    clearTimeout(timer);
  }
}
