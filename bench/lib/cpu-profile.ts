/**
 * Summarizes a V8 `.cpuprofile` (from `node --cpu-prof`): self time per function and per source file,
 * so the hot spots of the gateway under load can be read without DevTools.
 *
 *   node bench/lib/cpu-profile.ts FILE.cpuprofile [TOP]
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

export interface HotSpot {
  name: string;
  selfMs: number;
  percent: number;
}

export interface ProfileSummary {
  totalMs: number;
  idleMs: number;
  functions: HotSpot[];
  files: HotSpot[];
  /** Self time by origin: gateway source (src/), the MCP SDK, other node_modules, Node internals, GC, idle. */
  areas: HotSpot[];
}

function shortUrl(url: string): string {
  if (!url) return '(native)';
  const clean = url.replace(/^file:\/\//, '');
  const nm = clean.lastIndexOf('/node_modules/');
  if (nm >= 0) return clean.slice(nm + '/node_modules/'.length);
  const src = clean.search(/\/(src|bench|test|bin)\//);
  return src >= 0 ? clean.slice(src + 1) : clean;
}

function areaOf(frame: ProfileNode['callFrame']): string {
  const name = frame.functionName;
  if (name === '(idle)' || name === '(program)' || name === '(garbage collector)') return name;
  const url = frame.url;
  if (url.includes('/node_modules/@modelcontextprotocol/sdk/')) return 'MCP SDK';
  if (url.includes('/node_modules/zod/')) return 'zod';
  if (url.includes('/node_modules/')) return `node_modules/${shortUrl(url).split('/')[0]}`;
  if (/\/src\//.test(url)) return 'airlock src/';
  if (url.startsWith('node:') || !url) return 'node internals / native';
  return 'other';
}

function rank(map: Map<string, number>, total: number): HotSpot[] {
  return [...map.entries()]
    .map(([name, selfMs]) => ({ name, selfMs, percent: (100 * selfMs) / total }))
    .sort((a, b) => b.selfMs - a.selfMs);
}

export function summarizeProfile(file: string): ProfileSummary {
  const profile = JSON.parse(fs.readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfUs = new Map<number, number>();
  profile.samples.forEach((id, i) => selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  const functions = new Map<string, number>();
  const files = new Map<string, number>();
  const areas = new Map<string, number>();
  let totalUs = 0;
  let idleUs = 0;
  for (const [id, us] of selfUs) {
    const frame = byId.get(id)?.callFrame;
    if (!frame) continue;
    totalUs += us;
    if (frame.functionName === '(idle)') {
      idleUs += us;
      continue;
    }
    const where = `${shortUrl(frame.url)}:${frame.lineNumber + 1}`;
    const fn = `${frame.functionName || '(anonymous)'} ${frame.url ? where : ''}`.trim();
    functions.set(fn, (functions.get(fn) ?? 0) + us / 1000);
    files.set(shortUrl(frame.url), (files.get(shortUrl(frame.url)) ?? 0) + us / 1000);
    areas.set(areaOf(frame), (areas.get(areaOf(frame)) ?? 0) + us / 1000);
  }
  const busyMs = (totalUs - idleUs) / 1000;
  return {
    totalMs: totalUs / 1000,
    idleMs: idleUs / 1000,
    functions: rank(functions, busyMs),
    files: rank(files, busyMs),
    areas: rank(areas, busyMs),
  };
}

export function formatProfileSummary(summary: ProfileSummary, top = 25): string {
  const table = (title: string, spots: HotSpot[], n: number) => [
    `${title}`,
    ...spots
      .slice(0, n)
      .map((s) => `  ${s.selfMs.toFixed(0).padStart(7)} ms ${s.percent.toFixed(1).padStart(5)}%  ${s.name}`),
  ];
  return [
    `profile: ${summary.totalMs.toFixed(0)} ms sampled, ${summary.idleMs.toFixed(0)} ms idle; percentages are of busy time`,
    ...table('by area:', summary.areas, 12),
    ...table('top self-time functions:', summary.functions, top),
    ...table('top files:', summary.files, 15),
  ].join('\n');
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const [file, top] = process.argv.slice(2);
  if (!file) {
    process.stderr.write('usage: node bench/lib/cpu-profile.ts FILE.cpuprofile [TOP]\n');
    process.exit(2);
  }
  process.stdout.write(`${formatProfileSummary(summarizeProfile(file), Number(top ?? 25))}\n`);
}
