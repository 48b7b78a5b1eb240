/**
 * The one place consent requests live while they wait for the user.
 *
 * Any number of presenters (desktop window, `/ui/`, `airlock pending`) subscribe, see
 * requests appear and close, and answer them; the first answer wins. Approving a request
 * that carries a URL opens exactly that URL (never one from the answer), and only then.
 * Unanswered requests expire with `cancel` (SPEC §6, default 10 minutes).
 *
 * `needsDone` requests (the `-32042` URLElicitationRequired flow) accept a `done` answer.
 * The broker stays generic: `approve` opens the URL and closes the request with `approve`;
 * the caller then waits for `notifications/elicitation/complete` on its own and, if it wants
 * the user's "done" as well, posts a follow-up request (no URL, `needsDone: true`) whose
 * `done` answer it awaits, cancelling it through its AbortSignal when the notification wins.
 *
 * @see https://modelcontextprotocol.io/specification/2025-11-25/client/elicitation#safe-url-handling
 */
import { randomBytes } from 'node:crypto';
import { AirlockError, misuse } from '../errors.ts';
import {
  CONSENT_KINDS,
  type ConsentDecision,
  type ConsentEvent,
  type ConsentKind,
  type ConsentOutcome,
  type ConsentRequest,
} from './consent-request.ts';
import { inspectUrl, redactUrl } from './url-inspection.ts';
import type { UrlOpener } from './url-opener.ts';

export const DEFAULT_CONSENT_TIMEOUT_MS = 10 * 60 * 1000;
/** Server messages are kept verbatim up to this length; a hostile server cannot flood the UI. */
export const MAX_CONSENT_MESSAGE_LENGTH = 4000;

export interface ConsentBrokerOptions {
  defaultTimeoutMs?: number;
  /** Clock for timestamps (expiry itself runs on real timers). */
  now?: () => number;
  /** Receives one event per closed request; must not throw (errors are swallowed). */
  audit?: (event: Record<string, unknown>) => void;
  urlOpener?: UrlOpener;
}

export interface ConsentRequestInput {
  kind: ConsentKind;
  server: string;
  clientName?: string;
  message: string;
  /** Validated with `inspectUrl`: a refused URL throws `AirlockError('URL_REFUSED')` here. */
  url?: string;
  /** The requesting server's URL, for the host-mismatch warning. */
  serverUrl?: string;
  allowInsecureHttp?: boolean;
  needsDone?: boolean;
  choices?: { servers?: string[] };
  formSchema?: unknown;
  timeoutMs?: number;
  /** Aborting closes the request with `cancel` (by `abort`). */
  signal?: AbortSignal;
}

export type ConsentListener = (event: ConsentEvent) => void;

interface Entry {
  request: ConsentRequest;
  /** Private copy of what approval opens: presenters only ever hold frozen copies. */
  url: string | undefined;
  resolve: (outcome: ConsentOutcome) => void;
  timer: ReturnType<typeof setTimeout>;
  detachSignal: () => void;
}

export class ConsentBroker {
  readonly #defaultTimeoutMs: number;
  readonly #now: () => number;
  readonly #audit: ((event: Record<string, unknown>) => void) | undefined;
  readonly #urlOpener: UrlOpener | undefined;
  readonly #entries = new Map<string, Entry>();
  readonly #listeners = new Set<ConsentListener>();

