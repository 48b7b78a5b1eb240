/**
 * An upstream `elicitation/create` with `mode: "url"`, answered by Airlock itself: the user
 * sees a consent request (server, untrusted message, full URL, warnings); approval opens the
 * URL through the broker's opener and answers `accept`, a refusal `decline`, expiry `cancel`.
 * The URL never reaches the MCP client (SPEC §6).
 *
 * @see https://modelcontextprotocol.io/specification/2025-11-25/client/elicitation#url-mode-elicitation-requests
 */
import { ErrorCode, McpError, type ElicitResult } from '@modelcontextprotocol/sdk/types.js';
import { AirlockError } from '../errors.ts';
import type { ConsentOutcome } from '../consent/consent-request.ts';
import type { InterceptContext } from '../gateway/client-session.ts';
import { auditBase, type ElicitationDeps } from './elicitation-deps.ts';

/** One URL-mode elicitation, from `elicitation/create` params or a `-32042` error's data. */
export interface UrlElicitation {
  elicitationId: string;
  url: string;
  message: string;
}

/** Longest elicitation id accepted: ids are echoed in notifications, not meant to carry data. */
const MAX_ID_LENGTH = 256;

/** The user-facing reason a URL was refused, without echoing the URL (it may reach the client). */
export const URL_REFUSED_MESSAGE = 'Airlock refused to open the URL: only http: and https: URLs can be opened.';

/** Reads a URL elicitation; undefined when a field is missing or of the wrong type. */
export function parseUrlElicitation(value: unknown): UrlElicitation | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const { mode, elicitationId, url, message } = value as Record<string, unknown>;
  if (mode !== undefined && mode !== 'url') return undefined;
  if (typeof elicitationId !== 'string' || elicitationId === '' || elicitationId.length > MAX_ID_LENGTH)
    return undefined;
  if (typeof url !== 'string' || typeof message !== 'string') return undefined;
  return { elicitationId, url, message };
}

/** Maps the consent's outcome to the elicitation's action. */
export function elicitActionFor(outcome: ConsentOutcome): ElicitResult['action'] {
  if (outcome.action === 'approve') return outcome.openError === undefined ? 'accept' : 'cancel';
  if (outcome.action === 'deny') return 'decline';
  // `done` never comes here (no needsDone); expiry, abort and shutdown are all "no explicit choice".
  return outcome.action === 'done' ? 'accept' : 'cancel';
}

/**
 * The consent to open one elicitation's URL, shown as the requesting server's. `needsDone` lets
 * the user say the step is already done (the -32042 flow). Throws URL_REFUSED for a URL that can
 * never be opened.
 */
export function requestUrlConsent(
  deps: ElicitationDeps,
  ctx: InterceptContext,
  elicitation: UrlElicitation,
  options: { signal: AbortSignal; needsDone?: boolean },
) {
  return deps.broker.request({
    kind: 'url-elicitation',
    server: ctx.server,
    message: elicitation.message,
    url: elicitation.url,
    serverUrl: deps.serverUrl(ctx.server),
    ...(options.needsDone ? { needsDone: true } : {}),
    ...(deps.consentTimeoutMs === undefined ? {} : { timeoutMs: deps.consentTimeoutMs }),
    signal: options.signal,
  });
}

/**
 * Asks the user about one URL elicitation and answers the upstream.
 * @throws McpError InvalidParams for malformed params or a URL that can never be opened.
 */
export async function askUrlElicitation(
  deps: ElicitationDeps,
  ctx: InterceptContext,
  params: unknown,
  signal: AbortSignal,
): Promise<ElicitResult> {
  const elicitation = parseUrlElicitation(params);
  if (!elicitation) {
    throw new McpError(ErrorCode.InvalidParams, 'A URL elicitation needs a message, a url and an elicitationId.');
  }
  let consent;
  try {
    consent = requestUrlConsent(deps, ctx, elicitation, { signal });
  } catch (error) {
    if (error instanceof AirlockError && error.code === 'URL_REFUSED') {
      deps.audit({ ...auditBase(ctx), mode: 'url', action: 'decline', reason: 'url-refused' });
      throw new McpError(ErrorCode.InvalidParams, URL_REFUSED_MESSAGE);
    }
    throw error;
  }
  const outcome = await consent.outcome;
  const action = elicitActionFor(outcome);
  deps.audit({
    ...auditBase(ctx),
    mode: 'url',
    consent: consent.request.id,
    host: consent.request.host,
    action,
    by: outcome.by,
    ...(outcome.openError === undefined ? {} : { openFailed: true }),
  });
  return { action };
}
