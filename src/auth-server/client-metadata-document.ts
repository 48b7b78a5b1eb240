/**
 * OAuth Client ID Metadata Documents: a client whose `client_id` is an https URL is described by
 * the JSON document at that URL. Airlock fetches it (bounded in size and time, no redirects, not
 * to loopback or private addresses), checks it and caches it for a short while.
 *
 * @see https://datatracker.ietf.org/doc/html/draft-ietf-oauth-client-id-metadata-document-00
 * @see https://modelcontextprotocol.io/specification/2025-11-25/basic/authorization#client-id-metadata-documents
 */
import net from 'node:net';
import { OAuthClientMetadataSchema, type OAuthClientInformationFull } from '@modelcontextprotocol/sdk/shared/auth.js';
import { AirlockError, quote } from '../errors.ts';
import { MAX_REDIRECT_URIS, redirectUriProblem } from './redirect-uris.ts';

export const MAX_DOCUMENT_BYTES = 64 * 1024;
export const FETCH_TIMEOUT_MS = 5000;
/** Upper bound on caching, whatever the document's Cache-Control says. */
export const MAX_CACHE_MS = 24 * 60 * 60_000;
const DEFAULT_CACHE_MS = 5 * 60_000;

export interface FetchedDocument {
  status: number;
  body: string;
  cacheControl?: string;
}

/** Fetches a document; the default uses `fetch`. Tests inject their own (no https server here). */
export type DocumentFetcher = (url: URL, signal: AbortSignal) => Promise<FetchedDocument>;

/** An https URL with a path, no fragment, no credentials: the shape a CIMD client_id must have. */
export function isClientMetadataUrl(clientId: string): boolean {
  if (!clientId.startsWith('https://')) return false;
  try {
    const url = new URL(clientId);
    return url.protocol === 'https:' && url.pathname !== '/' && !url.hash && !url.username && !url.password;
  } catch {
    return false;
  }
}

const PRIVATE_RANGES = new net.BlockList();
for (const [address, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.168.0.0', 16],
] as const) {
  PRIVATE_RANGES.addSubnet(address, prefix, 'ipv4');
}
for (const [address, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['fc00::', 7],
  ['fe80::', 10],
  ['::ffff:0:0', 96],
] as const) {
  PRIVATE_RANGES.addSubnet(address, prefix, 'ipv6');
}

/**
 * Refuses hosts that name this machine or a private network by themselves (SSRF, CIMD §6). A
 * public name that resolves to a private address is not caught here; the fetch still needs a
 * valid https certificate for that name, which limits what it can reach.
 */
export function hostProblem(url: URL): string | undefined {
  const host = url.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (host === 'localhost' || host.endsWith('.localhost') || host.endsWith('.local'))
    return 'names this computer or the local network';
  const family = net.isIP(host);
  if (family && PRIVATE_RANGES.check(host, family === 4 ? 'ipv4' : 'ipv6')) return 'is a private or loopback address';
  return undefined;
}

/**
 * Checks a fetched document and turns it into the client information the SDK handlers use.
 * @throws AirlockError('CIMD_INVALID')
 */
export function validateClientMetadataDocument(clientId: string, document: unknown): OAuthClientInformationFull {
  const bad = (why: string) =>
    new AirlockError('CIMD_INVALID', `the client metadata document at ${quote(clientId)} ${why}`);
  if (!document || typeof document !== 'object' || Array.isArray(document)) throw bad('is not a JSON object');
  const raw = document as Record<string, unknown>;
  if (raw.client_id !== clientId) throw bad('does not name itself as its client_id');
  if (typeof raw.client_name !== 'string' || !raw.client_name.trim()) throw bad('has no client_name');
  if ('client_secret' in raw || 'client_secret_expires_at' in raw) throw bad('carries a client secret');
  const method = raw.token_endpoint_auth_method;
  if (method !== undefined && method !== 'none')
    throw bad(`asks for client authentication ${quote(method)}, which Airlock does not support`);
  const parsed = OAuthClientMetadataSchema.safeParse(raw);
  if (!parsed.success) throw bad('is not valid client metadata');
  const uris = parsed.data.redirect_uris;
  if (uris.length === 0 || uris.length > MAX_REDIRECT_URIS)
    throw bad(`must list 1 to ${MAX_REDIRECT_URIS} redirect_uris`);
  for (const uri of uris) {
    const problem = redirectUriProblem(uri);
    if (problem) throw bad(`has a redirect URI that ${problem}`);
  }
  return { ...parsed.data, client_id: clientId, token_endpoint_auth_method: 'none' };
}

