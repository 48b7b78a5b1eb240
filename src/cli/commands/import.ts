import readline from 'node:readline/promises';
import type { Command } from 'commander';
import { AirlockError, quote } from '../../errors.ts';
import { readConfig } from '../../config/config-store.ts';
import { CLIENT_NAMES, CLIENT_LABELS, isClientName, locateClientConfig } from '../../import/client-formats.ts';
import { readClientConfig } from '../../import/read-client-config.ts';
import { describePlan, planImport } from '../../import/import-plan.ts';
import { applyImport } from '../../import/apply-import.ts';
import { airlockEntryFor, rewriteClientConfigFile } from '../../import/rewrite-client-config.ts';
import { bridgeCommand } from '../../clients/config-snippets.ts';
import { cliPaths, openCliVault, type GlobalOptions } from '../cli-context.ts';
import { findGateway, notifyGateway } from '../admin-client.ts';
import { BIN_SCRIPT } from './client.ts';

async function confirm(question: string): Promise<boolean> {
  const rl = readline.createInterface({ input: process.stdin, output: process.stderr });
  try {
    return /^y(es)?$/i.test((await rl.question(`${question} [y/N] `)).trim());
  } finally {
    rl.close();
  }
}

export function registerImport(program: Command): void {
  program
    .command('import')
    .description("take servers from a client's config and move its literal secrets into the vault")
    .argument('<client>', CLIENT_NAMES.join(' | '))
    .option('--file <path>', "the client's config file (default: its standard location)")
    .option('--rewrite', 'point that client at Airlock, keeping a timestamped backup of its file')
    .option('--yes', 'do not ask for confirmation (for scripts)')
    .action(async (client: string, options: { file?: string; rewrite?: boolean; yes?: boolean }, command: Command) => {
      const globals = command.optsWithGlobals<GlobalOptions>();
      if (!isClientName(client)) command.error(`client must be one of: ${CLIENT_NAMES.join(', ')}`, { exitCode: 2 });
      const paths = cliPaths(globals);
      const file = options.file ?? locateClientConfig(client);
      const source = readClientConfig(file);
      const config = readConfig(paths.config);
      const vault = await openCliVault(paths);
      try {
        const existingSecrets = (await vault.list('secret/')).map((r) => r.name.slice('secret/'.length));
        const plan = planImport({
          client,
          file,
          parsed: source.parsed,
          existingServerNames: Object.keys(config.mcpServers),
          existingSecretNames: existingSecrets,
        });
        const importable = plan.servers.filter((s) => s.config);
        // The preview names secrets and where they were found, never their values.
        process.stderr.write(`${describePlan(plan)}\n`);
        if (importable.length === 0)
          throw new AirlockError('IMPORT_NOTHING', `no servers to import from ${quote(file, 500)}`);
        if (!options.yes) {
          if (!process.stdin.isTTY)
            command.error('refusing to import without confirmation: run in a terminal, or pass --yes', { exitCode: 2 });
          if (
            !(await confirm(
              `Import ${importable.length} server(s) and ${plan.secrets.length} secret(s)${options.rewrite ? `, and rewrite ${CLIENT_LABELS[client]}'s config` : ''}?`,
            ))
          ) {
            process.stderr.write('Nothing was changed.\n');
            process.exitCode = 1;
            return;
          }
        }
        await applyImport(plan, { configFile: paths.config, vault });
        await notifyGateway(paths);
        let backupPath: string | undefined;
        if (options.rewrite) {
          const running = await findGateway(paths);
          const mcpUrl = running?.mcpUrl ?? `http://127.0.0.1:${config.gateway.port}/mcp`;
          const entry = airlockEntryFor(client, {
            mcpUrl,
            stdioCommand: bridgeCommand(BIN_SCRIPT),
            clientName: client,
          });
          const keep = plan.servers.filter((s) => s.skipped).map((s) => s.sourceName);
          ({ backupPath } = rewriteClientConfigFile({ client, file, entry, keep, expectText: source.text }));
        }
        const result = {
          client,
          file,
          servers: importable.map((s) => ({ from: s.sourceName, name: s.name })),
          skipped: plan.servers.filter((s) => s.skipped).map((s) => ({ from: s.sourceName, reason: s.skipped })),
          secrets: plan.secrets.map((s) => ({ name: s.name, from: s.from })),
          secretsToSet: plan.secretsToSet,
          rewritten: Boolean(options.rewrite),
          ...(backupPath ? { backup: backupPath } : {}),
        };
        if (globals.json) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
        else {
          process.stdout.write(
            `Imported ${result.servers.length} server(s) and ${result.secrets.length} secret(s) from ${CLIENT_LABELS[client]}.\n`,
          );
          for (const s of plan.secretsToSet)
            process.stdout.write(`  Set ${s.name} yourself: airlock secret set ${s.name}   (${s.from})\n`);
          if (backupPath) {
            process.stdout.write(
              `Rewrote ${file} to use Airlock. The backup ${backupPath} still holds the old plaintext secrets: delete it once everything works.\n`,
            );
          }
        }
      } finally {
        await vault.close();
      }
    });
}
