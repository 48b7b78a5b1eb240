#!/usr/bin/env node
// Airlock's CLI entry. It runs the bundle in dist/cli/ (scripts/build-cli.js; `npm install` builds it)
// when that bundle is at least as new as every source file it was built from: it starts faster and
// idles in less memory. Otherwise, e.g. right after editing src/ or before any build, it runs the
// TypeScript sources directly (Node >= 22.18 strips the types), so a stale bundle never runs.
//   AIRLOCK_FROM_SOURCE=1  always run the sources
//   AIRLOCK_DEBUG_ENTRY=1  print which entry module runs to stderr
import fs from 'node:fs';
import module from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 18)) {
  process.stderr.write(`airlock: Node.js >= 22.18 is required (this is ${process.version})\n`);
  process.exit(1);
}
// Start-up is mostly compiling modules; the on-disk cache (NODE_COMPILE_CACHE, else the OS temp
// directory) saves ~10% of it from the second run on. Failure to enable it only costs that time.
try {
  module.enableCompileCache?.();
} catch {
  // An unwritable cache directory is not a reason to fail.
}

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const BUNDLE = path.join(ROOT, 'dist/cli/main.js');
const SOURCES = path.join(ROOT, 'src/cli/main.ts');

/** The bundle, if it was built after the last change to any of its inputs (a missing input: stale). */
function freshBundle() {
  try {
    const list = path.join(ROOT, 'dist/cli/inputs.json');
    // The list's mtime is when its build started (scripts/build-cli.js).
    const builtAt = fs.statSync(list).mtimeMs;
    const inputs = JSON.parse(fs.readFileSync(list, 'utf8'));
    if (!Array.isArray(inputs) || inputs.length === 0 || !fs.existsSync(BUNDLE)) return undefined;
    for (const input of inputs) {
      if (typeof input !== 'string' || fs.statSync(path.join(ROOT, input)).mtimeMs > builtAt) return undefined;
    }
    return BUNDLE;
  } catch {
    return undefined;
  }
}

const entry = (process.env.AIRLOCK_FROM_SOURCE !== '1' && freshBundle()) || SOURCES;
if (process.env.AIRLOCK_DEBUG_ENTRY === '1') process.stderr.write(`airlock: entry ${entry}\n`);
const { main } = await import(pathToFileURL(entry).href);
const code = await main(process.argv);
// Long-running commands (serve, stdio) never resolve main; the others end here.
process.exitCode = code;