function cacheMs(cacheControl: string | undefined): number {
  if (!cacheControl) return DEFAULT_CACHE_MS;
  if (/\bno-store\b|\bno-cache\b/i.test(cacheControl)) return 0;
  const maxAge = /\bmax-age=(\d+)/i.exec(cacheControl)?.[1];
  return maxAge === undefined ? DEFAULT_CACHE_MS : Math.min(Number(maxAge) * 1000, MAX_CACHE_MS);
}

/** `fetch` with no redirects, a deadline and a size bound. */
export const fetchDocument: DocumentFetcher = async (url, signal) => {
  const res = await fetch(url, { redirect: 'error', signal, headers: { accept: 'application/json' } });
  const reader = res.body?.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  if (reader) {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > MAX_DOCUMENT_BYTES) {
        await reader.cancel();
        throw new AirlockError(
          'CIMD_TOO_LARGE',
          `the client metadata document is larger than ${MAX_DOCUMENT_BYTES} bytes`,
        );
      }
      chunks.push(value);
    }
  }
  const cacheControl = res.headers.get('cache-control') ?? undefined;
  return {
    status: res.status,
    body: Buffer.concat(chunks).toString('utf8'),
    ...(cacheControl ? { cacheControl } : {}),
  };
};

export interface ClientMetadataDocumentsOptions {
  fetcher?: DocumentFetcher;
  now?: () => number;
  timeoutMs?: number;
}

/** Resolves CIMD client_ids, with a small cache. */
export class ClientMetadataDocuments {
  readonly #fetcher: DocumentFetcher;
  readonly #now: () => number;
  readonly #timeoutMs: number;
  readonly #cache = new Map<string, { client: OAuthClientInformationFull; until: number }>();

  constructor(options: ClientMetadataDocumentsOptions = {}) {
    this.#fetcher = options.fetcher ?? fetchDocument;
    this.#now = options.now ?? Date.now;
    this.#timeoutMs = options.timeoutMs ?? FETCH_TIMEOUT_MS;
  }

  /**
   * The client a metadata-document client_id describes.
   * @throws AirlockError when the URL, the fetch or the document is not acceptable
   */
  async resolve(clientId: string): Promise<OAuthClientInformationFull> {
    const cached = this.#cache.get(clientId);
    if (cached && cached.until > this.#now()) return cached.client;
    if (!isClientMetadataUrl(clientId))
      throw new AirlockError('CIMD_INVALID', `${quote(clientId)} is not an https URL with a path`);
    const url = new URL(clientId);
    const problem = hostProblem(url);
    if (problem)
      throw new AirlockError('CIMD_REFUSED', `the client metadata document host ${quote(url.hostname)} ${problem}`);
    let fetched: FetchedDocument;
    try {
      fetched = await this.#fetcher(url, AbortSignal.timeout(this.#timeoutMs));
    } catch (error) {
      if (error instanceof AirlockError) throw error;
      throw new AirlockError(
        'CIMD_UNREACHABLE',
        `the client metadata document at ${quote(clientId)} could not be fetched`,
      );
    }
    if (fetched.status !== 200)
      throw new AirlockError(
        'CIMD_UNREACHABLE',
        `the client metadata document at ${quote(clientId)} answered HTTP ${fetched.status}`,
      );
    if (Buffer.byteLength(fetched.body) > MAX_DOCUMENT_BYTES)
      throw new AirlockError(
        'CIMD_TOO_LARGE',
        `the client metadata document is larger than ${MAX_DOCUMENT_BYTES} bytes`,
      );
    let document: unknown;
    try {
      document = JSON.parse(fetched.body);
    } catch {
      throw new AirlockError('CIMD_INVALID', `the client metadata document at ${quote(clientId)} is not JSON`);
    }
    const client = validateClientMetadataDocument(clientId, document);
    const ttl = cacheMs(fetched.cacheControl);
    if (ttl > 0) {
      if (this.#cache.size > 200) this.#cache.clear();
      this.#cache.set(clientId, { client, until: this.#now() + ttl });
    }
    return client;
  }
}
