// `npm test`: every check in one run, with one closing line for CI.
// Stages run in order and all run even when one fails, so a red run shows everything that broke.
// Each node:test stage prints the spec report and writes TAP to a file, from which the counts
// are summed into the final `N passed, N failed, N skipped` line.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

interface Stage {
  name: string;
  command: string[];
  /** node:test stages report counts; others are pass/fail as a whole. */
  tests?: boolean;
}

const tapDir = fs.mkdtempSync(path.join(os.tmpdir(), 'airlock-tests-'));
const nodeTest = (glob: string, concurrency: number) => [
  process.execPath,
  '--test',
  `--test-concurrency=${concurrency}`,
  // A test file whose work is done but whose process lingers (a stray handle) must not stall CI;
  // a single test that hangs fails after 3 minutes instead of running forever.
  '--test-force-exit',
  '--test-timeout=180000',
  '--test-reporter=spec',
  '--test-reporter-destination=stdout',
  '--test-reporter=tap',
  `--test-reporter-destination=${path.join(tapDir, `${glob.split('/')[1]}.tap`)}`,
  glob,
];

const only = process.argv.slice(2);
const stages: Stage[] = [
  { name: 'lint', command: ['npx', 'eslint', '.'] },
  { name: 'format', command: ['npx', 'prettier', '--check', '.'] },
  { name: 'typecheck', command: ['npx', 'tsc', '-p', 'tsconfig.json', '--noEmit'] },
  { name: 'typecheck electron', command: ['npx', 'tsc', '-p', 'electron/tsconfig.json', '--noEmit'] },
  { name: 'typecheck renderer', command: ['npx', 'tsc', '-p', 'renderer/tsconfig.json', '--noEmit'] },
  // The keyring tests need a Secret Service: the script provides a private one where it can.
  { name: 'unit', command: ['sh', 'scripts/with-keyring.sh', ...nodeTest('test/unit/**/*.test.ts', 2)], tests: true },
  { name: 'integration', command: nodeTest('test/integration/**/*.test.ts', 1), tests: true },
  { name: 'browser', command: nodeTest('test/browser/**/*.test.ts', 1), tests: true },
  { name: 'chaos', command: nodeTest('test/chaos/**/*.test.ts', 1), tests: true },
  { name: 'e2e', command: nodeTest('test/e2e/**/*.test.ts', 1), tests: true },
].filter((stage) => only.length === 0 || only.includes(stage.name));

const totals = { passed: 0, failed: 0, skipped: 0 };
const summary: string[] = [];
let failedStages = 0;

function countsFrom(file: string): { pass: number; fail: number; skipped: number } | undefined {
  if (!fs.existsSync(file)) return undefined;
  const text = fs.readFileSync(file, 'utf8');
  const last = (key: string) => Number([...text.matchAll(new RegExp(`^# ${key} (\\d+)$`, 'gm'))].at(-1)?.[1] ?? NaN);
  const counts = {
    pass: last('pass'),
    fail: last('fail') + last('cancelled'),
    skipped: last('skipped') + last('todo'),
  };
  return Number.isNaN(counts.pass) ? undefined : counts;
}

for (const stage of stages) {
  const started = Date.now();
  process.stdout.write(`\n=== ${stage.name}: ${stage.command.join(' ')}\n`);
  const result = spawnSync(stage.command[0]!, stage.command.slice(1), { stdio: 'inherit' });
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  const ok = result.status === 0;
  if (!ok) failedStages++;
  let line = `${ok ? 'ok  ' : 'FAIL'} ${stage.name} (${seconds} s)`;
  if (stage.tests) {
    const tap = stage.command.find((arg) => arg.startsWith('--test-reporter-destination=') && arg.endsWith('.tap'))!;
    const counts = countsFrom(tap.slice('--test-reporter-destination='.length));
    if (counts) {
      totals.passed += counts.pass;
      totals.failed += counts.fail;
      totals.skipped += counts.skipped;
      line += `: ${counts.pass} passed, ${counts.fail} failed, ${counts.skipped} skipped`;
    } else if (!ok) {
      totals.failed++;
    }
  }
  summary.push(line);
}

fs.rmSync(tapDir, { recursive: true, force: true });
process.stdout.write(`\n=== summary\n${summary.join('\n')}\n\n`);
if (failedStages > 0 && totals.failed === 0) totals.failed = failedStages;
process.stdout.write(`tests: ${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped\n`);
process.exitCode = failedStages > 0 ? 1 : 0;
