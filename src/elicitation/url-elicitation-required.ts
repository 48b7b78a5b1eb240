/**
 * The `-32042` URLElicitationRequired answer to a `tools/call`, handled inside Airlock so that
 * clients without URL elicitation support still work and third-party URLs never travel
 * through the client (SPEC §6):
 *
 *   1. one consent per listed elicitation (`needsDone`, so the user can say it is already done);
 *   2. approval opens the URL; then Airlock waits for `notifications/elicitation/complete`
 *      for that id, or for the user's "done" on a follow-up request (no URL), bounded by
 *      the completion timeout;
 *   3. once every elicitation completed, the call is retried once, transparently.
 *
 * Anything else (declined, expired, timed out, browser failed, the retry asking again) ends
 * as a tool error naming the server, never as the original error: its data holds the URLs.
 *
 * @see https://modelcontextprotocol.io/specification/2025-11-25/client/elicitation#url-elicitation-required-error
 */
import { ErrorCode, McpError, type CallToolResult, type Result } from '@modelcontextprotocol/sdk/types.js';
import { AirlockError, quote } from '../errors.ts';
import type { InterceptContext } from '../gateway/client-session.ts';
import { connectionKey, type CompletionWait } from './completion-tracker.ts';
import { auditBase, type ElicitationDeps } from './elicitation-deps.ts';
import { parseUrlElicitation, requestUrlConsent, type UrlElicitation } from './url-elicitation.ts';

/** More than this many elicitations in one error is not a sign-in, it is a flood. */
export const MAX_ELICITATIONS_PER_ERROR = 8;

export type UnsatisfiedReason = 'declined' | 'cancelled' | 'timeout' | 'open-failed' | 'url-refused';
type StepResult = 'completed' | UnsatisfiedReason;

/**
 * The elicitations a `-32042` error lists; `undefined` if the error is something else,
 * `'malformed'` if it is a -32042 Airlock cannot act on.
 */
export function requiredElicitations(error: unknown): UrlElicitation[] | 'malformed' | undefined {
  if (!(error instanceof McpError) || error.code !== ErrorCode.UrlElicitationRequired) return undefined;
  const list = (error.data as { elicitations?: unknown } | undefined)?.elicitations;
  if (!Array.isArray(list) || list.length === 0 || list.length > MAX_ELICITATIONS_PER_ERROR) return 'malformed';
  const byId = new Map<string, UrlElicitation>();
  for (const item of list) {
    if ((item as { mode?: unknown } | null)?.mode !== 'url') return 'malformed';
    const parsed = parseUrlElicitation(item);
    if (!parsed) return 'malformed';
    byId.set(parsed.elicitationId, parsed);
  }
  return [...byId.values()];
}

/** What the client reads instead of the -32042 error: no URL, no server-provided text. */
export function elicitationToolError(
  server: string,
  reason: UnsatisfiedReason | 'malformed' | 'still-required',
): CallToolResult {
  const who = `The server ${quote(server, 64)} needs you to complete a step in your browser first`;
  const why: Record<typeof reason, string> = {
    declined: 'and the request was declined in Airlock.',
    cancelled: 'but the request was not answered in Airlock in time (or was cancelled).',
    timeout: 'but Airlock did not learn that it was completed in time. Call the tool again once it is done.',
    'open-failed': 'but the browser could not be opened.',
    'url-refused': 'but Airlock refused the URL it gave (only http: and https: URLs can be opened).',
    malformed: 'but its request was malformed, so Airlock could not show it.',
    'still-required': 'and still asks for it after it was completed. Call the tool again to retry.',
  };
  return { content: [{ type: 'text', text: `${who}, ${why[reason]}` }], isError: true };
}

/**
 * Runs a tools/call; on `-32042`, gets every listed elicitation done with the user's consent
 * and retries the call once.
 */
