import type { Command } from 'commander';
import { AirlockError, quote } from '../../errors.ts';
import { cliPaths, openCliVault, print, readStdin, type GlobalOptions } from '../cli-context.ts';
import { notifyGateway } from '../admin-client.ts';
import { InvalidArgumentError } from 'commander';

const SECRET_NAME = /^[a-z0-9][a-z0-9._-]{0,63}$/;

function parseSecretName(value: string): string {
  if (!SECRET_NAME.test(value)) throw new InvalidArgumentError('must match [a-z0-9][a-z0-9._-]{0,63}');
  return value;
}

export function registerSecret(program: Command): void {
  const secret = program.command('secret').description('secrets in the vault, referenced as ${secret:NAME}');

  secret
    .command('set')
    .description('store a secret; the value is read from standard input, never from arguments')
    .argument('<name>', 'secret name', parseSecretName)
    .action(async (name: string, _options: unknown, command: Command) => {
      const globals = command.optsWithGlobals<GlobalOptions>();
      const paths = cliPaths(globals);
      const value = await readStdin();
      if (!value) throw new AirlockError('SECRET_EMPTY', 'no value on standard input; nothing was stored');
      const vault = await openCliVault(paths);
      try {
        await vault.set(`secret/${name}`, value);
      } finally {
        await vault.close();
      }
      await notifyGateway(paths);
      print(globals.json, { name, stored: true }, () => `Stored secret ${name}`);
    });

  secret
    .command('list')
    .description('secret names (never values)')
    .action(async (_options: unknown, command: Command) => {
      const globals = command.optsWithGlobals<GlobalOptions>();
      const vault = await openCliVault(cliPaths(globals));
      try {
        const rows = (await vault.list('secret/')).map((r) => ({
          name: r.name.slice('secret/'.length),
          backend: vault.backend,
          updatedAt: r.updatedAt,
        }));
        print(globals.json, rows, () =>
          rows.length
            ? rows.map((r) => `  ${r.name.padEnd(32)} set ${r.updatedAt} (${r.backend})`).join('\n')
            : 'No secrets.',
        );
      } finally {
        await vault.close();
      }
    });

  secret
    .command('remove')
    .description('delete a secret')
    .argument('<name>', 'secret name', parseSecretName)
    .action(async (name: string, _options: unknown, command: Command) => {
      const globals = command.optsWithGlobals<GlobalOptions>();
      const paths = cliPaths(globals);
      const vault = await openCliVault(paths);
      try {
        if (!(await vault.delete(`secret/${name}`)))
          throw new AirlockError('SECRET_UNKNOWN', `no secret named ${quote(name)}`);
      } finally {
        await vault.close();
      }
      await notifyGateway(paths);
      print(globals.json, { name, removed: true }, () => `Removed secret ${name}`);
    });
}
