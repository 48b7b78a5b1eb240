// The whole-system canary test (vault issue): a secret is planted, imported from a client config,
// used through ${secret:...} by a real stdio server (env) and a real HTTP server (header), and then
// every byte that left Airlock is searched for it: every file in the data directory, the logs,
// the rewritten client config, the CLI's output, every process's argv, and every byte the MCP
// client received. It must never be there in plaintext.
//
// Real parts: `airlock` CLI processes, `airlock serve` (child), the everything fixture over stdio
// (spawned by the gateway) and over Streamable HTTP (child), an SDK MCP client.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { EVERYTHING_SERVER, startHttpFixture, type RunningFixture } from '../helpers/spawn-fixture.ts';

const BIN = path.resolve(import.meta.dirname, '../../bin/airlock.js');
const STDIO_CANARY = `ghp_CANARYstdio${'A1b2C3d4'.repeat(4)}`;
const HTTP_CANARY = `sk-CANARYhttp${'Z9y8X7w6'.repeat(4)}`;
const CANARIES = [STDIO_CANARY, HTTP_CANARY];

const home = fs.mkdtempSync(path.join(os.tmpdir(), 'airlock-canary-'));
const clientDir = fs.mkdtempSync(path.join(os.tmpdir(), 'airlock-canary-client-'));
const env = {
  ...process.env,
  AIRLOCK_HOME: home,
  AIRLOCK_SECRET_BACKEND: 'passphrase',
  AIRLOCK_PASSPHRASE: 'canary-test-passphrase',
  BROWSER: 'false',
};
const cliOutput: string[] = [];
let gateway: ChildProcess | undefined;
let fixture: RunningFixture | undefined;

after(async () => {
  gateway?.kill('SIGTERM');
  await fixture?.stop();
  fs.rmSync(home, { recursive: true, force: true });
  fs.rmSync(clientDir, { recursive: true, force: true });
});

function cli(args: string[], input?: string): { code: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [BIN, ...args], {
    env,
    input: input ?? '',
    encoding: 'utf8',
    timeout: 30_000,
  });
  cliOutput.push(result.stdout, result.stderr);
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

function filesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...filesUnder(full));
    else if (entry.isFile()) out.push(full);
  }
  return out;
}

function assertNoCanary(where: string, bytes: string | Buffer): void {
  const text = Buffer.isBuffer(bytes) ? bytes.toString('latin1') : bytes;
  for (const canary of CANARIES) {
    assert.ok(!text.includes(canary), `${where} contains a planted secret in plaintext`);
    assert.ok(!text.includes(Buffer.from(canary).toString('base64')), `${where} contains a planted secret in base64`);
  }
}

