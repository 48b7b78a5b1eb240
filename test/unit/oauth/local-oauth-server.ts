/**
 * A small real OAuth endpoint set on 127.0.0.1 for the src/oauth unit tests: protected resource
 * metadata (RFC 9728) for `/mcp`, authorization server metadata (RFC 8414), dynamic registration
 * (RFC 7591) and a token endpoint whose answers each test decides. The SDK talks to it over HTTP
 * exactly as it would to a real authorization server.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface TokenAnswer {
  status: number;
  body: Record<string, unknown>;
}

export interface LocalOAuthServerOptions {
  /** `code_challenge_methods_supported`; `null` leaves the field out. Default `['S256']`. */
  pkceMethods?: string[] | null;
  /** Decides each token response; default: a fresh bearer token with a refresh token. */
  onToken?: (params: URLSearchParams, count: number) => TokenAnswer;
  /** Holds each token response this long (so concurrent callers overlap). */
  tokenDelayMs?: number;
}

export interface LocalOAuthServer {
  base: string;
  mcpUrl: string;
  /** Every token request's form parameters, in arrival order. */
  tokenRequests: URLSearchParams[];
  registrations: number;
  close(): Promise<void>;
}

function json(res: http.ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' }).end(JSON.stringify(body));
}

export async function startLocalOAuthServer(options: LocalOAuthServerOptions = {}): Promise<LocalOAuthServer> {
  const tokenRequests: URLSearchParams[] = [];
  let base = '';
  const state = { registrations: 0 };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const path = new URL(req.url ?? '/', base).pathname;
      if (req.method === 'GET' && path === '/.well-known/oauth-protected-resource/mcp') {
        json(res, 200, { resource: `${base}/mcp`, authorization_servers: [base] });
      } else if (req.method === 'GET' && path === '/.well-known/oauth-authorization-server') {
        const pkce = options.pkceMethods === undefined ? ['S256'] : options.pkceMethods;
        json(res, 200, {
          issuer: base,
          authorization_endpoint: `${base}/authorize`,
          token_endpoint: `${base}/token`,
          registration_endpoint: `${base}/register`,
          response_types_supported: ['code'],
          grant_types_supported: ['authorization_code', 'refresh_token'],
          token_endpoint_auth_methods_supported: ['none'],
          ...(pkce ? { code_challenge_methods_supported: pkce } : {}),
        });
      } else if (req.method === 'POST' && path === '/register') {
        state.registrations++;
        const metadata = JSON.parse(body || '{}') as Record<string, unknown>;
        json(res, 201, { ...metadata, client_id: `client-${state.registrations}` });
      } else if (req.method === 'POST' && path === '/token') {
        const params = new URLSearchParams(body);
        tokenRequests.push(params);
        const count = tokenRequests.length;
        const answer = options.onToken?.(params, count) ?? {
          status: 200,
          body: {
            access_token: `access-${count}`,
            refresh_token: `refresh-${count}`,
            token_type: 'Bearer',
            expires_in: 3600,
          },
        };
        setTimeout(() => json(res, answer.status, answer.body), options.tokenDelayMs ?? 0);
      } else {
        json(res, 404, { error: 'not_found' });
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    base,
    mcpUrl: `${base}/mcp`,
    tokenRequests,
    get registrations() {
      return state.registrations;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
