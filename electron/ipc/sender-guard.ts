/**
 * Every IPC call is checked against who sent it: only the top frame of one of our own windows,
 * showing one of our own pages, may call the main process. A frame that navigated elsewhere
 * (navigation is denied, but defence in depth), an iframe or another window gets nothing.
 *
 * @see https://www.electronjs.org/docs/latest/tutorial/security#17-validate-the-sender-of-all-ipc-messages
 */
import { APP_HOST, APP_SCHEME } from '../app-protocol.ts';

/** The parts of `IpcMainInvokeEvent` the check reads (fakes in tests provide just these). */
export interface IpcSenderEvent {
  readonly sender: { readonly id: number; readonly mainFrame?: unknown };
  readonly senderFrame: { readonly url: string; readonly parent: unknown } | null;
}

/** The page a sender must show, e.g. `/index.html` or `/consent.html`. */
export function isAppPage(url: string, page: string): boolean {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return false;
  }
  // Custom schemes have an opaque `origin` in WHATWG URL: compare scheme and host instead.
  return parsed.protocol === `${APP_SCHEME}:` && parsed.host === APP_HOST && parsed.pathname === page;
}

/**
 * True when the event comes from the main frame of a web contents we trust, showing `page`.
 * `trustedContents` says which web contents ids are ours for this channel.
 */
export function isTrustedSender(
  event: IpcSenderEvent,
  page: string,
  trustedContents: (id: number) => boolean,
): boolean {
  const frame = event.senderFrame;
  if (!frame) return false; // the frame navigated away or was destroyed
  if (frame.parent !== null) return false; // a subframe
  if (event.sender.mainFrame !== undefined && event.sender.mainFrame !== frame) return false;
  if (!trustedContents(event.sender.id)) return false;
  return isAppPage(frame.url, page);
}