  constructor(options: ConsentBrokerOptions = {}) {
    this.#defaultTimeoutMs = options.defaultTimeoutMs ?? DEFAULT_CONSENT_TIMEOUT_MS;
    assertTimeout(this.#defaultTimeoutMs, 'defaultTimeoutMs');
    this.#now = options.now ?? Date.now;
    this.#audit = options.audit;
    this.#urlOpener = options.urlOpener;
  }

  /** Registers a request and tells every subscriber. The outcome promise never rejects. */
  request(input: ConsentRequestInput): { request: ConsentRequest; outcome: Promise<ConsentOutcome> } {
    const timeoutMs = input?.timeoutMs ?? this.#defaultTimeoutMs;
    const request = buildRequest(input, this.#now(), timeoutMs);
    let resolve!: (outcome: ConsentOutcome) => void;
    const outcome = new Promise<ConsentOutcome>((done) => (resolve = done));
    const timer = setTimeout(() => this.#close(request.id, { action: 'cancel', by: 'expiry' }), timeoutMs);
    timer.unref();
    const entry: Entry = { request, url: request.url, resolve, timer, detachSignal: () => {} };
    this.#entries.set(request.id, entry);
    this.#emit({ type: 'added', request });

    const signal = input.signal;
    if (signal) {
      const onAbort = () => this.#close(request.id, { action: 'cancel', by: 'abort' });
      if (signal.aborted) onAbort();
      else {
        signal.addEventListener('abort', onAbort, { once: true });
        entry.detachSignal = () => signal.removeEventListener('abort', onAbort);
      }
    }
    return { request, outcome };
  }

  /** Open requests, oldest first. */
  pending(): ConsentRequest[] {
    return [...this.#entries.values()].map((entry) => entry.request);
  }

  get(id: string): ConsentRequest | undefined {
    return typeof id === 'string' ? this.#entries.get(id)?.request : undefined;
  }

  /**
   * Answers a request. Returns the decision as recorded, or `undefined` when the id is
   * unknown or the request was already closed (the first answer wins).
   *
   * Approving a request with a URL starts opening it; the outcome promise, the `closed`
   * event and the audit event follow once the opener settled, with `openError` if it failed.
   * Use {@link answerAndWait} to get that final outcome.
   *
   * @throws TypeError (code `CONSENT_BAD_DECISION`) for a malformed decision or presenter name.
   */
  answer(id: string, decision: unknown, by: string): ConsentOutcome | undefined {
    return this.#answer(id, decision, by)?.recorded;
  }

  /** Like {@link answer}, resolving with the final outcome (including `openError`). */
  async answerAndWait(id: string, decision: unknown, by: string): Promise<ConsentOutcome | undefined> {
    return this.#answer(id, decision, by)?.final;
  }

  subscribe(listener: ConsentListener): () => void {
    if (typeof listener !== 'function') throw misuse('CONSENT_BAD_LISTENER', 'subscribe() needs a function.');
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Cancels every open request (by `shutdown`). */
  close(): void {
    for (const id of [...this.#entries.keys()]) this.#close(id, { action: 'cancel', by: 'shutdown' });
  }

  #answer(
    id: string,
    decision: unknown,
    by: string,
  ): { recorded: ConsentOutcome; final: Promise<ConsentOutcome> } | undefined {
    if (typeof by !== 'string' || by.trim() === '' || by.length > 100) {
      throw misuse('CONSENT_BAD_DECISION', 'A consent answer needs the presenter name (1-100 characters).');
    }
    const shape = parseDecision(decision);
    const entry = typeof id === 'string' ? this.#entries.get(id) : undefined;
    if (!entry) return undefined;
    const recorded = outcomeFor(entry.request, shape, by);

    // Taken off the list at once, so a concurrent second answer finds nothing.
    this.#detach(entry);
    const url = entry.url;
    const final =
      recorded.action === 'approve' && url !== undefined
        ? this.#open(url).then((openError) => (openError === undefined ? recorded : { ...recorded, openError }))
        : Promise.resolve(recorded);
    void final.then((outcome) => this.#finish(entry, outcome));
    return { recorded: { ...recorded }, final };
  }

  /** Opens the request's own URL; resolves with a user-facing error message on failure. */
  async #open(url: string): Promise<string | undefined> {
    if (!this.#urlOpener) return 'No browser opener is configured in this process.';
    try {
      await this.#urlOpener.open(url);
      return undefined;
    } catch (error) {
      const message = error instanceof AirlockError ? error.message : 'The browser could not be opened.';
      // A foreign opener's message might echo the URL: keep only its origin and path.
      return message.split(url).join(redactUrl(url));
    }
  }

  #close(id: string, outcome: ConsentOutcome): void {
    const entry = this.#entries.get(id);
    if (!entry) return;
    this.#detach(entry);
    this.#finish(entry, outcome);
  }

  #detach(entry: Entry): void {
    this.#entries.delete(entry.request.id);
    clearTimeout(entry.timer);
    entry.detachSignal();
  }

  #finish(entry: Entry, outcome: ConsentOutcome): void {
    const { request } = entry;
    this.#record({
      type: 'consent',
      id: request.id,
      kind: request.kind,
      server: request.server,
      host: request.host,
      // Query strings carry codes and state: origin and path only.
      url: entry.url === undefined ? undefined : redactUrl(entry.url),
      action: outcome.action,
      by: outcome.by,
      ...(outcome.openError === undefined ? {} : { openFailed: true }),
    });
    entry.resolve(outcome);
    this.#emit({ type: 'closed', request, outcome });
  }

  #record(event: Record<string, unknown>): void {
    try {
      this.#audit?.(event);
    } catch {
      // Auditing must not decide whether a consent completes.
    }
  }

  #emit(event: ConsentEvent): void {
    for (const listener of [...this.#listeners]) {
      try {
        listener(event);
      } catch {
        // One broken presenter must not hide requests from the others.
      }
    }
  }
}

function buildRequest(input: ConsentRequestInput, now: number, timeoutMs: number): ConsentRequest {
  if (typeof input !== 'object' || input === null) throw misuse('CONSENT_BAD_REQUEST', 'request() needs an object.');
  if (!CONSENT_KINDS.includes(input.kind)) throw misuse('CONSENT_BAD_REQUEST', 'Unknown consent kind.');
  if (typeof input.server !== 'string' || input.server === '') {
    throw misuse('CONSENT_BAD_REQUEST', 'A consent request needs the server name.');
  }
  if (typeof input.message !== 'string') throw misuse('CONSENT_BAD_REQUEST', 'A consent request needs a message.');
  if (input.clientName !== undefined && typeof input.clientName !== 'string') {
    throw misuse('CONSENT_BAD_REQUEST', 'clientName must be a string.');
  }
  if (input.url !== undefined && typeof input.url !== 'string') {
    throw misuse('CONSENT_BAD_REQUEST', 'url must be a string.');
  }
  const servers = input.choices?.servers;
  if (servers !== undefined && !isStringArray(servers)) {
    throw misuse('CONSENT_BAD_REQUEST', 'choices.servers must be an array of strings.');
  }
  assertTimeout(timeoutMs, 'timeoutMs');

  const inspection =
    input.url === undefined
      ? undefined
      : inspectUrl(input.url, { serverUrl: input.serverUrl, allowInsecureHttp: input.allowInsecureHttp });
  const message =
    input.message.length > MAX_CONSENT_MESSAGE_LENGTH
      ? `${input.message.slice(0, MAX_CONSENT_MESSAGE_LENGTH)}…`
      : input.message;
  const request: ConsentRequest = {
    // Hex: people type these after `airlock approve`/`deny`, where an id starting with '-' (base64url) reads as an option.
    id: randomBytes(16).toString('hex'),
    kind: input.kind,
    server: input.server,
    ...(input.clientName === undefined ? {} : { clientName: input.clientName }),
    message,
    ...(inspection === undefined
      ? {}
      : {
          url: inspection.url,
          host: inspection.asciiHost,
          inspection: Object.freeze({
            ...inspection,
            warnings: Object.freeze(inspection.warnings.map((warning) => Object.freeze({ ...warning }))),
          }) as ConsentRequest['inspection'],
        }),
    createdAt: new Date(now).toISOString(),
    expiresAt: new Date(now + timeoutMs).toISOString(),
    ...(input.needsDone === true ? { needsDone: true } : {}),
    ...(servers === undefined ? {} : { choices: Object.freeze({ servers: Object.freeze([...servers]) as string[] }) }),
    ...(input.formSchema === undefined ? {} : { formSchema: input.formSchema }),
  };
  return Object.freeze(request);
}

/** The decision may come from IPC or HTTP: nothing about it is trusted. */
function parseDecision(decision: unknown): ConsentDecision {
  const bad = (why: string) => misuse('CONSENT_BAD_DECISION', `Malformed consent answer: ${why}.`);
  if (typeof decision !== 'object' || decision === null || Array.isArray(decision)) throw bad('not an object');
  const record = decision as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    // Notably no `url`: what gets opened is never taken from an answer.
    if (key !== 'action' && key !== 'servers' && key !== 'content') throw bad('unexpected field');
  }
  const { action, servers, content } = record;
  if (action !== 'approve' && action !== 'deny' && action !== 'done') throw bad('action must be approve, deny or done');
  if (servers !== undefined && !isStringArray(servers)) throw bad('servers must be an array of strings');
  if (content !== undefined && (typeof content !== 'object' || content === null || Array.isArray(content))) {
    throw bad('content must be an object');
  }
  if (action !== 'approve' && (servers !== undefined || content !== undefined)) {
    throw bad('only an approval carries servers or content');
  }
  return {
    action,
    ...(servers === undefined ? {} : { servers: [...new Set(servers)] }),
    ...(content === undefined ? {} : { content: content as Record<string, unknown> }),
  };
}

