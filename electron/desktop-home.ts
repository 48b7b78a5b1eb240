import path from 'node:path';
import { APP_NAME } from '../src/config/data-dir.ts';

export const DESKTOP_APP_NAME = APP_NAME;

/**
 * The data directory: `$AIRLOCK_HOME` if set (as the CLI reads it), else Electron's `userData`
 * for an app named Airlock, which is the CLI's default directory too.
 */
export function desktopHome(env: Record<string, string | undefined>, userData: () => string): string {
  const chosen = env.AIRLOCK_HOME?.trim();
  return chosen ? path.resolve(chosen) : userData();
}
