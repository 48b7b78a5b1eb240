/** The dashboard: one window, created on demand, with the same hardening as every window. */
import { BrowserWindow } from 'electron';
import { appUrl, DASHBOARD_PAGE } from './app-protocol.ts';
import { secureWebPreferences } from './secure-web-preferences.ts';

export class DashboardWindow {
  readonly #preload: string;
  #window: BrowserWindow | undefined;

  constructor(preload: string) {
    this.#preload = preload;
  }

  /** The web contents id of the open dashboard, for the IPC sender check. */
  isDashboard(webContentsId: number): boolean {
    return this.#window !== undefined && !this.#window.isDestroyed() && this.#window.webContents.id === webContentsId;
  }

  isFocused(webContentsId: number): boolean {
    return this.isDashboard(webContentsId) && this.#window!.isFocused();
  }

  get webContents() {
    return this.#window && !this.#window.isDestroyed() ? this.#window.webContents : undefined;
  }

  /** `section` becomes the URL hash (`#clients`...), which the dashboard may use to pick a tab. */
  open(section?: string): void {
    const hash = section ? `#${section}` : '';
    if (this.#window && !this.#window.isDestroyed()) {
      if (section) void this.#window.loadURL(appUrl(DASHBOARD_PAGE, hash)).catch(() => undefined);
      if (this.#window.isMinimized()) this.#window.restore();
      this.#window.show();
      this.#window.focus();
      return;
    }
    const window = new BrowserWindow({
      width: 1000,
      height: 720,
      minWidth: 640,
      minHeight: 480,
      show: false,
      title: 'Airlock',
      autoHideMenuBar: true,
      webPreferences: secureWebPreferences(this.#preload),
    });
    window.once('ready-to-show', () => {
      window.show();
      window.focus();
    });
    window.on('closed', () => {
      if (this.#window === window) this.#window = undefined;
    });
    this.#window = window;
    void window.loadURL(appUrl(DASHBOARD_PAGE, hash)).catch(() => undefined);
  }

  close(): void {
    if (this.#window && !this.#window.isDestroyed()) this.#window.close();
  }
}
