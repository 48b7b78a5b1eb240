import { looksLikeSecretValue } from '../import/secret-detection.ts';
import { findReferences } from './references.ts';

/**
 * A literal credential typed into a server's headers or env would end up in config.json (and
 * shell history). Every way of adding a server (CLI, dashboard, desktop IPC) refuses it and
 * points at the vault instead. Returns the offending key, or undefined when all values are fine.
 */
export function findLiteralSecret(pairs: Record<string, string> | undefined): string | undefined {
  for (const [key, value] of Object.entries(pairs ?? {})) {
    if (findReferences(value).length) continue;
    if (looksLikeSecretValue(value) || /^Bearer\s+\S{16,}/i.test(value)) return key;
  }
  return undefined;
}
