import os from 'node:os';
import path from 'node:path';
import fs from 'node:fs';

/** The application name that also keys the per-user data directory the desktop app uses. */
export const APP_NAME = 'Airlock';

/**
 * The per-user application data directory, the same one Electron's `app.getPath('userData')`
 * gives for an app named Airlock, so the CLI manages the desktop app's gateway.
 */
export function defaultDataDir(platform = process.platform, env = process.env, home = os.homedir()): string {
  if (platform === 'darwin') return path.join(home, 'Library', 'Application Support', APP_NAME);
  if (platform === 'win32') return path.join(env.APPDATA ?? path.join(home, 'AppData', 'Roaming'), APP_NAME);
  return path.join(env.XDG_CONFIG_HOME ?? path.join(home, '.config'), APP_NAME);
}

/** `--home DIR`, else `$AIRLOCK_HOME`, else the per-user application data directory. */
export function resolveDataDir(flag: string | undefined, env = process.env): string {
  const chosen = flag ?? env.AIRLOCK_HOME ?? defaultDataDir(process.platform, env);
  return path.resolve(chosen);
}

/** Well-known files inside the data directory. */
export function dataPaths(home: string) {
  return {
    home,
    config: path.join(home, 'config.json'),
    vault: path.join(home, 'vault.json'),
    audit: path.join(home, 'audit.jsonl'),
    adminToken: path.join(home, 'admin-token'),
    gatewayInfo: path.join(home, 'gateway.json'),
    logs: path.join(home, 'logs'),
    serverLog: (server: string) => path.join(home, 'logs', 'servers', `${server}.log`),
    socket:
      process.platform === 'win32'
        ? `\\\\.\\pipe\\airlock-${Buffer.from(home).toString('hex').slice(-32)}`
        : path.join(home, 'airlock.sock'),
  };
}
export type DataPaths = ReturnType<typeof dataPaths>;

/** Creates the data directory readable by this user only. */
export function ensureDataDir(home: string): void {
  fs.mkdirSync(home, { recursive: true, mode: 0o700 });
  fs.mkdirSync(path.join(home, 'logs', 'servers'), { recursive: true, mode: 0o700 });
}
