import fs from 'node:fs';
import path from 'node:path';
import { applyEdits, modify, parse, type FormattingOptions, type ParseError } from 'jsonc-parser';
import { AirlockError, quote } from '../errors.ts';
import { writeFileAtomicSync } from '../util/atomic-write.ts';
import { serverEntries, serversKeyPath, type ClientName } from './client-formats.ts';
import { parseClientConfig } from './read-client-config.ts';

/** The name of the one server entry a rewritten client config keeps pointing at Airlock. */
export const AIRLOCK_ENTRY_NAME = 'airlock';

export interface AirlockEntryOptions {
  /** The gateway's MCP endpoint, e.g. `http://127.0.0.1:47100/mcp`. */
  mcpUrl: string;
  /** How to launch the CLI, e.g. `{ command: process.execPath, args: ['/path/bin/airlock.js'] }`. */
  stdioCommand: { command: string; args?: readonly string[] };
  /** The Airlock client name the stdio bridge announces; defaults to the client id (`claude`). */
  clientName?: string;
}

/**
 * The entry that points a client at Airlock, in the shape that client reads:
 * - Claude Desktop launches commands only (remote servers are added in its UI, not its file): the stdio bridge.
 * - Cursor: `{ url }` (https://docs.cursor.com/context/model-context-protocol).
 * - VS Code: `{ type: 'http', url }` (https://code.visualstudio.com/docs/copilot/reference/mcp-configuration).
 * - Windsurf: `{ serverUrl }` (https://docs.windsurf.com/windsurf/cascade/mcp).
 */
export function airlockEntryFor(client: ClientName, options: AirlockEntryOptions): Record<string, unknown> {
  switch (client) {
    case 'claude':
      return {
        command: options.stdioCommand.command,
        args: [...(options.stdioCommand.args ?? []), 'stdio', '--client', options.clientName ?? client],
      };
    case 'cursor':
      return { url: options.mcpUrl };
    case 'vscode':
      return { type: 'http', url: options.mcpUrl };
    case 'windsurf':
      return { serverUrl: options.mcpUrl };
  }
}

const pad = (n: number) => String(n).padStart(2, '0');

/** `<file>.airlock-backup-YYYYMMDDTHHMMSS`, local time. */
export function backupPathFor(file: string, now: Date = new Date()): string {
  const stamp =
    `${now.getFullYear()}${pad(now.getMonth() + 1)}${pad(now.getDate())}` +
    `T${pad(now.getHours())}${pad(now.getMinutes())}${pad(now.getSeconds())}`;
  return `${file}.airlock-backup-${stamp}`;
}

/** Keeps the file's own style for the lines jsonc-parser inserts. */
function detectFormatting(text: string): FormattingOptions {
  const indent = /\n([ \t]+)\S/.exec(text)?.[1] ?? '  ';
  return {
    insertSpaces: !indent.startsWith('\t'),
    tabSize: indent.startsWith('\t') ? 1 : indent.length,
    eol: text.includes('\r\n') ? '\r\n' : '\n',
  };
}

export interface RewriteInput {
  client: ClientName;
  /** The client config's path (for the backup name and messages). */
  file: string;
  /** Its current text. */
  text: string;
  /** The Airlock entry, usually from {@link airlockEntryFor}. */
  entry: Record<string, unknown>;
  /** Source names of server entries to leave in place, e.g. those the import skipped. */
  keep?: readonly string[];
  now?: Date;
}

export interface RewriteResult {
  newText: string;
  backupPath: string;
}

/**
 * Computes the rewritten text: every server entry except `keep` is removed and one `airlock`
 * entry added, through jsonc-parser edits so every other key, comment and blank line survives.
 * Pure: writes nothing.
 */
export function rewriteClientConfig(input: RewriteInput): RewriteResult {
  const bom = input.text.startsWith('\uFEFF') ? '\uFEFF' : '';
  const original = input.text.slice(bom.length);
  const parsed = parseClientConfig(original, input.file);
  const keyPath = serversKeyPath(input.client, input.file, parsed);

  let node: unknown = parsed;
  for (const key of keyPath)
    node = typeof node === 'object' && node !== null ? (node as Record<string, unknown>)[key] : undefined;
  if (node !== undefined && (typeof node !== 'object' || node === null || Array.isArray(node))) {
    throw new AirlockError(
      'IMPORT_INVALID_FILE',
      `${quote(input.file, 500)}: ${keyPath.join('.')} is not an object; the file was not changed`,
    );
  }

  const options = { formattingOptions: detectFormatting(original) };
  const keep = new Set(input.keep ?? []);
  let text = original.trim() === '' ? '{}' : original;
  for (const name of Object.keys(serverEntries(parsed, keyPath))) {
    if (name === AIRLOCK_ENTRY_NAME || keep.has(name)) continue;
    text = applyEdits(text, modify(text, [...keyPath, name], undefined, options));
  }
  text = applyEdits(text, modify(text, [...keyPath, AIRLOCK_ENTRY_NAME], input.entry, options));

  // The edit must leave valid JSONC with exactly the servers intended.
  const errors: ParseError[] = [];
  const result: unknown = parse(text, errors, { allowTrailingComma: true });
  const servers = serverEntries(result, keyPath);
  const expected = [...Object.keys(serverEntries(parsed, keyPath)).filter((n) => keep.has(n)), AIRLOCK_ENTRY_NAME];
  if (errors.length > 0 || Object.keys(servers).sort().join('\n') !== [...new Set(expected)].sort().join('\n')) {
    throw new AirlockError(
      'IMPORT_REWRITE_FAILED',
      `could not rewrite ${quote(input.file, 500)} safely; the file was not changed`,
    );
  }
  return { newText: bom + text, backupPath: backupPathFor(input.file, input.now) };
}

export interface RewriteFileInput {
  client: ClientName;
  file: string;
  entry: Record<string, unknown>;
  keep?: readonly string[];
  /** The text the import was planned from: if the file changed since, nothing is written. */
  expectText?: string;
  now?: Date;
}

/** Writes `data` to a new file next to nothing existing: never overwrites an earlier backup. */
function writeBackup(basePath: string, data: Buffer, mode: number): string {
  for (let n = 1; ; n++) {
    const candidate = n === 1 ? basePath : `${basePath}-${n}`;
    let fd: number;
    try {
      fd = fs.openSync(candidate, 'wx', mode);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST' && n < 100) continue;
      throw error;
    }
    try {
      fs.writeSync(fd, data);
      fs.fchmodSync(fd, mode);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    return candidate;
  }
}

/**
 * Points a client at Airlock: backs the config up next to it (same bytes, same mode, a new file
 * every time), then replaces it atomically. A symlinked config (dotfile managers) is written
 * through the link, which stays a link. On any failure before the final rename the original is untouched.
 */
export function rewriteClientConfigFile(input: RewriteFileInput): { file: string; backupPath: string } {
  const real = fs.realpathSync(input.file);
  const bytes = fs.readFileSync(real);
  const text = bytes.toString('utf8');
  if (input.expectText !== undefined && input.expectText !== text) {
    throw new AirlockError('IMPORT_FILE_CHANGED', `${quote(input.file, 500)} changed during the import; run it again`);
  }
  const mode = fs.statSync(real).mode & 0o7777;
  const { newText, backupPath } = rewriteClientConfig({ ...input, text });
  const written = writeBackup(path.resolve(backupPath), bytes, mode);
  writeFileAtomicSync(real, newText, mode);
  return { file: input.file, backupPath: written };
}
