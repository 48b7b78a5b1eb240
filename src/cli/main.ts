import { Command, CommanderError } from 'commander';
import { AIRLOCK_VERSION } from '../version.ts';
import { isAirlockError } from '../errors.ts';
import { registerServe } from './commands/serve.ts';
import { registerStatus } from './commands/status.ts';
import { registerServer } from './commands/server.ts';
import { registerClient } from './commands/client.ts';
import { registerSecret } from './commands/secret.ts';
import { registerStdio } from './commands/stdio.ts';
import { registerConsent } from './commands/consent.ts';
import { registerLogout } from './commands/logout.ts';
import { registerImport } from './commands/import.ts';

/** Exit codes: 0 success, 1 failure, 2 usage error. */
export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

export function buildProgram(): Command {
  const program = new Command('airlock')
    .description('Airlock: a local MCP gateway that keeps credentials in the OS keychain')
    .version(AIRLOCK_VERSION)
    .option('--home <dir>', 'data directory (default: $AIRLOCK_HOME, else the per-user app data directory)')
    .option('--json', 'print data as JSON')
    .showHelpAfterError()
    .exitOverride();
  registerServe(program);
  registerStatus(program);
  registerServer(program);
  registerClient(program);
  registerSecret(program);
  registerStdio(program);
  registerConsent(program);
  registerLogout(program);
  registerImport(program);
  for (const command of program.commands) {
    command.exitOverride();
    for (const sub of command.commands) sub.exitOverride();
  }
  return program;
}

export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : EXIT_OK;
  } catch (error) {
    if (error instanceof CommanderError) {
      if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version' || error.code === 'commander.help') return EXIT_OK;
      return error.exitCode === 0 ? EXIT_OK : EXIT_USAGE;
    }
    const message = isAirlockError(error) ? error.message : error instanceof Error ? error.message : String(error);
    process.stderr.write(`airlock: ${message}\n`);
    return EXIT_FAILURE;
  }
}
