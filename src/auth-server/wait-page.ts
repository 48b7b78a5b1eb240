/**
 * The page the browser shows between `/oauth/authorize` and the redirect back to the client,
 * while the user answers the consent elsewhere (desktop window, `/ui/`, `airlock approve`). It
 * reloads itself every second (no script: a meta refresh); once the consent is answered, the
 * wait URL answers with the redirect to the client instead.
 */
function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** Headers for every page here: nothing cached, framed, referred or scripted. */
export const PAGE_HEADERS: Readonly<Record<string, string>> = {
  'cache-control': 'no-store',
  'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'",
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'x-content-type-options': 'nosniff',
};

function page(title: string, body: string, refreshUrl?: string): string {
  return [
    '<!doctype html>',
    '<html lang="en"><head><meta charset="utf-8">',
    refreshUrl ? `<meta http-equiv="refresh" content="1;url=${escapeHtml(refreshUrl)}">` : '',
    `<title>${escapeHtml(title)}</title>`,
    '<style>body{font:16px system-ui,sans-serif;max-width:36rem;margin:4rem auto;padding:0 1rem;color:#222}code{background:#eee;padding:0 .2em}</style>',
    `</head><body><h1>${escapeHtml(title)}</h1>${body}</body></html>`,
  ].join('');
}

export function waitingPage(opts: { clientName: string; waitUrl: string; consentId: string }): string {
  return page(
    'Waiting for your approval',
    `<p>A client calling itself <strong>${escapeHtml(opts.clientName)}</strong> asks to use Airlock.</p>` +
      '<p>Approve or decline it in the Airlock window, on the Airlock dashboard, or with ' +
      `<code>airlock approve ${escapeHtml(opts.consentId)}</code>. This page moves on by itself.</p>`,
    opts.waitUrl,
  );
}

export function finishedPage(): string {
  return page(
    'Sign-in request finished',
    '<p>This sign-in request is unknown, finished or expired. Start again from your MCP client.</p>',
  );
}
