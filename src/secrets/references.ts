import { AirlockError, quote } from '../errors.ts';
import type { ServerConfig } from '../config/schema.ts';

/**
 * `${secret:NAME}` and `${oauth:PROVIDER}` references in server configs. They are resolved only
 * at the moment a process is spawned or a request is sent upstream, and never written back.
 */
const REFERENCE = /\$\{(secret|oauth):([a-z0-9][a-z0-9._-]{0,63})\}/g;

export type ReferenceKind = 'secret' | 'oauth';
export interface Reference {
  kind: ReferenceKind;
  name: string;
}

/** Where reference values come from: the vault for secrets, the OAuth manager for providers. */
export interface ReferenceSource {
  secret(name: string): Promise<string | undefined>;
  /** A current access token for the provider; may wait for the user's sign-in. */
  oauthToken(provider: string): Promise<string>;
}

export class MissingSecretError extends AirlockError {
  readonly secretName: string;
  constructor(name: string) {
    super('SECRET_MISSING', `missing secret ${quote(name)}: set it with \`airlock secret set ${name}\``);
    this.secretName = name;
  }
}

export function findReferences(text: string): Reference[] {
  return Array.from(text.matchAll(REFERENCE), (match) => ({ kind: match[1] as ReferenceKind, name: match[2]! }));
}

/** Every reference a server's config makes, in env, args, headers, url, cwd and oauth client secret. */
export function serverReferences(server: ServerConfig): Reference[] {
  const texts: string[] = [];
  if ('command' in server) {
    texts.push(server.command, ...server.args, ...Object.values(server.env ?? {}), server.cwd ?? '');
  } else {
    texts.push(server.url, ...Object.values(server.headers ?? {}), server.oauth?.clientSecret ?? '');
  }
  const seen = new Map<string, Reference>();
  for (const text of texts) for (const ref of findReferences(text)) seen.set(`${ref.kind}:${ref.name}`, ref);
  return [...seen.values()];
}

export async function resolveTemplate(text: string, source: ReferenceSource): Promise<string> {
  const refs = findReferences(text);
  if (refs.length === 0) return text;
  const values = new Map<string, string>();
  for (const ref of refs) {
    const key = `${ref.kind}:${ref.name}`;
    if (values.has(key)) continue;
    if (ref.kind === 'secret') {
      const value = await source.secret(ref.name);
      if (value === undefined) throw new MissingSecretError(ref.name);
      values.set(key, value);
    } else {
      values.set(key, await source.oauthToken(ref.name));
    }
  }
  return text.replace(REFERENCE, (_, kind: string, name: string) => values.get(`${kind}:${name}`)!);
}

export async function resolveRecord(
  record: Record<string, string> | undefined,
  source: ReferenceSource,
): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(record ?? {})) out[key] = await resolveTemplate(value, source);
  return out;
}
