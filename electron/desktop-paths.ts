/**
 * Where the packaged app's parts are, for the core that runs bundled inside it: `import.meta.url`
 * there points at the bundle, not at a checkout's `bin/`, so the desktop app says how to run the CLI.
 */
import path from 'node:path';
import type { BridgeCommand } from '../src/clients/config-snippets.ts';

/** What these helpers read from Electron's `app` (a fake in tests). */
export interface AppLocation {
  readonly isPackaged: boolean;
  /** The packaged `resources/app.asar`, or the checkout's root in development. */
  getAppPath(): string;
}

/** The standalone CLI bundle `scripts/build-electron.js` writes, relative to the app's root. */
export const CLI_BUNDLE = path.join('dist-electron', 'airlock-cli.mjs');

/**
 * The real file behind a path inside `app.asar`: electron-builder puts the `asarUnpack` files in
 * `app.asar.unpacked` next to it, where programs other than Electron (a user's `node`) can read
 * them. Paths outside an archive are returned as they are.
 */
export function unpackedPath(file: string): string {
  // The last `app.asar` segment: the app's own archive is the deepest one in the path.
  return file.replace(/([\\/])app\.asar(?=[\\/]|$)(?!.*[\\/]app\.asar(?:[\\/]|$))/, '$1app.asar.unpacked');
}

/**
 * How MCP clients that only launch commands (Claude Desktop) start `airlock stdio` on this machine.
 * The app binary cannot run the CLI (the RunAsNode fuse is off), so the bridge runs under the
 * user's own Node.js: Node.js >= 22.18 must be on the PATH that client launches commands with,
 * for that client alone. MCP clients that speak HTTP (Cursor, VS Code, Windsurf) get the gateway's
 * URL and need nothing installed. Packaged, it is the self-contained CLI bundle shipped unpacked;
 * in development (`electron .` in a checkout), the checkout's `bin/airlock.js`.
 */
export function desktopBridgeCommand(app: AppLocation): BridgeCommand {
  const script = app.isPackaged
    ? unpackedPath(path.join(app.getAppPath(), CLI_BUNDLE))
    : path.join(app.getAppPath(), 'bin', 'airlock.js');
  return { command: 'node', args: [script] };
}
