import { NAME_PATTERN, serverSchema, type ServerConfig } from '../config/schema.ts';
import { quote } from '../errors.ts';
import { CLIENT_LABELS, serverEntries, serversKeyPath, type ClientName } from './client-formats.ts';
import {
  findArgSecrets,
  findEnvSecrets,
  findHeaderSecrets,
  findStringSecrets,
  placeholdersIn,
  replaceSpans,
  type SecretSpan,
} from './secret-detection.ts';
import { isPlainObject } from '../util/plain-object.ts';

/**
 * What `airlock import` would do, computed without touching anything, so it can be previewed.
 *
 * Decisions for entries Airlock cannot take as they are:
 * - VS Code `${input:ID}` prompts: the server is imported with `${secret:NAME}` in their place and
 *   NAME is listed in `secretsToSet` (the user runs `airlock secret set NAME`); one name per input id.
 * - VS Code `envFile`: skipped, because the variables (likely secrets) live in a file Airlock does
 *   not read; a rewrite should keep skipped entries in the client (see `rewriteClientConfig`'s `keep`).
 * - Other `${...}` placeholders (`${env:X}`, `${workspaceFolder}`): imported, with a warning that
 *   Airlock passes them through unchanged.
 * - Keys Airlock's schema does not know (`autoApprove`, `disabledTools`, `dev`...): dropped, with a warning.
 * - Entries with neither `command` nor `url`/`serverUrl`, or that fail validation: skipped.
 */
export interface PlannedServer {
  /** The entry's name in the client's file. */
  sourceName: string;
  /** Its name in Airlock: `[a-z0-9-]{1,32}`, unique against existing and other imported servers. */
  name: string;
  /** Validated Airlock config, `${secret:NAME}` in place of every literal secret. Absent when skipped. */
  config?: ServerConfig;
  /** Why the entry is not imported. */
  skipped?: string;
}

export interface PlannedSecret {
  /** Vault record `secret/NAME`, referenced as `${secret:NAME}`. */
  name: string;
  value: string;
  /** Where it was found, e.g. `mcpServers.github.env.GITHUB_TOKEN`. */
  from: string;
}

/** A secret the servers reference but whose value the file does not hold (VS Code `${input:...}`). */
export interface SecretToSet {
  name: string;
  from: string;
}

export interface ImportPlan {
  client: ClientName;
  file: string;
  /** The JSON path of the servers object in the client file (`mcpServers`, `servers`, `mcp.servers`). */
  serversKey: readonly string[];
  servers: PlannedServer[];
  secrets: PlannedSecret[];
  secretsToSet: SecretToSet[];
  warnings: string[];
}

export interface PlanImportInput {
  client: ClientName;
  file: string;
  parsed: unknown;
  existingServerNames: Iterable<string>;
  existingSecretNames: Iterable<string>;
}

const MAX_NAME = 32;

/** `My GitHub Server` -> `my-github-server`, within `[a-z0-9-]{1,32}`. */
export function sanitizeName(source: string, fallback = 'server'): string {
  const cleaned = source
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, MAX_NAME)
    .replace(/-+$/, '');
  return cleaned || fallback;
}

function uniqueName(base: string, taken: Set<string>): string {
  let name = base;
  for (let n = 2; taken.has(name); n++) {
    const suffix = `-${n}`;
    name = `${base.slice(0, MAX_NAME - suffix.length).replace(/-+$/, '')}${suffix}`;
  }
  taken.add(name);
  return name;
}

/** `mcpServers.github.env.GITHUB_TOKEN`; keys that are not plain words are JSON-quoted. */
function keyPath(parts: readonly (string | number)[]): string {
  return parts
    .map((part, i) =>
      typeof part === 'number'
        ? `[${part}]`
        : `${i === 0 ? '' : '.'}${/^[A-Za-z0-9_-]+$/.test(part) ? part : quote(part, 64)}`,
    )
    .join('');
}

const STDIO_KEYS = new Set(['type', 'command', 'args', 'env', 'cwd', 'disabled', 'envFile']);
const REMOTE_KEYS = new Set(['type', 'url', 'serverUrl', 'headers', 'transport', 'disabled']);

