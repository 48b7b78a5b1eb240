/** Who is calling the gateway, and what they may reach. */
export interface ClientGrant {
  /** Stable id: `key:NAME` for key clients, `oauth:CLIENT_ID` for OAuth clients. */
  id: string;
  /** Display name (for OAuth clients, as the client registered itself: untrusted). */
  name: string;
  kind: 'key' | 'oauth' | 'local';
  /** Servers this client may use; `'*'` is every server, now and later. */
  servers: '*' | string[];
  /** For OAuth access tokens: the MCP endpoint the token was issued for (RFC 8707 audience). */
  audience?: string;
}

export function grantAllows(grant: ClientGrant, server: string): boolean {
  return grant.servers === '*' || grant.servers.includes(server);
}

/** Turns a bearer token from an MCP request into a grant, or nothing. */
export interface ClientAuthenticator {
  authenticate(token: string): ClientGrant | undefined;
  /** Called with the ids of grants that stopped being valid, so open sessions close at once. */
  onRevoke(listener: (clientIds: string[]) => void): () => void;
}
