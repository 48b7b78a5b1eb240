import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { AirlockError, quote } from '../errors.ts';
import { writeFileAtomicSync } from '../util/atomic-write.ts';
import { configSchema, type AirlockConfig } from './schema.ts';

/** A config file that cannot be used; the file itself is never touched. */
export class ConfigError extends AirlockError {
  readonly file: string;
  readonly keyPath: string;
  constructor(file: string, keyPath: string, detail: string) {
    super('CONFIG_INVALID', `${file}: ${keyPath ? `at ${keyPath}: ` : ''}${detail}`);
    this.file = file;
    this.keyPath = keyPath;
  }
}

function formatPath(path: readonly PropertyKey[]): string {
  return (
    path
      .map((key) => (typeof key === 'number' ? `[${key}]` : `.${quote(String(key), 64)}`))
      .join('')
      .replace(/^\./, '') || '(root)'
  );
}

/** Validates parsed JSON; the first issue names the offending key path. */
export function parseConfig(raw: unknown, file = 'config.json'): AirlockConfig {
  const result = configSchema.safeParse(raw);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  let keyPath = formatPath(issue.path);
  let detail = issue.message;
  if (issue.code === 'unrecognized_keys') {
    keyPath = formatPath([...issue.path, issue.keys[0]!]);
    detail = 'unknown key';
  } else if (issue.code === 'invalid_key') {
    detail = `invalid name (${z.prettifyError(new z.ZodError(issue.issues)).replace(/\s+/g, ' ').trim()})`;
  }
  throw new ConfigError(file, keyPath, detail);
}

/** Reads config.json. A missing file is an empty config; a malformed one is a {@link ConfigError}. */
export function readConfig(file: string): AirlockConfig {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return configSchema.parse({});
    throw new ConfigError(file, '', `cannot read: ${(error as Error).message}`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new ConfigError(file, '', `not valid JSON (${(error as Error).message})`);
  }
  return parseConfig(raw, file);
}

/** Validates, then replaces config.json atomically (mode 0600). */
export function writeConfig(file: string, config: AirlockConfig): void {
  const checked = parseConfig(config, file);
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  writeFileAtomicSync(file, `${JSON.stringify(checked, null, 2)}\n`, 0o600);
}

/** Read-modify-write of config.json. The change is validated before anything is written. */
export function updateConfig(file: string, change: (config: AirlockConfig) => void): AirlockConfig {
  const config = readConfig(file);
  change(config);
  writeConfig(file, config);
  return config;
}
