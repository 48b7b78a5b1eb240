import type { AirlockApi, AirlockEvent } from '../../renderer/src/api/airlock-api.ts';
import { EVENT_CHANNEL } from '../ipc/channels.ts';
import { isAirlockEvent } from '../ipc/events.ts';

/** The part of `ipcRenderer` used for pushed events. */
export interface EventReceiver {
  on(channel: string, listener: (event: unknown, payload: unknown) => void): unknown;
  removeListener(channel: string, listener: (event: unknown, payload: unknown) => void): unknown;
}

/** The page's listener gets the event only, never the IPC event object (it has `sender`). */
export function eventsApi(ipc: EventReceiver): Pick<AirlockApi, 'subscribe'> {
  return {
    subscribe(listener) {
      if (typeof listener !== 'function') throw new TypeError('subscribe() needs a function.');
      const relay = (_event: unknown, payload: unknown) => {
        if (isAirlockEvent(payload)) listener({ type: payload.type } as AirlockEvent);
      };
      ipc.on(EVENT_CHANNEL, relay);
      return () => {
        ipc.removeListener(EVENT_CHANNEL, relay);
      };
    },
  };
}
