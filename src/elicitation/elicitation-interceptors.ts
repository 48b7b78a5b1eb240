/**
 * Plugs elicitation into every client session (SPEC §6):
 *
 * - upstream, Airlock declares `elicitation: { form: {}, url: {} }` whatever the client declared;
 * - URL mode (`elicitation/create` with `mode: "url"`) is always answered by Airlock after the
 *   user's consent; the client never sees the URL;
 * - a `-32042` from `tools/call` is handled here, then the call retried once;
 * - form mode goes to the client when it shows forms, else to Airlock's own presenters;
 * - every `notifications/elicitation/complete` is swallowed: its ids belong to elicitations
 *   Airlock handled, which the client never heard of (and may not even support).
 *
 * @see https://modelcontextprotocol.io/specification/2025-11-25/client/elicitation
 */
import type { ClientCapabilities, JSONRPCRequest, Notification, Result } from '@modelcontextprotocol/sdk/types.js';
import { ErrorCode, McpError } from '@modelcontextprotocol/sdk/types.js';
import { AjvJsonSchemaValidator } from '@modelcontextprotocol/sdk/validation/ajv';
import type { jsonSchemaValidator } from '@modelcontextprotocol/sdk/validation/types.js';
import { misuse } from '../errors.ts';
import type { ConsentBroker } from '../consent/consent-broker.ts';
import { DEFAULT_CONSENT_TIMEOUT_MS } from '../consent/consent-broker.ts';
import type { InterceptContext, SessionInterceptors } from '../gateway/client-session.ts';
import { CompletionTracker, connectionKey } from './completion-tracker.ts';
import type { ElicitationDeps } from './elicitation-deps.ts';
import { askFormElicitation, clientSupportsForms } from './form-elicitation.ts';
import { askUrlElicitation } from './url-elicitation.ts';
import { callWithUrlElicitations } from './url-elicitation-required.ts';

export const ELICITATION_COMPLETE = 'notifications/elicitation/complete';

export interface ElicitationOptions {
  broker: ConsentBroker;
  /** The URL of a remote server (host-mismatch warning); undefined for stdio servers. */
  serverUrl?: (server: string) => string | undefined;
  /** Audit sink for elicitation outcomes (the consents themselves are audited by the broker). */
  audit?: (event: Record<string, unknown>) => void;
  /** How long each consent waits for the user; default the broker's (10 minutes). */
  consentTimeoutMs?: number;
  /** After approval, how long to wait for completion or "done"; default 10 minutes. */
  completionTimeoutMs?: number;
  /** Form validation; default the SDK's Ajv provider, one instance per form. */
  newValidator?: () => jsonSchemaValidator;
}

export interface ElicitationInterceptors extends Required<
  Pick<SessionInterceptors, 'upstreamRequest' | 'toolCall' | 'upstreamNotification' | 'upstreamCapabilities'>
> {
  /** Open completion waits (for diagnostics and tests). */
  readonly tracker: CompletionTracker;
}

export function createElicitationInterceptors(options: ElicitationOptions): ElicitationInterceptors {
  const completionTimeoutMs = options.completionTimeoutMs ?? options.consentTimeoutMs ?? DEFAULT_CONSENT_TIMEOUT_MS;
  for (const [name, value] of [
    ['consentTimeoutMs', options.consentTimeoutMs],
    ['completionTimeoutMs', completionTimeoutMs],
  ] as const) {
    if (value !== undefined && !(Number.isFinite(value) && value > 0 && value < 2 ** 31)) {
      throw misuse('ELICITATION_BAD_TIMEOUT', `${name} must be a positive number of milliseconds below 2^31.`);
    }
  }
  const tracker = new CompletionTracker();
  const deps: ElicitationDeps = {
    broker: options.broker,
    tracker,
    serverUrl: options.serverUrl ?? (() => undefined),
    audit: (event) => {
      try {
        options.audit?.(event);
      } catch {
        // Auditing must not decide an elicitation's outcome.
      }
    },
    consentTimeoutMs: options.consentTimeoutMs,
    completionTimeoutMs,
    newValidator: options.newValidator ?? (() => new AjvJsonSchemaValidator()),
  };

  return {
    tracker,
    upstreamCapabilities: (_client: ClientCapabilities): ClientCapabilities => ({ elicitation: { form: {}, url: {} } }),

    upstreamRequest: async (
      ctx: InterceptContext,
      request: JSONRPCRequest,
      signal: AbortSignal,
    ): Promise<Result | undefined> => {
      if (request.method !== 'elicitation/create') return undefined;
      const params = request.params as Record<string, unknown> | undefined;
      const mode = params?.mode ?? 'form';
      if (mode === 'url') return askUrlElicitation(deps, ctx, params, signal);
      if (mode !== 'form') throw new McpError(ErrorCode.InvalidParams, 'Unsupported elicitation mode.');
      if (clientSupportsForms(ctx.clientCapabilities)) return undefined;
      return askFormElicitation(deps, ctx, params, signal);
    },

    toolCall: (ctx, call, signal) => callWithUrlElicitations(deps, ctx, call, signal),

    upstreamNotification: (ctx: InterceptContext, notification: Notification): boolean => {
      if (notification.method !== ELICITATION_COMPLETE) return false;
      const id = (notification.params as { elicitationId?: unknown } | undefined)?.elicitationId;
      if (typeof id === 'string') tracker.complete(connectionKey(ctx.sessionId, ctx.server), id);
      return true;
    },
  };
}
