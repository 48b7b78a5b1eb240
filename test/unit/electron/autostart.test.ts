import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  autostartFile,
  createLoginItems,
  ElectronLoginItems,
  launchCommand,
  LinuxAutostart,
  linuxAutostartEntry,
  quoteExecArg,
} from '../../../electron/autostart.ts';

test('the XDG autostart file lives under $XDG_CONFIG_HOME or ~/.config', () => {
  assert.equal(autostartFile({}, '/home/u'), '/home/u/.config/autostart/airlock.desktop');
  assert.equal(autostartFile({ XDG_CONFIG_HOME: '/cfg' }, '/home/u'), '/cfg/autostart/airlock.desktop');
  assert.equal(autostartFile({ XDG_CONFIG_HOME: 'relative' }, '/home/u'), '/home/u/.config/autostart/airlock.desktop');
});

test('the desktop entry starts this installation, with paths quoted as the spec says', () => {
  const entry = linuxAutostartEntry({ execPath: '/opt/Air lock/airlock', args: ['/app/100%', 'a"b$c\\d'] });
  assert.match(entry, /^\[Desktop Entry\]\nType=Application\n/);
  assert.match(entry, /\nName=Airlock\n/);
  const exec = /\nExec=(.*)\n/.exec(entry)?.[1];
  assert.equal(exec, '"/opt/Air lock/airlock" /app/100%% "a\\\\"b\\\\$c\\\\\\\\d"');
  assert.equal(quoteExecArg('/usr/bin/airlock'), '/usr/bin/airlock');
  assert.doesNotMatch(linuxAutostartEntry({ execPath: '/x\nExec=evil' }), /\nExec=evil/);
});

test('an AppImage is started through its image, not the temporary mount', () => {
  assert.deepEqual(launchCommand('/tmp/.mount_x/airlock', { APPIMAGE: '/home/u/Airlock.AppImage' }), {
    execPath: '/home/u/Airlock.AppImage',
    args: [],
  });
  assert.deepEqual(launchCommand('/usr/bin/electron', {}, ['/src/app']), {
    execPath: '/usr/bin/electron',
    args: ['/src/app'],
  });
});

test('Linux: enabling writes the entry, disabling removes it, and a hidden entry counts as off', (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'airlock-autostart-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'autostart', 'airlock.desktop');
  const items = new LinuxAutostart(file, { execPath: '/usr/bin/airlock' });
  assert.equal(items.isEnabled(), false);
  items.setEnabled(true);
  assert.equal(items.isEnabled(), true);
  assert.match(fs.readFileSync(file, 'utf8'), /\nExec=\/usr\/bin\/airlock\n/);
  fs.writeFileSync(file, `${fs.readFileSync(file, 'utf8')}Hidden=true\n`);
  assert.equal(items.isEnabled(), false);
  items.setEnabled(false);
  assert.equal(fs.existsSync(file), false);
  items.setEnabled(false); // idempotent
});

test('macOS and Windows use the login item settings', () => {
  let settings = { openAtLogin: false };
  const app = {
    getLoginItemSettings: () => settings,
    setLoginItemSettings: (next: { openAtLogin: boolean }) => void (settings = { openAtLogin: next.openAtLogin }),
  };
  const items = createLoginItems({ platform: 'darwin', app, execPath: '/A.app', env: {} });
  assert.ok(items instanceof ElectronLoginItems);
  items.setEnabled(true);
  assert.equal(items.isEnabled(), true);
  assert.ok(createLoginItems({ platform: 'linux', app, execPath: '/x', env: {} }) instanceof LinuxAutostart);
});
