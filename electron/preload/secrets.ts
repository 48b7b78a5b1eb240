import type { AirlockApi } from '../../renderer/src/api/airlock-api.ts';
import { DASHBOARD_CHANNELS as C } from '../ipc/channels.ts';
import { caller, type Invoke } from './invoke.ts';

/** Values only ever travel into the main process; there is no call that reads one back. */
export function secretsApi(invoke: Invoke): Pick<AirlockApi, 'secrets' | 'setSecret' | 'removeSecret'> {
  const call = caller(invoke);
  return {
    secrets: () => call(C.secrets),
    setSecret: (name, value) => call(C.setSecret, name, value),
    removeSecret: (name) => call(C.removeSecret, name),
  };
}
