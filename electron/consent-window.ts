/**
 * One native window per consent request: small, focused, always on top, not resizable, showing
 * the renderer's `consent.html` with the consent bridge (`window.airlockConsent`) only.
 */
import { BrowserWindow } from 'electron';
import type { ConsentRequest } from '../src/consent/consent-request.ts';
import { appUrl, CONSENT_PAGE } from './app-protocol.ts';
import type { ConsentWindowHandle } from './consent-windows.ts';
import { CONSENT_WINDOW_ARG } from './ipc/channels.ts';
import { secureWebPreferences } from './secure-web-preferences.ts';

export function createConsentWindow(_request: ConsentRequest, preload: string): ConsentWindowHandle {
  const window = new BrowserWindow({
    width: 520,
    height: 600,
    show: false,
    resizable: false,
    minimizable: false,
    maximizable: false,
    fullscreenable: false,
    alwaysOnTop: true,
    skipTaskbar: false,
    center: true,
    // Untrusted server text never goes in the title: it could impersonate the app.
    title: 'Airlock: approval needed',
    autoHideMenuBar: true,
    webPreferences: secureWebPreferences(preload, [CONSENT_WINDOW_ARG]),
  });
  window.setAlwaysOnTop(true, 'modal-panel');
  window.setMenu(null);
  window.once('ready-to-show', () => {
    window.show();
    window.focus();
  });
  void window.loadURL(appUrl(CONSENT_PAGE)).catch(() => undefined);
  const webContentsId = window.webContents.id;
  return {
    webContentsId,
    show: () => window.show(),
    focus: () => window.focus(),
    close: () => window.close(),
    isDestroyed: () => window.isDestroyed(),
    isVisible: () => !window.isDestroyed() && window.isVisible() && !window.isMinimized(),
    onShow: (listener) => window.on('show', listener),
    onFocus: (listener) => window.on('focus', listener),
    onClosed: (listener) => window.once('closed', listener),
  };
}
