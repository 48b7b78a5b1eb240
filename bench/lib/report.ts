/** Shapes of the benchmark results, the machine description, and the printed table. */
import os from 'node:os';
import fs from 'node:fs';
import type { RunRecord } from './rounds.ts';
import type { LatencyResult, ThroughputResult } from './workload.ts';

export interface Machine {
  cpu: string;
  cores: number;
  memoryGiB: number;
  node: string;
  platform: string;
  kernel: string;
  date: string;
}

export function describeMachine(): Machine {
  let cpu = os.cpus()[0]?.model ?? 'unknown';
  try {
    // Virtual machines often report a bare vendor string through os.cpus(); /proc has the same, but try.
    const match = /^model name\s*:\s*(.+)$/m.exec(fs.readFileSync('/proc/cpuinfo', 'utf8'));
    if (match?.[1]) cpu = match[1].trim();
  } catch {
    // Not Linux.
  }
  return {
    cpu,
    cores: os.availableParallelism(),
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    kernel: os.release(),
    date: new Date().toISOString(),
  };
}

/** [min, max] over the rounds. */
export type Spread = [number, number];

/**
 * Medians over the rounds; ratios are the median of the per-round ratios to direct (same round), with their
 * range over the rounds.
 */
export interface TargetFigures {
  latency?: LatencyResult & {
    rounds: number;
    p50MsRange: Spread;
    p50Ratio?: number;
    p50RatioRange?: Spread;
    p99Ratio?: number;
    p99RatioRange?: Spread;
  };
  throughput: (ThroughputResult & {
    rounds: number;
    callsPerSecondRange: Spread;
    ratio?: number;
    ratioRange?: Spread;
  })[];
}

/**
 * Does measuring a gateway target right after the direct run still cost it (the old bench's artefact)? Each
 * gateway run's slowdown against direct (latency p50 ratio, 1 / throughput ratio) is divided by the median
 * slowdown of the same target and figure over all rounds, so figures with large and small ratios weigh alike.
 */
export interface OrderCheck {
  /** Median relative slowdown of the runs right after a direct run (1 = no order effect). */
  afterDirect: number;
  /** The same for the runs after any other target. */
  elsewhere: number;
  afterDirectRuns: number;
  elsewhereRuns: number;
}

export interface TargetCheck {
  name: string;
  goal: string;
  value: string;
  met: boolean;
}

export interface ScaleResults {
  transport: string;
  servers: number;
  toolsPerServer: number;
  fixturesStartMs: number;
  gatewayHealthzMs: number;
  gatewayAllConnectedMs: number;
  toolsListed: number;
  listFirstMs: number;
  listSecondMs: number;
  rssAfterConnectMB: number;
  rssAfterListMB: number;
  heldSessions: number;
  heldOpenMs: number;
  heldFirstCallMs: number;
  heldAllAnsweredAgain: boolean;
  heldFailures: number;
  rssWithHeldSessionsMB: number;
  aggregateSessions: number;
  aggregateFirstCallMs: number;
  rssAfterAggregateMB: number;
  peakRssMB: number;
}

export interface BenchResults {
  machine: Machine;
  mode: 'full' | 'quick';
  settings: {
    rounds: number;
    latencyCalls: number;
    warmupCalls: number;
    throughputMs: number;
    throughputWarmupMs: number;
    targetWarmupMs: number;
    startupRuns: number;
  };
  /** Each figure was measured this many times per target, in a changing (Williams-balanced) target order, one worker process each. */
  rounds: number;
  /** What `airlock serve` ran (bin/airlock.js picks the dist/cli bundle when it is fresh). */
  entry: string;
  startup: { runsMs: number[]; medianMs: number };
  rss: { idleMB: number; peakMB: number };
  /** Keyed by target label: direct, gateway /mcp/echo, gateway /mcp, airlock stdio. */
  targets: Record<string, TargetFigures>;
  orderCheck: OrderCheck;
  checks: TargetCheck[];
  scale?: ScaleResults;
  /** Every worker run (round, slot, the target before it, raw figures, RSS of gateway/upstream after it). */
  runs: RunRecord[];
  runSeconds: number;
}

