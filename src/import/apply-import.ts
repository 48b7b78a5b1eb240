import { parseConfig, readConfig, updateConfig } from '../config/config-store.ts';
import { AirlockError, quote } from '../errors.ts';
import type { Vault } from '../vault/vault.ts';
import type { ImportPlan } from './import-plan.ts';

export interface ApplyImportOptions {
  /** Airlock's config.json. */
  configFile: string;
  vault: Vault;
}

const secretRecord = (name: string) => `secret/${name}`;

/**
 * Carries out a plan: secrets into the vault first (so config.json never references a secret that
 * is not there), then the servers into config.json in one validated atomic write.
 *
 * Everything is checked before anything is written: a server or secret name taken since the plan
 * was made, or a config that would not validate, fails with nothing changed. If the config write
 * fails after the secrets went in, the secrets this call created are removed again.
 */
export async function applyImport(plan: ImportPlan, options: ApplyImportOptions): Promise<void> {
  const servers = plan.servers.filter((s) => s.config !== undefined);

  const current = readConfig(options.configFile);
  for (const server of servers) {
    if (current.mcpServers[server.name]) {
      throw new AirlockError(
        'IMPORT_CONFLICT',
        `a server named ${quote(server.name)} was added since the import was planned; run the import again`,
      );
    }
  }
  for (const secret of plan.secrets) {
    if ((await options.vault.get(secretRecord(secret.name))) !== undefined) {
      throw new AirlockError(
        'IMPORT_CONFLICT',
        `a secret named ${quote(secret.name)} was stored since the import was planned; run the import again`,
      );
    }
  }
  const addServers = (config: typeof current) => {
    for (const server of servers) config.mcpServers[server.name] = server.config!;
  };
  // Dry run: a plan that would not validate fails here, before the vault is touched.
  const preview = structuredClone(current);
  addServers(preview);
  parseConfig(preview, options.configFile);

  const written: string[] = [];
  try {
    for (const secret of plan.secrets) {
      await options.vault.set(secretRecord(secret.name), secret.value);
      written.push(secretRecord(secret.name));
    }
    updateConfig(options.configFile, (config) => {
      for (const server of servers) {
        if (config.mcpServers[server.name]) {
          throw new AirlockError('IMPORT_CONFLICT', `a server named ${quote(server.name)} already exists`);
        }
      }
      addServers(config);
    });
  } catch (error) {
    for (const record of written.reverse()) {
      await options.vault.delete(record).catch(() => false);
    }
    throw error;
  }
}
