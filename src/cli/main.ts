import { Command, CommanderError } from 'commander';
import { AIRLOCK_VERSION } from '../version.ts';
import { isAirlockError } from '../errors.ts';
type Register = (program: Command) => void;

/**
 * Each command module and the top-level commands it registers, loaded only when needed:
 * `airlock serve` and `airlock stdio` start faster and smaller when they do not compile every
 * other command (and what it imports). Listed in the order `--help` shows them.
 */
const COMMANDS: { names: string[]; load: () => Promise<Register> }[] = [
  { names: ['serve'], load: async () => (await import('./commands/serve.ts')).registerServe },
  { names: ['status'], load: async () => (await import('./commands/status.ts')).registerStatus },
  { names: ['server'], load: async () => (await import('./commands/server.ts')).registerServer },
  { names: ['client'], load: async () => (await import('./commands/client.ts')).registerClient },
  { names: ['secret'], load: async () => (await import('./commands/secret.ts')).registerSecret },
  { names: ['stdio'], load: async () => (await import('./commands/stdio.ts')).registerStdio },
  { names: ['pending', 'approve', 'deny'], load: async () => (await import('./commands/consent.ts')).registerConsent },
  { names: ['logout'], load: async () => (await import('./commands/logout.ts')).registerLogout },
  { names: ['import'], load: async () => (await import('./commands/import.ts')).registerImport },
];

/** Global options that take a value, so the command name is found after them. */
const GLOBAL_VALUE_OPTIONS = new Set(['--home']);

/** The command argv names, if it is one of ours; otherwise (help, a typo, none) undefined. */
export function commandIn(argv: string[]): string | undefined {
  for (let i = 2; i < argv.length; i++) {
    const arg = argv[i]!;
    if (GLOBAL_VALUE_OPTIONS.has(arg)) {
      i++;
      continue;
    }
    if (arg.startsWith('-')) continue;
    return COMMANDS.some((entry) => entry.names.includes(arg)) ? arg : undefined;
  }
  return undefined;
}

/** Exit codes: 0 success, 1 failure, 2 usage error. */
export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

/**
 * The CLI. With `only`, just that command is registered (its module alone is loaded); without,
 * every command, in the order `--help` lists them.
 */
export async function buildProgram(only?: string): Promise<Command> {
  const program = new Command('airlock')
    .description('Airlock: a local MCP gateway that keeps credentials in the OS keychain')
    .version(AIRLOCK_VERSION)
    .option('--home <dir>', 'data directory (default: $AIRLOCK_HOME, else the per-user app data directory)')
    .option('--json', 'print data as JSON')
    .showHelpAfterError()
    .exitOverride();
  const chosen = COMMANDS.filter((entry) => only !== undefined && entry.names.includes(only));
  const registers = await Promise.all((chosen.length ? chosen : COMMANDS).map((entry) => entry.load()));
  for (const register of registers) register(program);
  for (const command of program.commands) {
    command.exitOverride();
    for (const sub of command.commands) sub.exitOverride();
  }
  return program;
}

export async function main(argv: string[]): Promise<number> {
  try {
    const program = await buildProgram(commandIn(argv));
    await program.parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : EXIT_OK;
  } catch (error) {
    if (error instanceof CommanderError) {
      if (
        error.code === 'commander.helpDisplayed' ||
        error.code === 'commander.version' ||
        error.code === 'commander.help'
      )
        return EXIT_OK;
      return error.exitCode === 0 ? EXIT_OK : EXIT_USAGE;
    }
    const message = isAirlockError(error) ? error.message : error instanceof Error ? error.message : String(error);
    process.stderr.write(`airlock: ${message}\n`);
    return EXIT_FAILURE;
  }
}
