import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConsentBroker } from '../../../src/consent/consent-broker.ts';
import type { ConsentEvent } from '../../../src/consent/consent-request.ts';
import type { UrlOpener } from '../../../src/consent/url-opener.ts';
import { AirlockError } from '../../../src/errors.ts';

class RecordingOpener implements UrlOpener {
  readonly opened: string[] = [];
  failWith: Error | undefined;
  async open(url: string): Promise<void> {
    this.opened.push(url);
    if (this.failWith) throw this.failWith;
  }
}

const SIGNIN_URL = 'https://auth.example.com/authorize?client_id=airlock&code_challenge=abc&state=STATE123';

function setup(options: { defaultTimeoutMs?: number } = {}) {
  const opener = new RecordingOpener();
  const audit: Record<string, unknown>[] = [];
  const broker = new ConsentBroker({ ...options, urlOpener: opener, audit: (event) => audit.push(event) });
  return { broker, opener, audit };
}

/**
 * The broker's expiry timers are unref'd (they must not keep Airlock alive); in a bare test
 * process nothing else holds the event loop open while we wait for them.
 */
function keepAlive(t: { after: (fn: () => void) => void }): void {
  const timer = setInterval(() => {}, 1000);
  t.after(() => clearInterval(timer));
}

function assertMisuse(fn: () => unknown, code: string): void {
  assert.throws(fn, (error: unknown) => error instanceof TypeError && (error as { code?: string }).code === code);
}

test('a request is listed with its inspected URL until answered; approving opens exactly that URL', async () => {
  const { broker, opener } = setup();
  const { request, outcome } = broker.request({
    kind: 'upstream-signin',
    server: 'linear',
    message: 'Sign in to <b>Linear</b>',
    url: SIGNIN_URL,
    serverUrl: 'https://mcp.example.com/mcp',
  });
  // 128 random bits in hex: never starts with '-', so `airlock deny ID` cannot read it as an option.
  assert.match(request.id, /^[0-9a-f]{32}$/);
  assert.equal(request.url, SIGNIN_URL);
  assert.equal(request.host, 'auth.example.com');
  assert.equal(request.message, 'Sign in to <b>Linear</b>', 'the untrusted message is kept verbatim');
  assert.deepEqual(request.inspection?.warnings, []);
  assert.deepEqual(
    broker.pending().map((item) => item.id),
    [request.id],
  );
  assert.equal(broker.get(request.id), request);
  assert.throws(() => {
    (request as { url?: string }).url = 'https://evil.example/';
  }, 'presenters cannot change what gets opened');
  assert.deepEqual(opener.opened, [], 'nothing opens before consent');

  const recorded = broker.answer(request.id, { action: 'approve' }, 'desktop');
  assert.deepEqual(recorded, { action: 'approve', by: 'desktop' });
  assert.deepEqual(await outcome, { action: 'approve', by: 'desktop' });
  assert.deepEqual(opener.opened, [SIGNIN_URL]);
  assert.deepEqual(broker.pending(), []);
  assert.equal(broker.get(request.id), undefined);
});

test('the first answer wins; later and unknown answers get undefined and never open again', async () => {
  const { broker, opener } = setup();
  const { request, outcome } = broker.request({ kind: 'url-elicitation', server: 's', message: 'm', url: SIGNIN_URL });
  assert.deepEqual(broker.answer(request.id, { action: 'deny' }, 'cli'), { action: 'deny', by: 'cli' });
  assert.equal(broker.answer(request.id, { action: 'approve' }, 'desktop'), undefined);
  assert.equal(await broker.answerAndWait(request.id, { action: 'approve' }, 'web'), undefined);
  assert.equal(broker.answer('no-such-id', { action: 'approve' }, 'cli'), undefined);
  assert.deepEqual(await outcome, { action: 'deny', by: 'cli' });
  assert.deepEqual(opener.opened, [], 'deny never opens');
});

