/**
 * Runs the official MCP conformance CLI (`@modelcontextprotocol/conformance`, server mode) against a URL and
 * returns one result per scenario, read from the per-scenario `checks.json` files it writes with `-o DIR`.
 *
 * The CLI's server scenarios connect with a plain StreamableHTTPClientTransport and have no option for extra
 * request headers (no Authorization). `opts.headers` therefore routes the CLI through a loopback proxy that adds
 * them, so the same scenarios can run through an authenticating gateway.
 */
import { spawn } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const CONFORMANCE_CLI = fileURLToPath(
  new URL('../../node_modules/@modelcontextprotocol/conformance/dist/index.js', import.meta.url),
);

/**
 * Server scenarios that cannot pass against our fixture for reasons outside our control, with the reason.
 * Empty: all 32 scenarios of 2025-11-25 pass directly. (server-sse-polling passes with two WARNINGs: its raw
 * POST says `mcp-protocol-version: 2025-03-26`, and the SDK only sends SSE priming events/retry to >= 2025-11-25.)
 */
export const KNOWN_UNSUPPORTED: Readonly<Record<string, string>> = {};

export interface ConformanceCheck {
  id: string;
  name: string;
  description: string;
  status: 'SUCCESS' | 'FAILURE' | 'WARNING' | 'INFO' | string;
  errorMessage?: string;
  details?: unknown;
}

export interface ConformanceResult {
  scenario: string;
  /** No check FAILED (warnings allowed, as the CLI itself counts them). */
  passed: boolean;
  /** One line of counts, then each failure and warning message. */
  detail: string;
  checks: ConformanceCheck[];
}

export interface ConformanceOptions {
  /** Run only these scenarios (one CLI run each); default: every server scenario of the spec version. */
  scenarios?: string[];
  /** Default `2025-11-25`. */
  specVersion?: string;
  /** Extra request headers (e.g. Authorization), injected by a loopback proxy in front of `url`. */
  headers?: Record<string, string>;
  /** Bound on the whole run; default 120s. The CLI is killed when it expires. */
  timeoutMs?: number;
}

/** Scenario names the installed CLI knows for a spec version (`conformance list --server`). */
export async function listServerScenarios(specVersion = '2025-11-25'): Promise<string[]> {
  const { stdout, code } = await runConformanceCli(['list', '--server', '--spec-version', specVersion], 30_000);
  if (code !== 0) throw new Error(`conformance list failed (${code})`);
  return [...stdout.matchAll(/^\s+- (\S+)/gm)].map((m) => m[1]!);
}

export async function runServerConformance(url: string, opts: ConformanceOptions = {}): Promise<ConformanceResult[]> {
  const specVersion = opts.specVersion ?? '2025-11-25';
  const deadline = Date.now() + (opts.timeoutMs ?? 120_000);
  const expected = opts.scenarios ?? (await listServerScenarios(specVersion));
  const outDir = await mkdtemp(path.join(os.tmpdir(), 'airlock-conformance-'));
  const proxy = opts.headers ? await startHeaderProxy(url, opts.headers) : undefined;
  const target = proxy?.url ?? url;
  const logs: string[] = [];
  try {
    if (opts.scenarios) {
      for (const scenario of opts.scenarios) {
        const run = await runConformanceCli(
          ['server', '--url', target, '--scenario', scenario, '-o', outDir],
          deadline - Date.now(),
        );
        logs.push(run.stdout + run.stderr);
        if (run.timedOut) break;
      }
    } else {
      const args = ['server', '--url', target, '--suite', 'all', '--spec-version', specVersion, '-o', outDir];
      const run = await runConformanceCli(args, deadline - Date.now());
      logs.push(run.stdout + run.stderr);
    }
    const found = await readResults(outDir);
    return expected.map((scenario) => {
      const checks = found.get(scenario);
      if (!checks) {
        const tail = logs.join('\n').trim().split('\n').slice(-5).join(' | ');
        return { scenario, passed: false, detail: `no result (CLI crashed or timed out): ${tail}`, checks: [] };
      }
      return { scenario, passed: !checks.some((c) => c.status === 'FAILURE'), detail: describe(checks), checks };
    });
  } finally {
    await proxy?.close();
    await rm(outDir, { recursive: true, force: true });
  }
}

function describe(checks: ConformanceCheck[]): string {
  const count = (status: string) => checks.filter((c) => c.status === status).length;
  const lines = [`${count('SUCCESS')} passed, ${count('FAILURE')} failed, ${count('WARNING')} warnings`];
  for (const c of checks) {
    if (c.status === 'FAILURE' || c.status === 'WARNING')
      lines.push(`${c.status} ${c.id}: ${c.errorMessage ?? c.description}`);
  }
  return lines.join('\n');
}

/** The CLI writes `<dir>/server-<scenario>-<ISO time with : and . as ->/checks.json` per scenario. */
async function readResults(outDir: string): Promise<Map<string, ConformanceCheck[]>> {
  const results = new Map<string, ConformanceCheck[]>();
  for (const entry of (await readdir(outDir)).sort()) {
    const scenario = /^server-(.+)-\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2}-\d{3}Z$/.exec(entry)?.[1];
    if (!scenario) continue;
    try {
      results.set(scenario, JSON.parse(await readFile(path.join(outDir, entry, 'checks.json'), 'utf8')));
    } catch {
      // A scenario killed mid-write has no usable checks.json; it is reported as missing.
    }
  }
  return results;
}

/**
 * Runs the conformance CLI, bounded in time. It runs in its own process group, so a timeout (or
 * this process exiting) also ends any client scripts it started.
 */
export function runConformanceCli(
  args: string[],
  timeoutMs: number,
): Promise<{ code: number | null; stdout: string; stderr: string; timedOut: boolean }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CONFORMANCE_CLI, ...args], {
      env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    const killGroup = () => {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // Already gone.
      }
    };
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    child.stdout.setEncoding('utf8').on('data', (s: string) => (stdout += s));
    child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
    const timer = setTimeout(
      () => {
        timedOut = true;
        killGroup();
      },
      Math.max(1, timeoutMs),
    );
    process.once('exit', killGroup);
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      process.off('exit', killGroup);
      resolve({ code, stdout, stderr, timedOut });
    });
  });
}

/**
 * A loopback reverse proxy adding fixed headers. Host and Origin naming the proxy itself are rewritten to the
 * target's authority, while foreign ones pass through untouched, so the dns-rebinding scenario still tests the
 * target's own Host/Origin checks.
 */
export async function startHeaderProxy(
  targetUrl: string,
  headers: Record<string, string>,
): Promise<{ url: string; close(): Promise<void> }> {
  const target = new URL(targetUrl);
  const server = http.createServer((req, res) => {
    const own = `127.0.0.1:${(server.address() as AddressInfo).port}`;
    const outgoing: http.OutgoingHttpHeaders = { ...req.headers, ...headers };
    if (req.headers.host === own) outgoing['host'] = target.host;
    if (req.headers.origin === `http://${own}`) outgoing['origin'] = target.origin;
    const upstream = http.request(
      { host: target.hostname, port: target.port, method: req.method, path: req.url, headers: outgoing },
      (upRes) => {
        res.writeHead(upRes.statusCode ?? 502, upRes.headers);
        upRes.pipe(res);
      },
    );
    upstream.on('error', () => {
      if (!res.headersSent) res.writeHead(502).end();
      else res.destroy();
    });
    res.on('close', () => upstream.destroy());
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}${target.pathname}${target.search}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
