import crypto from 'node:crypto';

/**
 * Names on the aggregate endpoint `/mcp`: tools and prompts of every server in one list, as
 * `SERVER__NAME`. Clients differ in what they accept (several reject anything outside
 * `[A-Za-z0-9_-]` or longer than 64 characters), so the exposed name is made safe for all:
 *
 * 1. `SERVER__NAME`, with every character outside `[A-Za-z0-9_-]` replaced by `_`;
 * 2. if that is longer than 64 characters, or another entry already took it, it is cut to 55
 *    characters and `_` plus 8 hex digits of SHA-256 over `SERVER/NAME` is appended (over
 *    `SERVER/NAME#N`, N = 1, 2, ..., in the unlikely case that name is taken too).
 *
 * The same inputs give the same names on every listing, so a client's cached name keeps working.
 */
export const SEPARATOR = '__';
export const MAX_NAME_LENGTH = 64;

export interface NamedEntry {
  server: string;
  name: string;
}

function hashed(entry: NamedEntry, base: string, attempt = 0): string {
  const input = `${entry.server}/${entry.name}${attempt ? `#${attempt}` : ''}`;
  const digest = crypto.createHash('sha256').update(input).digest('hex').slice(0, 8);
  return `${base.slice(0, MAX_NAME_LENGTH - 9)}_${digest}`;
}

export function plainExposedName(entry: NamedEntry): string {
  return `${entry.server}${SEPARATOR}${entry.name}`.replace(/[^A-Za-z0-9_-]/g, '_');
}

/** Builds the exposed-name table for one listing. Entries are processed in a stable order. */
export function buildNameTable(entries: NamedEntry[]): Map<string, NamedEntry> {
  const table = new Map<string, NamedEntry>();
  const sorted = [...entries].sort((a, b) =>
    a.server === b.server ? (a.name < b.name ? -1 : a.name > b.name ? 1 : 0) : a.server < b.server ? -1 : 1,
  );
  // Names that need no change are placed first, so a clean name never loses to a mangled one.
  const clean = sorted.filter((entry) => plainExposedName(entry) === `${entry.server}${SEPARATOR}${entry.name}`);
  const rest = sorted.filter((entry) => !clean.includes(entry));
  for (const entry of [...clean, ...rest]) {
    let name = plainExposedName(entry);
    if (name.length > MAX_NAME_LENGTH || table.has(name)) {
      const base = name;
      name = hashed(entry, base);
      // A server may offer a tool literally named like another's hashed form: never overwrite it.
      for (let attempt = 1; table.has(name); attempt++) name = hashed(entry, base, attempt);
    }
    table.set(name, entry);
  }
  return table;
}
