import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CLI_BUNDLE, desktopBridgeCommand, unpackedPath, type AppLocation } from '../../../electron/desktop-paths.ts';

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

const fakeApp = (appPath: string, isPackaged = true): AppLocation => ({ isPackaged, getAppPath: () => appPath });

test('packaged on Linux and macOS: the CLI bundle is run from app.asar.unpacked by the user’s node', () => {
  assert.deepEqual(desktopBridgeCommand(fakeApp('/opt/Airlock/resources/app.asar')), {
    command: 'node',
    args: ['/opt/Airlock/resources/app.asar.unpacked/dist-electron/airlock-cli.mjs'],
  });
  assert.deepEqual(desktopBridgeCommand(fakeApp('/Applications/Air lock.app/Contents/Resources/app.asar')), {
    command: 'node',
    args: ['/Applications/Air lock.app/Contents/Resources/app.asar.unpacked/dist-electron/airlock-cli.mjs'],
  });
});

test('the bridge never names the app binary: it cannot run as Node (RunAsNode fuse off)', () => {
  const { command, args } = desktopBridgeCommand(fakeApp('/opt/Airlock/resources/app.asar'));
  assert.notEqual(command, process.execPath);
  assert.ok(!args.some((arg) => arg.includes(`${path.sep}app.asar${path.sep}`)), args.join(' '));
});

test('Windows paths: the app.asar segment becomes app.asar.unpacked', () => {
  assert.equal(
    unpackedPath(
      'C:\\Users\\u\\AppData\\Local\\Programs\\Airlock\\resources\\app.asar\\dist-electron\\airlock-cli.mjs',
    ),
    'C:\\Users\\u\\AppData\\Local\\Programs\\Airlock\\resources\\app.asar.unpacked\\dist-electron\\airlock-cli.mjs',
  );
});

test('only a whole app.asar segment is rewritten, and only the app’s own (the last) one', () => {
  assert.equal(unpackedPath('/opt/Airlock/resources/app.asar'), '/opt/Airlock/resources/app.asar.unpacked');
  assert.equal(
    unpackedPath('/opt/Airlock/resources/app/dist-electron/x.mjs'),
    '/opt/Airlock/resources/app/dist-electron/x.mjs',
  );
  assert.equal(unpackedPath('/home/u/my.app.asarx/a'), '/home/u/my.app.asarx/a');
  assert.equal(
    unpackedPath('/home/app.asar/Airlock/resources/app.asar/dist-electron/x.mjs'),
    '/home/app.asar/Airlock/resources/app.asar.unpacked/dist-electron/x.mjs',
  );
  // Already unpacked: unchanged.
  assert.equal(unpackedPath('/r/app.asar.unpacked/x.mjs'), '/r/app.asar.unpacked/x.mjs');
});

test('packaged without an archive (asar: false): the bundle is used where it is', () => {
  assert.deepEqual(desktopBridgeCommand(fakeApp('/opt/Airlock/resources/app')).args, [
    path.join('/opt/Airlock/resources/app', CLI_BUNDLE),
  ]);
});

test('in development (`electron .` in a checkout): node runs the checkout’s bin/airlock.js', () => {
  const bridge = desktopBridgeCommand(fakeApp(REPO_ROOT, false));
  assert.equal(bridge.command, 'node');
  assert.deepEqual(bridge.args, [path.join(REPO_ROOT, 'bin', 'airlock.js')]);
  assert.ok(fs.existsSync(bridge.args[0]!), 'the script exists in this checkout');
});