/** A `${input:ID}` prompt met while converting one entry. */
interface PendingInput extends SecretToSet {
  inputId: string;
}

/** Per-plan naming state: secret names are unique across the plan and the vault; equal values share a name. */
class SecretNamer {
  readonly secrets: PlannedSecret[] = [];
  readonly secretsToSet: SecretToSet[] = [];
  private readonly taken: Set<string>;
  private readonly byValue = new Map<string, string>();
  private readonly byInput = new Map<string, string>();

  constructor(existing: Iterable<string>) {
    this.taken = new Set(existing);
  }

  /** `github` + `github-token` -> `github-token`, not `github-github-token`. */
  private fresh(server: string, stem: string, label: string): string {
    let tail = label;
    for (const prefix of [server, stem]) {
      if (tail === prefix) tail = '';
      else if (tail.startsWith(`${prefix}-`)) tail = tail.slice(prefix.length + 1);
    }
    return uniqueName(sanitizeName(tail ? `${server}-${tail}` : server, 'secret'), this.taken);
  }

  forValue(server: string, stem: string, label: string, value: string, from: string, pending: PlannedSecret[]): string {
    const known = this.byValue.get(value) ?? pending.find((s) => s.value === value)?.name;
    if (known) return known;
    const name = this.fresh(server, stem, label);
    pending.push({ name, value, from });
    return name;
  }

  forInput(inputId: string, from: string, pending: PendingInput[]): string {
    const known = this.byInput.get(inputId) ?? pending.find((s) => s.inputId === inputId)?.name;
    if (known) return known;
    const name = uniqueName(sanitizeName(inputId, 'secret'), this.taken);
    pending.push({ name, from, inputId });
    return name;
  }

  commit(secrets: readonly PlannedSecret[], inputs: readonly PendingInput[]): void {
    for (const secret of secrets) {
      this.secrets.push(secret);
      this.byValue.set(secret.value, secret.name);
    }
    for (const { name, from, inputId } of inputs) {
      this.byInput.set(inputId, name);
      this.secretsToSet.push({ name, from });
    }
  }

  /** Names handed out for a server that was then skipped go back to the pool. */
  release(secrets: readonly PlannedSecret[], inputs: readonly PendingInput[]): void {
    for (const { name } of [...secrets, ...inputs]) this.taken.delete(name);
  }
}

/** Converts one client entry; literal secrets are replaced and collected into `pending`. */
class EntryConverter {
  readonly secrets: PlannedSecret[] = [];
  readonly toSet: PendingInput[] = [];
  readonly warnings: string[] = [];
  private readonly name: string;
  /** The source name, sanitized: what secret labels may repeat (`github` in `GITHUB_TOKEN`). */
  private readonly stem: string;
  private readonly where: readonly string[];
  private readonly namer: SecretNamer;

  constructor(name: string, where: readonly string[], namer: SecretNamer) {
    this.name = name;
    this.stem = sanitizeName(String(where.at(-1)));
    this.where = where;
    this.namer = namer;
  }

  /** Replaces secret spans and `${input:...}` prompts in one string. */
  private scrub(value: string, spans: readonly SecretSpan[], at: readonly (string | number)[]): string {
    const from = keyPath([...this.where, ...at]);
    let result = replaceSpans(value, spans, (span, secret) => {
      const name = this.namer.forValue(this.name, this.stem, span.label, secret, from, this.secrets);
      return `\${secret:${name}}`;
    });
    result = result.replace(/\$\{input:([^}]+)\}/g, (_match, inputId: string) => {
      return `\${secret:${this.namer.forInput(inputId, from, this.toSet)}}`;
    });
    for (const placeholder of placeholdersIn(result)) {
      if (!/^\$\{(secret|oauth):/.test(placeholder)) {
        this.warnings.push(
          `${from} contains ${quote(placeholder, 64)}, which Airlock passes to the server unchanged; replace it if the server needs a value`,
        );
      }
    }
    return result;
  }

