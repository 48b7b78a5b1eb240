/**
 * Vault durability under kill -9: the gateway (which reloads the vault whenever the CLI writes) is killed
 * while `airlock secret set` runs in a loop; and the CLI writer itself is killed mid-write. After each, the
 * vault opens and every secret the CLI reported as stored is listed by `airlock secret list --json`.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { BIN, runCli, startServeProcess, VAULT_ENV } from '../helpers/gateway-harness.ts';

const ROUNDS = 6;

async function listed(home: string): Promise<Set<string>> {
  const res = await runCli(home, ['--json', 'secret', 'list']);
  assert.equal(res.code, 0, `the vault must open: ${res.stderr}`);
  return new Set((JSON.parse(res.stdout) as { name: string }[]).map((s) => s.name));
}

/** `airlock secret set NAME` with the value on stdin; true only when the CLI said it stored it. */
async function setSecret(home: string, name: string): Promise<boolean> {
  const res = await runCli(home, ['--json', 'secret', 'set', name], { input: `value-of-${name}\n`, timeoutMs: 30_000 });
  if (res.code !== 0) return false;
  return (JSON.parse(res.stdout) as { stored?: boolean }).stored === true;
}

test('kill -9 of the gateway while the CLI writes secrets: every reported secret survives', async (t) => {
  const serve = await startServeProcess({ noRemote: true });
  const home = serve.home;
  const stored = new Set<string>();
  let counter = 0;
  try {
    let current = serve;
    for (let round = 0; round < ROUNDS; round++) {
      if (round > 0) {
        current = await startServeProcess({
          prepared: { home, fixtures: {}, cleanup: async () => {} },
          waitConnected: false,
        });
      }
      const victim = current;
      // Kill the gateway at a random moment of the second or third write.
      const killAfter = 150 + Math.floor(Math.random() * 600);
      const killer = setTimeout(() => victim.child.kill('SIGKILL'), killAfter);
      for (let i = 0; i < 4; i++) {
        const name = `s${counter++}`;
        if (await setSecret(home, name)) stored.add(name);
      }
      clearTimeout(killer);
      victim.child.kill('SIGKILL');
      await new Promise((r) =>
        victim.child.exitCode !== null || victim.child.signalCode !== null ? r(null) : victim.child.once('exit', r),
      );
      const names = await listed(home);
      for (const name of stored)
        assert.ok(names.has(name), `round ${round}: ${name} was reported stored but is missing`);
    }
    t.diagnostic(`${ROUNDS} gateway kills; ${stored.size}/${counter} writes reported stored, all present`);
    assert.ok(stored.size >= counter - ROUNDS, 'writes keep succeeding while the gateway dies');
  } finally {
    await serve.close();
  }
});

test('kill -9 of the CLI writer mid-write: the vault opens and keeps every reported secret', async (t) => {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'airlock-chaos-vault-'));
  const stored = new Set<string>();
  let killed = 0;
  try {
    for (let i = 0; i < 3; i++) if (await setSecret(home, `base${i}`)) stored.add(`base${i}`);
    for (let round = 0; round < 8; round++) {
      const name = `k${round}`;
      const child = spawn(process.execPath, [BIN, '--home', home, '--json', 'secret', 'set', name], {
        env: { ...process.env, ...VAULT_ENV },
        stdio: ['pipe', 'pipe', 'ignore'],
      });
      let out = '';
      child.stdout.setEncoding('utf8').on('data', (s: string) => (out += s));
      child.stdin.end(`value-of-${name}\n`);
      // Node start-up is ~300-500 ms; aim the kill at the scrypt / lock / write phase.
      const timer = setTimeout(() => child.kill('SIGKILL'), 300 + Math.floor(Math.random() * 500));
      const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
      clearTimeout(timer);
      if (code === 0 && out.includes('"stored": true')) stored.add(name);
      else killed++;
      const names = await listed(home);
      for (const s of stored) assert.ok(names.has(s), `after kill ${round}: ${s} missing`);
    }
    // A write after all that still works (a stale lock from a killed writer is taken over).
    assert.ok(await setSecret(home, 'final'), 'a write after the kills succeeds');
    stored.add('final');
    const names = await listed(home);
    for (const s of stored) assert.ok(names.has(s), `${s} missing at the end`);
    t.diagnostic(`${killed} writers killed mid-run, ${stored.size} secrets reported stored, all present`);
  } finally {
    fs.rmSync(home, { recursive: true, force: true });
  }
});
