import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassphraseCipher } from '../../../src/vault/passphrase-cipher.ts';

/** Cheap scrypt cost so tests stay fast; the blob records it, so real-cost vaults work the same way. */
export const FAST_SCRYPT = { logN: 10, r: 8, p: 1 };

export function fastPassphrase(passphrase = 'correct horse battery staple'): PassphraseCipher {
  return new PassphraseCipher(passphrase, FAST_SCRYPT);
}

/** A temp data directory removed after the test. */
export function tempHome(t: { after(fn: () => void): void }): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'airlock-vault-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Rewrites one record's sealed bytes in the raw vault file, as an attacker or a bad disk would. */
export function editRawRecord(file: string, name: string, edit: (sealed: Buffer) => Buffer): void {
  const raw = JSON.parse(fs.readFileSync(file, 'utf8')) as { records: Record<string, { sealed: string }> };
  const record = raw.records[name];
  if (!record) throw new Error(`no record ${name}`);
  record.sealed = edit(Buffer.from(record.sealed, 'base64')).toString('base64');
  fs.writeFileSync(file, JSON.stringify(raw, null, 2));
}

export async function rejectsWithCode(promise: Promise<unknown>, code: string): Promise<Error & { code: string }> {
  try {
    await promise;
  } catch (error) {
    const coded = error as Error & { code: string };
    if (coded.code !== code) throw new Error(`expected ${code}, got ${coded.code}: ${coded.message}`, { cause: error });
    return coded;
  }
  throw new Error(`expected rejection with ${code}, but it resolved`);
}
