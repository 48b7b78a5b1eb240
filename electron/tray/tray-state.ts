/**
 * What the tray shows, computed from the gateway's state: one of three looks (SPEC §9) and the
 * facts the menu lists.
 */
import type { ServerStateName } from '../../src/upstream/server-state.ts';

export type TrayStatus = 'ok' | 'attention' | 'error';

export interface TrayServer {
  name: string;
  state: ServerStateName;
}

export interface TrayPending {
  id: string;
  server: string;
  kind: string;
}

export interface TrayState {
  servers: TrayServer[];
  pending: TrayPending[];
  paused: boolean;
  startAtLogin: boolean;
  /** config.json is broken, or the vault is not as safe as it should be. */
  problem: string | null;
}

/** Error wins over attention: a broken setup is the first thing to fix. */
export function trayStatus(state: TrayState): TrayStatus {
  if (state.problem || state.servers.some((server) => server.state === 'error')) return 'error';
  if (state.pending.length > 0 || state.servers.some((server) => server.state === 'needs-sign-in')) return 'attention';
  return 'ok';
}

export function trayTooltip(state: TrayState): string {
  const status = trayStatus(state);
  if (state.paused) return 'Airlock: paused';
  if (status === 'error') return 'Airlock: something needs fixing';
  if (state.pending.length > 0) {
    return `Airlock: ${state.pending.length} approval${state.pending.length === 1 ? '' : 's'} waiting`;
  }
  if (status === 'attention') return 'Airlock: a server needs sign-in';
  return 'Airlock: all good';
}
