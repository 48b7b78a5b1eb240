/**
 * How the desktop app opens an approved URL: `$BROWSER` when set (as the CLI does), else
 * Electron's `shell.openExternal` (the OS default browser, no shell involved). Either way the URL
 * is checked again here: only `http:`/`https:` URLs that pass `inspectUrl` are ever opened. The
 * consent broker calls this only after the user approved that exact URL.
 */
import { AirlockError } from '../src/errors.ts';
import { inspectUrl } from '../src/consent/url-inspection.ts';
import { SystemUrlOpener, type UrlOpener } from '../src/consent/url-opener.ts';

export type OpenExternal = (url: string, options?: { activate?: boolean }) => Promise<void>;

export class ShellUrlOpener implements UrlOpener {
  readonly #openExternal: OpenExternal;
  readonly #allowInsecureHttp: boolean;

  /** `allowInsecureHttp` matches `SystemUrlOpener`'s option (non-loopback http: URLs the user was warned about). */
  constructor(openExternal: OpenExternal, options: { allowInsecureHttp?: boolean } = {}) {
    this.#openExternal = openExternal;
    this.#allowInsecureHttp = options.allowInsecureHttp === true;
  }

  async open(url: string): Promise<void> {
    const { url: href, protocol } = inspectUrl(url, { allowInsecureHttp: this.#allowInsecureHttp });
    // inspectUrl already refuses other schemes; this keeps the promise even if it ever changes.
    if (protocol !== 'https:' && protocol !== 'http:')
      throw new AirlockError('URL_REFUSED', 'Only web addresses can be opened.');
    try {
      await this.#openExternal(href, { activate: true });
    } catch {
      throw new AirlockError('BROWSER_FAILED', 'The default browser could not be opened.');
    }
  }
}

export function createDesktopUrlOpener(env: Record<string, string | undefined>, openExternal: OpenExternal): UrlOpener {
  return env.BROWSER?.trim() ? new SystemUrlOpener({ env }) : new ShellUrlOpener(openExternal);
}
