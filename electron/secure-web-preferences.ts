import type { WebPreferences } from 'electron';

/**
 * The web preferences of every Airlock window: the page is an untrusted renderer that reaches the
 * main process only through the preload bridge.
 *
 * @see https://www.electronjs.org/docs/latest/tutorial/security
 */
export function secureWebPreferences(preload: string, additionalArguments: string[] = []): WebPreferences {
  return {
    preload,
    contextIsolation: true,
    sandbox: true,
    nodeIntegration: false,
    nodeIntegrationInSubFrames: false,
    nodeIntegrationInWorker: false,
    webSecurity: true,
    allowRunningInsecureContent: false,
    experimentalFeatures: false,
    webviewTag: false,
    navigateOnDragDrop: false,
    spellcheck: false,
    devTools: process.env.AIRLOCK_DEVTOOLS === '1',
    additionalArguments,
  };
}
