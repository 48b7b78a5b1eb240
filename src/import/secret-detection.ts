/**
 * Which parts of a client's server entry are literal secrets that belong in the vault.
 *
 * Detection returns spans (character ranges) rather than booleans so that only the secret part
 * moves: `Authorization: Bearer X` keeps `Bearer `, a URL keeps everything but `?api_key=`'s value.
 * It errs towards moving: a value wrongly moved still works (it is substituted back at spawn),
 * a secret wrongly left stays in plaintext.
 */

/** A secret inside a string: `value.slice(start, end)`; `label` suggests a name for it. */
export interface SecretSpan {
  start: number;
  end: number;
  label: string;
}

/** `${secret:...}`, `${input:...}`, `${env:...}`, `${workspaceFolder}`...: placeholders, never literal secrets. */
const PLACEHOLDER = /\$\{[^}]*\}/g;

export function placeholdersIn(value: string): string[] {
  return value.match(PLACEHOLDER) ?? [];
}

function normalizeName(name: string): string {
  return name
    .replace(/^-+/, '')
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .toUpperCase()
    .replace(/[^A-Z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '');
}

const SECRET_NAME_END =
  /(^|_)(TOKEN|KEY|APIKEY|SECRET|PAT|PASS|PASSWD|PWD|PASSWORD|PASSPHRASE|CREDENTIAL|CREDENTIALS|COOKIE|SIG|SIGNATURE|SESSION)$/;
const SECRET_NAME_ANYWHERE = /PASSWORD|PASSWD|SECRET|API_?KEY|ACCESS_?TOKEN|PRIVATE_?KEY/;
const SECRET_NAME_START = /^(AUTH|CREDENTIAL)/;
/** Names that match the above yet hold something else: `AUTH_URL`, `API_KEY_FILE`, `CLIENT_ID`... */
const NOT_SECRET_NAME_END =
  /_(URL|URI|HOST|PORT|PATH|FILE|DIR|DIRECTORY|ENDPOINT|TYPE|MODE|ENABLED|DISABLED|HEADER|NAME|ID|USER|USERNAME|EXPIRY|EXPIRES|TTL|TIMEOUT|METHOD|PROVIDER|SCOPE|SCOPES|REGION|DOMAIN|ISSUER|AUDIENCE|FORMAT|VERSION|LENGTH)$/;

/** An environment variable, flag or query parameter name that usually carries a secret. */
export function isSecretName(name: string): boolean {
  const n = normalizeName(name);
  if (n === '' || NOT_SECRET_NAME_END.test(n)) return false;
  return SECRET_NAME_END.test(n) || SECRET_NAME_ANYWHERE.test(n) || SECRET_NAME_START.test(n);
}

/** `Authorization`, `Proxy-Authorization`, `X-API-Key`, `Api-Key`, `*-Token`, `Cookie`... */
export function isSecretHeaderName(name: string): boolean {
  return isSecretName(name) || /^(proxy-)?authorization$/i.test(name);
}

/**
 * Whether a value found under a secret-looking name is plausibly the secret itself, rather than a
 * flag, number, path or URL (those are handled, or not, on their own merits).
 */
function isLiteralValue(value: string): boolean {
  const v = value.trim();
  if (v === '' || v.includes('${')) return false;
  if (/^(true|false|yes|no|on|off|null|none|undefined|required|optional|oauth|bearer|basic)$/i.test(v)) return false;
  if (/^-?\d{1,6}(\.\d+)?$/.test(v)) return false;
  if (/^(~|\.{1,2})?[/\\]/.test(v) || /^[A-Za-z]:[\\/]/.test(v)) return false;
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(v)) return false;
  return true;
}

/** Known token formats; each regex's first group is the secret. */
const SECRET_SHAPES: readonly { label: string; pattern: RegExp }[] = [
  { label: 'github-token', pattern: /\b(github_pat_[A-Za-z0-9_]{20,})/g },
  { label: 'github-token', pattern: /\b(gh[pousr]_[A-Za-z0-9]{20,})/g },
  { label: 'anthropic-key', pattern: /\b(sk-ant-[A-Za-z0-9_-]{16,})/g },
  { label: 'api-key', pattern: /\b(sk-(?!ant-)[A-Za-z0-9_-]{16,})/g },
  { label: 'stripe-key', pattern: /\b([rs]k_(?:live|test)_[A-Za-z0-9]{16,})/g },
  { label: 'slack-token', pattern: /\b(xox[baprs]-[A-Za-z0-9-]{10,})/g },
  { label: 'aws-access-key', pattern: /\b((?:AKIA|ASIA)[0-9A-Z]{16})\b/g },
  { label: 'gitlab-token', pattern: /\b(glpat-[A-Za-z0-9_-]{20,})/g },
  { label: 'google-api-key', pattern: /\b(AIza[0-9A-Za-z_-]{35})/g },
  { label: 'npm-token', pattern: /\b(npm_[A-Za-z0-9]{36})/g },
  { label: 'huggingface-token', pattern: /\b(hf_[A-Za-z0-9]{30,})/g },
  { label: 'linear-key', pattern: /\b(lin_api_[A-Za-z0-9]{20,})/g },
  { label: 'jwt', pattern: /\b(eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,})/g },
  { label: 'bearer-token', pattern: /\bBearer\s+([A-Za-z0-9._~+/-]{16,}=*)/gi },
];

