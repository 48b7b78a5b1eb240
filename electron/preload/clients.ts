import type { AirlockApi } from '../../renderer/src/api/airlock-api.ts';
import { DASHBOARD_CHANNELS as C } from '../ipc/channels.ts';
import { caller, type Invoke } from './invoke.ts';

export function clientsApi(invoke: Invoke): Pick<AirlockApi, 'clients' | 'addClient' | 'revokeClient'> {
  const call = caller(invoke);
  return {
    clients: () => call(C.clients),
    addClient: (input) => call(C.addClient, input),
    revokeClient: (name) => call(C.revokeClient, name),
  };
}