test('every subscriber sees requests added and closed; unsubscribing stops events', async () => {
  const { broker } = setup();
  const seenA: ConsentEvent[] = [];
  const seenB: ConsentEvent[] = [];
  broker.subscribe((event) => seenA.push(event));
  broker.subscribe(() => {
    throw new Error('a broken presenter');
  });
  const stopB = broker.subscribe((event) => seenB.push(event));

  const first = broker.request({ kind: 'provider-signin', server: 'google', message: 'm', url: SIGNIN_URL });
  broker.answer(first.request.id, { action: 'deny' }, 'web');
  await first.outcome;
  stopB();
  const second = broker.request({ kind: 'form-elicitation', server: 's', message: 'name?', formSchema: {} });
  broker.answer(second.request.id, { action: 'approve', content: { name: 'Ada' } }, 'desktop');
  assert.deepEqual(await second.outcome, { action: 'approve', by: 'desktop', content: { name: 'Ada' } });

  assert.deepEqual(
    seenA.map((event) => [event.type, event.request.id, event.type === 'closed' ? event.outcome.action : null]),
    [
      ['added', first.request.id, null],
      ['closed', first.request.id, 'deny'],
      ['added', second.request.id, null],
      ['closed', second.request.id, 'approve'],
    ],
  );
  assert.deepEqual(
    seenB.map((event) => event.type),
    ['added', 'closed'],
  );
});

test('an unanswered request expires with cancel by expiry', { timeout: 5000 }, async (t) => {
  keepAlive(t);
  const { broker, opener, audit } = setup({ defaultTimeoutMs: 30 });
  const closed: string[] = [];
  broker.subscribe((event) => closed.push(event.type));
  const { request, outcome } = broker.request({ kind: 'url-elicitation', server: 's', message: 'm', url: SIGNIN_URL });
  assert.ok(Date.parse(request.expiresAt) > Date.parse(request.createdAt));
  assert.deepEqual(await outcome, { action: 'cancel', by: 'expiry' });
  assert.deepEqual(closed, ['added', 'closed']);
  assert.equal(broker.answer(request.id, { action: 'approve' }, 'desktop'), undefined, 'too late to approve');
  assert.deepEqual(opener.opened, []);
  assert.equal(audit[0]?.action, 'cancel');
  assert.equal(audit[0]?.by, 'expiry');
});

test('a per-request timeout overrides the default, and the clock sets the timestamps', { timeout: 5000 }, async (t) => {
  keepAlive(t);
  const broker = new ConsentBroker({ now: () => Date.parse('2030-01-01T00:00:00.000Z') });
  const { request, outcome } = broker.request({
    kind: 'client-signin',
    server: 'airlock',
    message: 'm',
    timeoutMs: 20,
  });
  assert.equal(request.createdAt, '2030-01-01T00:00:00.000Z');
  assert.equal(request.expiresAt, '2030-01-01T00:00:00.020Z');
  assert.equal((await outcome).by, 'expiry');
  const defaults = new ConsentBroker({ now: () => 0 }).request({ kind: 'client-signin', server: 'a', message: 'm' });
  assert.equal(defaults.request.expiresAt, new Date(10 * 60 * 1000).toISOString(), 'ten minutes by default');
});

test('aborting the signal cancels the request; an already-aborted signal cancels at once', async () => {
  const { broker, opener } = setup();
  const controller = new AbortController();
  const { request, outcome } = broker.request({
    kind: 'url-elicitation',
    server: 's',
    message: 'm',
    url: SIGNIN_URL,
    signal: controller.signal,
  });
  controller.abort();
  assert.deepEqual(await outcome, { action: 'cancel', by: 'abort' });
  assert.equal(broker.answer(request.id, { action: 'approve' }, 'desktop'), undefined);
  assert.deepEqual(opener.opened, []);

  const late = broker.request({ kind: 'url-elicitation', server: 's', message: 'm', signal: AbortSignal.abort() });
  assert.deepEqual(await late.outcome, { action: 'cancel', by: 'abort' });
  assert.deepEqual(broker.pending(), []);
});

test('close() cancels everything still open', async () => {
  const { broker } = setup();
  const a = broker.request({ kind: 'url-elicitation', server: 's', message: 'm', url: SIGNIN_URL });
  const b = broker.request({ kind: 'client-signin', server: 'airlock', message: 'm', clientName: 'Cursor' });
  broker.close();
  assert.deepEqual(await a.outcome, { action: 'cancel', by: 'shutdown' });
  assert.deepEqual(await b.outcome, { action: 'cancel', by: 'shutdown' });
  assert.deepEqual(broker.pending(), []);
});

