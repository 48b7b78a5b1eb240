import type { Command } from 'commander';
import { AirlockError, quote } from '../../errors.ts';
import type { ConsentOutcome, ConsentRequest } from '../../consent/consent-request.ts';
import { cliPaths, print, type GlobalOptions } from '../cli-context.ts';
import { adminRequest } from '../admin-client.ts';
import { parseServerList } from '../cli-parsers.ts';

/** The shape scripts rely on (SPEC 8): id, kind, server, url, host, message, expiresAt. */
export function pendingRow(request: ConsentRequest) {
  return {
    id: request.id,
    kind: request.kind,
    server: request.server,
    url: request.url ?? null,
    host: request.host ?? null,
    message: request.message,
    expiresAt: request.expiresAt,
    ...(request.clientName ? { clientName: request.clientName } : {}),
    warnings: request.inspection?.warnings.map((w) => w.message) ?? [],
    ...(request.choices ? { choices: request.choices } : {}),
    ...(request.needsDone ? { needsDone: true } : {}),
  };
}

/** Untrusted text is shown JSON-quoted, so control characters and fake prompts stay visible as data. */
function describe(request: ConsentRequest): string {
  const row = pendingRow(request);
  return [
    `${row.id}  ${row.kind}  server ${quote(row.server, 64)}${row.clientName ? `  client ${quote(row.clientName, 64)} (as it names itself)` : ''}`,
    ...(row.url ? [`    url:  ${quote(row.url, 2000)}`, `    host: ${row.host}`] : []),
    `    message (from the server, untrusted): ${quote(row.message, 500)}`,
    ...row.warnings.map((w) => `    WARNING: ${w}`),
    ...(row.choices?.servers ? [`    servers it may be granted: ${row.choices.servers.join(', ') || 'none'}`] : []),
    `    expires ${row.expiresAt}`,
  ].join('\n');
}

async function answer(globals: GlobalOptions, id: string, decision: Record<string, unknown>): Promise<ConsentOutcome> {
  const paths = cliPaths(globals);
  const outcome = await adminRequest<ConsentOutcome>(paths, 'POST', `/consents/${encodeURIComponent(id)}`, {
    ...decision,
    by: 'cli',
  });
  if (outcome.openError)
    throw new AirlockError('BROWSER_FAILED', `approved, but the browser could not be opened: ${outcome.openError}`);
  return outcome;
}

export function registerConsent(program: Command): void {
  program
    .command('pending')
    .description('open consent requests: id, kind, server, URL, host, message')
    .action(async (_options: unknown, command: Command) => {
      const globals = command.optsWithGlobals<GlobalOptions>();
      const requests = await adminRequest<ConsentRequest[]>(cliPaths(globals), 'GET', '/consents');
      print(globals.json, requests.map(pendingRow), () =>
        requests.length ? requests.map(describe).join('\n\n') : 'No pending requests.',
      );
    });

  program
    .command('approve')
    .description('approve a consent request (opens its URL in the browser)')
    .argument('<id>', 'request id from `airlock pending`')
    .option('--servers <a,b>', 'for a client sign-in: the servers it may use', parseServerList)
    .option('--done', 'mark a URL elicitation as completed in the browser')
    .action(async (id: string, options: { servers?: string[]; done?: boolean }, command: Command) => {
      const globals = command.optsWithGlobals<GlobalOptions>();
      const outcome = await answer(globals, id, {
        action: options.done ? 'done' : 'approve',
        ...(options.servers ? { servers: options.servers } : {}),
      });
      print(globals.json, { id, ...outcome }, () => `Approved ${id}`);
    });

  program
    .command('deny')
    .description('decline a consent request')
    .argument('<id>', 'request id from `airlock pending`')
    .action(async (id: string, _options: unknown, command: Command) => {
      const globals = command.optsWithGlobals<GlobalOptions>();
      const outcome = await answer(globals, id, { action: 'deny' });
      print(globals.json, { id, ...outcome }, () => `Declined ${id}`);
    });
}
