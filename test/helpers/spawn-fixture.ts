/**
 * Starts the fixture MCP servers in test/fixtures as real child processes and tears them down again,
 * also when the test process exits without calling stop().
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export interface FixtureOptions {
  /** Server name reported in initialize (`--name`). */
  name?: string;
  /** Extra trivial tools tool_0..tool_{N-1} (`--tools`). */
  tools?: number;
  /** Extra environment for the server process (merged over process.env). */
  env?: Record<string, string>;
  /** How long to wait for the LISTENING line; default 15s. */
  startTimeoutMs?: number;
}

export interface RunningFixture {
  /** Endpoint URL: `.../mcp` (Streamable HTTP) or `.../sse` (legacy SSE). */
  url: string;
  port: number;
  child: ChildProcess;
  /** Everything the process wrote on stderr so far (for failure messages). */
  stderr(): string;
  stop(): Promise<void>;
}

export const EVERYTHING_SERVER = fileURLToPath(new URL('../fixtures/everything-server.ts', import.meta.url));
export const CONFORMANCE_SERVER = fileURLToPath(new URL('../fixtures/conformance-server.ts', import.meta.url));

const live = new Set<ChildProcess>();
let exitHookInstalled = false;

function killAllOnExit(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // 'exit' handlers must be synchronous: a SIGKILL is all that can be done there.
  process.on('exit', () => {
    for (const child of live) child.kill('SIGKILL');
  });
}

function optionArgs(opts: FixtureOptions): string[] {
  const args: string[] = [];
  if (opts.name !== undefined) args.push('--name', opts.name);
  if (opts.tools !== undefined) args.push('--tools', String(opts.tools));
  return args;
}

/** Command line for the everything server over stdio, for StdioClientTransport or a gateway config. */
export function stdioFixtureCommand(opts: FixtureOptions = {}): {
  command: string;
  args: string[];
  env?: Record<string, string>;
} {
  return {
    command: process.execPath,
    args: [EVERYTHING_SERVER, '--stdio', ...optionArgs(opts)],
    ...(opts.env ? { env: opts.env } : {}),
  };
}

function waitForExit(child: ChildProcess, ms: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      child.off('exit', onExit);
      resolve(false);
    }, ms);
    const onExit = () => {
      clearTimeout(timer);
      resolve(true);
    };
    child.once('exit', onExit);
  });
}

/** Spawns `node SCRIPT ARGS...` and resolves once it prints `LISTENING <url>` on stdout. */
export async function startFixtureProcess(
  script: string,
  args: string[],
  opts: FixtureOptions = {},
): Promise<RunningFixture> {
  killAllOnExit();
  const child = spawn(process.execPath, [script, ...args], {
    env: { ...process.env, ...opts.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  live.add(child);
  child.once('exit', () => live.delete(child));
  let stderr = '';
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-20_000);
  });

  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    if (!(await waitForExit(child, 2_000))) {
      child.kill('SIGKILL');
      await waitForExit(child, 2_000);
    }
  };

  const url = await new Promise<string>((resolve, reject) => {
    let stdout = '';
    const timer = setTimeout(
      () => fail(new Error(`fixture ${script} did not start within ${opts.startTimeoutMs ?? 15_000}ms`)),
      opts.startTimeoutMs ?? 15_000,
    );
    const onData = (chunk: string) => {
      stdout += chunk;
      const match = /^LISTENING (\S+)$/m.exec(stdout);
      if (match?.[1]) {
        cleanup();
        resolve(match[1]);
      }
    };
    const onExit = (code: number | null, signal: string | null) =>
      fail(new Error(`fixture ${script} exited (${code ?? signal}) before listening: ${stderr.trim()}`));
    const cleanup = () => {
      clearTimeout(timer);
      child.stdout?.off('data', onData);
      child.off('exit', onExit);
      // Keep draining stdout so a chatty server never blocks on a full pipe.
      child.stdout?.resume();
    };
    const fail = (error: Error) => {
      cleanup();
      void stop().finally(() => reject(error));
    };
    child.stdout?.setEncoding('utf8');
    child.stdout?.on('data', onData);
    child.once('exit', onExit);
  });

  return { url, port: Number(new URL(url).port), child, stderr: () => stderr, stop };
}

/** The everything server over Streamable HTTP on a free 127.0.0.1 port. */
export function startHttpFixture(opts: FixtureOptions = {}): Promise<RunningFixture> {
  return startFixtureProcess(EVERYTHING_SERVER, ['--http', '0', ...optionArgs(opts)], opts);
}

/** The everything server over the legacy HTTP+SSE transport; `url` is the `/sse` endpoint. */
export function startSseFixture(opts: FixtureOptions = {}): Promise<RunningFixture> {
  return startFixtureProcess(EVERYTHING_SERVER, ['--sse', '0', ...optionArgs(opts)], opts);
}

/** The conformance fixture (tools/resources/prompts the official conformance scenarios expect). */
export function startConformanceFixture(opts: Omit<FixtureOptions, 'name' | 'tools'> = {}): Promise<RunningFixture> {
  return startFixtureProcess(CONFORMANCE_SERVER, ['--http', '0'], opts);
}
