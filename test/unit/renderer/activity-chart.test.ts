import { test } from 'node:test';
import assert from 'node:assert/strict';
import { toolCallSeries } from '../../../renderer/src/model/activity-chart.ts';

const now = Date.parse('2026-01-01T12:00:00Z');
const at = (minutesAgo: number, server: string) => ({
  time: new Date(now - minutesAgo * 60_000).toISOString(),
  type: 'tool-call',
  server,
});

test('counts tool calls per server per bucket, busiest server first', () => {
  const series = toolCallSeries(
    [
      at(1, 'github'),
      at(2, 'notes'),
      at(2, 'notes'),
      at(50, 'notes'),
      { time: new Date(now).toISOString(), type: 'session-start' },
    ],
    now,
    12,
  );
  assert.equal(series.bucketMs, 5 * 60_000, 'an hour in 12 bars of 5 minutes');
  assert.deepEqual(series.servers, ['notes', 'github']);
  assert.equal(series.total, 4);
  assert.equal(series.counts.length, 12);
  // The last bar is the one holding "now" (12:00-12:05); the calls a minute or two ago sit just before it.
  assert.deepEqual(series.counts[11], [0, 0]);
  assert.deepEqual(series.counts[10], [2, 1]);
  assert.equal(series.max, 3);
  assert.equal(
    series.counts.flat().reduce((a, b) => a + b, 0),
    4,
  );
});

test('older calls widen the buckets; an empty log gives an empty hour', () => {
  assert.equal(toolCallSeries([at(60 * 20, 'a')], now, 24).bucketMs, 60 * 60_000);
  const empty = toolCallSeries([], now, 24);
  assert.equal(empty.total, 0);
  assert.deepEqual(empty.servers, []);
  assert.equal(empty.max, 0);
});
