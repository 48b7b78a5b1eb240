/**
 * Registers IPC handlers behind a sender check, and turns failures into messages fit for the
 * UI: an `AirlockError`'s (or a coded misuse error's) own message, a generic one otherwise, so
 * nothing unexpected (paths, values) leaks into the renderer.
 */
import { AirlockError, describeError } from '../../src/errors.ts';
import type { IpcSenderEvent } from './sender-guard.ts';

/** The part of `ipcMain` used here. */
export interface IpcMainLike {
  handle(channel: string, listener: (event: IpcSenderEvent, ...args: unknown[]) => unknown): void;
  removeHandler(channel: string): void;
}

export type IpcHandler = (args: unknown[], event: IpcSenderEvent) => unknown;
export type RegisterHandler = (channel: string, handler: IpcHandler) => void;

export function safeIpcError(error: unknown, log?: (message: string) => void): Error {
  if (error instanceof AirlockError) return new Error(error.message);
  if (error instanceof TypeError && typeof (error as { code?: unknown }).code === 'string')
    return new Error(error.message);
  log?.(`IPC handler failed: ${describeError(error)}`);
  return new Error('Something went wrong in Airlock. The log has the details.');
}

/**
 * A `register(channel, handler)` whose handlers run only for senders `isTrusted` accepts. The
 * returned `dispose` removes every handler it registered.
 */
export function trustedRegistrar(
  ipcMain: IpcMainLike,
  isTrusted: (event: IpcSenderEvent) => boolean,
  log?: (message: string) => void,
): { register: RegisterHandler; dispose: () => void } {
  const channels: string[] = [];
  const register: RegisterHandler = (channel, handler) => {
    channels.push(channel);
    ipcMain.handle(channel, async (sender, ...args) => {
      if (!isTrusted(sender)) throw new Error('This window may not call Airlock.');
      try {
        return await handler(args, sender);
      } catch (error) {
        throw safeIpcError(error, log);
      }
    });
  };
  return { register, dispose: () => channels.splice(0).forEach((channel) => ipcMain.removeHandler(channel)) };
}
