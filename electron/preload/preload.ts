/**
 * The preload script of every Airlock window (sandboxed: bundled to one CommonJS file that
 * requires nothing but `electron`). Consent windows get `window.airlockConsent` only; the
 * dashboard gets `window.airlock`. Neither ever sees `ipcRenderer` itself.
 */
import { contextBridge, ipcRenderer } from 'electron';
import { CONSENT_WINDOW_ARG } from '../ipc/channels.ts';
import { airlockApi } from './airlock-bridge.ts';
import { consentWindowApi } from './consents.ts';
import type { EventReceiver } from './events.ts';

const invoke = (channel: string, ...args: unknown[]) => ipcRenderer.invoke(channel, ...args);

if (process.argv.includes(CONSENT_WINDOW_ARG)) {
  contextBridge.exposeInMainWorld('airlockConsent', consentWindowApi(invoke));
} else {
  contextBridge.exposeInMainWorld('airlock', airlockApi(invoke, ipcRenderer as unknown as EventReceiver));
}
