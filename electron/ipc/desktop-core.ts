import type { Airlock } from '../../src/app/start-airlock.ts';

/** What the dashboard's IPC handlers reach: the running core and a few desktop-only facts. */
export interface DesktopCore {
  airlock: Airlock;
  /** `StatusView.vaultWarning`: set while secrets are not kept as safely as they should be. */
  vaultWarning(): string | null;
  paused(): boolean;
  /** How clients launch `airlock stdio` on this installation (for the Claude Desktop snippet). */
  bridgeCommand(): { command: string; args: string[] };
  /** Whether the calling window has the user's focus (approvals need it). */
  isSenderFocused(webContentsId: number): boolean;
}
