/**
 * `npm run bench [-- --json] [--quick] [--scale] [--save] [--profile DIR]`
 *
 * Loopback only. Starts the everything fixture over Streamable HTTP as the upstream, and `airlock serve`
 * (temp home, passphrase vault, that upstream as server `echo`, one client key) as a separate process; then
 * runs one client workload (real SDK clients, one session per worker, `echo` tool) against the upstream
 * directly, the gateway's `/mcp/echo`, its `/mcp` (`echo__echo`) and `airlock stdio`.
 *
 * Fairness between targets: every target is warmed up once before anything is measured; then each figure is
 * measured in rounds, each run in a fresh client process, the target order changing from round to round
 * (balanced so every target follows every other equally often), and
 * reported as the median with the range of its per-round ratio to direct (bench/lib/rounds.ts).
 *
 *   --json      print machine-readable results instead of the table
 *   --quick     CI smoke: 2 rounds, fewer calls, shorter windows (< 60 s)
 *   --scale     also the 50-server / 200-session run (bench/lib/scale.ts)
 *   --save      write bench/results/latest.json and latest.md
 *   --profile D run the gateway with --cpu-prof into D during the load, and print its top self-time functions
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  ROOT,
  prepareHome,
  rssBytes,
  sampleRss,
  startGatewayProcess,
  startHttpFixture,
  waitAllConnected,
  type GatewayProcess,
} from './lib/processes.ts';
import type { TargetSpec } from './lib/workload.ts';
import type { Figure } from './lib/figure-worker.ts';
import { median, runInWorker, runRounds, summarize } from './lib/rounds.ts';
import {
  describeMachine,
  formatTable,
  mb,
  orderCheck,
  type BenchResults,
  type Spread,
  type TargetCheck,
} from './lib/report.ts';
import { runScale } from './lib/scale.ts';
import { summarizeProfile, formatProfileSummary } from './lib/cpu-profile.ts';

const argv = process.argv.slice(2);
const flag = (name: string) => argv.includes(name);
const option = (name: string) => {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
};
const json = flag('--json');
const quick = flag('--quick');
const profileDir = option('--profile');

const settings = quick
  ? {
      rounds: 2,
      latencyCalls: 300,
      warmupCalls: 100,
      throughputMs: 600,
      throughputWarmupMs: 300,
      targetWarmupMs: 600,
      startupRuns: 3,
    }
  : {
      rounds: 4,
      latencyCalls: 600,
      warmupCalls: 300,
      throughputMs: 1_200,
      throughputWarmupMs: 800,
      targetWarmupMs: 1_500,
      startupRuns: 5,
    };
const SESSION_COUNTS = [1, 16, 64];
const FIGURES: Figure[] = [
  { kind: 'latency', calls: settings.latencyCalls, warmupCalls: settings.warmupCalls },
  ...SESSION_COUNTS.map((sessions): Figure => ({
    kind: 'throughput',
    sessions,
    durationMs: settings.throughputMs,
    warmupMs: settings.throughputWarmupMs,
  })),
];

/** The bridge is one client process = one session; more bridges would measure process spawning. */
const applies = (target: TargetSpec, figure: Figure) =>
  target.kind !== 'stdio' || figure.kind === 'latency' || figure.sessions === 1;

/** Progress goes to stderr, so `--json` output stays parseable. */
const log = (message: string) => process.stderr.write(`[bench] ${message}\n`);

async function measureStartup(home: string, runs: number): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < runs; i++) {
    const gw = await startGatewayProcess(home);
    out.push(gw.startupMs);
    await gw.stop();
  }
  return out;
}

/** `1.21x (median of 4 rounds; 1.10–1.30)` */
function ratioValue(ratio: number, spread: Spread | undefined, rounds: number | undefined): string {
  const s = spread ? `; ${spread[0].toFixed(2)}–${spread[1].toFixed(2)}` : '';
  return `${ratio.toFixed(2)}x (median of ${rounds ?? 0} rounds${s})`;
}

function checks(results: Omit<BenchResults, 'checks' | 'runSeconds' | 'runs'>): TargetCheck[] {
  const one = results.targets['gateway /mcp/echo'];
  const p50 = one?.latency?.p50Ratio ?? NaN;
  const t16 = one?.throughput.find((t) => t.sessions === 16);
  const t16Ratio = t16?.ratio ?? NaN;
  return [
    {
      name: 'sequential p50 latency, /mcp/SERVER vs direct',
      goal: '<= 1.35x',
      value: ratioValue(p50, one?.latency?.p50RatioRange, one?.latency?.rounds),
      met: p50 <= 1.35,
    },
    {
      name: 'throughput at 16 sessions, /mcp/SERVER vs direct',
      goal: '>= 0.75x',
      value: ratioValue(t16Ratio, t16?.ratioRange, t16?.rounds),
      met: t16Ratio >= 0.75,
    },
    { name: 'gateway RSS at idle', goal: '< 80 MB', value: `${results.rss.idleMB} MB`, met: results.rss.idleMB < 80 },
    {
      name: 'gateway start-up (spawn to /healthz 200, median)',
      goal: '< 500 ms',
      value: `${results.startup.medianMs.toFixed(0)} ms`,
      met: results.startup.medianMs < 500,
    },
  ];
}