  private stringMap(raw: unknown, field: string, detect: (key: string, value: string) => SecretSpan[]) {
    if (raw === undefined) return undefined;
    if (!isPlainObject(raw)) throw new Error(`${field} is not an object`);
    const result: Record<string, string> = {};
    for (const [key, value] of Object.entries(raw)) {
      if (value === null || value === undefined) {
        this.warnings.push(`${keyPath([...this.where, field, key])} is null (unset) and was left out`);
        continue;
      }
      if (typeof value === 'object') throw new Error(`${field}.${quote(key, 64)} is not a string`);
      const text = String(value);
      result[key] = this.scrub(text, detect(key, text), [field, key]);
    }
    return result;
  }

  convert(entry: Record<string, unknown>): ServerConfig {
    const remoteUrl = typeof entry.url === 'string' ? entry.url : entry.serverUrl;
    const isStdio = typeof entry.command === 'string';
    if (!isStdio && typeof remoteUrl !== 'string') throw new Error('has neither "command" nor "url"/"serverUrl"');
    if (entry.envFile !== undefined) {
      throw new Error(
        'reads its environment from "envFile", which Airlock cannot import; add it with `airlock server add`',
      );
    }
    const known = isStdio ? STDIO_KEYS : REMOTE_KEYS;
    const dropped = Object.keys(entry).filter((key) => !known.has(key));
    if (dropped.length > 0) {
      this.warnings.push(
        `${keyPath(this.where)}: ${dropped.map((k) => quote(k, 64)).join(', ')} ${dropped.length === 1 ? 'is' : 'are'} not used by Airlock and ${dropped.length === 1 ? 'was' : 'were'} left out`,
      );
    }
    const candidate: Record<string, unknown> = {};
    if (typeof entry.disabled === 'boolean') candidate.disabled = entry.disabled;
    if (isStdio) {
      if (entry.type !== undefined && entry.type !== 'stdio')
        throw new Error(`has "command" but type ${quote(entry.type)}`);
      candidate.command = this.scrub(entry.command as string, findStringSecrets(entry.command as string), ['command']);
      const rawArgs = entry.args ?? [];
      if (!Array.isArray(rawArgs) || rawArgs.some((a) => typeof a === 'object' || a === undefined)) {
        throw new Error('"args" is not a list of strings');
      }
      const args = rawArgs.map((a) => String(a));
      const argSecrets = new Map(findArgSecrets(args).map((found) => [found.index, found.spans]));
      candidate.args = args.map((arg, i) => this.scrub(arg, argSecrets.get(i) ?? [], ['args', i]));
      const env = this.stringMap(entry.env, 'env', findEnvSecrets);
      if (env) candidate.env = env;
      if (entry.cwd !== undefined) {
        if (typeof entry.cwd !== 'string') throw new Error('"cwd" is not a string');
        candidate.cwd = this.scrub(entry.cwd, [], ['cwd']);
      }
    } else {
      const field = typeof entry.url === 'string' ? 'url' : 'serverUrl';
      candidate.url = this.scrub(remoteUrl as string, findStringSecrets(remoteUrl as string), [field]);
      const headers = this.stringMap(entry.headers, 'headers', findHeaderSecrets);
      if (headers) candidate.headers = headers;
      const transport = entry.transport ?? entry.type;
      if (transport === 'sse') candidate.transport = 'sse';
      else if (transport === 'streamable-http') candidate.transport = 'streamable-http';
      else if (transport !== undefined && transport !== 'http' && transport !== 'streamableHttp') {
        throw new Error(`has an unknown transport ${quote(transport)}`);
      }
    }
    const checked = serverSchema.safeParse(candidate);
    if (!checked.success) {
      const issue = checked.error.issues[0]!;
      throw new Error(`is not a valid server (${issue.path.join('.') || 'entry'}: ${issue.message})`);
    }
    return checked.data;
  }
}

