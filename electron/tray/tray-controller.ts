/**
 * The tray icon and its menu, rebuilt when the state changes (coalesced). On Linux the menu is
 * the whole interface (clicks and bounds are not reported there), so it is always set as the
 * context menu; elsewhere too, for one behaviour everywhere.
 */
import { Menu, nativeImage, Tray } from 'electron';
import { buildTrayMenu, type TrayActions } from './tray-menu.ts';
import { trayIconFile } from './tray-icon.ts';
import { trayStatus, trayTooltip, type TrayState } from './tray-state.ts';

export class TrayController {
  readonly #tray: Tray;
  readonly #iconDir: string;
  readonly #platform: NodeJS.Platform;
  readonly #readState: () => TrayState;
  readonly #actions: TrayActions;
  #timer: ReturnType<typeof setTimeout> | undefined;

  constructor(options: {
    iconDir: string;
    platform: NodeJS.Platform;
    readState: () => TrayState;
    actions: TrayActions;
  }) {
    this.#iconDir = options.iconDir;
    this.#platform = options.platform;
    this.#readState = options.readState;
    this.#actions = options.actions;
    this.#tray = new Tray(this.#image('ok'));
    this.update();
  }

  get tray(): Tray {
    return this.#tray;
  }

  /** Coalesces bursts (a dozen servers changing state at start). */
  scheduleUpdate(): void {
    this.#timer ??= setTimeout(() => {
      this.#timer = undefined;
      this.update();
    }, 50);
  }

  update(): void {
    if (this.#tray.isDestroyed()) return;
    const state = this.#readState();
    this.#tray.setImage(this.#image(trayStatus(state)));
    this.#tray.setToolTip(trayTooltip(state));
    this.#tray.setContextMenu(Menu.buildFromTemplate(buildTrayMenu(state, this.#actions)));
  }

  destroy(): void {
    clearTimeout(this.#timer);
    if (!this.#tray.isDestroyed()) this.#tray.destroy();
  }

  #image(status: 'ok' | 'attention' | 'error') {
    const image = nativeImage.createFromPath(trayIconFile(this.#iconDir, status, this.#platform));
    if (this.#platform === 'darwin') image.setTemplateImage(true);
    return image;
  }
}
