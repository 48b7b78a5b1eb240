/** Dashboard IPC: vault secrets. Values go in, never out: listing returns names only. */
import { AirlockError, quote } from '../../src/errors.ts';
import type { SecretView } from '../../renderer/src/api/airlock-api.ts';
import { expectNoArgs, expectSecretName, expectSecretValue } from './arg-guards.ts';
import { DASHBOARD_CHANNELS } from './channels.ts';
import type { DesktopCore } from './desktop-core.ts';
import type { RegisterHandler } from './handle.ts';

export function registerSecretHandlers(register: RegisterHandler, core: DesktopCore): void {
  const vault = () => core.airlock.gateway.vault;

  register(DASHBOARD_CHANNELS.secrets, async (args): Promise<SecretView[]> => {
    expectNoArgs(args);
    const records = await vault().list('secret/');
    return records.map((record) => ({ name: record.name.slice('secret/'.length), updatedAt: record.updatedAt }));
  });

  register(DASHBOARD_CHANNELS.setSecret, async ([name, value, ...rest]) => {
    expectNoArgs(rest);
    const secret = expectSecretName(name);
    // The gateway's vault listener restarts the servers that use it.
    await vault().set(`secret/${secret}`, expectSecretValue(value));
  });

  register(DASHBOARD_CHANNELS.removeSecret, async ([name, ...rest]) => {
    expectNoArgs(rest);
    const secret = expectSecretName(name);
    if (!(await vault().delete(`secret/${secret}`))) {
      throw new AirlockError('SECRET_UNKNOWN', `no secret named ${quote(secret)}`);
    }
  });
}
