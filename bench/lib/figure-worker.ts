/**
 * One benchmark figure for one target, in a process of its own:
 *
 *   node bench/lib/figure-worker.ts '<FigureRequest as JSON>'
 *
 * prints one line of JSON (FigureOutput) on stdout and exits. Each figure starts from a fresh client process
 * so no target inherits the bench client's heap, JIT state or sockets from the target measured before it.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { rssBytes } from './processes.ts';
import { mb } from './report.ts';
import {
  measureLatency,
  measureThroughput,
  targetFromSpec,
  type LatencyResult,
  type TargetSpec,
  type ThroughputResult,
} from './workload.ts';

export type Figure =
  | { kind: 'latency'; calls: number; warmupCalls: number }
  | { kind: 'throughput'; sessions: number; durationMs: number; warmupMs: number };

export interface FigureRequest {
  target: TargetSpec;
  figure: Figure;
  /** Processes whose CPU time per call (and RSS afterwards) the figure reports, by name. */
  watch: Record<string, number>;
}

export interface FigureOutput {
  latency?: LatencyResult;
  throughput?: ThroughputResult;
  /** RSS of each watched process right after the measurement window. */
  rssMB: Record<string, number>;
}

export async function runFigure(request: FigureRequest): Promise<FigureOutput> {
  const target = targetFromSpec(request.target);
  const { figure, watch } = request;
  const out: FigureOutput =
    figure.kind === 'latency'
      ? { latency: await measureLatency(target, figure.calls, figure.warmupCalls), rssMB: {} }
      : {
          throughput: await measureThroughput(target, figure.sessions, figure.durationMs, watch, figure.warmupMs),
          rssMB: {},
        };
  for (const [name, pid] of Object.entries(watch)) out.rssMB[name] = mb(rssBytes(pid) ?? NaN);
  return out;
}

function main(raw: string | undefined): void {
  if (!raw) {
    process.stderr.write("usage: node bench/lib/figure-worker.ts '<FigureRequest JSON>'\n");
    process.exit(2);
  }
  runFigure(JSON.parse(raw) as FigureRequest).then(
    (out) => {
      process.stdout.write(`${JSON.stringify(out)}\n`);
      process.exit(0);
    },
    (error: unknown) => {
      process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
      process.exit(1);
    },
  );
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main(process.argv[2]);
