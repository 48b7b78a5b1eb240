/** Dashboard IPC: the activity log (audit.jsonl holds no secret values). */
import type { ActivityEntry } from '../../renderer/src/api/airlock-api.ts';
import { expectLimit, expectNoArgs } from './arg-guards.ts';
import { DASHBOARD_CHANNELS } from './channels.ts';
import type { DesktopCore } from './desktop-core.ts';
import type { RegisterHandler } from './handle.ts';

export function registerActivityHandlers(register: RegisterHandler, core: DesktopCore): void {
  register(DASHBOARD_CHANNELS.activity, ([limit, ...rest]): ActivityEntry[] => {
    expectNoArgs(rest);
    return core.airlock.gateway.audit.tail(expectLimit(limit)) as ActivityEntry[];
  });
}
