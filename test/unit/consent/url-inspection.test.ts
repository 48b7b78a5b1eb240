import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AirlockError } from '../../../src/errors.ts';
import { inspectUrl, isLoopbackHost, redactUrl } from '../../../src/consent/url-inspection.ts';

function refusal(url: string, context = {}): AirlockError {
  try {
    inspectUrl(url, context);
  } catch (error) {
    assert.ok(error instanceof AirlockError, `expected an AirlockError for ${url}`);
    assert.equal(error.code, 'URL_REFUSED');
    return error;
  }
  assert.fail(`${JSON.stringify(url)} was not refused`);
}

function codes(url: string, context = {}): string[] {
  return inspectUrl(url, context).warnings.map((warning) => warning.code);
}

test('dangerous schemes are refused and the scheme is named, quoted', () => {
  const cases: Array<[string, string]> = [
    ['javascript:alert(document.cookie)', '"javascript:"'],
    ['JavaScript:alert(1)', '"javascript:"'],
    [' java\nscript:alert(1)', '"javascript:"'],
    ['data:text/html,<script>alert(1)</script>', '"data:"'],
    ['file:///etc/passwd', '"file:"'],
    ['vbscript:msgbox(1)', '"vbscript:"'],
    ['blob:https://example.com/uuid', '"blob:"'],
    ['about:blank', '"about:"'],
    ['ms-settings:privacy', '"ms-settings:"'],
    ['ftp://example.com/file', '"ftp:"'],
  ];
  for (const [url, scheme] of cases) {
    const error = refusal(url);
    assert.ok(error.message.includes(scheme), `${error.message} should name ${scheme}`);
  }
});

test('relative, empty and unparsable URLs are refused', () => {
  for (const url of [
    '/oauth/authorize?x=1',
    'example.com/login',
    '//evil.example/x',
    '',
    '   ',
    'https://',
    'http://[::1',
    '%%%',
  ]) {
    refusal(url);
  }
  refusal(`https://example.com/${'a'.repeat(9000)}`);
  // Not even a string (it came from a server's JSON): refused, not crashed.
  refusal(42 as unknown as string);
});

test('plain http is refused off loopback, allowed on loopback without a warning', () => {
  const error = refusal('http://example.com/login?code=SECRET');
  assert.ok(!error.message.includes('SECRET'), 'the refusal does not echo the query');

  for (const url of [
    'http://127.0.0.1:47100/oauth/callback',
    'http://127.8.9.10/',
    'http://localhost:3000/x',
    'http://[::1]:8080/',
  ]) {
    const inspection = inspectUrl(url);
    assert.equal(inspection.protocol, 'http:');
    assert.deepEqual(inspection.warnings, [], url);
  }
  assert.equal(isLoopbackHost('128.0.0.1'), false);
  assert.equal(isLoopbackHost('localhost.evil.com'), false);
});

test('http off loopback can be allowed explicitly, and then carries a not-https warning', () => {
  const inspection = inspectUrl('http://intranet.example.com/login', { allowInsecureHttp: true });
  assert.deepEqual(
    inspection.warnings.map((warning) => warning.code),
    ['not-https'],
  );
  assert.match(inspection.warnings[0]?.message ?? '', /"intranet\.example\.com"/);
});

test('punycode hosts are warned and the decoded form is shown', () => {
  const inspection = inspectUrl('https://xn--pple-43d.com/');
  assert.equal(inspection.asciiHost, 'xn--pple-43d.com');
  assert.equal(inspection.host, 'аpple.com');
  const punycode = inspection.warnings.find((warning) => warning.code === 'punycode');
  assert.ok(punycode);
  assert.ok(punycode.message.includes('"xn--pple-43d.com"'));
  assert.ok(punycode.message.includes('"аpple.com"'));
});

test('a Cyrillic letter inside a Latin name is warned as mixed script (and as punycode)', () => {
  const inspection = inspectUrl('https://\u0430pple.com/login');
  assert.equal(inspection.url, 'https://xn--pple-43d.com/login', 'what is shown is what is opened');
  const found = inspection.warnings.map((warning) => warning.code);
  assert.ok(found.includes('mixed-script'));
  assert.ok(found.includes('punycode'));
  // Greek omicron in a Latin word.
  assert.ok(codes('https://g\u03bfogle.com/').includes('mixed-script'));
});

