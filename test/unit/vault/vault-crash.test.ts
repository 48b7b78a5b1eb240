import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import { openVault } from '../../../src/vault/file-vault.ts';
import { FAST_SCRYPT, tempHome } from './helpers.ts';
import { PassphraseCipher } from '../../../src/vault/passphrase-cipher.ts';

const WRITER = fileURLToPath(new URL('../../fixtures/vault-writer.ts', import.meta.url));
const PASSPHRASE = 'crash-test-passphrase';
/** proper-lockfile's minimum: a writer killed while holding the lock delays the next one by about this. */
const LOCK_STALE_MS = 2000;
/** Independent vault files killed in parallel, so the waits for abandoned locks overlap. */
const LANES = 4;
const ROUNDS_PER_LANE = 6;

/** What vault-writer.ts stores under `k<index>` (kept in step with the fixture). */
function writerValue(tag: string, index: number): string {
  return `${tag}:${index}:${'x'.repeat(2000)}`;
}

interface Round {
  /** Names the child printed, i.e. whose set() had resolved. */
  committed: string[];
}

/**
 * Starts the writer and kills it with SIGKILL at a random moment: `early` rounds shortly after it
 * is up (often while it still waits for a dead writer's lock), the others some time after its
 * first commit (mid-loop: inside the lock, mid-write, between writes).
 */
function runAndKill(file: string, start: number, tag: string, early: boolean): Promise<Round> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [WRITER, file, String(start), tag, String(LOCK_STALE_MS)], {
      env: { ...process.env, AIRLOCK_PASSPHRASE: PASSPHRASE },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const committed: string[] = [];
    let stderr = '';
    let timer: ReturnType<typeof setTimeout> | undefined;
    const killIn = (ms: number) => (timer ??= setTimeout(() => child.kill('SIGKILL'), ms));
    const guard = setTimeout(() => child.kill('SIGKILL'), 15_000);
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    readline.createInterface({ input: child.stdout }).on('line', (line) => {
      if (line === 'ready') {
        if (early) killIn(Math.random() * 100);
      } else {
        committed.push(line);
        killIn(Math.random() * 300);
      }
    });
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(guard);
      if (timer) clearTimeout(timer);
      if (signal !== 'SIGKILL') reject(new Error(`writer exited on its own (${code}): ${stderr}`));
      // 'close' fires after stdout ended, so every line the child printed has been read.
      else resolve({ committed });
    });
  });
}

async function lane(
  file: string,
  laneIndex: number,
): Promise<{ kills: number; committed: number; abandonedLocks: number }> {
  const expected = new Map<string, string>();
  let start = 0;
  let kills = 0;
  let abandonedLocks = 0;
  for (let round = 0; round < ROUNDS_PER_LANE; round += 1) {
    const tag = `lane${laneIndex}-round${round}`;
    const { committed } = await runAndKill(file, start, tag, round % 3 === 2);
    kills += 1;
    if (fs.existsSync(`${file}.lock`)) abandonedLocks += 1;
    for (const name of committed) expected.set(name, writerValue(tag, Number(name.slice(1))));
    // The record after the last reported one may or may not have been committed: skip its name.
    start += committed.length + 1;

    const vault = await openVault({ file, cipher: new PassphraseCipher(PASSPHRASE, FAST_SCRYPT) });
    try {
      for (const [name, value] of expected) {
        assert.equal(await vault.get(name), value, `${name} survives kill ${round} in lane ${laneIndex}`);
      }
      assert.ok(
        (await vault.verify()).every((r) => r.ok),
        'no record is damaged',
      );
    } finally {
      await vault.close();
    }
  }
  assert.ok(expected.size > 0, 'the writers committed something to check');
  return { kills, committed: expected.size, abandonedLocks };
}

test('a writer killed with SIGKILL at random moments never loses a committed record', async (t) => {
  const home = tempHome(t);
  const files = Array.from({ length: LANES }, (_, i) => path.join(home, `vault-${i}.json`));
  // Create each vault up front so the children open (not create) it, as after a real first run.
  for (const file of files) {
    const vault = await openVault({ file, cipher: new PassphraseCipher(PASSPHRASE, FAST_SCRYPT) });
    await vault.set('seed', 'planted before any crash');
    await vault.close();
  }
  const lanes = await Promise.all(files.map((file, i) => lane(file, i)));
  const sum = (key: 'kills' | 'committed' | 'abandonedLocks') => lanes.reduce((total, l) => total + l[key], 0);
  const leftovers = fs.readdirSync(home).filter((name) => name.endsWith('.tmp')).length;
  t.diagnostic(
    `${sum('kills')} kills, ${sum('committed')} committed records checked, ` +
      `${sum('abandonedLocks')} kills inside the lock, ${leftovers} half-written temp files`,
  );
  assert.ok(sum('kills') >= 20, 'at least 20 kills');
  for (const file of files) {
    const vault = await openVault({ file, cipher: new PassphraseCipher(PASSPHRASE, FAST_SCRYPT) });
    assert.equal(await vault.get('seed'), 'planted before any crash');
    // A write after the crashes clears temp files abandoned by killed writers.
    await vault.set('after', 'ok');
    await vault.close();
    assert.equal(fs.statSync(file).mode & 0o777, 0o600);
  }
  assert.deepEqual(
    fs.readdirSync(home).filter((name) => name.endsWith('.tmp')),
    [],
  );
});
