import type { AirlockApi } from '../../renderer/src/api/airlock-api.ts';
import { activityApi } from './activity.ts';
import { clientsApi } from './clients.ts';
import { consentsApi } from './consents.ts';
import { eventsApi, type EventReceiver } from './events.ts';
import type { Invoke } from './invoke.ts';
import { secretsApi } from './secrets.ts';
import { serversApi } from './servers.ts';

/** `window.airlock` for the dashboard, assembled from one module per domain. */
export function airlockApi(invoke: Invoke, events: EventReceiver): AirlockApi {
  return {
    ...serversApi(invoke),
    ...clientsApi(invoke),
    ...secretsApi(invoke),
    ...consentsApi(invoke),
    ...activityApi(invoke),
    ...eventsApi(events),
  };
}