test('malformed decisions are rejected with a coded TypeError and leave the request open', async () => {
  const { broker, opener } = setup();
  const { request, outcome } = broker.request({ kind: 'url-elicitation', server: 's', message: 'm', url: SIGNIN_URL });
  const malformed: unknown[] = [
    null,
    'approve',
    ['approve'],
    {},
    { action: 'APPROVE' },
    { action: 'accept' },
    { action: 'approve', url: 'https://evil.example/' },
    { action: 'approve', servers: 'a,b' },
    { action: 'approve', servers: [1] },
    { action: 'approve', content: 'x' },
    { action: 'deny', servers: ['a'] },
    { action: 'done' }, // this request has no "done" step
    { action: 'approve', servers: ['a'] }, // offers no servers
    { action: 'approve', content: { a: 1 } }, // not a form
  ];
  for (const decision of malformed) {
    assertMisuse(() => broker.answer(request.id, decision, 'web'), 'CONSENT_BAD_DECISION');
  }
  assertMisuse(() => broker.answer(request.id, { action: 'approve' }, ''), 'CONSENT_BAD_DECISION');
  assertMisuse(() => broker.answer(request.id, { action: 'approve' }, 42 as unknown as string), 'CONSENT_BAD_DECISION');
  assert.equal(broker.get(request.id), request, 'still open after bad answers');
  assert.deepEqual(opener.opened, []);
  broker.answer(request.id, { action: 'deny' }, 'web');
  assert.equal((await outcome).action, 'deny');
});

test('bad requests are refused: dangerous URLs throw URL_REFUSED and nothing is listed', () => {
  const { broker } = setup();
  const added: unknown[] = [];
  broker.subscribe((event) => added.push(event));
  for (const url of ['javascript:alert(1)', 'file:///etc/passwd', 'http://example.com/']) {
    assert.throws(
      () => broker.request({ kind: 'url-elicitation', server: 's', message: 'm', url }),
      (error: unknown) => error instanceof AirlockError && error.code === 'URL_REFUSED',
    );
  }
  assertMisuse(
    () => broker.request({ kind: 'nope' as 'url-elicitation', server: 's', message: 'm' }),
    'CONSENT_BAD_REQUEST',
  );
  assertMisuse(() => broker.request({ kind: 'url-elicitation', server: '', message: 'm' }), 'CONSENT_BAD_REQUEST');
  assertMisuse(
    () => broker.request({ kind: 'url-elicitation', server: 's', message: 'm', timeoutMs: -1 }),
    'CONSENT_BAD_TIMEOUT',
  );
  assert.deepEqual(added, []);
  assert.deepEqual(broker.pending(), []);
});

test('look-alike URLs come with warnings for the presenter', () => {
  const { broker } = setup();
  const { request } = broker.request({
    kind: 'url-elicitation',
    server: 'shop',
    message: 'Pay here',
    url: 'https://\u0430pple.com/pay',
    serverUrl: 'https://mcp.shop.example/mcp',
  });
  assert.equal(request.url, 'https://xn--pple-43d.com/pay');
  assert.equal(request.host, 'xn--pple-43d.com');
  assert.deepEqual(request.inspection?.warnings.map((warning) => warning.code).sort(), [
    'host-mismatch',
    'mixed-script',
    'punycode',
  ]);
  broker.close();
});

test('client sign-in: approval grants the chosen subset of offered servers, or all offered', async () => {
  const { broker, opener } = setup();
  const choices = { servers: ['github', 'linear', 'notion'] };
  const narrowed = broker.request({
    kind: 'client-signin',
    server: 'airlock',
    clientName: 'Cursor',
    message: 'm',
    choices,
  });
  assertMisuse(
    () => broker.answer(narrowed.request.id, { action: 'approve', servers: ['github', 'secret-server'] }, 'desktop'),
    'CONSENT_BAD_DECISION',
  );
  broker.answer(narrowed.request.id, { action: 'approve', servers: ['linear', 'linear'] }, 'desktop');
  assert.deepEqual(await narrowed.outcome, { action: 'approve', by: 'desktop', servers: ['linear'] });

  const all = broker.request({ kind: 'client-signin', server: 'airlock', clientName: 'Zed', message: 'm', choices });
  broker.answer(all.request.id, { action: 'approve' }, 'cli');
  assert.deepEqual((await all.outcome).servers, ['github', 'linear', 'notion']);
  assert.deepEqual(opener.opened, [], 'no URL, nothing opened');
});

