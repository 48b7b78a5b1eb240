/**
 * The desktop app's main process: the composition root that plugs Electron's pieces (safeStorage,
 * native consent windows, the tray, `shell.openExternal`) into the same core `airlock serve` runs.
 * Everything Airlock does happens in `src/`; this file only wires it up.
 */
import path from 'node:path';
import { app, BrowserWindow, dialog, ipcMain, Notification, protocol, safeStorage, session, shell } from 'electron';
import { describeError } from '../src/errors.ts';
import { startAirlock, type Airlock } from '../src/app/start-airlock.ts';
import { dataPaths } from '../src/config/data-dir.ts';
import type { ConsentEvent } from '../src/consent/consent-request.ts';
import { DESKTOP_APP_NAME, desktopHome } from './desktop-home.ts';
import { desktopBridgeCommand } from './desktop-paths.ts';
import { createLoginItems } from './autostart.ts';
import { consentNotifier } from './consent-notifications.ts';
import { createConsentWindow } from './consent-window.ts';
import { ConsentWindows } from './consent-windows.ts';
import { DashboardWindow } from './dashboard-window.ts';
import { createDesktopUrlOpener } from './desktop-url-opener.ts';
import { openDesktopVault, type InsecureChoice } from './desktop-vault.ts';
import { hardenApp, hardenSession } from './hardening.ts';
import { registerConsentIpc } from './ipc/consent-ipc.ts';
import { EVENT_CHANNEL } from './ipc/channels.ts';
import { registerDashboardIpc } from './ipc/dashboard-ipc.ts';
import { watchAirlockEvents } from './ipc/events.ts';
import { registerAppScheme, serveRenderer } from './register-app-protocol.ts';
import { TrayController } from './tray/tray-controller.ts';
import type { TrayState } from './tray/tray-state.ts';

/** dist-electron/ (this bundle's directory) sits next to dist-renderer/ in the app. */
const APP_ROOT = path.resolve(__dirname, '..');
const PRELOAD = path.join(__dirname, 'preload.cjs');
const RENDERER_ROOT = path.join(APP_ROOT, 'dist-renderer');
const TRAY_ICONS = path.join(__dirname, 'tray');

app.setName(DESKTOP_APP_NAME);
const home = desktopHome(process.env, () => app.getPath('userData'));
// One directory for the CLI and the app (SPEC §3): Chromium's own files go there too.
app.setPath('userData', home);
registerAppScheme(protocol);
hardenApp(app);

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  void main().catch((error: unknown) => fail(error));
}

function fail(error: unknown): void {
  dialog.showErrorBox('Airlock could not start', describeError(error));
  app.exit(1);
}

