/** All dashboard handlers, behind one sender check: the dashboard window's own top frame and page. */
import { DASHBOARD_PAGE } from '../app-protocol.ts';
import { registerActivityHandlers } from './activity.ts';
import { registerClientHandlers } from './clients.ts';
import { registerConsentHandlers } from './consents.ts';
import type { DesktopCore } from './desktop-core.ts';
import { trustedRegistrar, type IpcMainLike } from './handle.ts';
import { registerSecretHandlers } from './secrets.ts';
import { isTrustedSender } from './sender-guard.ts';
import { registerServerHandlers } from './servers.ts';

export function registerDashboardIpc(
  ipcMain: IpcMainLike,
  core: DesktopCore,
  isDashboard: (webContentsId: number) => boolean,
  log?: (message: string) => void,
): () => void {
  const { register, dispose } = trustedRegistrar(
    ipcMain,
    (event) => isTrustedSender(event, DASHBOARD_PAGE, isDashboard),
    log,
  );
  registerServerHandlers(register, core);
  registerClientHandlers(register, core);
  registerSecretHandlers(register, core);
  registerConsentHandlers(register, core);
  registerActivityHandlers(register, core);
  return dispose;
}
