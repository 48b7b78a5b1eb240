// Bundles the CLI (src/cli/main.ts and everything it imports) for the user's own Node into dist/cli/,
// which bin/airlock.js runs when it is fresh. A bundle loads faster and idles smaller than the sources:
// no TypeScript stripper, one file per chunk instead of hundreds of modules, and modules that are
// imported lazily (`import()`: each CLI command, what the gateway needs only on first use) are separate
// chunks that are not even read until used.
//   dist/cli/main.js       exports `main(argv)`, like src/cli/main.ts
//   dist/cli/*.js          the lazily imported chunks (all next to main.js: code in them that finds
//                          files from import.meta.url sees dist/cli/, two levels below the checkout)
//   dist/cli/inputs.json   the source files it was built from, relative to the checkout; its mtime is
//                          when the build started, so bin/airlock.js can tell a stale bundle
import fs from 'node:fs';
import { builtinModules } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

// `npm install --omit=dev` runs `prepare` without esbuild (a devDependency): bin/airlock.js runs the
// sources then, so that install must not fail.
const esbuild = await import('esbuild').catch((error) => {
  if (process.env.npm_lifecycle_event !== 'prepare' || error?.code !== 'ERR_MODULE_NOT_FOUND') throw error;
  console.log('esbuild is not installed: the CLI runs from its sources (no dist/cli/ bundle).');
  process.exit(0);
});

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
// Tests build into a temp directory (AIRLOCK_CLI_OUT) so they never replace a dist/cli/ in use.
const out = process.env.AIRLOCK_CLI_OUT ? path.resolve(process.env.AIRLOCK_CLI_OUT) : path.join(root, 'dist/cli');
/** Where bin/airlock.js reads the inputs list (keep in step with it). */
const INPUTS_FILE = 'inputs.json';

/**
 * Node built-ins that ESM code imports are loaded with require() instead. Importing one as ESM builds
 * a facade that reads every export, and some exports are lazy getters: `import ... from 'node:http'`
 * loads undici (for `http.WebSocket` & co) in every command, used or not (~1 MB of the idle gateway,
 * ~10 MB of a command that makes no HTTP request). Through require(), the same values are read when
 * the code reads them.
 */
const BUILTIN = new RegExp(`^(node:.+|${builtinModules.map((name) => name.replace(/[/.]/g, '\\$&')).join('|')})$`);
const builtinsThroughRequire = {
  name: 'builtins-through-require',
  setup(build) {
    build.onResolve({ filter: BUILTIN }, (args) =>
      args.kind === 'require-call'
        ? { path: args.path, external: true }
        : { path: args.path, namespace: 'require-builtin' },
    );
    build.onLoad({ filter: /.*/, namespace: 'require-builtin' }, (args) => ({
      contents: `module.exports = require(${JSON.stringify(args.path)});`,
      loader: 'js',
    }));
  },
};

// A source edited while esbuild runs must leave the bundle stale: the stamp is taken before reading.
const started = new Date();
fs.rmSync(out, { recursive: true, force: true });

const result = await esbuild.build({
  absWorkingDir: root,
  entryPoints: { main: path.join(root, 'src/cli/main.ts') },
  outdir: out,
  // Every chunk right in dist/cli/ (see the header).
  entryNames: '[name]',
  chunkNames: '[name]-[hash]',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node22',
  sourcemap: 'linked',
  // Smaller files to read and parse; identifiers stay, so stack traces keep their function names.
  minifyWhitespace: true,
  minifySyntax: true,
  logLevel: 'warning',
  metafile: true,
  plugins: [builtinsThroughRequire],
  // A native addon cannot be bundled; it resolves from node_modules when the vault opens.
  external: ['@napi-rs/keyring'],
  // jsonc-parser's `main` is a UMD build whose require() calls of its own files esbuild cannot see:
  // bundled, it fails at runtime with "Cannot find module './impl/format'". Its ESM build bundles.
  alias: { 'jsonc-parser': 'jsonc-parser/lib/esm/main.js' },
  // CommonJS dependencies (commander, express, pino...) call require() for Node built-ins.
  banner: {
    js: "import { createRequire as __airlockCreateRequire } from 'node:module'; const require = __airlockCreateRequire(import.meta.url);",
  },
});

// Only the checkout's own files: a dependency changes through `npm install`, which rebuilds (prepare).
// Modules a plugin made up are named `namespace:path`: no file to check.
const inputs = Object.keys(result.metafile.inputs)
  .filter((input) => !input.startsWith('require-builtin:') && !input.split(/[\\/]/).includes('node_modules'))
  .map((input) => input.split(path.sep).join('/'))
  .sort();
const inputsFile = path.join(out, INPUTS_FILE);
fs.writeFileSync(inputsFile, `${JSON.stringify(inputs, null, 1)}\n`);
fs.utimesSync(inputsFile, started, started);

const outputs = Object.keys(result.metafile.outputs).filter((file) => file.endsWith('.js'));
const kib = (outputs.reduce((sum, file) => sum + fs.statSync(path.join(root, file)).size, 0) / 1024).toFixed(0);
const shown = out.startsWith(root + path.sep) ? path.relative(root, out) : out;
console.log(`${shown}: ${outputs.length} files, ${kib} KiB (${Object.keys(result.metafile.inputs).length} modules)`);
