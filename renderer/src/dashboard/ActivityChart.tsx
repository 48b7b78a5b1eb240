import { useMemo } from 'react';
import type { ActivityEntry } from '../api/airlock-api.ts';
import { bucketLabel, toolCallSeries } from '../model/activity-chart.ts';

const WIDTH = 720;
const HEIGHT = 160;
const PAD = { top: 10, right: 8, bottom: 22, left: 30 };
const PALETTE = ['#3b6cf6', '#12a37f', '#e58a1f', '#a855f7', '#e0465b', '#0ea5b7', '#7c8a9e'];

/** Tool calls over time, one stacked colour per server; plain SVG, styled from the CSS file. */
export function ActivityChart({ entries }: { entries: readonly ActivityEntry[] }) {
  const series = useMemo(() => toolCallSeries(entries, Date.now()), [entries]);
  const plotW = WIDTH - PAD.left - PAD.right;
  const plotH = HEIGHT - PAD.top - PAD.bottom;
  const slot = plotW / series.counts.length;
  const top = Math.max(1, series.max);
  const y = (value: number) => PAD.top + plotH - (value / top) * plotH;
  const color = (i: number) => PALETTE[i % PALETTE.length]!;
  return (
    <figure className="chart" data-testid="activity-chart">
      <figcaption>
        <span>Tool calls per server</span>
        <span className="legend">
          {series.servers.map((server, i) => (
            <span key={server} className="legend-item">
              <svg width="10" height="10" aria-hidden="true">
                <rect width="10" height="10" rx="2" fill={color(i)} />
              </svg>
              {server}
            </span>
          ))}
          {series.total === 0 && <span className="muted">No tool calls in this period</span>}
        </span>
      </figcaption>
      <svg
        viewBox={`0 0 ${WIDTH} ${HEIGHT}`}
        role="img"
        aria-label={`${series.total} tool calls, ${series.servers.length} servers`}
        className="chart-svg"
      >
        {[...new Set([0, Math.round(top / 2), top])].map((tick) => (
          <g key={tick}>
            <line x1={PAD.left} x2={WIDTH - PAD.right} y1={y(tick)} y2={y(tick)} className="grid" />
            <text x={PAD.left - 6} y={y(tick) + 4} className="axis" textAnchor="end">
              {tick}
            </text>
          </g>
        ))}
        {series.counts.map((row, b) => {
          let base = 0;
          return (
            <g key={b}>
              {row.map((count, s) => {
                if (count === 0) return null;
                const rect = (
                  <rect
                    key={s}
                    x={PAD.left + b * slot + slot * 0.15}
                    width={slot * 0.7}
                    y={y(base + count)}
                    height={y(base) - y(base + count)}
                    fill={color(s)}
                    rx="2"
                  >
                    <title>{`${series.servers[s]}: ${count} at ${bucketLabel(series.start + b * series.bucketMs, series.bucketMs)}`}</title>
                  </rect>
                );
                base += count;
                return rect;
              })}
            </g>
          );
        })}
        {series.counts.map((_, b) =>
          b % 6 === 0 ? (
            <text key={b} x={PAD.left + b * slot} y={HEIGHT - 6} className="axis">
              {bucketLabel(series.start + b * series.bucketMs, series.bucketMs)}
            </text>
          ) : null,
        )}
      </svg>
    </figure>
  );
}
