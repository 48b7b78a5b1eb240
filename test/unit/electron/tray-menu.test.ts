import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { MenuItemConstructorOptions } from 'electron';
import { buildTrayMenu, menuText, type TrayActions } from '../../../electron/tray/tray-menu.ts';
import { trayStatus, trayTooltip, type TrayState } from '../../../electron/tray/tray-state.ts';
import { trayIconFile } from '../../../electron/tray/tray-icon.ts';

function state(overrides: Partial<TrayState> = {}): TrayState {
  return { servers: [], pending: [], paused: false, startAtLogin: false, problem: null, ...overrides };
}

function recorder(): { actions: TrayActions; calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    actions: {
      showConsent: (id) => calls.push(`consent:${id}`),
      openDashboard: (section) => calls.push(`dashboard:${section ?? ''}`),
      connectClient: () => calls.push('connect'),
      setPaused: (paused) => calls.push(`paused:${paused}`),
      setStartAtLogin: (enabled) => calls.push(`login:${enabled}`),
      quit: () => calls.push('quit'),
    },
  };
}

function item(menu: MenuItemConstructorOptions[], id: string): MenuItemConstructorOptions {
  const found = menu.find((entry) => entry.id === id);
  assert.ok(found, `menu has ${id}`);
  return found;
}

function click(entry: MenuItemConstructorOptions): void {
  (entry.click as () => void)();
}

test('an idle gateway is all good and the menu has every SPEC §9 entry', () => {
  const { actions } = recorder();
  const menu = buildTrayMenu(state(), actions);
  assert.equal(trayStatus(state()), 'ok');
  assert.equal(item(menu, 'status').label, 'Airlock: All good');
  const labels = menu.map((entry) => entry.label).filter(Boolean);
  for (const label of [
    'Pending approvals',
    'Servers',
    'Connect a client...',
    'Open dashboard',
    'Pause gateway',
    'Start at login',
    'Quit',
  ]) {
    assert.ok(labels.includes(label), `menu has ${label}`);
  }
  assert.equal(item(menu, 'pending-none').enabled, false);
  assert.equal(item(menu, 'servers-none').label, 'No servers yet');
});

test('servers are listed with their state, sorted, and a needs-sign-in server asks for attention', () => {
  const s = state({
    servers: [
      { name: 'zeta', state: 'connected' },
      { name: 'github', state: 'needs-sign-in' },
    ],
  });
  const { actions, calls } = recorder();
  const menu = buildTrayMenu(s, actions);
  assert.equal(trayStatus(s), 'attention');
  assert.equal(trayTooltip(s), 'Airlock: a server needs sign-in');
  const servers = menu.filter((entry) => entry.id?.startsWith('server:'));
  assert.deepEqual(
    servers.map((entry) => entry.label),
    ['github: needs sign-in', 'zeta: connected'],
  );
  click(servers[0]!);
  assert.deepEqual(calls, ['dashboard:servers']);
});

test('pending approvals are listed and open their consent window', () => {
  const s = state({ pending: [{ id: 'abc', server: 'notion', kind: 'upstream-signin' }] });
  const { actions, calls } = recorder();
  const menu = buildTrayMenu(s, actions);
  assert.equal(trayStatus(s), 'attention');
  assert.equal(trayTooltip(s), 'Airlock: 1 approval waiting');
  const entry = item(menu, 'pending:abc');
  assert.equal(entry.label, 'notion: sign-in…');
  click(entry);
  assert.deepEqual(calls, ['consent:abc']);
});

test('an error wins over attention, and a config problem shows in the menu', () => {
  const s = state({
    servers: [{ name: 'a', state: 'error' }],
    pending: [{ id: 'x', server: 'b', kind: 'url-elicitation' }],
  });
  assert.equal(trayStatus(s), 'error');
  assert.equal(trayStatus(state({ problem: 'config.json is invalid' })), 'error');
  const menu = buildTrayMenu(state({ problem: 'config.json is invalid' }), recorder().actions);
  assert.equal(item(menu, 'problem').label, 'config.json is invalid');
});

test('toggles reflect and flip the current setting; the remaining entries call their action', () => {
  const { actions, calls } = recorder();
  const menu = buildTrayMenu(state({ paused: true, startAtLogin: false }), actions);
  assert.equal(item(menu, 'pause').checked, true);
  assert.equal(item(menu, 'start-at-login').checked, false);
  assert.equal(item(menu, 'status').label, 'Airlock: paused');
  click(item(menu, 'pause'));
  click(item(menu, 'start-at-login'));
  click(item(menu, 'connect-client'));
  click(item(menu, 'open-dashboard'));
  click(item(menu, 'quit'));
  assert.deepEqual(calls, ['paused:false', 'login:true', 'connect', 'dashboard:', 'quit']);
});

test('long lists are capped and untrusted names cannot inject mnemonics, controls or bidi tricks', () => {
  const servers = Array.from({ length: 12 }, (_, i) => ({
    name: `s${String(i).padStart(2, '0')}`,
    state: 'connected' as const,
  }));
  const menu = buildTrayMenu(state({ servers }), recorder().actions);
  assert.equal(menu.filter((entry) => entry.id?.startsWith('server:')).length, 8);
  assert.equal(item(menu, 'servers-more').label, '4 more…');
  assert.equal(menuText('a&b\n\u202ecba'), 'a&&bcba');
  assert.equal(menuText('x'.repeat(100)).length, 49);
});

test('icons: template images on macOS, coloured ones elsewhere', () => {
  assert.equal(trayIconFile('/i', 'ok', 'darwin'), '/i/trayTemplate.png');
  assert.equal(trayIconFile('/i', 'error', 'darwin'), '/i/tray-errorTemplate.png');
  assert.equal(trayIconFile('/i', 'attention', 'linux'), '/i/tray-attention.png');
});
