/**
 * Runs every figure for every target in rounds, each figure in a fresh worker process
 * (bench/lib/figure-worker.ts), changing the order of the targets from one round to the next; then reports
 * per target the median over the rounds, and per gateway target the median and the range (min-max) of its
 * ratio to the direct run *of the same round*.
 *
 * The orders are rows of a Williams design, not plain rotations: a rotation keeps the cyclic order, so the
 * same target would follow direct in every round; in a Williams square every target follows every other
 * target equally often (exactly once per n rounds for n targets, n even).
 *
 * Why: measured once in a fixed order in one client process, the target right after the direct run came out
 * markedly worse (all three processes spent more CPU per call in that slot). A fresh client per figure removes
 * whatever the bench client carried over; the changing order spreads what the gateway, the upstream and the machine
 * carry over across all targets, and the range shows how much of a ratio is noise.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { track } from './processes.ts';
import type { Figure, FigureOutput, FigureRequest } from './figure-worker.ts';
import type { TargetFigures } from './report.ts';
import type { LatencyResult, TargetSpec, ThroughputResult } from './workload.ts';

const WORKER = fileURLToPath(new URL('./figure-worker.ts', import.meta.url));

/** One worker run, as it happened: which round, which position in that round's order. */
export interface RunRecord {
  round: number;
  /** 0 = first target measured for this figure in this round. */
  slot: number;
  /** The target of the worker run just before this one (any figure; undefined for the very first run). */
  after?: string;
  figure: string;
  target: string;
  latency?: LatencyResult;
  throughput?: ThroughputResult;
  rssMB: Record<string, number>;
}

export function figureName(figure: Figure): string {
  return figure.kind === 'latency' ? 'latency' : `throughput ${figure.sessions}`;
}

/** Runs one figure in a fresh `node bench/lib/figure-worker.ts` process and parses its JSON line. */
export function runInWorker(request: FigureRequest, timeoutMs = 60_000): Promise<FigureOutput> {
  return new Promise((resolve, reject) => {
    const child = track(
      spawn(process.execPath, [WORKER, JSON.stringify(request)], { stdio: ['ignore', 'pipe', 'pipe'] }),
    );
    let stdout = '';
    let stderr = '';
    child.stdout!.setEncoding('utf8').on('data', (s: string) => (stdout += s));
    child.stderr!.setEncoding('utf8').on('data', (s: string) => (stderr = (stderr + s).slice(-4000)));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      const line = stdout.trim().split('\n').pop();
      if (code !== 0 || !line) {
        reject(new Error(`${request.target.label} ${figureName(request.figure)}: worker exited ${code}: ${stderr}`));
        return;
      }
      resolve(JSON.parse(line) as FigureOutput);
    });
  });
}

/**
 * Row `round` of a Williams design for `items` (balanced for first-order carry-over): row 0 is
 * 0, 1, n-1, 2, n-2, ...; row i adds i (mod n) to each. For odd n the rows alternate with their reverses
 * (2n rows balance it).
 * @see E. J. Williams, "Experimental designs balanced for the estimation of residual effects of treatments",
 *   Australian Journal of Scientific Research A 2 (1949) 149-168
 */
export function williamsOrder<T>(items: readonly T[], round: number): T[] {
  const n = items.length;
  if (n < 2) return [...items];
  const first: number[] = [0];
  for (let lo = 1, hi = n - 1; first.length < n; lo++, hi--) {
    first.push(lo);
    if (first.length < n) first.push(hi);
  }
  const row = n % 2 ? Math.floor(round / 2) : round;
  const order = first.map((k) => items[(k + row) % n]!);
  return n % 2 && round % 2 ? order.reverse() : order;
}

export interface RoundsOptions {
  targets: TargetSpec[];
  figures: Figure[];
  rounds: number;
  /** Processes whose CPU per call each worker reports (gateway, upstream). */
  watch: Record<string, number>;
  /** Whether a target takes part in a figure (the stdio bridge is one session only). */
  applies(target: TargetSpec, figure: Figure): boolean;
  log(message: string): void;
}

