/** A desktop notification for each new consent request (the window may be behind others). */
import type { ConsentEvent } from '../src/consent/consent-request.ts';
import { menuText } from './tray/tray-menu.ts';

export interface NotificationLike {
  on(event: 'click', listener: () => void): unknown;
  show(): void;
}

export function consentNotifier(
  create: (options: { title: string; body: string; silent?: boolean }) => NotificationLike | undefined,
  showConsent: (id: string) => void,
): (event: ConsentEvent) => void {
  return (event) => {
    if (event.type !== 'added') return;
    const { request } = event;
    const what =
      request.kind === 'client-signin'
        ? 'An MCP client wants access'
        : `${menuText(request.server).replaceAll('&&', '&')} asks for your approval`;
    const notification = create({
      title: 'Airlock: approval needed',
      body: `${what}. Nothing opens until you choose.`,
    });
    if (!notification) return;
    notification.on('click', () => showConsent(request.id));
    notification.show();
  };
}
