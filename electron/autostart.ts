/**
 * "Start at login". macOS and Windows: Electron's login item settings. Linux: an XDG autostart
 * entry, `~/.config/autostart/airlock.desktop` (or under `$XDG_CONFIG_HOME`).
 *
 * @see https://specifications.freedesktop.org/autostart-spec/latest/
 * @see https://specifications.freedesktop.org/desktop-entry-spec/latest/exec-variables.html
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { writeFileAtomicSync } from '../src/util/atomic-write.ts';

export interface LoginItems {
  isEnabled(): boolean;
  setEnabled(enabled: boolean): void;
}

/** The part of Electron's `app` used on macOS and Windows. */
export interface LoginItemApp {
  getLoginItemSettings(): { openAtLogin: boolean };
  setLoginItemSettings(settings: { openAtLogin: boolean; openAsHidden?: boolean; args?: string[] }): void;
}

export function autostartFile(env: Record<string, string | undefined> = process.env, home = os.homedir()): string {
  const configHome =
    env.XDG_CONFIG_HOME && path.isAbsolute(env.XDG_CONFIG_HOME) ? env.XDG_CONFIG_HOME : path.join(home, '.config');
  return path.join(configHome, 'autostart', 'airlock.desktop');
}

/** One Exec argument, quoted as the Desktop Entry spec requires. */
export function quoteExecArg(arg: string): string {
  const escapedPercent = arg.replaceAll('%', '%%');
  if (!/[\s"'\\><~|&;$*?#()`]/.test(escapedPercent) && escapedPercent !== '') return escapedPercent;
  // Inside double quotes, `"`, `` ` ``, `$` and `\` take a backslash...
  const quoted = `"${escapedPercent.replace(/["`$\\]/g, (c) => `\\${c}`)}"`;
  // ...and the string value itself escapes every backslash once more.
  return quoted.replaceAll('\\', '\\\\');
}

/** Control characters would break the key=value lines. */
function clean(value: string): string {
  // eslint-disable-next-line no-control-regex -- removing control characters is the point
  return value.replace(/[\u0000-\u001f\u007f]/g, ' ');
}

export function linuxAutostartEntry(command: { execPath: string; args?: string[] }): string {
  const exec = [command.execPath, ...(command.args ?? [])].map((arg) => quoteExecArg(clean(arg))).join(' ');
  return [
    '[Desktop Entry]',
    'Type=Application',
    'Version=1.0',
    'Name=Airlock',
    'Comment=Local MCP gateway that keeps your credentials in the keychain',
    `Exec=${exec}`,
    'Terminal=false',
    'X-GNOME-Autostart-enabled=true',
    '',
  ].join('\n');
}

export class LinuxAutostart implements LoginItems {
  readonly #file: string;
  readonly #command: { execPath: string; args?: string[] };

  constructor(file: string, command: { execPath: string; args?: string[] }) {
    this.#file = file;
    this.#command = command;
  }

  isEnabled(): boolean {
    try {
      const text = fs.readFileSync(this.#file, 'utf8');
      return !/^Hidden\s*=\s*true\s*$/m.test(text) && !/^X-GNOME-Autostart-enabled\s*=\s*false\s*$/m.test(text);
    } catch {
      return false;
    }
  }

  setEnabled(enabled: boolean): void {
    if (!enabled) {
      fs.rmSync(this.#file, { force: true });
      return;
    }
    fs.mkdirSync(path.dirname(this.#file), { recursive: true, mode: 0o700 });
    writeFileAtomicSync(this.#file, linuxAutostartEntry(this.#command), 0o644);
  }
}

export class ElectronLoginItems implements LoginItems {
  readonly #app: LoginItemApp;

  constructor(app: LoginItemApp) {
    this.#app = app;
  }

  isEnabled(): boolean {
    return this.#app.getLoginItemSettings().openAtLogin;
  }

  setEnabled(enabled: boolean): void {
    this.#app.setLoginItemSettings({ openAtLogin: enabled, openAsHidden: true });
  }
}

/**
 * The command that starts this installation: an AppImage is started through its image file
 * (`$APPIMAGE`), not the temporary mount `execPath` points into.
 */
export function launchCommand(
  execPath: string,
  env: Record<string, string | undefined>,
  devArgs: string[] = [],
): { execPath: string; args: string[] } {
  if (env.APPIMAGE) return { execPath: env.APPIMAGE, args: [] };
  return { execPath, args: devArgs };
}

export function createLoginItems(options: {
  platform: NodeJS.Platform;
  app: LoginItemApp;
  execPath: string;
  env: Record<string, string | undefined>;
  devArgs?: string[];
}): LoginItems {
  if (options.platform === 'linux') {
    return new LinuxAutostart(
      autostartFile(options.env),
      launchCommand(options.execPath, options.env, options.devArgs),
    );
  }
  return new ElectronLoginItems(options.app);
}
