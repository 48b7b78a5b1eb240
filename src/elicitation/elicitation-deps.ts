/**
 * What the elicitation handlers share: the consent broker that asks the user, the completion
 * tracker, the audit sink and the time limits.
 */
import type { jsonSchemaValidator } from '@modelcontextprotocol/sdk/validation/types.js';
import type { ConsentBroker } from '../consent/consent-broker.ts';
import type { InterceptContext } from '../gateway/client-session.ts';
import type { CompletionTracker } from './completion-tracker.ts';

export interface ElicitationDeps {
  broker: ConsentBroker;
  tracker: CompletionTracker;
  /** The server's own URL when it is remote (for the host-mismatch warning); undefined for stdio. */
  serverUrl(server: string): string | undefined;
  /** Receives one event per elicitation outcome; never given a URL's query. */
  audit(event: Record<string, unknown>): void;
  /** How long a consent waits for the user; undefined = the broker's default. */
  consentTimeoutMs: number | undefined;
  /** How long Airlock waits, after the URL was opened, for completion or the user's "done". */
  completionTimeoutMs: number;
  /** A fresh validator per form: Ajv caches every schema it compiles, and schemas come from servers. */
  newValidator(): jsonSchemaValidator;
}

/** The audit fields every elicitation event carries. */
export function auditBase(ctx: InterceptContext): Record<string, unknown> {
  return {
    type: 'elicitation',
    server: ctx.server,
    client: ctx.client.name,
    clientId: ctx.client.id,
    session: ctx.sessionId,
  };
}