export function orderCheck(runs: RunRecord[]): OrderCheck {
  const slowdown = (r: RunRecord): number => {
    const base = runs.find((d) => d.target === 'direct' && d.figure === r.figure && d.round === r.round);
    if (r.latency && base?.latency) return r.latency.p50Ms / base.latency.p50Ms;
    if (r.throughput && base?.throughput) return base.throughput.callsPerSecond / r.throughput.callsPerSecond;
    return NaN;
  };
  const gateway = runs.filter((r) => r.target !== 'direct');
  const typical = new Map<string, number>();
  for (const r of gateway) {
    const key = `${r.target}|${r.figure}`;
    if (!typical.has(key))
      typical.set(key, medianOf(gateway.filter((g) => `${g.target}|${g.figure}` === key).map(slowdown)));
  }
  const relative = (r: RunRecord) => slowdown(r) / typical.get(`${r.target}|${r.figure}`)!;
  const after = gateway.filter((r) => r.after === 'direct').map(relative);
  const elsewhere = gateway.filter((r) => r.after !== 'direct').map(relative);
  return {
    afterDirect: medianOf(after),
    elsewhere: medianOf(elsewhere),
    afterDirectRuns: after.length,
    elsewhereRuns: elsewhere.length,
  };
}

function medianOf(values: number[]): number {
  const sorted = values.filter((v) => !Number.isNaN(v)).sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  if (!sorted.length) return NaN;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export const mb = (bytes: number): number => Math.round((bytes / 2 ** 20) * 10) / 10;
const fmt = (n: number | undefined, digits = 2): string =>
  n === undefined || Number.isNaN(n) ? '-' : n.toFixed(digits);
/** `1.15x (1.08–1.22)`: the median ratio and its range over the rounds. */
export const ratioCell = (ratio: number | undefined, spread: Spread | undefined): string =>
  ratio === undefined ? '-' : `${fmt(ratio)}x${spread ? ` (${fmt(spread[0])}–${fmt(spread[1])})` : ''}`;

/** A Markdown table: one row per figure, one column pair (value, ratio to direct) per target. */
export function formatTable(results: BenchResults): string {
  const labels = Object.keys(results.targets);
  const gatewayLabels = labels.filter((l) => l !== 'direct');
  const header = ['figure', 'direct', ...gatewayLabels.flatMap((l) => [l, 'ratio'])];
  const rows: string[][] = [];
  const latencyRow = (name: string, key: 'p50Ms' | 'p99Ms', ratioKey: 'p50Ratio' | 'p99Ratio') => {
    rows.push([
      name,
      fmt(results.targets.direct?.latency?.[key], 3),
      ...gatewayLabels.flatMap((l) => {
        const lat = results.targets[l]?.latency;
        const spread = ratioKey === 'p50Ratio' ? lat?.p50RatioRange : lat?.p99RatioRange;
        return [fmt(lat?.[key], 3), ratioCell(lat?.[ratioKey], spread)];
      }),
    ]);
  };
  latencyRow('tools/call latency p50 (ms)', 'p50Ms', 'p50Ratio');
  latencyRow('tools/call latency p99 (ms)', 'p99Ms', 'p99Ratio');
  const counts = [...new Set(labels.flatMap((l) => results.targets[l]!.throughput.map((t) => t.sessions)))].sort(
    (a, b) => a - b,
  );
  for (const sessions of counts) {
    const of = (l: string) => results.targets[l]?.throughput.find((t) => t.sessions === sessions);
    rows.push([
      `throughput, ${sessions} session${sessions === 1 ? '' : 's'} (calls/s)`,
      fmt(of('direct')?.callsPerSecond, 0),
      ...gatewayLabels.flatMap((l) => {
        const t = of(l);
        return [fmt(t?.callsPerSecond, 0), ratioCell(t?.ratio, t?.ratioRange)];
      }),
    ]);
  }
  const intro = [
    `Each figure: the median of ${results.rounds} rounds, each run in a fresh client process, the order of the targets`,
    'changing from round to round so that each follows each other equally often. A ratio is the median of the',
    'per-round ratios to the direct run of the same round, with its range (min–max) over the rounds in brackets.',
    '',
  ];
  const lines = [header, header.map(() => '---'), ...rows].map((r) => `| ${r.join(' | ')} |`);
  const o = results.orderCheck;
  const order = [
    '',
    `Order check: gateway runs measured right after a direct run were ${fmt(o.afterDirect)}x as slow as their target's`,
    `typical run (median of ${o.afterDirectRuns}), the others ${fmt(o.elsewhere)}x (median of ${o.elsewhereRuns}); 1.00 = no order effect.`,
  ];
  const cpu = [
    '',
    '| CPU ms per call, 16 sessions (1 for stdio), median | client (bench) | stdio bridge | gateway | upstream |',
    '| --- | --- | --- | --- | --- |',
    ...labels.map((l) => {
      const runs = results.targets[l]!.throughput;
      const c = (runs.find((t) => t.sessions === 16) ?? runs[0])?.cpuMsPerCall ?? {};
      return `| ${l} | ${fmt(c.client, 3)} | ${fmt(c.bridge, 3)} | ${l === 'direct' ? '-' : fmt(c.gateway, 3)} | ${fmt(c.upstream, 3)} |`;
    }),
  ];
  const gateway = [
    '',
    '| gateway process | value |',
    '| --- | --- |',
    `| start-up, spawn to /healthz 200 (median of ${results.startup.runsMs.length}) | ${fmt(results.startup.medianMs, 0)} ms (runs: ${results.startup.runsMs.map((r) => r.toFixed(0)).join(', ')}) |`,
    `| RSS at idle (after start-up, before load) | ${results.rss.idleMB} MB |`,
    `| RSS peak under load | ${results.rss.peakMB} MB |`,
  ];
  const checks = [
    '',
    '| target | goal | measured | met |',
    '| --- | --- | --- | --- |',
    ...results.checks.map((c) => `| ${c.name} | ${c.goal} | ${c.value} | ${c.met ? 'yes' : '**no**'} |`),
  ];
  const out = [...intro, ...lines, ...order, ...cpu, ...gateway, ...checks];
  if (results.scale) out.push('', ...formatScale(results.scale));
  return out.join('\n');
}

function formatScale(s: ScaleResults): string[] {
  return [
    `| scale (${s.servers} ${s.transport} servers x ${s.toolsPerServer} extra tools) | value |`,
    '| --- | --- |',
    `| start ${s.servers} fixture processes | ${s.fixturesStartMs.toFixed(0)} ms |`,
    `| gateway spawn to /healthz 200 | ${s.gatewayHealthzMs.toFixed(0)} ms |`,
    `| gateway spawn to all ${s.servers} connected (GET /api/status) | ${s.gatewayAllConnectedMs.toFixed(0)} ms |`,
    `| tools/list through /mcp, first (connects ${s.servers} upstream sessions) | ${s.listFirstMs.toFixed(0)} ms, ${s.toolsListed} tools |`,
    `| tools/list through /mcp, second (links open) | ${s.listSecondMs.toFixed(0)} ms |`,
    `| RSS all connected / after listing | ${s.rssAfterConnectMB} MB / ${s.rssAfterListMB} MB |`,
    `| ${s.heldSessions} sessions on /mcp/SERVER: open all (initialize) | ${s.heldOpenMs.toFixed(0)} ms |`,
    `| ... one tools/call on each (concurrently) | ${s.heldFirstCallMs.toFixed(0)} ms, ${s.heldFailures} failures |`,
    `| ... RSS with all held open | ${s.rssWithHeldSessionsMB} MB |`,
    `| ... all answer a second call | ${s.heldAllAnsweredAgain ? 'yes' : '**no**'} |`,
    `| ${s.aggregateSessions} sessions on /mcp each calling one tool (each fans out to ${s.servers} upstreams) | ${s.aggregateFirstCallMs.toFixed(0)} ms |`,
    `| RSS after the /mcp sessions | ${s.rssAfterAggregateMB} MB |`,
    `| RSS peak during the scale run | ${s.peakRssMB} MB |`,
  ];
}
