/**
 * The tray menu (SPEC §9) as a plain template: pending approvals, servers and their state,
 * "Connect a client...", "Open dashboard", "Pause gateway", "Start at login", "Quit". A pure
 * function of the state, rebuilt whenever the state changes (Linux shows only the context menu,
 * so everything must be reachable from here).
 */
import type { MenuItemConstructorOptions } from 'electron';
import type { ServerStateName } from '../../src/upstream/server-state.ts';
import { trayStatus, type TrayState } from './tray-state.ts';

export interface TrayActions {
  showConsent(id: string): void;
  openDashboard(section?: 'servers' | 'clients' | 'consents'): void;
  connectClient(): void;
  setPaused(paused: boolean): void;
  setStartAtLogin(enabled: boolean): void;
  quit(): void;
}

/** The longest server name or label fragment shown: names come from files others may write. */
const MAX_LABEL = 48;
/** More than this and the rest are summed up in one line. */
const MAX_LISTED = 8;

const STATE_LABELS: Record<ServerStateName, string> = {
  starting: 'starting',
  connected: 'connected',
  'needs-sign-in': 'needs sign-in',
  error: 'error',
  disabled: 'disabled',
  stopped: 'stopped',
};

const KIND_LABELS: Record<string, string> = {
  'upstream-signin': 'sign-in',
  'provider-signin': 'sign-in',
  'url-elicitation': 'open a link',
  'form-elicitation': 'asks for input',
  'client-signin': 'client wants access',
};

const STATUS_LABELS = { ok: 'All good', attention: 'Needs attention', error: 'Something needs fixing' } as const;

/** `&` is a mnemonic marker on Windows and Linux menus; control characters have no place in a label. */
export function menuText(value: string): string {
  // eslint-disable-next-line no-control-regex -- removing control characters is the point
  const clean = value.replace(/[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2066-\u2069]/g, '');
  const clipped = clean.length > MAX_LABEL ? `${clean.slice(0, MAX_LABEL)}…` : clean;
  return clipped.replaceAll('&', '&&');
}

export function buildTrayMenu(state: TrayState, actions: TrayActions): MenuItemConstructorOptions[] {
  const status = trayStatus(state);
  const items: MenuItemConstructorOptions[] = [
    { id: 'status', label: state.paused ? 'Airlock: paused' : `Airlock: ${STATUS_LABELS[status]}`, enabled: false },
  ];
  if (state.problem) items.push({ id: 'problem', label: menuText(state.problem), enabled: false });
  items.push({ type: 'separator' });

  items.push({ id: 'pending-header', label: 'Pending approvals', enabled: false });
  if (state.pending.length === 0) {
    items.push({ id: 'pending-none', label: 'None', enabled: false });
  } else {
    for (const pending of state.pending.slice(0, MAX_LISTED)) {
      items.push({
        id: `pending:${pending.id}`,
        label: `${menuText(pending.server)}: ${KIND_LABELS[pending.kind] ?? 'approval'}…`,
        click: () => actions.showConsent(pending.id),
      });
    }
    if (state.pending.length > MAX_LISTED) {
      items.push({
        id: 'pending-more',
        label: `${state.pending.length - MAX_LISTED} more…`,
        click: () => actions.openDashboard('consents'),
      });
    }
  }
  items.push({ type: 'separator' });

  items.push({ id: 'servers-header', label: 'Servers', enabled: false });
  if (state.servers.length === 0) {
    items.push({ id: 'servers-none', label: 'No servers yet', enabled: false });
  } else {
    const sorted = [...state.servers].sort((a, b) => a.name.localeCompare(b.name));
    for (const server of sorted.slice(0, MAX_LISTED)) {
      items.push({
        id: `server:${server.name}`,
        label: `${menuText(server.name)}: ${STATE_LABELS[server.state] ?? 'unknown'}`,
        click: () => actions.openDashboard('servers'),
      });
    }
    if (sorted.length > MAX_LISTED) {
      items.push({
        id: 'servers-more',
        label: `${sorted.length - MAX_LISTED} more…`,
        click: () => actions.openDashboard('servers'),
      });
    }
  }
  items.push({ type: 'separator' });

  items.push(
    { id: 'connect-client', label: 'Connect a client...', click: () => actions.connectClient() },
    { id: 'open-dashboard', label: 'Open dashboard', click: () => actions.openDashboard() },
    { type: 'separator' },
    {
      id: 'pause',
      label: 'Pause gateway',
      type: 'checkbox',
      checked: state.paused,
      click: () => actions.setPaused(!state.paused),
    },
    {
      id: 'start-at-login',
      label: 'Start at login',
      type: 'checkbox',
      checked: state.startAtLogin,
      click: () => actions.setStartAtLogin(!state.startAtLogin),
    },
    { type: 'separator' },
    { id: 'quit', label: 'Quit', click: () => actions.quit() },
  );
  return items;
}