test('needsDone requests accept "done", which never opens anything', async () => {
  const { broker, opener } = setup();
  const { request, outcome } = broker.request({
    kind: 'url-elicitation',
    server: 'payments',
    message: 'Finish paying, then press Done',
    url: SIGNIN_URL,
    needsDone: true,
  });
  assert.equal(request.needsDone, true);
  broker.answer(request.id, { action: 'done' }, 'web');
  assert.deepEqual(await outcome, { action: 'done', by: 'web' });
  assert.deepEqual(opener.opened, []);
});

test('when the opener fails the approval still stands and the error is reported without the query', async () => {
  const { broker, opener, audit } = setup();
  opener.failWith = new Error(`cannot open ${SIGNIN_URL}`);
  const { request, outcome } = broker.request({ kind: 'upstream-signin', server: 's', message: 'm', url: SIGNIN_URL });
  const final = await broker.answerAndWait(request.id, { action: 'approve' }, 'desktop');
  assert.equal(final?.action, 'approve');
  assert.ok(final?.openError, 'the failure is reported');
  assert.ok(!final.openError.includes('STATE123'));
  assert.deepEqual(await outcome, final);
  assert.equal(audit[0]?.openFailed, true);

  opener.failWith = new AirlockError('BROWSER_FAILED', 'Could not start the browser "firefox" (ENOENT).');
  const second = broker.request({ kind: 'upstream-signin', server: 's', message: 'm', url: SIGNIN_URL });
  broker.answer(second.request.id, { action: 'approve' }, 'desktop');
  assert.equal((await second.outcome).openError, 'Could not start the browser "firefox" (ENOENT).');

  const noOpener = new ConsentBroker();
  const third = noOpener.request({ kind: 'upstream-signin', server: 's', message: 'm', url: SIGNIN_URL });
  noOpener.answer(third.request.id, { action: 'approve' }, 'cli');
  assert.match((await third.outcome).openError ?? '', /opener/);
});

test(
  'audit gets one event per decision, with origin and path but never the query string',
  { timeout: 5000 },
  async (t) => {
    keepAlive(t);
    const { broker, audit } = setup({ defaultTimeoutMs: 30 });
    const url = 'https://auth.example.com/oauth/authorize?code=SECRET&state=STATE123#frag';
    const approved = broker.request({ kind: 'upstream-signin', server: 'github', message: 'm', url });
    const denied = broker.request({ kind: 'url-elicitation', server: 'github', message: 'm', url });
    const expired = broker.request({ kind: 'provider-signin', server: 'google', message: 'm', url });
    broker.answer(approved.request.id, { action: 'approve' }, 'desktop');
    broker.answer(denied.request.id, { action: 'deny' }, 'cli');
    await Promise.all([approved.outcome, denied.outcome, expired.outcome]);

    assert.equal(audit.length, 3);
    assert.deepEqual(
      audit.find((event) => event.id === approved.request.id),
      {
        type: 'consent',
        id: approved.request.id,
        kind: 'upstream-signin',
        server: 'github',
        host: 'auth.example.com',
        url: 'https://auth.example.com/oauth/authorize',
        action: 'approve',
        by: 'desktop',
      },
    );
    assert.deepEqual(audit.map((event) => [event.action, event.by]).sort(), [
      ['approve', 'desktop'],
      ['cancel', 'expiry'],
      ['deny', 'cli'],
    ]);
    const text = JSON.stringify(audit);
    assert.ok(!text.includes('SECRET'));
    assert.ok(!text.includes('STATE123'));
    assert.ok(!text.includes('code='));
  },
);

test('a throwing audit callback does not stop the consent', async () => {
  const broker = new ConsentBroker({
    audit: () => {
      throw new Error('disk full');
    },
  });
  const { request, outcome } = broker.request({ kind: 'client-signin', server: 'airlock', message: 'm' });
  broker.answer(request.id, { action: 'deny' }, 'web');
  assert.equal((await outcome).action, 'deny');
});