test('ordinary hosts get no warnings, including ones in a single non-Latin script', () => {
  assert.deepEqual(codes('https://accounts.example.com/o/oauth2/auth?client_id=a&state=b'), []);
  assert.deepEqual(codes('https://github.com/login/oauth/authorize', { serverUrl: 'https://api.github.com/mcp' }), []);
  // Japanese labels mix Han and kana normally; punycode is still flagged, mixed-script is not.
  assert.deepEqual(codes('https://日本語ドメイン.jp/'), ['punycode']);
  assert.deepEqual(codes('https://пример.рф/'), ['punycode']);
});

test('a link to another site than the server is warned, naming both', () => {
  const inspection = inspectUrl('https://login.evil.example/authorize', { serverUrl: 'https://mcp.linear.app/mcp' });
  const mismatch = inspection.warnings.find((warning) => warning.code === 'host-mismatch');
  assert.ok(mismatch);
  assert.ok(mismatch.message.includes('"login.evil.example"'));
  assert.ok(mismatch.message.includes('"mcp.linear.app"'));

  // Same registrable domain: no warning.
  assert.deepEqual(codes('https://auth.linear.app/oauth', { serverUrl: 'https://mcp.linear.app/mcp' }), []);
  // co.uk-like suffixes and shared hosting are not one site.
  assert.ok(codes('https://evil.co.uk/', { serverUrl: 'https://good.co.uk/mcp' }).includes('host-mismatch'));
  assert.ok(codes('https://evil.github.io/', { serverUrl: 'https://good.github.io/mcp' }).includes('host-mismatch'));
  // Loopback and IPs compare exactly.
  assert.ok(codes('http://localhost:9000/', { serverUrl: 'http://127.0.0.1:9000/mcp' }).includes('host-mismatch'));
  assert.deepEqual(codes('http://127.0.0.1:9001/cb', { serverUrl: 'http://127.0.0.1:9000/mcp' }), []);
});

test('user info before the host is warned and the real host is named', () => {
  const inspection = inspectUrl('https://accounts.google.com:hunter2@evil.example/login');
  assert.equal(inspection.asciiHost, 'evil.example');
  const warning = inspection.warnings.find((item) => item.code === 'credentials-in-url');
  assert.ok(warning);
  assert.ok(warning.message.includes('"evil.example"'));
  assert.ok(!warning.message.includes('hunter2'), 'the password is not repeated');
});

test('raw non-loopback IP addresses are warned', () => {
  assert.deepEqual(codes('https://203.0.113.7/login'), ['ip-address']);
  assert.deepEqual(codes('https://[2001:db8::1]/login'), ['ip-address']);
  // Odd IPv4 spellings are normalized before checking, so they cannot dodge the check.
  assert.equal(inspectUrl('https://0xcb.0.113.7/').asciiHost, '203.0.113.7');
});

test('hostStart/hostEnd highlight exactly the host within the displayed URL', () => {
  const cases: Array<[string, string]> = [
    ['https://example.com/path?q=1', 'example.com'],
    ['https://user:pw@sub.example.com:8443/x?y=@z#@w', 'sub.example.com'],
    ['https://a%40b:c@example.org/', 'example.org'],
    ['http://[::1]:8080/cb', '[::1]'],
    ['https://EXAMPLE.com', 'example.com'],
    ['https://\u0430pple.com/', 'xn--pple-43d.com'],
    ['https://example.com.evil.com/', 'example.com.evil.com'],
  ];
  for (const [url, host] of cases) {
    const inspection = inspectUrl(url);
    assert.equal(inspection.url.slice(inspection.hostStart, inspection.hostEnd), host, url);
    assert.equal(inspection.asciiHost, host);
  }
});

test('redactUrl keeps origin and path, never query, fragment or user info', () => {
  assert.equal(
    redactUrl('https://u:pw@auth.example.com/authorize?code=SECRET&state=s#frag'),
    'https://auth.example.com/authorize',
  );
  assert.equal(redactUrl('not a url'), '(unparsable URL)');
});
