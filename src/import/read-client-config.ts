import fs from 'node:fs';
import { parse, printParseErrorCode, type ParseError } from 'jsonc-parser';
import { AirlockError, quote } from '../errors.ts';

/** A client config as read from disk: the exact text (for a faithful rewrite) and its parsed value. */
export interface ClientConfigFile {
  file: string;
  text: string;
  parsed: Record<string, unknown>;
}

function lineAndColumn(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  const column = offset - (before.lastIndexOf('\n') + 1) + 1;
  return { line, column };
}

/**
 * Parses a client config as JSONC: VS Code allows comments and trailing commas, and the other
 * clients' JSON is a subset. An empty file counts as `{}` (clients create them that way).
 */
export function parseClientConfig(text: string, file: string): Record<string, unknown> {
  const body = text.startsWith('\uFEFF') ? text.slice(1) : text;
  if (body.trim() === '') return {};
  const errors: ParseError[] = [];
  const parsed: unknown = parse(body, errors, { allowTrailingComma: true, disallowComments: false });
  const first = errors[0];
  if (first) {
    const { line, column } = lineAndColumn(body, first.offset);
    throw new AirlockError(
      'IMPORT_INVALID_FILE',
      `${quote(file, 500)}: not valid JSON at line ${line}, column ${column} (${printParseErrorCode(first.error)}); the file was not changed`,
    );
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new AirlockError(
      'IMPORT_INVALID_FILE',
      `${quote(file, 500)}: the top level must be a JSON object; the file was not changed`,
    );
  }
  return parsed as Record<string, unknown>;
}

/** Reads and parses a client config. Never writes. */
export function readClientConfig(file: string): ClientConfigFile {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new AirlockError('IMPORT_FILE_NOT_FOUND', `${quote(file, 500)} does not exist`);
    throw new AirlockError('IMPORT_UNREADABLE', `cannot read ${quote(file, 500)}: ${code ?? 'error'}`);
  }
  return { file, text, parsed: parseClientConfig(text, file) };
}