/** Checks the decision against the request it answers. */
function outcomeFor(request: ConsentRequest, decision: ConsentDecision, by: string): ConsentOutcome {
  const bad = (why: string) => misuse('CONSENT_BAD_DECISION', `Consent answer does not fit the request: ${why}.`);
  if (decision.action === 'done' && request.needsDone !== true) throw bad('this request has no "done" step');
  if (decision.action !== 'approve') return { action: decision.action, by };
  const offered = request.choices?.servers;
  if (decision.servers !== undefined) {
    if (offered === undefined) throw bad('this request offers no servers to choose');
    if (!decision.servers.every((server) => offered.includes(server))) throw bad('a server was not offered');
  }
  if (decision.content !== undefined && request.kind !== 'form-elicitation') {
    throw bad('only a form elicitation takes content');
  }
  return {
    action: 'approve',
    by,
    // Without a narrowing choice, approval grants what was offered (as `client add` without --servers).
    ...(offered === undefined ? {} : { servers: [...(decision.servers ?? offered)] }),
    ...(decision.content === undefined ? {} : { content: { ...decision.content } }),
  };
}

function isStringArray(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((item) => typeof item === 'string');
}

function assertTimeout(value: number, name: string): void {
  // setTimeout clamps anything above 2^31-1 ms to 1 ms: refuse it rather than expire at once.
  if (!Number.isFinite(value) || value <= 0 || value > 2 ** 31 - 1) {
    throw misuse('CONSENT_BAD_TIMEOUT', `${name} must be a positive number of milliseconds below 2^31.`);
  }
}
