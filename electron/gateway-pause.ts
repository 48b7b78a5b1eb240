/**
 * "Pause gateway": stops every upstream server (clients see no tools, nothing runs) while the
 * gateway keeps listening; resuming reloads config.json and starts them again.
 */
import type { Gateway } from '../src/gateway/gateway.ts';

export class GatewayPause {
  readonly #gateway: Pick<Gateway, 'registry' | 'reload'>;
  #paused = false;

  constructor(gateway: Pick<Gateway, 'registry' | 'reload'>) {
    this.#gateway = gateway;
  }

  get paused(): boolean {
    return this.#paused;
  }

  async setPaused(paused: boolean): Promise<void> {
    if (paused === this.#paused) return;
    this.#paused = paused;
    if (paused) await this.#gateway.registry.stopAll();
    else await this.#gateway.reload();
  }
}