/** Computes the import without side effects. */
export function planImport(input: PlanImportInput): ImportPlan {
  const serversKey = serversKeyPath(input.client, input.file, input.parsed);
  const entries = serverEntries(input.parsed, serversKey);
  const takenServers = new Set([...input.existingServerNames].filter((n) => NAME_PATTERN.test(n)));
  const namer = new SecretNamer(input.existingSecretNames);
  const plan: ImportPlan = {
    client: input.client,
    file: input.file,
    serversKey,
    servers: [],
    secrets: namer.secrets,
    secretsToSet: namer.secretsToSet,
    warnings: [],
  };
  if (Object.keys(entries).length === 0) {
    plan.warnings.push(`no MCP servers found under ${keyPath(serversKey)}`);
  }
  for (const [sourceName, entry] of Object.entries(entries)) {
    const where = [...serversKey, sourceName];
    if (!isPlainObject(entry)) {
      plan.servers.push({ sourceName, name: sanitizeName(sourceName), skipped: 'the entry is not an object' });
      continue;
    }
    const name = uniqueName(sanitizeName(sourceName), takenServers);
    const converter = new EntryConverter(name, where, namer);
    try {
      const config = converter.convert(entry);
      namer.commit(converter.secrets, converter.toSet);
      plan.warnings.push(...converter.warnings);
      plan.servers.push({ sourceName, name, config });
    } catch (error) {
      namer.release(converter.secrets, converter.toSet);
      takenServers.delete(name);
      plan.servers.push({ sourceName, name, skipped: `${keyPath(where)} ${(error as Error).message}` });
    }
  }
  for (const item of plan.secretsToSet) {
    plan.warnings.push(
      `${item.from} asks the user for a value (VS Code input); set it with \`airlock secret set ${item.name}\``,
    );
  }
  return plan;
}

function describeServer(config: ServerConfig): string {
  if ('command' in config) {
    const command = config.command.split(/[\\/]/).pop() ?? config.command;
    return `stdio: ${quote(command, 40)}`;
  }
  let host = '(invalid URL)';
  try {
    host = new URL(config.url.replace(/\$\{[^}]*\}/g, 'x')).host;
  } catch {
    // shown as invalid; the gateway reports it properly
  }
  return `remote: ${quote(host, 80)}${config.transport === 'sse' ? ' (SSE)' : ''}`;
}

/**
 * A human preview of the plan. It never contains a secret value, nor the parts of the config
 * a missed secret could hide in (args, URL paths): servers show their command name or URL host;
 * secrets show their name, origin and length only.
 */
export function describePlan(plan: ImportPlan): string {
  const lines: string[] = [`Import from ${CLIENT_LABELS[plan.client]} (${quote(plan.file, 500)})`];
  const imported = plan.servers.filter((s) => s.config);
  const skipped = plan.servers.filter((s) => !s.config);
  lines.push('', `Servers to add (${imported.length}):`);
  for (const server of imported) {
    const renamed = server.name === server.sourceName ? '' : ` (was ${quote(server.sourceName, 64)})`;
    lines.push(`  + ${server.name}${renamed}  ${describeServer(server.config!)}`);
  }
  if (skipped.length > 0) {
    lines.push('', `Servers skipped (${skipped.length}):`);
    for (const server of skipped) lines.push(`  - ${quote(server.sourceName, 64)}: ${server.skipped ?? 'skipped'}`);
  }
  lines.push('', `Secrets to move into the vault (${plan.secrets.length}):`);
  for (const secret of plan.secrets) {
    lines.push(`  * ${secret.name}  from ${secret.from}  (${secret.value.length} chars)`);
  }
  if (plan.secretsToSet.length > 0) {
    lines.push('', `Secrets you need to set (${plan.secretsToSet.length}):`);
    for (const item of plan.secretsToSet) lines.push(`  ? ${item.name}  used by ${item.from}`);
  }
  if (plan.warnings.length > 0) {
    lines.push('', 'Warnings:');
    for (const warning of plan.warnings) lines.push(`  ! ${warning}`);
  }
  // Names and paths come from the client's file: no control characters reach the terminal.
  // eslint-disable-next-line no-control-regex -- matching control characters is the point
  return `${lines.join('\n').replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g, '?')}\n`;
}
