import type { AirlockApi } from '../../renderer/src/api/airlock-api.ts';
import { DASHBOARD_CHANNELS as C } from '../ipc/channels.ts';
import { caller, type Invoke } from './invoke.ts';

export function activityApi(invoke: Invoke): Pick<AirlockApi, 'activity'> {
  const call = caller(invoke);
  return { activity: (limit) => (limit === undefined ? call(C.activity) : call(C.activity, limit)) };
}