export async function runRounds(opts: RoundsOptions): Promise<RunRecord[]> {
  const records: RunRecord[] = [];
  let previous: string | undefined;
  for (let round = 0; round < opts.rounds; round++) {
    for (const figure of opts.figures) {
      const order = williamsOrder(
        opts.targets.filter((t) => opts.applies(t, figure)),
        round,
      );
      opts.log(`round ${round + 1}/${opts.rounds}, ${figureName(figure)}: ${order.map((t) => t.label).join(', ')}`);
      for (const [slot, target] of order.entries()) {
        const out = await runInWorker({ target, figure, watch: opts.watch });
        records.push({
          round,
          slot,
          ...(previous ? { after: previous } : {}),
          figure: figureName(figure),
          target: target.label,
          ...out,
        });
        previous = target.label;
      }
    }
  }
  return records;
}

export function median(values: number[]): number {
  const sorted = values.filter((v) => !Number.isNaN(v)).sort((a, b) => a - b);
  if (!sorted.length) return NaN;
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export function range(values: number[]): [number, number] {
  const clean = values.filter((v) => !Number.isNaN(v));
  return clean.length ? [Math.min(...clean), Math.max(...clean)] : [NaN, NaN];
}

function medianOfKeys(records: Record<string, number>[]): Record<string, number> {
  const keys = [...new Set(records.flatMap((r) => Object.keys(r)))];
  return Object.fromEntries(keys.map((k) => [k, median(records.map((r) => r[k] ?? NaN))]));
}

/** Per-round ratios of `value` for `target` against direct in the same round. */
function ratios(
  records: RunRecord[],
  figure: string,
  target: string,
  value: (r: RunRecord) => number | undefined,
): number[] {
  const of = (label: string, round: number) =>
    records.find((r) => r.figure === figure && r.target === label && r.round === round);
  return records
    .filter((r) => r.figure === figure && r.target === target)
    .map((r) => (value(r) ?? NaN) / (value(of('direct', r.round)!) ?? NaN));
}

/** Medians over the rounds per target, and per gateway target the median and range of its per-round ratios. */
export function summarize(records: RunRecord[], labels: string[]): Record<string, TargetFigures> {
  const out: Record<string, TargetFigures> = {};
  const figures = [...new Set(records.map((r) => r.figure))];
  for (const label of labels) {
    const fig: TargetFigures = { throughput: [] };
    for (const figure of figures) {
      const mine = records.filter((r) => r.figure === figure && r.target === label);
      if (!mine.length) continue;
      const hasDirect = label !== 'direct' && records.some((r) => r.figure === figure && r.target === 'direct');
      const latencies = mine.flatMap((r) => (r.latency ? [r.latency] : []));
      if (latencies.length) {
        fig.latency = {
          calls: latencies[0]!.calls,
          rounds: latencies.length,
          p50Ms: median(latencies.map((l) => l.p50Ms)),
          p99Ms: median(latencies.map((l) => l.p99Ms)),
          meanMs: median(latencies.map((l) => l.meanMs)),
          p50MsRange: range(latencies.map((l) => l.p50Ms)),
        };
        if (hasDirect) {
          const p50 = ratios(records, figure, label, (r) => r.latency?.p50Ms);
          const p99 = ratios(records, figure, label, (r) => r.latency?.p99Ms);
          Object.assign(fig.latency, {
            p50Ratio: median(p50),
            p50RatioRange: range(p50),
            p99Ratio: median(p99),
            p99RatioRange: range(p99),
          });
        }
      }
      const runs = mine.flatMap((r) => (r.throughput ? [r.throughput] : []));
      if (runs.length) {
        const perSecond = runs.map((t) => t.callsPerSecond);
        const t: TargetFigures['throughput'][number] = {
          sessions: runs[0]!.sessions,
          rounds: runs.length,
          calls: median(runs.map((t) => t.calls)),
          errors: runs.reduce((a, t) => a + t.errors, 0),
          seconds: median(runs.map((t) => t.seconds)),
          callsPerSecond: median(perSecond),
          callsPerSecondRange: range(perSecond),
          cpuMsPerCall: medianOfKeys(runs.map((t) => t.cpuMsPerCall ?? {})),
        };
        if (hasDirect) {
          const r = ratios(records, figure, label, (x) => x.throughput?.callsPerSecond);
          t.ratio = median(r);
          t.ratioRange = range(r);
        }
        fig.throughput.push(t);
      }
    }
    out[label] = fig;
  }
  return out;
}