function shannonEntropy(text: string): number {
  const counts = new Map<string, number>();
  for (const ch of text) counts.set(ch, (counts.get(ch) ?? 0) + 1);
  let bits = 0;
  for (const count of counts.values()) {
    const p = count / text.length;
    bits -= p * Math.log2(p);
  }
  return bits;
}

/** A long random-looking token: API keys of unknown vendors. Slugs, words and paths do not qualify. */
export function isHighEntropyToken(token: string): boolean {
  if (token.length < 32 || !/^[A-Za-z0-9_+=-]+$/.test(token)) return false;
  if (!/\d/.test(token) || !/[A-Za-z]/.test(token)) return false;
  if ((token.match(/[-_]/g) ?? []).length > 3) return false;
  if (/^[0-9a-f]+$/i.test(token)) return shannonEntropy(token) >= 3;
  return shannonEntropy(token) >= 4;
}

/** Whether a whole value has the shape of a secret (known token format or high entropy). */
export function looksLikeSecretValue(value: string): boolean {
  const v = value.trim();
  return findSecretShapes(v).some((span) => span.start === 0 && span.end === v.length) || isHighEntropyToken(v);
}

/** Known token formats and high-entropy tokens anywhere in a string. */
export function findSecretShapes(value: string): SecretSpan[] {
  const spans: SecretSpan[] = [];
  for (const { label, pattern } of SECRET_SHAPES) {
    for (const match of value.matchAll(pattern)) {
      const secret = match[1]!;
      const start = match.index + match[0].indexOf(secret);
      spans.push({ start, end: start + secret.length, label });
    }
  }
  for (const match of value.matchAll(/[A-Za-z0-9_+=-]{32,}/g)) {
    if (isHighEntropyToken(match[0]))
      spans.push({ start: match.index, end: match.index + match[0].length, label: 'token' });
  }
  return spans;
}

/** Drops spans that touch a `${...}` placeholder, and overlaps (the earliest, then longest, wins). */
function settle(value: string, spans: SecretSpan[]): SecretSpan[] {
  const placeholders = [...value.matchAll(PLACEHOLDER)].map((m) => [m.index, m.index + m[0].length] as const);
  const free = spans.filter(
    (s) => s.end > s.start && !placeholders.some(([start, end]) => s.start < end && start < s.end),
  );
  free.sort((a, b) => a.start - b.start || b.end - a.end);
  const result: SecretSpan[] = [];
  for (const span of free) {
    const last = result.at(-1);
    if (!last || span.start >= last.end) result.push(span);
  }
  return result;
}

function labelOf(name: string): string {
  return normalizeName(name).toLowerCase().replace(/_/g, '-') || 'secret';
}

