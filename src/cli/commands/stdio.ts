import type { Command } from 'commander';
import { cliPaths, type GlobalOptions } from '../cli-context.ts';
import { parseName } from '../cli-parsers.ts';
import { runStdioBridge } from '../../bridge/stdio-bridge.ts';

export function registerStdio(program: Command): void {
  program
    .command('stdio')
    .description('stdio bridge for clients that only launch commands (over the user-only local socket)')
    .option('--client <name>', 'which client this is (its server grant applies)', parseName)
    .option('--server <name>', 'expose one server, names unchanged (default: all servers, as SERVER__NAME)', parseName)
    .action(async (options: { client?: string; server?: string }, command: Command) => {
      const globals = command.optsWithGlobals<GlobalOptions>();
      const paths = cliPaths(globals);
      const key = process.env.AIRLOCK_CLIENT_KEY;
      const bridge = await runStdioBridge({
        socket: paths.socket,
        ...(options.client ? { clientName: options.client } : {}),
        ...(key ? { clientKey: key } : {}),
        ...(options.server ? { server: options.server } : {}),
      });
      // A client that stops the bridge with a signal still gets its gateway session ended.
      const stop = () => void bridge.close();
      process.once('SIGTERM', stop);
      process.once('SIGINT', stop);
      await bridge.closed;
      process.off('SIGTERM', stop);
      process.off('SIGINT', stop);
    });
}
