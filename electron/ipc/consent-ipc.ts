/** The consent windows' two handlers; ConsentWindows does the checks (sender, window, timing, arguments). */
import type { ConsentWindows } from '../consent-windows.ts';
import { CONSENT_CHANNELS } from './channels.ts';
import { safeIpcError, type IpcMainLike } from './handle.ts';

export function registerConsentIpc(
  ipcMain: IpcMainLike,
  windows: ConsentWindows,
  log?: (message: string) => void,
): () => void {
  ipcMain.handle(CONSENT_CHANNELS.request, (event, ...args) => {
    try {
      return windows.handleRequest(event, args);
    } catch (error) {
      throw safeIpcError(error, log);
    }
  });
  ipcMain.handle(CONSENT_CHANNELS.answer, async (event, ...args) => {
    try {
      await windows.handleAnswer(event, args);
    } catch (error) {
      throw safeIpcError(error, log);
    }
  });
  return () => {
    ipcMain.removeHandler(CONSENT_CHANNELS.request);
    ipcMain.removeHandler(CONSENT_CHANNELS.answer);
  };
}
