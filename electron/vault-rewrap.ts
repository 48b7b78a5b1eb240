/**
 * Honours safeStorage's `shouldReEncrypt`: the vault file's wrapped data key is replaced by a
 * fresh wrapping of the same key, under the vault's file lock, and only if the file still holds
 * the wrapping that was opened (another process may have changed it meanwhile). The records are
 * untouched: the data key itself does not change.
 */
import { FileVaultStore } from '../src/vault/vault-store.ts';

export async function rewrapVaultKey(file: string, sealed: Buffer, rewrapped: Buffer): Promise<boolean> {
  const expected = sealed.toString('base64');
  let replaced = false;
  await new FileVaultStore(file).update(async (current) => {
    if (!current || current.backend !== 'safe-storage' || current.wrappedKey !== expected) return undefined;
    replaced = true;
    return { ...current, wrappedKey: rewrapped.toString('base64') };
  });
  return replaced;
}
