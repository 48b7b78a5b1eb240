/**
 * Opens an approved URL in the user's browser, never through a shell.
 *
 * `$BROWSER` wins when set (as xdg-utils and Python's `webbrowser` read it): a list of
 * commands separated by the path delimiter, each split on whitespace (double quotes group
 * a path with spaces), `%s` replaced by the URL or the URL appended as the last argument.
 * Otherwise the OS opener: `open` (macOS), `rundll32 url.dll,FileProtocolHandler`
 * (Windows; not `cmd /c start`, which is a shell), `xdg-open` (elsewhere).
 *
 * @see https://modelcontextprotocol.io/specification/2025-11-25/basic/security_best_practices#oauth-authorization-url-validation
 */
import { spawn as nodeSpawn, type SpawnOptions } from 'node:child_process';
import { AirlockError, quote } from '../errors.ts';
import { inspectUrl } from './url-inspection.ts';

export interface UrlOpener {
  /** Resolves once the browser was started; rejects with `URL_REFUSED` or `BROWSER_FAILED`. */
  open(url: string): Promise<void>;
}

/** The part of a child process the opener needs; `child_process.ChildProcess` fits. */
export interface SpawnedProcess {
  once(event: 'spawn', listener: () => void): unknown;
  once(event: 'error', listener: (error: Error) => void): unknown;
  unref(): void;
}

export type SpawnFunction = (command: string, args: string[], options: SpawnOptions) => SpawnedProcess;

export interface SystemUrlOpenerOptions {
  env?: Record<string, string | undefined>;
  platform?: NodeJS.Platform;
  spawn?: SpawnFunction;
  /** Matches `inspectUrl`'s option: accept non-loopback http: URLs the user was warned about. */
  allowInsecureHttp?: boolean;
}

export interface BrowserCommand {
  command: string;
  args: string[];
}

export class SystemUrlOpener implements UrlOpener {
  readonly #env: Record<string, string | undefined>;
  readonly #platform: NodeJS.Platform;
  readonly #spawn: SpawnFunction;
  readonly #allowInsecureHttp: boolean;

  constructor(options: SystemUrlOpenerOptions = {}) {
    this.#env = options.env ?? process.env;
    this.#platform = options.platform ?? process.platform;
    this.#spawn = options.spawn ?? nodeSpawn;
    this.#allowInsecureHttp = options.allowInsecureHttp === true;
  }

  async open(url: string): Promise<void> {
    // Re-checked here too: the opener may be called by code that skipped the broker.
    const { url: href } = inspectUrl(url, { allowInsecureHttp: this.#allowInsecureHttp });
    const commands = browserCommands(href, this.#env, this.#platform);
    let lastError: unknown;
    for (const candidate of commands) {
      try {
        await this.#start(candidate);
        return;
      } catch (error) {
        lastError = error;
      }
    }
    throw lastError ?? new AirlockError('BROWSER_FAILED', 'No browser command is configured.');
  }

  #start({ command, args }: BrowserCommand): Promise<void> {
    return new Promise((resolve, reject) => {
      let child: SpawnedProcess;
      try {
        child = this.#spawn(command, args, {
          shell: false,
          detached: true,
          stdio: 'ignore',
          windowsHide: true,
          env: browserEnv(this.#env),
        });
      } catch (error) {
        reject(browserFailed(command, error));
        return;
      }
      child.once('error', (error) => reject(browserFailed(command, error)));
      child.once('spawn', () => {
        child.unref();
        resolve();
      });
    });
  }
}

/**
 * The commands to try, in order, for an already-validated URL. The URL is always one
 * whole argument (or substituted inside one), never re-split.
 */
export function browserCommands(
  url: string,
  env: Record<string, string | undefined>,
  platform: NodeJS.Platform,
): BrowserCommand[] {
  const browser = env.BROWSER?.trim();
  if (browser) {
    const delimiter = platform === 'win32' ? ';' : ':';
    const commands = browser
      .split(delimiter)
      .map((entry) => splitCommandLine(entry))
      .filter((words) => words.length > 0)
      .map(([command = '', ...rest]) => {
        const hasPlaceholder = rest.some((arg) => arg.includes('%s'));
        // split/join, not replace(): a URL may contain "$&" and similar replacement patterns.
        const args = hasPlaceholder ? rest.map((arg) => arg.split('%s').join(url)) : [...rest, url];
        return { command, args };
      });
    if (commands.length > 0) return commands;
  }
  if (platform === 'darwin') return [{ command: 'open', args: [url] }];
  if (platform === 'win32') return [{ command: 'rundll32', args: ['url.dll,FileProtocolHandler', url] }];
  return [{ command: 'xdg-open', args: [url] }];
}

/** Whitespace-separated words; `"..."` groups a word with spaces. No escapes, no expansion. */
export function splitCommandLine(line: string): string[] {
  const words: string[] = [];
  for (const match of line.matchAll(/"([^"]*)"|(\S+)/g)) {
    words.push(match[1] ?? match[2] ?? '');
  }
  return words;
}

/** The browser does not need Airlock's own secrets (passphrase, client key). */
function browserEnv(env: Record<string, string | undefined>): Record<string, string | undefined> {
  return Object.fromEntries(Object.entries(env).filter(([name]) => !name.toUpperCase().startsWith('AIRLOCK_')));
}

function browserFailed(command: string, error: unknown): AirlockError {
  const code = (error as { code?: unknown } | null)?.code;
  const reason = typeof code === 'string' ? ` (${code})` : '';
  // No `cause`: a spawn error's `spawnargs` hold the URL, query and all.
  return new AirlockError('BROWSER_FAILED', `Could not start the browser ${quote(command)}${reason}.`);
}