test('a planted secret never leaves Airlock in plaintext', async () => {
  fixture = await startHttpFixture({ name: 'remote' });

  // 1. The user's existing Claude Desktop config holds the stdio secret in plaintext.
  const claudeConfig = path.join(clientDir, 'claude_desktop_config.json');
  fs.writeFileSync(
    claudeConfig,
    JSON.stringify(
      {
        globalShortcut: 'Ctrl+Space',
        mcpServers: {
          local: {
            command: process.execPath,
            args: [EVERYTHING_SERVER, '--stdio'],
            env: { GITHUB_TOKEN: STDIO_CANARY },
          },
        },
      },
      null,
      2,
    ),
  );
  const imported = cli(['import', 'claude', '--file', claudeConfig, '--rewrite', '--yes', '--json']);
  assert.equal(imported.code, 0, imported.stderr);
  const importResult = JSON.parse(imported.stdout) as { secrets: { name: string }[]; backup: string };
  assert.equal(importResult.secrets.length, 1);
  const rewritten = fs.readFileSync(claudeConfig, 'utf8');
  assert.equal(JSON.parse(rewritten).globalShortcut, 'Ctrl+Space', 'unknown keys survive the rewrite');
  assert.ok(JSON.parse(rewritten).mcpServers.airlock, 'the client now points at Airlock');

  // 2. The HTTP server's token goes in through stdin, and is referenced from a header.
  assert.equal(cli(['secret', 'set', 'http-token'], HTTP_CANARY).code, 0);
  const added = cli([
    'server',
    'add',
    'remote',
    '--url',
    fixture.url,
    '--header',
    'Authorization=Bearer ${secret:http-token}',
  ]);
  assert.equal(added.code, 0, added.stderr);
  const key = (JSON.parse(cli(['client', 'add', 'tester', '--json']).stdout) as { key: string }).key;

  // 3. The gateway runs, and the client uses both servers.
  gateway = spawn(process.execPath, [BIN, 'serve', '--port', '0'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let served = '';
  gateway.stdout!.on('data', (chunk: Buffer) => (served += chunk.toString()));
  gateway.stderr!.on('data', (chunk: Buffer) => (served += chunk.toString()));
  const mcpUrl = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`gateway did not start: ${served}`)), 20_000);
    gateway!.stdout!.on('data', () => {
      const match = /MCP endpoint: (\S+)/.exec(served);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    });
  });

  const received: Buffer[] = [];
  const recordingFetch = async (url: string | URL, init?: RequestInit): Promise<Response> => {
    const response = await fetch(url, init);
    if (!response.body) return response;
    const [mine, theirs] = response.body.tee();
    void (async () => {
      const reader = mine.getReader();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        received.push(Buffer.from(value));
      }
    })().catch(() => {
      // The stream is aborted when the client closes; what arrived before is recorded.
    });
    return new Response(theirs, {
      status: response.status,
      statusText: response.statusText,
      headers: response.headers,
    });
  };
  const client = new Client({ name: 'canary-client', version: '1.0.0' });
  await client.connect(
    new StreamableHTTPClientTransport(new URL(mcpUrl), {
      fetch: recordingFetch,
      requestInit: { headers: { authorization: `Bearer ${key}` } },
    }),
  );

  const envResult = await client.callTool({ name: 'local__env', arguments: { name: 'GITHUB_TOKEN' } });
  const envText = (envResult.content as { text: string }[])[0]!.text;
  // The stdio server received the real value (the redactor recognised it exactly) and the client saw only the marker.
  assert.match(envText, /^\[redacted:[a-z0-9-]+\]$/);
  const headersResult = await client.callTool({ name: 'remote__headers', arguments: {} });
  const headersText = (headersResult.content as { text: string }[])[0]!.text;
  assert.match(headersText, /"authorization":"Bearer \[redacted:http-token\]"/);
  // A failing call whose error text would carry the secret is redacted too.
  await client.callTool({ name: 'local__echo', arguments: { text: `echo ${STDIO_CANARY} back` } });

  // The processes' command lines never carry a secret.
  for (const pid of [gateway.pid!, fixture.child.pid!]) {
    assertNoCanary(`argv of pid ${pid}`, fs.readFileSync(`/proc/${pid}/cmdline`));
  }
  const children = spawnSync('ps', ['-eo', 'args'], { encoding: 'utf8' }).stdout;
  assertNoCanary('the process list', children);

  await client.close();
  gateway.kill('SIGTERM');
  await new Promise((resolve) => gateway!.once('exit', resolve));

  // 4. Search every byte.
  assertNoCanary('bytes sent to the MCP client', Buffer.concat(received));
  assert.ok(Buffer.concat(received).toString().includes('[redacted:'), 'the recording saw the redacted replies');
  for (const file of filesUnder(home)) assertNoCanary(path.relative(home, file), fs.readFileSync(file));
  assertNoCanary('the rewritten client config', rewritten);
  assertNoCanary('the CLI output', cliOutput.join('\n'));
  assertNoCanary('the gateway output', served);
  // The backup of the client's original file is the one place the old plaintext remains, by
  // design (the user's own file, next to it); the CLI says so and suggests deleting it.
  assert.ok(fs.readFileSync(importResult.backup, 'utf8').includes(STDIO_CANARY));
  assert.ok(fs.existsSync(path.join(home, 'audit.jsonl')), 'the audit log was written and searched');
});
