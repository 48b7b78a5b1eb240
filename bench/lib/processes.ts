/**
 * Real processes for the benchmark: upstream fixture servers and `airlock serve`, each a child process on
 * loopback, plus the readings the benchmark takes of them (VmRSS from /proc, /healthz).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** `AIRLOCK_BENCH_BIN` measures another entry point (e.g. a bundled build) with the same workload. */
export const BIN = process.env.AIRLOCK_BENCH_BIN
  ? path.resolve(process.env.AIRLOCK_BENCH_BIN)
  : path.join(ROOT, 'bin/airlock.js');
export const EVERYTHING = path.join(ROOT, 'test/fixtures/everything-server.ts');
/** The gateway child opens its vault with this (no OS keychain on a CI box). */
export const VAULT_ENV: Readonly<Record<string, string>> = {
  AIRLOCK_SECRET_BACKEND: 'passphrase',
  AIRLOCK_PASSPHRASE: 'airlock-bench-passphrase',
};

const live = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

export function track(child: ChildProcess): ChildProcess {
  live.add(child);
  child.once('exit', () => live.delete(child));
  return child;
}

export async function stopChild(child: ChildProcess, ms = 5_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), ms);
  await exited;
  clearTimeout(timer);
}

export interface Fixture {
  url: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

/** The everything fixture over Streamable HTTP on a free port; resolves on its `LISTENING url` line. */
export async function startHttpFixture(opts: { name?: string; tools?: number } = {}): Promise<Fixture> {
  const args = [EVERYTHING, '--http', '0'];
  if (opts.name) args.push('--name', opts.name);
  if (opts.tools) args.push('--tools', String(opts.tools));
  const child = track(spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] }));
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (s: string) => (stderr = (stderr + s).slice(-4000)));
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`fixture did not start: ${stderr}`)), 30_000);
    child.stdout!.setEncoding('utf8').on('data', (s: string) => {
      out += s;
      const match = /^LISTENING (\S+)$/m.exec(out);
      if (match?.[1]) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`fixture exited (${code}): ${stderr}`));
    });
  });
  return { url, child, stop: () => stopChild(child) };
}

/** A port that was free a moment ago (the gateway must be told its port up front to time /healthz). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function runCli(home: string, args: string[], input = ''): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = track(
      spawn(process.execPath, [BIN, '--home', home, ...args], {
        env: { ...process.env, ...VAULT_ENV },
        stdio: ['pipe', 'pipe', 'pipe'],
      }),
    );
    let stdout = '';
    let stderr = '';
    child.stdout!.setEncoding('utf8').on('data', (s: string) => (stdout += s));
    child.stderr!.setEncoding('utf8').on('data', (s: string) => (stderr += s));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin!.end(input);
  });
}

/** A temp data directory whose config.json names these servers; and one static client key. */
export async function prepareHome(servers: Record<string, unknown>): Promise<{ home: string; key: string }> {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'airlock-bench-'));
  fs.writeFileSync(path.join(home, 'config.json'), JSON.stringify({ gateway: { port: 47100 }, mcpServers: servers }), {
    mode: 0o600,
  });
  const added = await runCli(home, ['client', 'add', 'bench', '--json']);
  if (added.code !== 0) throw new Error(`client add failed: ${added.stderr}`);
  const { key } = JSON.parse(added.stdout) as { key: string };
  return { home, key };
}

export async function healthy(port: number): Promise<boolean> {
  try {
    const res = await fetch(`http://127.0.0.1:${port}/healthz`, { signal: AbortSignal.timeout(1000) });
    await res.arrayBuffer();
    return res.status === 200;
  } catch {
    return false;
  }
}

export interface GatewayProcess {
  child: ChildProcess;
  pid: number;
  port: number;
  home: string;
  origin: string;
  /** ms from spawn() to the first /healthz 200. */
  startupMs: number;
  /** The module bin/airlock.js ran: the dist/cli bundle when it was fresh, else the TypeScript sources. */
  entry: string;
  stderr(): string;
  stop(): Promise<void>;
}

/**
 * `node bin/airlock.js serve --home HOME --port PORT` as a child; resolves at the first /healthz 200,
 * polled every 2 ms from the moment of spawn.
 */
export async function startGatewayProcess(home: string, opts: { nodeArgs?: string[] } = {}): Promise<GatewayProcess> {
  const port = await freePort();
  const started = performance.now();
  const child = track(
    spawn(process.execPath, [...(opts.nodeArgs ?? []), BIN, 'serve', '--home', home, '--port', String(port)], {
      env: { ...process.env, ...VAULT_ENV, AIRLOCK_DEBUG_ENTRY: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    }),
  );
  let stderr = '';
  child.stdout!.resume();
  let head = '';
  child.stderr!.setEncoding('utf8').on('data', (s: string) => {
    if (head.length < 2000) head += s;
    stderr = (stderr + s).slice(-8000);
  });
  let exited = false;
  child.once('exit', () => (exited = true));
  const deadline = Date.now() + 30_000;
  while (!(await healthy(port))) {
    if (exited) throw new Error(`gateway exited before /healthz: ${stderr}`);
    if (Date.now() > deadline) throw new Error(`gateway /healthz timed out: ${stderr}`);
    await new Promise((r) => setTimeout(r, 2));
  }
  const startupMs = performance.now() - started;
  return {
    child,
    pid: child.pid!,
    port,
    home,
    origin: `http://127.0.0.1:${port}`,
    startupMs,
    entry: path.relative(ROOT, /^airlock: entry (.+)$/m.exec(head)?.[1] ?? BIN),
    stderr: () => stderr,
    stop: () => stopChild(child, 10_000),
  };
}

/** Resident set size of a process in bytes (VmRSS), or undefined once it is gone. */
export function rssBytes(pid: number): number | undefined {
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
    return match?.[1] ? Number(match[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** Samples a process's RSS every `everyMs` until stopped; reports the peak. */
export function sampleRss(pid: number, everyMs = 50): { stop(): number; peak(): number } {
  let peak = rssBytes(pid) ?? 0;
  const timer = setInterval(() => {
    peak = Math.max(peak, rssBytes(pid) ?? 0);
  }, everyMs);
  return {
    peak: () => peak,
    stop: () => {
      clearInterval(timer);
      peak = Math.max(peak, rssBytes(pid) ?? 0);
      return peak;
    },
  };
}

interface ServerStatus {
  name: string;
  state: string;
  tools: string[];
}

/** GET /api/status with the admin token the gateway wrote into its data directory. */
export async function gatewayStatus(gw: { origin: string; home: string }): Promise<{ servers: ServerStatus[] }> {
  const token = fs.readFileSync(path.join(gw.home, 'admin-token'), 'utf8').trim();
  const res = await fetch(`${gw.origin}/api/status`, { headers: { authorization: `Bearer ${token}` } });
  if (!res.ok) throw new Error(`/api/status answered ${res.status}`);
  return (await res.json()) as { servers: ServerStatus[] };
}

/** Polls /api/status until every server is connected; resolves with the time that took. */
export async function waitAllConnected(gw: { origin: string; home: string }, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const status = await gatewayStatus(gw);
      if (status.servers.length && status.servers.every((s) => s.state === 'connected')) return;
    } catch {
      // The admin token is written just after listen; retry.
    }
    if (Date.now() > deadline) throw new Error('servers did not all connect');
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** CPU time (user + system) a process has used so far, in ms (from /proc/PID/stat, 100 Hz ticks). */
export function cpuMs(pid: number): number | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // Fields 14 and 15 of stat (utime, stime) are at 11 and 12 after the command name.
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return undefined;
  }
}
