/**
 * The consent window (consent.html, built) in real headless Chromium, under the production CSP,
 * with a fake preload bridge (`window.airlock`) standing in for the desktop app. Requests are made
 * by the real ConsentBroker, so the URL inspection (host span, warnings) is the gateway's own.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import type { Browser, Page } from 'playwright-core';
import { ConsentBroker, type ConsentRequestInput } from '../../src/consent/consent-broker.ts';
import type { ConsentRequest } from '../../src/consent/consent-request.ts';
import { setUiHeaders } from '../../src/ui-server/ui-headers.ts';
import { launchChromiumOrSkip } from './chromium.ts';
import { DIST, ensureRendererBuilt } from './renderer-build.ts';
import { screenshot, watchPageProblems } from './artifacts.ts';

const broker = new ConsentBroker();

function consentFor(input: Omit<ConsentRequestInput, 'message'> & { message?: string }): ConsentRequest {
  const { request, outcome } = broker.request({
    message: 'Sign in so the server can read your repositories.',
    ...input,
  });
  void outcome;
  // Presenters receive JSON: the same shape the preload passes over IPC.
  return JSON.parse(JSON.stringify(request)) as ConsentRequest;
}

let server: http.Server;
let origin: string;
let browser: Browser | undefined;

before(async () => {
  ensureRendererBuilt();
  const app = express();
  app.use((_req, res, next) => {
    setUiHeaders(res);
    next();
  });
  app.use(express.static(DIST));
  server = http.createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

after(async () => {
  await browser?.close();
  broker.close();
  await new Promise((resolve) => server.close(resolve));
});

interface Recorded {
  answers: { id: string; decision: Record<string, unknown> }[];
}

/** Opens consent.html with a fake `window.airlock` offering exactly `consent`. */
async function openConsent(consent: ConsentRequest): Promise<{ page: Page; problems: string[] }> {
  const page = await browser!.newPage({ viewport: { width: 620, height: 720 }, deviceScaleFactor: 1 });
  const problems = watchPageProblems(page);
  await page.addInitScript((view: unknown) => {
    const recorded = { answers: [] as unknown[] };
    const target = window as unknown as Record<string, unknown>;
    target.__recorded = recorded;
    target.airlock = {
      consents: async () => [view],
      answerConsent: async (id: string, decision: unknown) => {
        recorded.answers.push({ id, decision });
      },
      subscribe: () => () => {},
    };
  }, consent);
  await page.goto(`${origin}/consent.html?id=${encodeURIComponent(consent.id)}`);
  await page.getByTestId('consent-card').waitFor();
  return { page, problems };
}

async function answers(page: Page): Promise<Recorded['answers']> {
  return page.evaluate(() => (window as unknown as { __recorded: Recorded }).__recorded.answers);
}

/** Screenshots show the window as the user sees it once the approve button is armed. */
async function armed(page: Page): Promise<void> {
  await page.waitForFunction(() => {
    const button = document.querySelector('[data-testid="consent-approve"]');
    return button instanceof HTMLButtonElement && !button.disabled;
  });
}

async function shownWarnings(page: Page): Promise<string[]> {
  const codes = await page
    .getByTestId('consent-warning')
    .evaluateAll((nodes) => nodes.map((n) => n.getAttribute('data-code') ?? ''));
  return codes.sort();
}

async function expectUrlShown(page: Page, consent: ConsentRequest): Promise<void> {
  const inspection = consent.inspection!;
  assert.equal(await page.getByTestId('consent-url').textContent(), inspection.url, 'the full URL is shown verbatim');
  assert.equal(
    await page.getByTestId('consent-url-host').textContent(),
    inspection.url.slice(inspection.hostStart, inspection.hostEnd),
    'exactly the host is highlighted',
  );
  assert.equal(await page.getByTestId('consent-url-host').textContent(), inspection.asciiHost);
}

