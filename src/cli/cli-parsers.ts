import { InvalidArgumentError } from 'commander';
import { NAME_PATTERN } from '../config/schema.ts';

export function parsePort(value: string): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new InvalidArgumentError('must be a port number (0-65535)');
  return port;
}

export function parseName(value: string): string {
  if (!NAME_PATTERN.test(value)) throw new InvalidArgumentError('must match [a-z0-9-]{1,32}');
  return value;
}

/** Collects repeated `K=V` options into a record. */
export function collectPair(value: string, previous: Record<string, string> = {}): Record<string, string> {
  const index = value.indexOf('=');
  if (index <= 0) throw new InvalidArgumentError('must be KEY=VALUE');
  return { ...previous, [value.slice(0, index)]: value.slice(index + 1) };
}

/** `a,b,c` into a list of server names. */
export function parseServerList(value: string): string[] {
  const names = value
    .split(',')
    .map((name) => name.trim())
    .filter(Boolean);
  for (const name of names)
    if (!NAME_PATTERN.test(name))
      throw new InvalidArgumentError(`server name ${JSON.stringify(name)} must match [a-z0-9-]{1,32}`);
  return names;
}
