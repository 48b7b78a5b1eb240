import type { Command } from 'commander';
import { cliPaths, openCliVault, type GlobalOptions } from '../cli-context.ts';
import { startAirlock } from '../../app/start-airlock.ts';
import { parsePort } from '../cli-parsers.ts';

export function registerServe(program: Command): void {
  program
    .command('serve')
    .description('run the gateway in the foreground (headless)')
    .option('--port <port>', 'listen on this port instead of the configured one', parsePort)
    .action(async (options: { port?: number }, command: Command) => {
      const globals = command.optsWithGlobals<GlobalOptions>();
      const paths = cliPaths(globals);
      const vault = await openCliVault(paths);
      const airlock = await startAirlock({
        home: paths.home,
        vault,
        ...(options.port !== undefined ? { port: options.port } : {}),
      });
      const { gateway } = airlock;
      process.stdout.write(
        `Airlock gateway listening\n  MCP endpoint: ${gateway.mcpUrl}\n  data: ${paths.home}\n  vault: ${vault.backend}\n`,
      );
      process.stdout.write(`  dashboard (one-time link, 10 minutes): ${airlock.createUiLink()}\n`);
      let stopping = false;
      const stop = (signal: string) => {
        if (stopping) return;
        stopping = true;
        process.stdout.write(`\n${signal}: stopping the gateway and its servers...\n`);
        airlock.close().then(
          () => process.exit(0),
          () => process.exit(1),
        );
      };
      process.on('SIGINT', () => stop('SIGINT'));
      process.on('SIGTERM', () => stop('SIGTERM'));
      await new Promise(() => {});
    });
}
