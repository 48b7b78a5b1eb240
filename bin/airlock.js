#!/usr/bin/env node
// Airlock's CLI entry. Node >= 22.18 runs the TypeScript sources directly (type stripping).
const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 18)) {
  process.stderr.write(`airlock: Node.js >= 22.18 is required (this is ${process.version})\n`);
  process.exit(1);
}
const { main } = await import('../src/cli/main.ts');
const code = await main(process.argv);
// Long-running commands (serve, stdio) never resolve main; the others end here.
process.exitCode = code;