async function main(): Promise<void> {
  // Keep running with no window open: Airlock lives in the tray.
  app.on('window-all-closed', () => {});
  await app.whenReady();
  if (process.platform === 'darwin') app.dock?.hide();
  hardenSession(session.defaultSession);
  serveRenderer(protocol, RENDERER_ROOT);

  const log = (message: string) => console.error(`airlock: ${message}`);
  const paths = dataPaths(home);
  const { vault, warning } = await openDesktopVault({
    env: process.env,
    home,
    vaultFile: paths.vault,
    safeStorage,
    askWhenInsecure,
    onError: log,
  });

  // Consent requests may arrive while the gateway starts (a server needing sign-in): the
  // presenters are late-bound and catch up with the broker once they exist.
  const presenter: { current?: (event: ConsentEvent) => void } = {};
  const bridge = desktopBridgeCommand(app);
  const airlock: Airlock = await startAirlock({
    home,
    vault,
    urlOpener: createDesktopUrlOpener(process.env, (url, options) => shell.openExternal(url, options)),
    consentPresenters: [(event) => presenter.current?.(event)],
    // The core's defaults point into a checkout; inside the app they are here. The bridge needs
    // Node.js >= 22.18 on the user's PATH, for Claude Desktop (which launches commands) only; MCP
    // clients that speak HTTP need nothing installed (see desktop-paths.ts).
    uiDistDir: RENDERER_ROOT,
    bridge,
  });

  const dashboard = new DashboardWindow(PRELOAD);
  const consentWindows = new ConsentWindows({
    broker: airlock.consents,
    createWindow: (request) => createConsentWindow(request, PRELOAD),
    onError: log,
  });
  const notify = consentNotifier(
    (options) => (Notification.isSupported() ? new Notification(options) : undefined),
    (id) => consentWindows.show(id),
  );
  const pause = airlock.gateway;
  const loginItems = createLoginItems({
    platform: process.platform,
    app,
    execPath: process.execPath,
    env: process.env,
    devArgs: app.isPackaged ? [] : [APP_ROOT],
  });

  const readTrayState = (): TrayState => ({
    servers: airlock.gateway.registry.states().map(({ name, state }) => ({ name, state })),
    pending: airlock.consents.pending().map(({ id, server, kind }) => ({ id, server, kind })),
    paused: pause.paused,
    startAtLogin: loginItems.isEnabled(),
    problem: airlock.gateway.configError() ?? (warning ? 'Secrets are not stored safely: open the dashboard.' : null),
  });
  const tray = new TrayController({
    iconDir: TRAY_ICONS,
    platform: process.platform,
    readState: readTrayState,
    actions: {
      showConsent: (id) => consentWindows.show(id),
      openDashboard: (section) => dashboard.open(section),
      connectClient: () => dashboard.open('clients'),
      setPaused: (paused) =>
        void pause.setPaused(paused).then(
          () => tray.update(),
          (error: unknown) => log(describeError(error)),
        ),
      setStartAtLogin: (enabled) => {
        try {
          loginItems.setEnabled(enabled);
        } catch (error) {
          log(`could not change start at login: ${describeError(error)}`);
        }
        tray.update();
      },
      quit: () => app.quit(),
    },
  });

  presenter.current = (event) => {
    consentWindows.presenter(event);
    notify(event);
  };
  // Requests raised before the presenters existed.
  for (const request of airlock.consents.pending()) presenter.current({ type: 'added', request });

  const disposeDashboardIpc = registerDashboardIpc(
    ipcMain,
    {
      airlock,
      vaultWarning: () => warning,
      paused: () => pause.paused,
      bridgeCommand: () => bridge,
      isSenderFocused: (id) => dashboard.isFocused(id),
    },
    (id) => dashboard.isDashboard(id),
    log,
  );
  const disposeConsentIpc = registerConsentIpc(ipcMain, consentWindows, log);
  const stopEvents = watchAirlockEvents(
    {
      registry: airlock.gateway.registry,
      consents: airlock.consents,
      vault: airlock.gateway.vault,
      audit: airlock.gateway.audit,
    },
    (event) => {
      dashboard.webContents?.send(EVENT_CHANNEL, event);
      if (event.type === 'servers' || event.type === 'consents') tray.scheduleUpdate();
    },
  );

  app.on('second-instance', () => dashboard.open());
  app.on('activate', () => dashboard.open());

  let shutdown: Promise<void> | undefined;
  app.on('before-quit', (event) => {
    if (shutdown === undefined) {
      event.preventDefault();
      shutdown = (async () => {
        stopEvents();
        consentWindows.closeAll();
        disposeConsentIpc();
        disposeDashboardIpc();
        tray.destroy();
        // Stops the upstream processes and closes the vault.
        await airlock.close().catch((error: unknown) => log(`shutdown: ${describeError(error)}`));
      })().finally(() => app.quit());
    }
  });

  if (process.env.AIRLOCK_OPEN_DASHBOARD === '1' || BrowserWindow.getAllWindows().length > 0) dashboard.open();
  // For end-to-end tests: what the tray and the app are made of, reachable through `evaluate`.
  (globalThis as { airlockDesktop?: unknown }).airlockDesktop = { airlock, tray: tray.tray, consentWindows };
}

async function askWhenInsecure(reason: string): Promise<InsecureChoice> {
  const { response } = await dialog.showMessageBox({
    type: 'warning',
    title: 'Airlock: secrets cannot be stored safely',
    message: 'Airlock cannot keep your secrets safe on this machine as it is.',
    detail: reason,
    buttons: ['Quit', 'Use memory-only secrets for now'],
    defaultId: 0,
    cancelId: 0,
    noLink: true,
  });
  return response === 1 ? 'memory' : 'quit';
}