/** Credentials in a URL: the userinfo password (or a token used as user name) and secret query parameters. */
export function findUrlSecrets(url: string): SecretSpan[] {
  const spans: SecretSpan[] = [];
  const authority = /^([a-z][a-z0-9+.-]*:\/\/)([^/?#@\s]*)@/i.exec(url);
  if (authority) {
    const userinfoStart = authority[1]!.length;
    const userinfo = authority[2]!;
    const colon = userinfo.indexOf(':');
    if (colon >= 0 && colon < userinfo.length - 1) {
      spans.push({ start: userinfoStart + colon + 1, end: userinfoStart + userinfo.length, label: 'url-password' });
    } else if (colon < 0 && (userinfo.length >= 16 || looksLikeSecretValue(userinfo))) {
      spans.push({ start: userinfoStart, end: userinfoStart + userinfo.length, label: 'url-token' });
    }
  }
  const queryStart = url.indexOf('?');
  if (queryStart >= 0) {
    const hash = url.indexOf('#', queryStart);
    const queryEnd = hash >= 0 ? hash : url.length;
    let offset = queryStart + 1;
    for (const pair of url.slice(queryStart + 1, queryEnd).split('&')) {
      const eq = pair.indexOf('=');
      if (eq > 0) {
        let key = pair.slice(0, eq);
        try {
          key = decodeURIComponent(key);
        } catch {
          // keep the raw key
        }
        const rawValue = pair.slice(eq + 1);
        if ((isSecretName(key) || /^(key|token|code)$/i.test(key)) && rawValue !== '' && isLiteralValue(rawValue)) {
          spans.push({ start: offset + eq + 1, end: offset + pair.length, label: labelOf(key) });
        }
      }
      offset += pair.length + 1;
    }
  }
  return spans;
}

const AUTH_SCHEME = /^(\s*(?:Bearer|Basic|Token|Bot|ApiKey|Key|Digest)\s+)(\S.*?)\s*$/i;

/** A header value: `Bearer X` moves only X; any other value of a secret header moves whole. */
export function findHeaderSecrets(name: string, value: string): SecretSpan[] {
  const spans = findSecretShapes(value);
  if (isSecretHeaderName(name)) {
    const label = labelOf(name);
    const scheme = AUTH_SCHEME.exec(value);
    if (scheme) {
      const token = scheme[2]!;
      if (isLiteralValue(token)) spans.push({ start: scheme[1]!.length, end: scheme[1]!.length + token.length, label });
    } else if (isLiteralValue(value)) {
      spans.push({ start: 0, end: value.length, label });
    }
  }
  return settle(value, spans);
}

/** An environment variable: a secret-looking name moves the whole value; any value is checked for URLs and token shapes. */
export function findEnvSecrets(name: string, value: string): SecretSpan[] {
  const spans = [...findSecretShapes(value), ...findUrlSecrets(value)];
  if (isSecretName(name) && isLiteralValue(value)) spans.push({ start: 0, end: value.length, label: labelOf(name) });
  // Relabel shape hits after the variable: `GITHUB_TOKEN` names a secret better than `github-token`.
  return settle(value, spans).map((span) => ({ ...span, label: labelOf(name) }));
}

/** A free-standing string (a URL, a cwd...): URL credentials and token shapes only. */
export function findStringSecrets(value: string): SecretSpan[] {
  return settle(value, [...findUrlSecrets(value), ...findSecretShapes(value)]);
}

/** Secrets inside one element of `args`. */
export interface ArgSecret {
  index: number;
  spans: SecretSpan[];
}

/**
 * Secrets in a command line: `--api-key=X`, `--token X`, `-e GITHUB_TOKEN=X` (docker),
 * `--header "Authorization: Bearer X"` (mcp-remote), URLs with credentials, and token shapes.
 */
export function findArgSecrets(args: readonly string[]): ArgSecret[] {
  const found: ArgSecret[] = [];
  for (let index = 0; index < args.length; index++) {
    const arg = args[index]!;
    const spans: SecretSpan[] = [...findUrlSecrets(arg), ...findSecretShapes(arg)];
    const assignment = /^(-{0,2}[A-Za-z_][A-Za-z0-9_.-]*)=(.*)$/s.exec(arg);
    const header = /^([A-Za-z][A-Za-z0-9-]*)\s*:\s*(\S.*)$/s.exec(arg);
    if (assignment && isSecretName(assignment[1]!) && isLiteralValue(assignment[2]!)) {
      spans.push({ start: assignment[1]!.length + 1, end: arg.length, label: labelOf(assignment[1]!) });
    } else if (header && !/^[a-z][a-z0-9+.-]*:\/\//i.test(arg) && isSecretHeaderName(header[1]!)) {
      const valueStart = arg.length - header[2]!.length;
      for (const span of findHeaderSecrets(header[1]!, header[2]!)) {
        spans.push({ start: valueStart + span.start, end: valueStart + span.end, label: span.label });
      }
    } else if (/^--?[A-Za-z]/.test(arg) && !arg.includes('=') && isSecretName(arg)) {
      const next = args[index + 1];
      if (next !== undefined && !next.startsWith('-') && isLiteralValue(next)) {
        found.push({ index: index + 1, spans: [{ start: 0, end: next.length, label: labelOf(arg) }] });
        index++;
        continue;
      }
    }
    const settled = settle(arg, spans);
    if (settled.length > 0) found.push({ index, spans: settled });
  }
  return found;
}

/** Replaces each span by `replacement(span, secretText)`, right to left so offsets stay valid. */
export function replaceSpans(
  value: string,
  spans: readonly SecretSpan[],
  replacement: (span: SecretSpan, secret: string) => string,
): string {
  let result = value;
  for (const span of [...spans].sort((a, b) => b.start - a.start)) {
    result =
      result.slice(0, span.start) + replacement(span, value.slice(span.start, span.end)) + result.slice(span.end);
  }
  return result;
}
