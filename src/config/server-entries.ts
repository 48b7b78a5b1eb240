import { AirlockError, quote } from '../errors.ts';
import { findLiteralSecret } from '../secrets/literal-secrets.ts';
import { updateConfig } from './config-store.ts';
import type { ServerConfig } from './schema.ts';

/**
 * Adding and removing servers in config.json, the same for every way in (CLI, dashboard, desktop
 * IPC). A literal credential in headers or env is refused: it would sit in config.json, and it
 * belongs in the vault, referenced as ${secret:NAME}.
 */
export function refuseLiteralSecrets(entry: ServerConfig): void {
  const [kind, pairs] = 'command' in entry ? ['environment variable', entry.env] : ['header', entry.headers];
  const key = findLiteralSecret(pairs);
  if (key === undefined) return;
  throw new AirlockError(
    'LITERAL_SECRET',
    `${kind} ${quote(key)} looks like a secret. Store it in the vault (\`airlock secret set NAME\`, or Secrets in the dashboard) and use \${secret:NAME} instead.`,
  );
}

export function addServerEntry(
  configFile: string,
  name: string,
  entry: ServerConfig,
  options: { replace?: boolean; existsHint?: string } = {},
): void {
  refuseLiteralSecrets(entry);
  updateConfig(configFile, (config) => {
    if (config.mcpServers[name] && !options.replace) {
      throw new AirlockError('SERVER_EXISTS', `server ${quote(name)} already exists${options.existsHint ?? ''}`);
    }
    config.mcpServers[name] = entry;
  });
}

export function removeServerEntry(configFile: string, name: string): void {
  updateConfig(configFile, (config) => {
    if (!config.mcpServers[name]) throw new AirlockError('SERVER_UNKNOWN', `no server named ${quote(name)}`);
    delete config.mcpServers[name];
  });
}
