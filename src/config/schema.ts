import { z } from 'zod';

/** Server and provider names: they appear in tool names (`SERVER__TOOL`), paths and file names. */
export const NAME_PATTERN = /^[a-z0-9-]{1,32}$/;
export const nameSchema = z.string().regex(NAME_PATTERN, 'must match [a-z0-9-]{1,32}');

const stringMap = z.record(z.string(), z.string());

/** A pre-registered OAuth client for a remote server or provider. `clientSecret` is normally `${secret:NAME}`. */
export const oauthClientSchema = z.strictObject({
  clientId: z.string().min(1),
  clientSecret: z.string().optional(),
  scopes: z.array(z.string()).optional(),
});

export const stdioServerSchema = z.strictObject({
  type: z.literal('stdio').optional(),
  command: z.string().min(1),
  args: z.array(z.string()).default([]),
  env: stringMap.optional(),
  cwd: z.string().optional(),
  disabled: z.boolean().optional(),
  /** Per-request timeout to this upstream, in milliseconds. */
  timeoutMs: z.number().int().positive().optional(),
});

export const remoteServerSchema = z.strictObject({
  type: z.enum(['http', 'streamable-http', 'sse']).optional(),
  url: z.string().min(1),
  headers: stringMap.optional(),
  transport: z.enum(['streamable-http', 'sse']).optional(),
  oauth: oauthClientSchema.optional(),
  disabled: z.boolean().optional(),
  timeoutMs: z.number().int().positive().optional(),
});

export const serverSchema = z.union([stdioServerSchema, remoteServerSchema]);

export const oauthProviderSchema = z.strictObject({
  authorizationUrl: z.url({ protocol: /^https?$/ }),
  tokenUrl: z.url({ protocol: /^https?$/ }),
  clientId: z.string().min(1),
  clientSecret: z.string().optional(),
  scopes: z.array(z.string()).optional(),
  /** Extra authorization request parameters some providers need (e.g. `access_type=offline`). */
  extraParams: stringMap.optional(),
});

export const configSchema = z.strictObject({
  $schema: z.string().optional(),
  gateway: z
    .strictObject({
      port: z.number().int().min(1).max(65535).default(47100),
      /** Minutes a consent request stays open before it answers `cancel`. */
      consentTimeoutMinutes: z
        .number()
        .positive()
        .max(24 * 60)
        .default(10),
    })
    .default({ port: 47100, consentTimeoutMinutes: 10 }),
  mcpServers: z.record(nameSchema, serverSchema).default({}),
  oauthProviders: z.record(nameSchema, oauthProviderSchema).default({}),
});

export type AirlockConfig = z.output<typeof configSchema>;
export type ServerConfig = z.output<typeof serverSchema>;
export type StdioServerConfig = z.output<typeof stdioServerSchema>;
export type RemoteServerConfig = z.output<typeof remoteServerSchema>;
export type OAuthProviderConfig = z.output<typeof oauthProviderSchema>;

export function isStdioServer(server: ServerConfig): server is StdioServerConfig {
  return 'command' in server;
}
