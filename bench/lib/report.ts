/** Shapes of the benchmark results, the machine description, and the printed table. */
import os from 'node:os';
import fs from 'node:fs';
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

export interface TargetFigures {
  latency?: LatencyResult & { p50Ratio?: number; p99Ratio?: number };
  throughput: (ThroughputResult & { ratio?: number })[];
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
  settings: { latencyCalls: number; warmupCalls: number; throughputMs: number; startupRuns: number };
  startup: { runsMs: number[]; medianMs: number };
  rss: { idleMB: number; peakMB: number };
  /** Keyed by target label: direct, gateway /mcp/echo, gateway /mcp, airlock stdio. */
  targets: Record<string, TargetFigures>;
  checks: TargetCheck[];
  scale?: ScaleResults;
  runSeconds: number;
}

export const mb = (bytes: number): number => Math.round((bytes / 2 ** 20) * 10) / 10;
const fmt = (n: number | undefined, digits = 2): string =>
  n === undefined || Number.isNaN(n) ? '-' : n.toFixed(digits);

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
        return [fmt(lat?.[key], 3), lat?.[ratioKey] === undefined ? '-' : `${fmt(lat[ratioKey])}x`];
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
        return [fmt(t?.callsPerSecond, 0), t?.ratio === undefined ? '-' : `${fmt(t.ratio)}x`];
      }),
    ]);
  }
  const lines = [header, header.map(() => '---'), ...rows].map((r) => `| ${r.join(' | ')} |`);
  const cpu = [
    '',
    '| CPU ms per call, 16 sessions (1 for stdio) | client (bench) | gateway | upstream |',
    '| --- | --- | --- | --- |',
    ...labels.map((l) => {
      const runs = results.targets[l]!.throughput;
      const c = (runs.find((t) => t.sessions === 16) ?? runs[0])?.cpuMsPerCall ?? {};
      return `| ${l} | ${fmt(c.client, 3)} | ${l === 'direct' ? '-' : fmt(c.gateway, 3)} | ${fmt(c.upstream, 3)} |`;
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
  const out = [...lines, ...cpu, ...gateway, ...checks];
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
