/**
 * The desktop consent presenter: one native window per open consent request, closed when the
 * request closes (answered anywhere, expired, cancelled). Answers coming back over IPC are
 * accepted only from the window that shows that request, from its own top frame and page, and
 * only after the window has been shown and focused long enough (see consent-gate.ts).
 *
 * The windows themselves come from a factory, so this logic runs without Electron in tests.
 */
import { AirlockError, describeError } from '../src/errors.ts';
import type { ConsentBroker } from '../src/consent/consent-broker.ts';
import type { ConsentEvent, ConsentRequest } from '../src/consent/consent-request.ts';
import type { ConsentView } from '../renderer/src/api/airlock-api.ts';
import { CONSENT_PAGE } from './app-protocol.ts';
import { checkAnswerTiming, MIN_FOCUSED_MS } from './consent-gate.ts';
import { expectConsentDecision, expectNoArgs } from './ipc/arg-guards.ts';
import { isTrustedSender, type IpcSenderEvent } from './ipc/sender-guard.ts';

/** What the manager needs of a window (a BrowserWindow adapter in the app, a fake in tests). */
export interface ConsentWindowHandle {
  readonly webContentsId: number;
  show(): void;
  focus(): void;
  close(): void;
  isDestroyed(): boolean;
  isVisible(): boolean;
  onShow(listener: () => void): void;
  onFocus(listener: () => void): void;
  onClosed(listener: () => void): void;
}

export type ConsentWindowFactory = (request: ConsentRequest) => ConsentWindowHandle;

/** A flood of requests from a hostile server must not bury the desktop in windows. */
export const MAX_CONSENT_WINDOWS = 3;
/** The presenter name recorded in the audit log for answers given here. */
export const DESKTOP_PRESENTER = 'desktop';

interface Entry {
  request: ConsentRequest;
  window: ConsentWindowHandle;
  shownAt: number | undefined;
  focusedAt: number | undefined;
  /** Set when we close the window because the request closed: not the user's decline. */
  closedByUs: boolean;
}

export interface ConsentWindowsOptions {
  broker: Pick<ConsentBroker, 'answerAndWait' | 'pending' | 'get'>;
  createWindow: ConsentWindowFactory;
  now?: () => number;
  minFocusedMs?: number;
  onError?: (message: string) => void;
}

export class ConsentWindows {
  readonly #broker: ConsentWindowsOptions['broker'];
  readonly #createWindow: ConsentWindowFactory;
  readonly #now: () => number;
  readonly #minFocusedMs: number;
  readonly #onError: (message: string) => void;
  /** By web contents id. */
  readonly #entries = new Map<number, Entry>();

  constructor(options: ConsentWindowsOptions) {
    this.#broker = options.broker;
    this.#createWindow = options.createWindow;
    this.#now = options.now ?? Date.now;
    this.#minFocusedMs = options.minFocusedMs ?? MIN_FOCUSED_MS;
    this.#onError = options.onError ?? (() => {});
  }

  /** Subscribe this to the broker. */
  readonly presenter = (event: ConsentEvent): void => {
    if (event.type === 'added') this.#openNext();
    else this.#closeFor(event.request.id);
  };

  /** Brings the request's window forward (from the tray or a notification), opening it if needed. */
  show(requestId: string): void {
    const entry = this.#entryFor(requestId);
    if (entry) {
      entry.window.show();
      entry.window.focus();
      return;
    }
    const request = this.#broker.get(requestId);
    if (request) this.#open(request);
  }

  /** Web contents ids of open consent windows (for the sender check). */
  isConsentWindow(webContentsId: number): boolean {
    return this.#entries.has(webContentsId);
  }

  /** IPC `request()`: the request this window shows. */
  handleRequest(event: IpcSenderEvent, args: unknown[]): ConsentView | undefined {
    const entry = this.#trustedEntry(event);
    expectNoArgs(args);
    return toConsentView(entry.request);
  }

