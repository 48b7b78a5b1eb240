/**
 * The client workload the benchmark runs identically against every target: real SDK clients,
 * one session per concurrent worker, calling a trivial `echo` tool.
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { BIN, VAULT_ENV, cpuMs } from './processes.ts';

/** One MCP session that can call the echo tool. */
export interface Session {
  call(): Promise<void>;
  close(): Promise<void>;
  /** A process this session spawned (the `airlock stdio` bridge), whose CPU counts toward the call. */
  pid?: number;
}

export interface Target {
  label: string;
  /** The tool name this target exposes echo under. */
  tool: string;
  open(): Promise<Session>;
}

async function connect(
  transport: Transport,
  tool: string,
  terminate?: () => Promise<void>,
  pid?: () => number | null,
): Promise<Session> {
  const client = new Client({ name: 'airlock-bench', version: '1.0.0' });
  await client.connect(transport);
  const args = { text: 'hello' };
  const child = pid?.();
  return {
    ...(child ? { pid: child } : {}),
    call: async () => {
      const result = await client.callTool({ name: tool, arguments: args });
      if (result.isError) throw new Error(`tool ${tool} failed: ${JSON.stringify(result.content)}`);
    },
    close: async () => {
      await terminate?.().catch(() => {});
      await client.close().catch(() => {});
    },
  };
}

/** A Streamable HTTP endpoint (direct upstream or a gateway path), with an optional bearer key. */
export function httpTarget(label: string, url: string, tool: string, key?: string): Target {
  return {
    label,
    tool,
    open: async () => {
      const transport = new StreamableHTTPClientTransport(new URL(url), {
        ...(key ? { requestInit: { headers: { Authorization: `Bearer ${key}` } } } : {}),
      });
      return connect(transport, tool, () => transport.terminateSession());
    },
  };
}

/** `airlock stdio --client NAME` spawned by the SDK's StdioClientTransport, as Claude Desktop would. */
export function stdioBridgeTarget(label: string, home: string, client: string, tool: string): Target {
  return {
    label,
    tool,
    open: async () => {
      const transport = new StdioClientTransport({
        command: process.execPath,
        args: [BIN, '--home', home, 'stdio', '--client', client],
        env: { ...(process.env as Record<string, string>), ...VAULT_ENV },
        stderr: 'ignore',
      });
      return connect(transport, tool, undefined, () => transport.pid);
    },
  };
}

/** What a worker process needs to rebuild a target (bench/lib/figure-worker.ts): plain JSON. */
export type TargetSpec =
  | { label: string; kind: 'http'; url: string; tool: string; key?: string }
  | { label: string; kind: 'stdio'; home: string; client: string; tool: string };

export function targetFromSpec(spec: TargetSpec): Target {
  return spec.kind === 'http'
    ? httpTarget(spec.label, spec.url, spec.tool, spec.key)
    : stdioBridgeTarget(spec.label, spec.home, spec.client, spec.tool);
}

export interface LatencyResult {
  calls: number;
  p50Ms: number;
  p99Ms: number;
  meanMs: number;
}

export function percentile(sorted: number[], p: number): number {
  if (!sorted.length) return NaN;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index]!;
}

/** Sequential tools/call latency over one session, after a warm-up. */
export async function measureLatency(target: Target, calls: number, warmup: number): Promise<LatencyResult> {
  const session = await target.open();
  try {
    for (let i = 0; i < warmup; i++) await session.call();
    const samples: number[] = [];
    for (let i = 0; i < calls; i++) {
      const t0 = performance.now();
      await session.call();
      samples.push(performance.now() - t0);
    }
    samples.sort((a, b) => a - b);
    return {
      calls,
      p50Ms: percentile(samples, 50),
      p99Ms: percentile(samples, 99),
      meanMs: samples.reduce((a, b) => a + b, 0) / samples.length,
    };
  } finally {
    await session.close();
  }
}

export interface ThroughputResult {
  sessions: number;
  calls: number;
  errors: number;
  seconds: number;
  callsPerSecond: number;
  /** CPU ms per completed call of each watched process (gateway, upstream, this client process). */
  cpuMsPerCall?: Record<string, number>;
}

/** Every session calling back to back until `end` (a performance.now() time); counts calls and errors. */
async function callUntil(opened: Session[], end: number): Promise<{ calls: number; errors: number }> {
  let calls = 0;
  let errors = 0;
  await Promise.all(
    opened.map(async (s) => {
      while (performance.now() < end) {
        try {
          await s.call();
          calls++;
        } catch {
          errors++;
        }
      }
    }),
  );
  return { calls, errors };
}

/**
 * `sessions` sessions each calling back to back for `durationMs`, after all of them have done so for
 * `warmupMs` (time rather than a call count, so a freshly started client process is JIT-warm at every session
 * count); counts the calls completed within the window.
 */
export async function measureThroughput(
  target: Target,
  sessions: number,
  durationMs: number,
  watch: Record<string, number> = {},
  warmupMs = 500,
): Promise<ThroughputResult> {
  const opened: Session[] = [];
  // Opening 64 sessions at once is itself a load; open in small batches so the window measures calls.
  for (let i = 0; i < sessions; i += 8) {
    opened.push(...(await Promise.all(Array.from({ length: Math.min(8, sessions - i) }, () => target.open()))));
  }
  try {
    await callUntil(opened, performance.now() + warmupMs);
    const bridges = opened.flatMap((s, i) => (s.pid ? [[`bridge${i || ''}`, s.pid] as const] : []));
    watch = { ...watch, ...Object.fromEntries(bridges) };
    const cpuBefore = Object.fromEntries(Object.entries(watch).map(([name, pid]) => [name, cpuMs(pid) ?? NaN]));
    const clientBefore = process.cpuUsage();
    const started = performance.now();
    const { calls, errors } = await callUntil(opened, started + durationMs);
    const seconds = (performance.now() - started) / 1000;
    const client = process.cpuUsage(clientBefore);
    const cpuMsPerCall: Record<string, number> = { client: (client.user + client.system) / 1000 / calls };
    for (const [name, pid] of Object.entries(watch))
      cpuMsPerCall[name] = ((cpuMs(pid) ?? NaN) - cpuBefore[name]!) / calls;
    return { sessions, calls, errors, seconds, callsPerSecond: calls / seconds, cpuMsPerCall };
  } finally {
    await Promise.all(opened.map((s) => s.close()));
  }
}
