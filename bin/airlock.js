#!/usr/bin/env node
// Airlock's CLI entry. Node >= 22.18 runs the TypeScript sources directly (type stripping).
import module from 'node:module';

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
const { main } = await import('../src/cli/main.ts');
const code = await main(process.argv);
// Long-running commands (serve, stdio) never resolve main; the others end here.
process.exitCode = code;
