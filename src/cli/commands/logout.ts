import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import { AirlockError, quote } from '../../errors.ts';
import { NAME_PATTERN } from '../../config/schema.ts';
import { readConfig } from '../../config/config-store.ts';
import { providerRecordName, serverRecordName } from '../../oauth/oauth-records.ts';
import { cliPaths, openCliVault, print, type GlobalOptions } from '../cli-context.ts';
import { notifyGateway } from '../admin-client.ts';

function parseName(value: string): string {
  if (!NAME_PATTERN.test(value)) throw new InvalidArgumentError('must match [a-z0-9-]{1,32}');
  return value;
}

/**
 * `airlock logout NAME`: forgets the stored tokens of a remote server or an OAuth provider.
 * It edits the vault directly (so it works with the gateway stopped) and then tells a running
 * gateway, which restarts what used them: a server then shows "needs sign-in".
 */
export function registerLogout(program: Command): void {
  program
    .command('logout')
    .description('forget stored OAuth tokens for a server or provider')
    .argument('<name>', 'server or provider name', parseName)
    .action(async (name: string, _options: unknown, command: Command) => {
      const globals = command.optsWithGlobals<GlobalOptions>();
      const paths = cliPaths(globals);
      let known = false;
      try {
        const config = readConfig(paths.config);
        known = name in config.mcpServers || name in config.oauthProviders;
      } catch {
        // A broken config.json does not stop a logout: the vault is what matters.
      }
      const vault = await openCliVault(paths);
      const removed: string[] = [];
      try {
        if (await vault.delete(serverRecordName(name))) removed.push('server');
        if (await vault.delete(providerRecordName(name))) removed.push('provider');
      } finally {
        await vault.close();
      }
      if (!known && removed.length === 0)
        throw new AirlockError('UNKNOWN_NAME', `no server or OAuth provider named ${quote(name)}`);
      const running = await notifyGateway(paths);
      print(globals.json, { name, removed: removed.length > 0, kinds: removed, gatewayNotified: running }, () =>
        removed.length ? `Forgot the stored sign-in for ${name}` : `${name} had no stored sign-in`,
      );
    });
}
