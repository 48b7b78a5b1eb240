import type { AirlockApi } from '../../renderer/src/api/airlock-api.ts';
import { DASHBOARD_CHANNELS as C } from '../ipc/channels.ts';
import { caller, type Invoke } from './invoke.ts';

export function serversApi(
  invoke: Invoke,
): Pick<AirlockApi, 'status' | 'servers' | 'addServer' | 'removeServer' | 'restartServer' | 'signIn' | 'signOut'> {
  const call = caller(invoke);
  return {
    status: () => call(C.status),
    servers: () => call(C.servers),
    addServer: (input) => call(C.addServer, input),
    removeServer: (name) => call(C.removeServer, name),
    restartServer: (name) => call(C.restartServer, name),
    signIn: (name) => call(C.signIn, name),
    signOut: (name) => call(C.signOut, name),
  };
}
