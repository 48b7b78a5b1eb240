import type { Vault } from '../vault/vault.ts';

const TOKEN_FIELD = /(token|secret|password|key)$/i;

function collectStrings(value: unknown, out: string[], depth = 0): void {
  if (depth > 4 || !value || typeof value !== 'object') return;
  for (const [key, inner] of Object.entries(value)) {
    if (typeof inner === 'string' && TOKEN_FIELD.test(key) && !/hash$/i.test(key)) out.push(inner);
    else collectStrings(inner, out, depth + 1);
  }
}

/**
 * Every value the redactor must hide: user secrets, and the tokens and client secrets inside
 * OAuth records. Client keys are not here because the vault holds only their hashes.
 */
export async function redactionValues(vault: Vault): Promise<[string, string][]> {
  const pairs: [string, string][] = [];
  for (const info of await vault.list()) {
    let value: string | undefined;
    try {
      value = await vault.get(info.name);
    } catch {
      continue;
    }
    if (value === undefined) continue;
    if (info.name.startsWith('secret/')) {
      pairs.push([info.name.slice('secret/'.length), value]);
    } else if (info.name.startsWith('oauth/') || info.name.startsWith('as/')) {
      const found: string[] = [];
      try {
        collectStrings(JSON.parse(value), found);
      } catch {
        found.push(value);
      }
      for (const item of found) pairs.push([info.name, item]);
    }
  }
  return pairs;
}
