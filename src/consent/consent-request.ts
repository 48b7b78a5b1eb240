/**
 * The shapes every consent presenter (desktop window, `/ui/`, `airlock pending`) shares.
 * See SPEC §6: nothing opens a browser without the user's consent for that exact URL.
 */
import type { UrlInspection } from './url-inspection.ts';

export type ConsentKind =
  'upstream-signin' | 'provider-signin' | 'url-elicitation' | 'form-elicitation' | 'client-signin';

export const CONSENT_KINDS: readonly ConsentKind[] = [
  'upstream-signin',
  'provider-signin',
  'url-elicitation',
  'form-elicitation',
  'client-signin',
];

/** A question put to the user. Presenters get frozen copies; they cannot change what gets opened. */
export interface ConsentRequest {
  /** Random, URL-safe, unguessable (128 bits). */
  id: string;
  kind: ConsentKind;
  /** The requesting server or OAuth provider name. */
  server: string;
  /** For `client-signin`: the MCP client asking to connect. */
  clientName?: string;
  /** Untrusted text from the server, verbatim: show it as plain text, never as markup or a link. */
  message: string;
  /** The normalized URL that approval opens (the `inspection.url`). */
  url?: string;
  /** The URL's hostname as it appears in `url` (punycode form; `inspection.host` has the Unicode form). */
  host?: string;
  inspection?: UrlInspection;
  /** ISO timestamps. */
  createdAt: string;
  expiresAt: string;
  /**
   * The user may answer `done` (an out-of-band step finished, e.g. after a `-32042` URL
   * elicitation). Approval still just opens the URL and closes the request.
   */
  needsDone?: boolean;
  /** For `client-signin`: the servers the user may grant. */
  choices?: { servers?: string[] };
  /** For form elicitation: the requested JSON schema (untrusted). */
  formSchema?: unknown;
}

/** What a presenter sends back. Validated at runtime: it may arrive over IPC or HTTP. */
export interface ConsentDecision {
  action: 'approve' | 'deny' | 'done';
  /** With `approve` of a request with `choices.servers`: the subset granted. */
  servers?: string[];
  /** With `approve` of a `form-elicitation`: the submitted values. */
  content?: Record<string, unknown>;
}

export interface ConsentOutcome {
  action: 'approve' | 'deny' | 'cancel' | 'done';
  /** The presenter that answered, or `expiry`, `abort`, `shutdown`. */
  by: string;
  servers?: string[];
  content?: Record<string, unknown>;
  /** Approved, but the browser could not be opened: a message fit for the user (never the URL's query). */
  openError?: string;
}

export type ConsentEvent =
  { type: 'added'; request: ConsentRequest } | { type: 'closed'; request: ConsentRequest; outcome: ConsentOutcome };
