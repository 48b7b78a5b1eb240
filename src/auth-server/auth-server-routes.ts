/**
 * Mounts Airlock's authorization server on the gateway's express app: the discovery documents
 * (RFC 9728 protected-resource metadata per MCP endpoint, RFC 8414 authorization-server
 * metadata), the SDK's authorize/token/register/revoke handlers over {@link AirlockAuthServer},
 * the browser's wait page, and `/api/oauth-clients` on the admin router.
 *
 * The SDK's per-IP rate limits are off: every caller is on 127.0.0.1, so they would only let one
 * busy client lock out the others. What a local process could abuse, raising consent prompts, is
 * bounded by `maxPendingSignins` instead; codes and tokens are 256-bit random. No CORS headers:
 * the gateway refuses foreign Origins before any route (DNS-rebinding defence).
 */
import express from 'express';
import { authorizationHandler } from '@modelcontextprotocol/sdk/server/auth/handlers/authorize.js';
import { tokenHandler } from '@modelcontextprotocol/sdk/server/auth/handlers/token.js';
import { clientRegistrationHandler } from '@modelcontextprotocol/sdk/server/auth/handlers/register.js';
import { revocationHandler } from '@modelcontextprotocol/sdk/server/auth/handlers/revoke.js';
import type { OAuthMetadata, OAuthProtectedResourceMetadata } from '@modelcontextprotocol/sdk/shared/auth.js';
import type { Gateway } from '../gateway/gateway.ts';
import type { ConsentBroker } from '../consent/consent-broker.ts';
import { describeError } from '../errors.ts';
import { AirlockAuthServer, type AuthServerOptions } from './airlock-auth-server.ts';
import { resourceFor } from './resource-indicator.ts';
import { pkceGuard } from './pkce-guard.ts';

export const AUTHORIZE_PATH = '/oauth/authorize';
export const TOKEN_PATH = '/oauth/token';
export const REGISTER_PATH = '/oauth/register';
export const REVOKE_PATH = '/oauth/revoke';

/** @see https://datatracker.ietf.org/doc/html/rfc8414#section-2 */
export function authorizationServerMetadata(
  origin: string,
): OAuthMetadata & { client_id_metadata_document_supported: boolean } {
  return {
    issuer: origin,
    authorization_endpoint: origin + AUTHORIZE_PATH,
    token_endpoint: origin + TOKEN_PATH,
    registration_endpoint: origin + REGISTER_PATH,
    revocation_endpoint: origin + REVOKE_PATH,
    response_types_supported: ['code'],
    response_modes_supported: ['query'],
    grant_types_supported: ['authorization_code', 'refresh_token'],
    code_challenge_methods_supported: ['S256'],
    token_endpoint_auth_methods_supported: ['none'],
    revocation_endpoint_auth_methods_supported: ['none'],
    client_id_metadata_document_supported: true,
  };
}

/** @see https://datatracker.ietf.org/doc/html/rfc9728#section-2 */
export function protectedResourceMetadata(origin: string, port: number, path: string): OAuthProtectedResourceMetadata {
  return {
    resource: resourceFor(port, path),
    authorization_servers: [origin],
    bearer_methods_supported: ['header'],
    resource_name: path === '/mcp' ? 'Airlock (all servers)' : `Airlock: ${path.slice('/mcp/'.length)}`,
  };
}

export interface MountAuthServerOptions extends AuthServerOptions {
  consents: ConsentBroker;
}

/** Wires the authorization server into a starting gateway (call from `GatewayOptions.extend`). */
export function mountAuthServer(
  app: express.Express,
  gateway: Gateway,
  options: MountAuthServerOptions,
): AirlockAuthServer {
  const { consents, ...serverOptions } = options;
  const server = new AirlockAuthServer(
    {
      vault: gateway.vault,
      consents,
      port: () => gateway.port,
      origin: () => gateway.origin,
      servers: () => Object.keys(gateway.config().mcpServers).sort(),
      audit: (event) => gateway.audit.write(event),
      onError: (message) => gateway.logger.warn(message),
    },
    serverOptions,
  );

  app.get(['/.well-known/oauth-protected-resource/mcp', '/.well-known/oauth-protected-resource/mcp/'], (_req, res) => {
    res.json(protectedResourceMetadata(gateway.origin, gateway.port, '/mcp'));
  });
  app.get('/.well-known/oauth-protected-resource/mcp/:server', (req, res) => {
    const name = String(req.params.server);
    if (!Object.hasOwn(gateway.config().mcpServers, name)) {
      res.status(404).json({ error: 'not_found', error_description: 'no such MCP endpoint' });
      return;
    }
    res.json(protectedResourceMetadata(gateway.origin, gateway.port, `/mcp/${name}`));
  });
  app.get('/.well-known/oauth-authorization-server', (_req, res) => {
    res.json(authorizationServerMetadata(gateway.origin));
  });

  app.get('/oauth/wait/:id', (req, res) => server.answerWait(String(req.params.id), res));
  app.use(AUTHORIZE_PATH, express.urlencoded({ extended: false }), pkceGuard(server.clientsStore));
  app.use(AUTHORIZE_PATH, authorizationHandler({ provider: server, rateLimit: false }));
  app.use(TOKEN_PATH, tokenHandler({ provider: server, rateLimit: false }));
  app.use(
    REGISTER_PATH,
    clientRegistrationHandler({ clientsStore: server.clientsStore, rateLimit: false, clientSecretExpirySeconds: 0 }),
  );
  app.use(REVOKE_PATH, revocationHandler({ provider: server, rateLimit: false }));

  gateway.adminRouter.get('/oauth-clients', async (_req, res) => {
    res.json(await server.store.summaries());
  });
  gateway.adminRouter.delete('/oauth-clients/:id', async (req, res) => {
    try {
      const clientId = String(req.params.id);
      const known = (await server.store.summaries()).some((c) => c.clientId === clientId);
      if (!known) {
        res.status(404).json({ error: 'not_found', error_description: 'no OAuth client with that id' });
        return;
      }
      res.json({ clientId, revoked: true, grants: await server.revokeClient(clientId) });
    } catch (error) {
      gateway.logger.error({ err: describeError(error) }, 'revoking an OAuth client failed');
      res.status(500).json({ error: 'server_error' });
    }
  });
  return server;
}
