import fs from 'node:fs';
import { dataPaths, ensureDataDir, resolveDataDir, type DataPaths } from '../config/data-dir.ts';
import { openVault } from '../vault/file-vault.ts';
import { createCipher } from '../vault/select-cipher.ts';
import type { Vault, VaultBackendName } from '../vault/vault.ts';
import { isVaultBackendName } from '../vault/backend-names.ts';

export interface GlobalOptions {
  home?: string;
  json?: boolean;
}

/** Prints data as JSON with `--json`, else as the human text. */
export function print(json: boolean | undefined, data: unknown, human: () => string): void {
  process.stdout.write(json ? `${JSON.stringify(data, null, 2)}\n` : `${human()}\n`);
}

export function cliPaths(options: GlobalOptions): DataPaths {
  return dataPaths(resolveDataDir(options.home));
}

/** Opens the vault with the backend chosen by the environment (the CLI never uses safe-storage itself). */
export async function openCliVault(paths: DataPaths): Promise<Vault> {
  ensureDataDir(paths.home);
  const recorded = readRecordedBackend(paths.vault);
  const cipher = createCipher({
    env: process.env,
    home: paths.home,
    // The desktop app's vault is sealed by safeStorage, which only the app can open.
    ...(recorded && !process.env.AIRLOCK_SECRET_BACKEND ? { defaultBackend: recorded } : {}),
  });
  return openVault({ file: paths.vault, cipher });
}

function readRecordedBackend(file: string): VaultBackendName | undefined {
  try {
    const doc = JSON.parse(fs.readFileSync(file, 'utf8')) as { backend?: unknown };
    return typeof doc.backend === 'string' && isVaultBackendName(doc.backend) ? doc.backend : undefined;
  } catch {
    return undefined;
  }
}

/** Reads all of standard input (secret values never come from arguments). */
export async function readStdin(): Promise<string> {
  if (process.stdin.isTTY) process.stderr.write('Enter the value, then press Ctrl-D:\n');
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '');
}
