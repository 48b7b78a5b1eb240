import type { ActivityEntry } from '../api/airlock-api.ts';

export interface ToolCallSeries {
  /** Start of the first bucket (ms since the epoch). */
  start: number;
  bucketMs: number;
  /** Servers in legend order (most calls first). */
  servers: string[];
  /** counts[bucket][serverIndex]. */
  counts: number[][];
  max: number;
  total: number;
}

const MINUTE = 60_000;
/** Bucket widths a person reads easily, smallest first. */
const STEPS = [
  MINUTE,
  5 * MINUTE,
  15 * MINUTE,
  30 * MINUTE,
  60 * MINUTE,
  3 * 60 * MINUTE,
  6 * 60 * MINUTE,
  24 * 60 * MINUTE,
];

/**
 * Tool calls per server over time, in `buckets` equal bars ending now. The span covers the
 * oldest call shown (at least an hour), with a bucket width from {@link STEPS}.
 */
export function toolCallSeries(entries: readonly ActivityEntry[], now: number, buckets = 24): ToolCallSeries {
  const calls = entries
    .filter((entry) => entry.type === 'tool-call')
    .map((entry) => ({
      time: Date.parse(entry.time),
      server: typeof entry.server === 'string' ? entry.server : '(unknown)',
    }))
    .filter((call) => Number.isFinite(call.time) && call.time <= now);
  const oldest = calls.reduce((min, call) => Math.min(min, call.time), now);
  const span = Math.max(60 * MINUTE, now - oldest);
  const bucketMs = STEPS.find((step) => step * buckets >= span) ?? STEPS[STEPS.length - 1]!;
  const end = Math.ceil((now + 1) / bucketMs) * bucketMs;
  const start = end - bucketMs * buckets;

  const totals = new Map<string, number>();
  for (const call of calls) if (call.time >= start) totals.set(call.server, (totals.get(call.server) ?? 0) + 1);
  const servers = [...totals.keys()].sort((a, b) => totals.get(b)! - totals.get(a)! || a.localeCompare(b));
  const index = new Map(servers.map((server, i) => [server, i]));
  const counts = Array.from({ length: buckets }, () => servers.map(() => 0));
  let total = 0;
  for (const call of calls) {
    if (call.time < start) continue;
    const bucket = Math.min(buckets - 1, Math.floor((call.time - start) / bucketMs));
    counts[bucket]![index.get(call.server)!]! += 1;
    total += 1;
  }
  const max = counts.reduce(
    (m, row) =>
      Math.max(
        m,
        row.reduce((a, b) => a + b, 0),
      ),
    0,
  );
  return { start, bucketMs, servers, counts, max, total };
}

/** Axis label for a bucket start: time of day, or the date for day-wide buckets. */
export function bucketLabel(time: number, bucketMs: number): string {
  const date = new Date(time);
  if (bucketMs >= 24 * 60 * MINUTE) return date.toLocaleDateString(undefined, { month: 'short', day: 'numeric' });
  return date.toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' });
}