export async function callWithUrlElicitations(
  deps: ElicitationDeps,
  ctx: InterceptContext,
  call: () => Promise<Result>,
  signal: AbortSignal,
): Promise<Result> {
  let elicitations: UrlElicitation[] | 'malformed' | undefined;
  try {
    return await call();
  } catch (error) {
    elicitations = requiredElicitations(error);
    if (elicitations === undefined) throw error;
  }
  const audit = (outcome: string) =>
    deps.audit({
      ...auditBase(ctx),
      mode: 'url-required',
      elicitations: Array.isArray(elicitations) ? elicitations.length : 0,
      outcome,
    });
  if (elicitations === 'malformed') {
    audit('malformed');
    return elicitationToolError(ctx.server, 'malformed');
  }
  const unsatisfied = await satisfyAll(deps, ctx, elicitations, signal);
  if (unsatisfied) {
    audit(unsatisfied);
    return elicitationToolError(ctx.server, unsatisfied);
  }
  try {
    const result = await call();
    audit('retried');
    return result;
  } catch (error) {
    // Once only: a server that keeps asking must not keep the user in a loop of consents.
    if (requiredElicitations(error) === undefined) throw error;
    audit('still-required');
    return elicitationToolError(ctx.server, 'still-required');
  }
}

/** Every elicitation at once; the first failure cancels the others. Returns the failure, if any. */
async function satisfyAll(
  deps: ElicitationDeps,
  ctx: InterceptContext,
  elicitations: UrlElicitation[],
  signal: AbortSignal,
): Promise<UnsatisfiedReason | undefined> {
  const group = new AbortController();
  const groupSignal = AbortSignal.any([signal, group.signal]);
  const connection = connectionKey(ctx.sessionId, ctx.server);
  // Waits start before any URL opens, so a fast completion cannot slip past.
  const waits = elicitations.map((e) => deps.tracker.expect(connection, e.elicitationId));
  let failure: UnsatisfiedReason | undefined;
  try {
    await Promise.all(
      elicitations.map(async (elicitation, index) => {
        const result = await satisfyOne(deps, ctx, elicitation, waits[index]!, groupSignal);
        if (result !== 'completed' && failure === undefined) {
          failure = result;
          group.abort();
        }
      }),
    );
  } finally {
    group.abort();
    for (const wait of waits) wait.dispose();
  }
  return failure;
}

/** Step 1 for one elicitation: the consent to open its URL (or the user's "already done"). */
async function satisfyOne(
  deps: ElicitationDeps,
  ctx: InterceptContext,
  elicitation: UrlElicitation,
  wait: CompletionWait,
  signal: AbortSignal,
): Promise<StepResult> {
  const local = new AbortController();
  let consent;
  try {
    consent = requestUrlConsent(deps, ctx, elicitation, {
      signal: AbortSignal.any([signal, local.signal]),
      needsDone: true,
    });
  } catch (error) {
    if (error instanceof AirlockError && error.code === 'URL_REFUSED') return 'url-refused';
    throw error;
  }
  const first = await Promise.race([consent.outcome, wait.completed.then(() => 'completed' as const)]);
  if (first === 'completed') {
    // Completed some other way (the user opened the link themselves): the question is moot.
    local.abort();
    return 'completed';
  }
  switch (first.action) {
    case 'done':
      return 'completed';
    case 'deny':
      return 'declined';
    case 'cancel':
      return 'cancelled';
    case 'approve':
      if (first.openError !== undefined) return 'open-failed';
      return awaitCompletion(deps, ctx, consent.request.host, wait, signal);
  }
}

/**
 * Step 2: the URL is open; wait for the completion notification, or the user's "done" on a
 * follow-up request, until the completion timeout.
 */
async function awaitCompletion(
  deps: ElicitationDeps,
  ctx: InterceptContext,
  host: string | undefined,
  wait: CompletionWait,
  signal: AbortSignal,
): Promise<StepResult> {
  const local = new AbortController();
  const followUp = deps.broker.request({
    kind: 'url-elicitation',
    server: ctx.server,
    message: `Waiting for the step in your browser${host ? ` on ${host}` : ''} to finish. Mark it done when you have completed it, or decline to stop waiting.`,
    needsDone: true,
    timeoutMs: deps.completionTimeoutMs,
    signal: AbortSignal.any([signal, local.signal]),
  });
  try {
    return await Promise.race([
      wait.completed.then(() => 'completed' as const),
      followUp.outcome.then((outcome): StepResult => {
        if (outcome.action === 'done' || outcome.action === 'approve') return 'completed';
        if (outcome.action === 'deny') return 'declined';
        return outcome.by === 'expiry' ? 'timeout' : 'cancelled';
      }),
    ]);
  } finally {
    // The notification won: the "done" question goes away (closed as cancelled by abort).
    local.abort();
  }
}
