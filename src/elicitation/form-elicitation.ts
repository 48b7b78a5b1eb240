/**
 * A form-mode `elicitation/create` for a client that cannot show forms: Airlock's own
 * presenters show it as a `form-elicitation` consent. The user's answer is validated against
 * the server's `requestedSchema` (the SDK's Ajv validator) before it goes upstream; an answer
 * that does not fit is not sent, and the question is asked again saying why.
 *
 * @see https://modelcontextprotocol.io/specification/2025-11-25/client/elicitation#form-mode-elicitation-requests
 */
import type { ClientCapabilities, ElicitResult } from '@modelcontextprotocol/sdk/types.js';
import { ElicitResultSchema, ErrorCode, McpError } from '@modelcontextprotocol/sdk/types.js';
import type { JsonSchemaType, JsonSchemaValidator } from '@modelcontextprotocol/sdk/validation/types.js';
import type { InterceptContext } from '../gateway/client-session.ts';
import { DEFAULT_CONSENT_TIMEOUT_MS } from '../consent/consent-broker.ts';
import { auditBase, type ElicitationDeps } from './elicitation-deps.ts';

/** Invalid answers tolerated before the form is given up (answered `cancel`). */
export const MAX_FORM_ATTEMPTS = 5;

/**
 * Whether the client shows forms itself: `elicitation.form`, or the legacy empty
 * `elicitation: {}` (form only).
 * @see https://modelcontextprotocol.io/specification/2025-11-25/client/elicitation#capabilities
 */
export function clientSupportsForms(capabilities: ClientCapabilities): boolean {
  const elicitation = capabilities.elicitation as { form?: unknown; url?: unknown } | undefined;
  if (!elicitation) return false;
  return Boolean(elicitation.form) || !elicitation.url;
}

export type FormCheck =
  { valid: true; content: NonNullable<ElicitResult['content']> } | { valid: false; reason: string };

/** Checks submitted values against the requested schema and the shape MCP allows in a result. */
export function checkFormContent(validate: JsonSchemaValidator<unknown>, content: unknown): FormCheck {
  const checked = validate(content);
  if (!checked.valid) return { valid: false, reason: checked.errorMessage };
  const shaped = ElicitResultSchema.safeParse({ action: 'accept', content });
  if (!shaped.success || shaped.data.content === undefined) {
    return { valid: false, reason: 'values must be strings, numbers, booleans or lists of strings' };
  }
  return { valid: true, content: shaped.data.content };
}

/**
 * Asks the user through Airlock's presenters and answers the upstream.
 * @throws McpError InvalidParams when the request has no message or no usable schema.
 */
export async function askFormElicitation(
  deps: ElicitationDeps,
  ctx: InterceptContext,
  params: unknown,
  signal: AbortSignal,
): Promise<ElicitResult> {
  const { message, requestedSchema } = (params ?? {}) as Record<string, unknown>;
  if (typeof message !== 'string') throw new McpError(ErrorCode.InvalidParams, 'A form elicitation needs a message.');
  const validate = compileSchema(deps, requestedSchema);
  const deadline = Date.now() + (deps.consentTimeoutMs ?? DEFAULT_CONSENT_TIMEOUT_MS);
  let notice: string | undefined;
  const finish = (action: ElicitResult['action'], extra: Record<string, unknown> = {}): ElicitResult => {
    deps.audit({ ...auditBase(ctx), mode: 'form', action, ...extra });
    return { action };
  };

  for (let attempt = 1; attempt <= MAX_FORM_ATTEMPTS; attempt++) {
    const remaining = deadline - Date.now();
    if (remaining <= 0) return finish('cancel', { by: 'expiry' });
    const consent = deps.broker.request({
      kind: 'form-elicitation',
      server: ctx.server,
      // The presenter shows the message as untrusted text; Airlock's own notice comes first.
      message: notice ? `${notice}\n\n${message}` : message,
      formSchema: requestedSchema,
      timeoutMs: remaining,
      signal,
    });
    const outcome = await consent.outcome;
    if (outcome.action === 'deny') return finish('decline', { consent: consent.request.id, by: outcome.by });
    if (outcome.action !== 'approve') return finish('cancel', { consent: consent.request.id, by: outcome.by });
    const checked = checkFormContent(validate, outcome.content ?? {});
    if (checked.valid) {
      // Field names only: the values are the user's answers, not the audit log's business.
      deps.audit({
        ...auditBase(ctx),
        mode: 'form',
        action: 'accept',
        consent: consent.request.id,
        by: outcome.by,
        fields: Object.keys(checked.content),
      });
      return { action: 'accept', content: checked.content };
    }
    deps.audit({ ...auditBase(ctx), mode: 'form', action: 'invalid', consent: consent.request.id, by: outcome.by });
    notice = `Airlock did not send your previous answer: ${checked.reason}. Please answer again.`;
  }
  return finish('cancel', { reason: 'too-many-invalid-answers' });
}

function compileSchema(deps: ElicitationDeps, schema: unknown): JsonSchemaValidator<unknown> {
  if (typeof schema !== 'object' || schema === null || (schema as { type?: unknown }).type !== 'object') {
    throw new McpError(ErrorCode.InvalidParams, 'A form elicitation needs a requestedSchema of type "object".');
  }
  try {
    return deps.newValidator().getValidator(schema as JsonSchemaType);
  } catch {
    throw new McpError(
      ErrorCode.InvalidParams,
      'The requestedSchema of the form elicitation is not a valid JSON Schema.',
    );
  }
}