  /** IPC `answer(decision)`: answers this window's request, never any other. */
  async handleAnswer(event: IpcSenderEvent, args: unknown[]): Promise<void> {
    const entry = this.#trustedEntry(event);
    if (args.length !== 1) throw new AirlockError('BAD_ARGUMENT', 'Invalid consent answer.');
    const decision = expectConsentDecision(args[0]);
    const gate = checkAnswerTiming(
      {
        shownAt: entry.shownAt,
        focusedAt: entry.focusedAt,
        visible: !entry.window.isDestroyed() && entry.window.isVisible(),
      },
      decision.action,
      this.#now(),
      this.#minFocusedMs,
    );
    if (!gate.ok) throw new AirlockError(gate.code, gate.message);
    let outcome;
    try {
      outcome = await this.#broker.answerAndWait(entry.request.id, decision, DESKTOP_PRESENTER);
    } catch (error) {
      // The broker's misuse errors say what was wrong with the answer; they hold no secrets.
      throw new AirlockError('CONSENT_BAD_ANSWER', describeError(error));
    }
    if (!outcome) throw new AirlockError('CONSENT_CLOSED', 'This request was already answered or has expired.');
    if (outcome.openError) throw new AirlockError('BROWSER_FAILED', outcome.openError);
  }

  closeAll(): void {
    for (const entry of [...this.#entries.values()]) {
      entry.closedByUs = true;
      if (!entry.window.isDestroyed()) entry.window.close();
    }
    this.#entries.clear();
  }

  #trustedEntry(event: IpcSenderEvent): Entry {
    if (!isTrustedSender(event, CONSENT_PAGE, (id) => this.#entries.has(id))) {
      throw new AirlockError('IPC_FORBIDDEN', 'This window may not answer consent requests.');
    }
    const entry = this.#entries.get(event.sender.id);
    if (!entry) throw new AirlockError('IPC_FORBIDDEN', 'This window may not answer consent requests.');
    return entry;
  }

  #entryFor(requestId: string): Entry | undefined {
    for (const entry of this.#entries.values()) if (entry.request.id === requestId) return entry;
    return undefined;
  }

  /** Opens windows for the oldest requests that have none, up to the cap. */
  #openNext(): void {
    for (const request of this.#broker.pending()) {
      if (this.#entries.size >= MAX_CONSENT_WINDOWS) return;
      if (!this.#entryFor(request.id)) this.#open(request);
    }
  }

  #open(request: ConsentRequest): void {
    let window: ConsentWindowHandle;
    try {
      window = this.#createWindow(request);
    } catch (error) {
      this.#onError(`could not open a consent window: ${describeError(error)}`);
      return;
    }
    const entry: Entry = { request, window, shownAt: undefined, focusedAt: undefined, closedByUs: false };
    const id = window.webContentsId;
    this.#entries.set(id, entry);
    window.onShow(() => {
      entry.shownAt = this.#now();
    });
    window.onFocus(() => {
      entry.focusedAt = this.#now();
    });
    window.onClosed(() => {
      this.#entries.delete(id);
      // Closing the window is the user's "no": the request must not linger unseen.
      if (!entry.closedByUs) {
        void this.#broker.answerAndWait(request.id, { action: 'deny' }, DESKTOP_PRESENTER).catch(() => undefined);
      }
      this.#openNext();
    });
  }

  #closeFor(requestId: string): void {
    const entry = this.#entryFor(requestId);
    if (entry) {
      entry.closedByUs = true;
      this.#entries.delete(entry.window.webContentsId);
      if (!entry.window.isDestroyed()) entry.window.close();
    }
    this.#openNext();
  }
}

/** The renderer's view of a request: a plain copy (frozen objects do not cross IPC as such). */
export function toConsentView(request: ConsentRequest): ConsentView {
  return structuredClone(request) as ConsentView;
}
