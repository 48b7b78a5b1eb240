/**
 * The browser tests run against the built renderer (`dist-renderer/`). It is rebuilt when it is
 * missing or older than any file under renderer/, once per test process.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const DIST = path.join(ROOT, 'dist-renderer');
const SOURCES = path.join(ROOT, 'renderer');

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(full) : fs.statSync(full).mtimeMs);
  }
  return newest;
}

function isStale(): boolean {
  const built = path.join(DIST, 'consent.html');
  if (!fs.existsSync(built) || !fs.existsSync(path.join(DIST, 'index.html'))) return true;
  return newestMtime(SOURCES) > fs.statSync(built).mtimeMs;
}

let checked = false;

export function ensureRendererBuilt(): void {
  if (checked) return;
  checked = true;
  if (!isStale()) return;
  const vite = path.join(ROOT, 'node_modules', 'vite', 'bin', 'vite.js');
  const result = spawnSync(
    process.execPath,
    [vite, 'build', '--config', 'renderer/vite.config.ts', '--logLevel', 'warn'],
    {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: 120_000,
    },
  );
  if (result.status !== 0) throw new Error(`renderer build failed:\n${result.stdout}\n${result.stderr}`);
}
