/**
 * The interceptors against a real ConsentBroker (answers given as a presenter would) and a
 * recording UrlOpener; the upstream tool call is a function that fails with the SDK's own
 * UrlElicitationRequiredError.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { UrlElicitationRequiredError, type CallToolResult, type Result } from '@modelcontextprotocol/sdk/types.js';
import { ConsentBroker } from '../../../src/consent/consent-broker.ts';
import type { ConsentRequest } from '../../../src/consent/consent-request.ts';
import type { InterceptContext } from '../../../src/gateway/client-session.ts';
import { createElicitationInterceptors } from '../../../src/elicitation/elicitation-interceptors.ts';
import { requiredElicitations } from '../../../src/elicitation/url-elicitation-required.ts';
import { checkFormContent, clientSupportsForms } from '../../../src/elicitation/form-elicitation.ts';
import { AjvJsonSchemaValidator } from '@modelcontextprotocol/sdk/validation/ajv';

const URL_1 = 'https://auth.example.com/connect?code=SECRET1';

function setup(options: { consentTimeoutMs?: number; completionTimeoutMs?: number } = {}) {
  const opened: string[] = [];
  const audit: Record<string, unknown>[] = [];
  const broker = new ConsentBroker({
    urlOpener: { open: async (url) => void opened.push(url) },
    audit: (event) => audit.push(event),
  });
  const added: ConsentRequest[] = [];
  broker.subscribe((event) => {
    if (event.type === 'added') added.push(event.request);
  });
  const interceptors = createElicitationInterceptors({
    broker,
    audit: (event) => audit.push(event),
    serverUrl: () => 'https://mcp.example.org/mcp',
    ...options,
  });
  const ctx: InterceptContext = {
    sessionId: 's1',
    server: 'example',
    client: { id: 'key:t', name: 't', kind: 'key', servers: '*' },
    clientCapabilities: {},
    requestClient: async () => assert.fail('the client must not be asked'),
  };
  const nextAdded = async (index: number) => {
    for (let i = 0; i < 200 && added.length <= index; i++) await new Promise((r) => setTimeout(r, 5));
    return added[index] ?? assert.fail(`consent #${index} never appeared`);
  };
  return { broker, interceptors, ctx, opened, audit, added, nextAdded };
}

function required(id: string, url = URL_1) {
  return new UrlElicitationRequiredError([{ mode: 'url', elicitationId: id, url, message: 'Connect it' }]);
}

describe('elicitation interceptors', () => {
  it('declares form and URL elicitation upstream, whatever the client declared', () => {
    const { interceptors } = setup();
    assert.deepEqual(interceptors.upstreamCapabilities({}), { elicitation: { form: {}, url: {} } });
  });

  it("-32042: opens on approval, waits for this connection's notification, retries once", async () => {
    const { broker, interceptors, ctx, opened, nextAdded, audit } = setup();
    let calls = 0;
    const call = async (): Promise<Result> => {
      calls++;
      if (calls === 1) throw required('e1');
      return { content: [{ type: 'text', text: 'ok' }] };
    };
    const result = interceptors.toolCall(ctx, call, new AbortController().signal);
    const consent = await nextAdded(0);
    assert.equal(consent.kind, 'url-elicitation');
    assert.equal(consent.needsDone, true);
    assert.equal(consent.host, 'auth.example.com');
    assert.ok(consent.inspection?.warnings.some((w) => w.code === 'host-mismatch'));
    await broker.answerAndWait(consent.id, { action: 'approve' }, 'test');
    const followUp = await nextAdded(1);
    assert.equal(followUp.url, undefined);
    assert.equal(followUp.needsDone, true);
    // Another session's notification does not count (but is swallowed all the same).
    const notification = { method: 'notifications/elicitation/complete', params: { elicitationId: 'e1' } };
    assert.equal(interceptors.upstreamNotification({ ...ctx, sessionId: 's2' }, notification), true);
    await new Promise((r) => setTimeout(r, 20));
    assert.equal(calls, 1);
    assert.equal(interceptors.upstreamNotification(ctx, notification), true);
    assert.deepEqual(await result, { content: [{ type: 'text', text: 'ok' }] });
    assert.equal(calls, 2);
    assert.deepEqual(opened, [URL_1]);
    assert.equal(broker.pending().length, 0);
    assert.equal(interceptors.tracker.size, 0);
    assert.ok(!JSON.stringify(audit).includes('SECRET1'));
  });

  it('-32042: "done" on the first request skips opening; a second -32042 is not retried again', async () => {
    const { broker, interceptors, ctx, opened, nextAdded } = setup();
    let calls = 0;
    const call = async (): Promise<Result> => {
      calls++;
      throw required('e1');
    };
    const result = interceptors.toolCall(ctx, call, new AbortController().signal);
    broker.answer((await nextAdded(0)).id, { action: 'done' }, 'test');
    const outcome = (await result) as CallToolResult;
    assert.equal(outcome.isError, true);
    assert.match(JSON.stringify(outcome), /still asks for it/);
    assert.ok(!JSON.stringify(outcome).includes('SECRET1'));
    assert.equal(calls, 2);
    assert.deepEqual(opened, []);
  });

  it('-32042: a refused URL (javascript:) becomes a tool error without asking', async () => {
    const { interceptors, ctx, added } = setup();
    const result = (await interceptors.toolCall(
      ctx,
      async () => {
        throw required('e1', 'javascript:alert(1)');
      },
      new AbortController().signal,
    )) as CallToolResult;
    assert.equal(result.isError, true);
    assert.match(JSON.stringify(result), /refused the URL/);
    assert.equal(added.length, 0);
  });

  it('-32042: the client cancelling its call closes the consent', async () => {
    const { broker, interceptors, ctx, nextAdded } = setup();
    const abort = new AbortController();
    const result = interceptors.toolCall(
      ctx,
      async () => {
        throw required('e1');
      },
      abort.signal,
    );
    await nextAdded(0);
    abort.abort();
    assert.equal(((await result) as CallToolResult).isError, true);
    assert.equal(broker.pending().length, 0);
  });

  it('other errors pass through untouched', async () => {
    const { interceptors, ctx } = setup();
    const error = new Error('boom');
    await assert.rejects(
      interceptors.toolCall(ctx, async () => Promise.reject(error), new AbortController().signal),
      (e) => e === error,
    );
  });

  it('leaves other notifications and form requests for form-capable clients alone', async () => {
    const { interceptors, ctx } = setup();
    assert.equal(interceptors.upstreamNotification(ctx, { method: 'notifications/message', params: {} }), false);
    const form = {
      jsonrpc: '2.0' as const,
      id: 1,
      method: 'elicitation/create',
      params: { message: 'm', requestedSchema: { type: 'object', properties: {} } },
    };
    const formClient = { ...ctx, clientCapabilities: { elicitation: {} } };
    assert.equal(await interceptors.upstreamRequest(formClient, form, new AbortController().signal), undefined);
    const sampling = { jsonrpc: '2.0' as const, id: 2, method: 'sampling/createMessage', params: {} };
    assert.equal(await interceptors.upstreamRequest(ctx, sampling, new AbortController().signal), undefined);
  });
});

describe('requiredElicitations', () => {
  it('reads the SDK error, and refuses what it cannot act on', () => {
    assert.deepEqual(requiredElicitations(required('e1')), [
      { elicitationId: 'e1', url: URL_1, message: 'Connect it' },
    ]);
    assert.equal(requiredElicitations(new Error('x')), undefined);
    assert.equal(requiredElicitations(new UrlElicitationRequiredError([])), 'malformed');
    const formItem = [{ mode: 'form', elicitationId: 'e', url: URL_1, message: 'm' }] as never;
    assert.equal(requiredElicitations(new UrlElicitationRequiredError(formItem)), 'malformed');
  });
});

describe('form support and validation', () => {
  it('treats the legacy empty capability as forms, and url-only as no forms', () => {
    assert.equal(clientSupportsForms({ elicitation: {} }), true);
    assert.equal(clientSupportsForms({ elicitation: { form: {} } }), true);
    assert.equal(clientSupportsForms({ elicitation: { url: {} } }), false);
    assert.equal(clientSupportsForms({}), false);
  });

  it('validates with the SDK Ajv provider, formats included', () => {
    const validate = new AjvJsonSchemaValidator().getValidator<unknown>({
      type: 'object',
      properties: { email: { type: 'string', format: 'email' }, n: { type: 'integer', minimum: 1 } },
      required: ['email'],
    });
    assert.deepEqual(checkFormContent(validate, { email: 'a@example.com', n: 2 }), {
      valid: true,
      content: { email: 'a@example.com', n: 2 },
    });
    const bad = checkFormContent(validate, { email: 'not-an-email', n: 0 });
    assert.equal(bad.valid, false);
    assert.match((bad as { reason: string }).reason, /email/);
    const nested = checkFormContent(new AjvJsonSchemaValidator().getValidator({ type: 'object' }), { x: { y: 1 } });
    assert.equal(nested.valid, false);
  });
});