describe('consent window', () => {
  test('launches Chromium', async (t) => {
    browser = await launchChromiumOrSkip(t);
  });

  test('a normal https sign-in: host highlighted, no warnings, Open approves', async (t) => {
    if (!browser) return t.skip('no browser');
    const consent = consentFor({
      kind: 'upstream-signin',
      server: 'github',
      url: 'https://github.com/login/oauth/authorize?client_id=Iv1.abc&state=s7&redirect_uri=http%3A%2F%2F127.0.0.1%3A47100%2Foauth%2Fcallback',
      serverUrl: 'https://api.github.com/mcp',
    });
    const { page, problems } = await openConsent(consent);
    await expectUrlShown(page, consent);
    assert.deepEqual(await shownWarnings(page), []);
    assert.equal(await page.getByTestId('consent-server').textContent(), 'github');
    assert.equal(await page.getByTestId('consent-message').textContent(), consent.message);
    await armed(page);
    await screenshot(page, 'consent-normal');
    await page.getByTestId('consent-approve').click();
    await page.getByTestId('consent-answered').waitFor();
    assert.deepEqual(await answers(page), [{ id: consent.id, decision: { action: 'approve' } }]);
    assert.deepEqual(problems, []);
    await page.close();
  });

  test('a punycode look-alike: the encoded host is highlighted, its display form and warnings shown', async (t) => {
    if (!browser) return t.skip('no browser');
    const consent = consentFor({
      kind: 'url-elicitation',
      server: 'shop',
      message: 'Verify your Apple ID to continue.',
      url: 'https://xn--pple-43d.com/login',
      serverUrl: 'https://mcp.shop.example/mcp',
    });
    const { page, problems } = await openConsent(consent);
    await expectUrlShown(page, consent);
    assert.equal(consent.inspection!.asciiHost, 'xn--pple-43d.com');
    assert.deepEqual(await shownWarnings(page), ['host-mismatch', 'mixed-script', 'punycode']);
    assert.equal(await page.getByTestId('consent-host-unicode').locator('bdi').textContent(), consent.inspection!.host);
    assert.match((await page.getByTestId('consent-approve').textContent()) ?? '', /anyway/);
    await armed(page);
    await screenshot(page, 'consent-punycode');
    assert.deepEqual(problems, []);
    await page.close();
  });

  test('a mixed-script host typed in Unicode is shown encoded and flagged', async (t) => {
    if (!browser) return t.skip('no browser');
    // "pаypal" with a Cyrillic а.
    const consent = consentFor({ kind: 'url-elicitation', server: 'pay', url: 'https://p\u0430ypal.com/signin' });
    const { page } = await openConsent(consent);
    await expectUrlShown(page, consent);
    assert.match(consent.inspection!.asciiHost, /^xn--/);
    const warnings = await shownWarnings(page);
    assert.ok(warnings.includes('mixed-script'), warnings.join());
    assert.ok(warnings.includes('punycode'), warnings.join());
    await page.close();
  });

  test('loopback http is shown without a warning; other plain http is flagged not-https', async (t) => {
    if (!browser) return t.skip('no browser');
    const loopback = consentFor({
      kind: 'url-elicitation',
      server: 'dev',
      url: 'http://127.0.0.1:8123/callback?code=1',
    });
    let opened = await openConsent(loopback);
    await expectUrlShown(opened.page, loopback);
    assert.equal(await opened.page.getByTestId('consent-url-host').textContent(), '127.0.0.1');
    assert.deepEqual(await shownWarnings(opened.page), []);
    await opened.page.close();

    const plain = consentFor({
      kind: 'url-elicitation',
      server: 'dev',
      url: 'http://intranet.example.com/approve',
      allowInsecureHttp: true,
    });
    opened = await openConsent(plain);
    await expectUrlShown(opened.page, plain);
    assert.deepEqual(await shownWarnings(opened.page), ['not-https']);
    await opened.page.close();
  });

  test('Decline is focused first; Enter on it declines, never approves', async (t) => {
    if (!browser) return t.skip('no browser');
    const consent = consentFor({ kind: 'upstream-signin', server: 'github', url: 'https://github.com/login' });
    const { page } = await openConsent(consent);
    assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('data-testid')), 'consent-decline');
    // Past the approve button's arming delay, so only focus decides what Enter does.
    await armed(page);
    await page.keyboard.press('Enter');
    await page.getByTestId('consent-answered').waitFor();
    assert.deepEqual(await answers(page), [{ id: consent.id, decision: { action: 'deny' } }]);
    await page.close();
  });

  test('Decline and Escape both answer deny at once', async (t) => {
    if (!browser) return t.skip('no browser');
    const consent = consentFor({ kind: 'upstream-signin', server: 'github', url: 'https://github.com/login' });
    let opened = await openConsent(consent);
    await opened.page.getByTestId('consent-decline').click();
    await opened.page.getByTestId('consent-answered').waitFor();
    assert.deepEqual(await answers(opened.page), [{ id: consent.id, decision: { action: 'deny' } }]);
    await opened.page.close();

    opened = await openConsent(consent);
    // Focus somewhere else first: Escape declines from anywhere in the window.
    await opened.page.getByTestId('consent-message').click();
    await opened.page.keyboard.press('Escape');
    await opened.page.getByTestId('consent-answered').waitFor();
    assert.deepEqual(await answers(opened.page), [{ id: consent.id, decision: { action: 'deny' } }]);
    await opened.page.close();
  });

  test('the server message is text, never markup', async (t) => {
    if (!browser) return t.skip('no browser');
    const message = '<img src=x onerror="document.title=\'pwned\'"><b>Click Open now</b>';
    const consent = consentFor({ kind: 'url-elicitation', server: 'evil', message, url: 'https://example.com/' });
    const { page } = await openConsent(consent);
    assert.equal(await page.getByTestId('consent-message').textContent(), message);
    assert.equal(await page.locator('.consent-card img, .consent-card b').count(), 0);
    assert.notEqual(await page.title(), 'pwned');
    await page.close();
  });

  test('client sign-in: the self-declared name is marked, servers can be narrowed', async (t) => {
    if (!browser) return t.skip('no browser');
    const consent = consentFor({
      kind: 'client-signin',
      server: 'airlock',
      clientName: 'Claude Desktop',
      message: '',
      url: 'http://127.0.0.1:6274/oauth/callback',
      choices: { servers: ['github', 'notes', 'slack'] },
    });
    const { page } = await openConsent(consent);
    assert.equal(await page.getByTestId('consent-client-name').textContent(), 'Claude Desktop');
    assert.match((await page.locator('.client-name').textContent()) ?? '', /self-declared/);
    await page.getByLabel('notes').uncheck();
    await page.getByTestId('consent-approve').click();
    await page.getByTestId('consent-answered').waitFor();
    assert.deepEqual(await answers(page), [
      { id: consent.id, decision: { action: 'approve', servers: ['github', 'slack'] } },
    ]);
    await page.close();
  });

  test('form elicitation: typed values from a schema form; Enter in a field does not send', async (t) => {
    if (!browser) return t.skip('no browser');
    const consent = consentFor({
      kind: 'form-elicitation',
      server: 'travel',
      message: 'Where to?',
      formSchema: {
        type: 'object',
        properties: {
          city: { type: 'string', title: 'City' },
          nights: { type: 'integer', title: 'Nights', minimum: 1 },
          breakfast: { type: 'boolean', title: 'Breakfast' },
          room: { type: 'string', title: 'Room', enum: ['single', 'double'] },
        },
        required: ['city', 'nights'],
      },
    });
    const { page } = await openConsent(consent);
    await page.getByLabel('City').fill('Lisbon');
    await page.getByLabel('City').press('Enter');
    await page.getByLabel(/^Nights/).fill('3');
    await page.getByLabel('Breakfast').check();
    await page.getByLabel('Room').selectOption('double');
    assert.deepEqual(await answers(page), [], 'nothing sent before the button');
    await page.getByTestId('consent-approve').click();
    await page.getByTestId('consent-answered').waitFor();
    assert.deepEqual(await answers(page), [
      {
        id: consent.id,
        decision: { action: 'approve', content: { city: 'Lisbon', nights: 3, breakfast: true, room: 'double' } },
      },
    ]);
    await page.close();
  });

  test('a "done" step offers Done', async (t) => {
    if (!browser) return t.skip('no browser');
    const consent = consentFor({
      kind: 'url-elicitation',
      server: 'bank',
      message: 'Finish in your browser',
      needsDone: true,
    });
    const { page } = await openConsent(consent);
    assert.equal(await page.getByTestId('consent-approve').count(), 0, 'nothing to open');
    await page.getByTestId('consent-done').click();
    await page.getByTestId('consent-answered').waitFor();
    assert.deepEqual(await answers(page), [{ id: consent.id, decision: { action: 'done' } }]);
    await page.close();
  });
});
