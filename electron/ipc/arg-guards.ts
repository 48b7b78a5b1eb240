/**
 * Checks for values that arrive over IPC. The renderer is treated like any remote caller:
 * every argument is `unknown` until one of these says what it is. Failures name the argument,
 * never echo its value.
 */
import { AirlockError } from '../../src/errors.ts';
import { NAME_PATTERN } from '../../src/config/schema.ts';
import type { AddServerInput, ConsentDecisionInput } from '../../renderer/src/api/airlock-api.ts';

/** As `airlock secret set` accepts (src/cli/commands/secret.ts). */
export const SECRET_NAME_PATTERN = /^[a-z0-9][a-z0-9._-]{0,63}$/;
export const MAX_SECRET_BYTES = 64 * 1024;
const MAX_STRING = 8192;
const MAX_ARGS = 256;
const MAX_ENTRIES = 64;

function bad(what: string): AirlockError {
  return new AirlockError('BAD_ARGUMENT', `Invalid ${what}.`);
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function onlyKeys(value: Record<string, unknown>, allowed: readonly string[], what: string): void {
  for (const key of Object.keys(value)) if (!allowed.includes(key)) throw bad(what);
}

export function expectName(value: unknown, what = 'name'): string {
  if (typeof value !== 'string' || !NAME_PATTERN.test(value)) throw bad(what);
  return value;
}

export function expectSecretName(value: unknown): string {
  if (typeof value !== 'string' || !SECRET_NAME_PATTERN.test(value)) throw bad('secret name');
  return value;
}

export function expectSecretValue(value: unknown): string {
  if (typeof value !== 'string' || value.length === 0 || Buffer.byteLength(value) > MAX_SECRET_BYTES) {
    throw bad('secret value');
  }
  return value;
}

export function expectString(value: unknown, what: string, max = MAX_STRING): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > max) throw bad(what);
  return value;
}

function expectStringMap(value: unknown, what: string): Record<string, string> {
  if (!isPlainObject(value)) throw bad(what);
  const entries = Object.entries(value);
  if (entries.length > MAX_ENTRIES) throw bad(what);
  const out: Record<string, string> = {};
  for (const [key, item] of entries) {
    if (key === '' || key.length > 256 || typeof item !== 'string' || item.length > MAX_STRING) throw bad(what);
    out[key] = item;
  }
  return out;
}

export function expectServerList(value: unknown): string[] {
  if (!Array.isArray(value) || value.length > MAX_ENTRIES) throw bad('server list');
  return value.map((item) => expectName(item, 'server name'));
}

export function expectAddServerInput(value: unknown): AddServerInput {
  if (!isPlainObject(value)) throw bad('server');
  const name = expectName(value.name, 'server name');
  if ('url' in value) {
    onlyKeys(value, ['name', 'url', 'headers'], 'server');
    const url = expectString(value.url, 'server URL');
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw bad('server URL');
    }
    if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') throw bad('server URL');
    return {
      name,
      url,
      ...(value.headers === undefined ? {} : { headers: expectStringMap(value.headers, 'headers') }),
    };
  }
  onlyKeys(value, ['name', 'command', 'args', 'env'], 'server');
  const command = expectString(value.command, 'command');
  if (!Array.isArray(value.args) || value.args.length > MAX_ARGS) throw bad('arguments');
  const args = value.args.map((arg) => {
    if (typeof arg !== 'string' || arg.length > MAX_STRING) throw bad('arguments');
    return arg;
  });
  return {
    name,
    command,
    args,
    ...(value.env === undefined ? {} : { env: expectStringMap(value.env, 'environment') }),
  };
}

export function expectAddClientInput(value: unknown): { name: string; servers?: string[] } {
  if (!isPlainObject(value)) throw bad('client');
  onlyKeys(value, ['name', 'servers'], 'client');
  const name = expectName(value.name, 'client name');
  return value.servers === undefined ? { name } : { name, servers: expectServerList(value.servers) };
}

/** The shape only; the consent broker checks the decision against its request. */
export function expectConsentDecision(value: unknown): ConsentDecisionInput {
  if (!isPlainObject(value)) throw bad('consent answer');
  onlyKeys(value, ['action', 'servers', 'content'], 'consent answer');
  const { action } = value;
  if (action !== 'approve' && action !== 'deny' && action !== 'done') throw bad('consent answer');
  const decision: ConsentDecisionInput = { action };
  if (value.servers !== undefined) decision.servers = expectServerList(value.servers);
  if (value.content !== undefined) {
    if (!isPlainObject(value.content)) throw bad('consent answer');
    // Structured clone already made it plain data; bound its size so a page cannot flood the core.
    if (JSON.stringify(value.content).length > 64 * 1024) throw bad('consent answer');
    decision.content = value.content;
  }
  return decision;
}

export function expectConsentId(value: unknown): string {
  if (typeof value !== 'string' || !/^[A-Za-z0-9_-]{1,64}$/.test(value)) throw bad('consent id');
  return value;
}

export function expectLimit(value: unknown): number {
  if (value === undefined) return 500;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) throw bad('limit');
  return Math.min(value, 5000);
}

export function expectNoArgs(args: unknown[]): void {
  if (args.length > 0) throw bad('arguments');
}