async function main(): Promise<void> {
  const began = performance.now();
  const machine = describeMachine();
  log(`${quick ? 'quick' : 'full'} run on ${machine.cpu}, ${machine.cores} cores, node ${machine.node}`);
  const upstream = await startHttpFixture({ name: 'bench-echo' });
  const { home, key } = await prepareHome({ echo: { url: upstream.url } });
  let gateway: GatewayProcess | undefined;
  try {
    log('start-up runs');
    const runsMs = await measureStartup(home, settings.startupRuns);

    gateway = await startGatewayProcess(home, {
      ...(profileDir ? { nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${path.resolve(profileDir)}`] } : {}),
    });
    log(`gateway entry: ${gateway.entry}`);
    await waitAllConnected(gateway);
    // Let start-up garbage settle so "idle" means idle.
    await new Promise((r) => setTimeout(r, 1_000));
    const idle = rssBytes(gateway.pid) ?? NaN;
    const sampler = sampleRss(gateway.pid);

    const targets: TargetSpec[] = [
      { label: 'direct', kind: 'http', url: upstream.url, tool: 'echo' },
      { label: 'gateway /mcp/echo', kind: 'http', url: `${gateway.origin}/mcp/echo`, tool: 'echo', key },
      { label: 'gateway /mcp', kind: 'http', url: `${gateway.origin}/mcp`, tool: 'echo__echo', key },
      { label: 'airlock stdio', kind: 'stdio', home, client: 'bench', tool: 'echo__echo' },
    ];
    const watch = { gateway: gateway.pid, upstream: upstream.child.pid! };
    // Warm every target once before measuring any: the gateway's JIT, its lazily loaded session module, and the
    // upstream's JIT are then warm for whichever target comes first.
    for (const target of targets) {
      log(`warm-up: ${target.label}`);
      const sessions = applies(target, { kind: 'throughput', sessions: 16, durationMs: 0, warmupMs: 0 }) ? 16 : 1;
      const figure: Figure = { kind: 'throughput', sessions, durationMs: settings.targetWarmupMs, warmupMs: 0 };
      await runInWorker({ target, figure, watch });
    }
    const runs = await runRounds({ targets, figures: FIGURES, rounds: settings.rounds, watch, applies, log });
    const peak = sampler.stop();
    const figures = summarize(
      runs,
      targets.map((t) => t.label),
    );
    const partial = {
      machine,
      mode: quick ? ('quick' as const) : ('full' as const),
      settings,
      entry: gateway.entry,
      startup: { runsMs, medianMs: median(runsMs) },
      rss: { idleMB: mb(idle), peakMB: mb(peak) },
      rounds: settings.rounds,
      targets: figures,
      orderCheck: orderCheck(runs),
    };
    await gateway.stop();
    gateway = undefined;
    await upstream.stop();

    const scale = flag('--scale') ? await runScale({ log }) : undefined;
    const results: BenchResults = {
      ...partial,
      checks: checks(partial),
      ...(scale ? { scale } : {}),
      runs,
      runSeconds: Math.round((performance.now() - began) / 100) / 10,
    };

    const table = formatTable(results);
    if (json) process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
    else process.stdout.write(`${table}\n\nMachine: ${describeLine(results)}\n`);
    if (flag('--save')) save(results, table);
    if (profileDir) printProfile(profileDir);
  } finally {
    await gateway?.stop();
    await upstream.stop();
    fs.rmSync(home, { recursive: true, force: true });
  }
}

function describeLine(r: BenchResults): string {
  const m = r.machine;
  return `${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB, ${m.platform} ${m.kernel}, node ${m.node}, ${m.date} (${r.mode} run, ${r.rounds} rounds, ${r.runSeconds} s; gateway entry ${r.entry})`;
}

function save(results: BenchResults, table: string): void {
  const dir = path.join(ROOT, 'bench/results');
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'latest.json'), `${JSON.stringify(results, null, 2)}\n`);
  const md = [
    '# Airlock benchmark: latest results',
    '',
    `Machine: ${describeLine(results)}.`,
    '',
    `Written by \`npm run bench -- --save${results.scale ? ' --scale' : ''}\`. Latency ratios above 1 mean the gateway is slower;`,
    'throughput ratios below 1 mean it is slower. All traffic is loopback; client, gateway and upstream share the',
    `machine's ${results.machine.cores} cores.`,
    '',
    table,
    '',
  ].join('\n');
  fs.writeFileSync(path.join(dir, 'latest.md'), md);
  log(`saved ${path.relative(ROOT, dir)}/latest.{json,md}`);
}

function printProfile(dir: string): void {
  const files = fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.cpuprofile'))
    .map((f) => path.join(dir, f))
    .sort((a, b) => fs.statSync(b).mtimeMs - fs.statSync(a).mtimeMs);
  if (!files[0]) {
    log(`no .cpuprofile in ${dir}`);
    return;
  }
  process.stderr.write(`${formatProfileSummary(summarizeProfile(files[0]), 30)}\n`);
}

const timer = setTimeout(
  () => {
    log('run exceeded its time bound; aborting');
    process.exit(2);
  },
  (flag('--scale') ? 8 : 4) * 60_000 + (os.availableParallelism() < 4 ? 60_000 : 0),
);
timer.unref();
main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`[bench] failed: ${error instanceof Error ? error.stack : String(error)}\n`);
    process.exit(1);
  },
);
