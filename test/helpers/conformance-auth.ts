/**
 * Runs the official MCP conformance CLI's client auth scenarios (`@modelcontextprotocol/conformance`,
 * client mode) with Airlock's upstream OAuth client as the client under test
 * (test/conformance/auth-client.ts), and returns one result per scenario.
 *
 * The CLI starts each scenario's MCP server and authorization server, runs the client command with
 * the server URL appended, and writes `<dir>/auth/<name>-<time>/{checks.json,stdout.txt,stderr.txt}`
 * with `-o DIR`. In suite mode it judges scenarios by their checks only (a FAILURE or a WARNING
 * fails one) and ignores the client's exit code, so this harness also reads the client's own
 * summary (the last stdout line) and fails a scenario whose client did not complete its calls,
 * unless the scenario expects the client to fail.
 */
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runConformanceCli, type ConformanceCheck } from './conformance.ts';
import type { AuthClientSummary } from '../conformance/auth-client.ts';

export const CONFORMANCE_CLI = fileURLToPath(
  new URL('../../node_modules/@modelcontextprotocol/conformance/dist/index.js', import.meta.url),
);
export const AUTH_CLIENT_SCRIPT = fileURLToPath(new URL('../conformance/auth-client.ts', import.meta.url));

/**
 * Scenarios whose server never grants access, so the client is expected to end with an error
 * (the package marks them `allowClientError`); only their checks count.
 */
export const CLIENT_MAY_FAIL: ReadonlySet<string> = new Set(['auth/scope-retry-limit']);

export interface AuthScenarioResult {
  scenario: string;
  /** No check FAILED or WARNED, and the client completed its calls (unless CLIENT_MAY_FAIL). */
  passed: boolean;
  /** One line of counts, then each failure and warning, then the client's errors. */
  detail: string;
  checks: ConformanceCheck[];
  client: AuthClientSummary | undefined;
}

export interface AuthConformanceOptions {
  /** Default `2025-11-25`. */
  specVersion?: string;
  /** Per-scenario client timeout given to the CLI; default 30s (the client bounds itself at 25s). */
  clientTimeoutMs?: number;
  /** Bound on the whole run; default 100s. The CLI is killed when it expires. */
  timeoutMs?: number;
}

/** Client auth scenario names the installed CLI knows for a spec version (`conformance list --client`). */
export async function listClientAuthScenarios(specVersion = '2025-11-25'): Promise<string[]> {
  const { stdout, code } = await runConformanceCli(['list', '--client', '--spec-version', specVersion], 30_000);
  if (code !== 0) throw new Error(`conformance list failed (${code})`);
  return [...stdout.matchAll(/^\s+- (auth\/\S+)/gm)].map((m) => m[1]!);
}

/** Runs every client auth scenario of the spec version in one CLI run (the CLI runs them in parallel). */
export async function runClientAuthConformance(opts: AuthConformanceOptions = {}): Promise<AuthScenarioResult[]> {
  const specVersion = opts.specVersion ?? '2025-11-25';
  const deadline = Date.now() + (opts.timeoutMs ?? 100_000);
  const expected = await listClientAuthScenarios(specVersion);
  const outDir = await mkdtemp(path.join(os.tmpdir(), 'airlock-conformance-auth-'));
  try {
    // The CLI splits the command on spaces and runs it through a shell: keep it to two plain words.
    const command = `${process.execPath} ${AUTH_CLIENT_SCRIPT}`;
    const args = ['client', '--command', command, '--suite', 'auth', '--spec-version', specVersion, '-o', outDir];
    args.push('--timeout', String(opts.clientTimeoutMs ?? 30_000));
    const run = await runConformanceCli(args, deadline - Date.now());
    const found = await readResults(outDir);
    return expected.map((scenario) => {
      const result = found.get(scenario);
      if (!result) {
        const tail = (run.stdout + run.stderr).trim().split('\n').slice(-5).join(' | ');
        return {
          scenario,
          passed: false,
          detail: `no result (CLI crashed or timed out): ${tail}`,
          checks: [],
          client: undefined,
        };
      }
      return judge(scenario, result.checks, result.client);
    });
  } finally {
    await rm(outDir, { recursive: true, force: true });
  }
}

function judge(
  scenario: string,
  checks: ConformanceCheck[],
  client: AuthClientSummary | undefined,
): AuthScenarioResult {
  const count = (status: string) => checks.filter((c) => c.status === status).length;
  const lines = [`${count('SUCCESS')} passed, ${count('FAILURE')} failed, ${count('WARNING')} warnings`];
  for (const c of checks) {
    if (c.status === 'FAILURE' || c.status === 'WARNING')
      lines.push(`${c.status} ${c.id}: ${c.errorMessage ?? c.description}`);
  }
  const clientOk = client?.ok === true || CLIENT_MAY_FAIL.has(scenario);
  if (!client) lines.push('client: no summary (it crashed or was killed)');
  else {
    for (const error of client.errors) lines.push(`client: ${error}`);
    for (const call of client.calls) if (!call.ok) lines.push(`client: call ${call.name}: ${call.error ?? 'isError'}`);
  }
  return {
    scenario,
    passed: count('FAILURE') === 0 && count('WARNING') === 0 && clientOk,
    detail: lines.join('\n'),
    checks,
    client,
  };
}

/**
 * Client results live in `<dir>/<scenario>-<ISO time with : and . as ->/`, and scenario names
 * contain a slash, so `auth/x` is `<dir>/auth/x-<time>/`.
 */
async function readResults(
  outDir: string,
): Promise<Map<string, { checks: ConformanceCheck[]; client: AuthClientSummary | undefined }>> {
  const results = new Map<string, { checks: ConformanceCheck[]; client: AuthClientSummary | undefined }>();
  const authDir = path.join(outDir, 'auth');
  const entries = await readdir(authDir).catch(() => [] as string[]);
  for (const entry of entries.sort()) {
    const name = /^(.+)-\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2}-\d{3}Z$/.exec(entry)?.[1];
    if (!name) continue;
    try {
      const checks = JSON.parse(await readFile(path.join(authDir, entry, 'checks.json'), 'utf8')) as ConformanceCheck[];
      const stdout = await readFile(path.join(authDir, entry, 'stdout.txt'), 'utf8').catch(() => '');
      results.set(`auth/${name}`, { checks, client: lastSummary(stdout) });
    } catch {
      // A scenario killed mid-write has no usable checks.json; it is reported as missing.
    }
  }
  return results;
}

function lastSummary(stdout: string): AuthClientSummary | undefined {
  const last = stdout.trim().split('\n').at(-1);
  if (!last) return undefined;
  try {
    return JSON.parse(last) as AuthClientSummary;
  } catch {
    return undefined;
  }
}
