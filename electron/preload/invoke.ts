/** The one way the preload bridges reach the main process: `ipcRenderer.invoke` on a known channel. */
export type Invoke = (channel: string, ...args: unknown[]) => Promise<unknown>;

/**
 * Electron prefixes errors crossing `invoke` with "Error invoking remote method '...': Error: ".
 * The page gets the main process's message only.
 */
export function cleanIpcError(error: unknown): Error {
  const message = error instanceof Error ? error.message : String(error);
  const match = /^Error invoking remote method '[^']*': (?:[A-Za-z]*Error: )?([\s\S]*)$/.exec(message);
  return new Error(match?.[1] ?? message);
}

export function caller(invoke: Invoke) {
  return async <T>(channel: string, ...args: unknown[]): Promise<T> => {
    try {
      return (await invoke(channel, ...args)) as T;
    } catch (error) {
      throw cleanIpcError(error);
    }
  };
}
