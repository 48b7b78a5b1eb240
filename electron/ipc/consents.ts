/**
 * Dashboard IPC: open consent requests, answered from the dashboard's list. An approval must come
 * from the dashboard while it has the user's focus (a click there, not a script in the background).
 */
import { AirlockError, describeError } from '../../src/errors.ts';
import type { ConsentView } from '../../renderer/src/api/airlock-api.ts';
import { toConsentView } from '../consent-windows.ts';
import { expectConsentDecision, expectConsentId, expectNoArgs } from './arg-guards.ts';
import { DASHBOARD_CHANNELS } from './channels.ts';
import type { DesktopCore } from './desktop-core.ts';
import type { RegisterHandler } from './handle.ts';

export const DASHBOARD_PRESENTER = 'desktop-dashboard';

export function registerConsentHandlers(register: RegisterHandler, core: DesktopCore): void {
  register(DASHBOARD_CHANNELS.consents, (args): ConsentView[] => {
    expectNoArgs(args);
    return core.airlock.consents.pending().map(toConsentView);
  });

  register(DASHBOARD_CHANNELS.answerConsent, async ([id, decision, ...rest], event) => {
    expectNoArgs(rest);
    const requestId = expectConsentId(id);
    const answer = expectConsentDecision(decision);
    if (answer.action !== 'deny' && !core.isSenderFocused(event.sender.id)) {
      throw new AirlockError('CONSENT_WINDOW_UNFOCUSED', 'Bring the Airlock window to the front, then choose.');
    }
    let outcome;
    try {
      outcome = await core.airlock.consents.answerAndWait(requestId, answer, DASHBOARD_PRESENTER);
    } catch (error) {
      throw new AirlockError('CONSENT_BAD_ANSWER', describeError(error));
    }
    if (!outcome) throw new AirlockError('CONSENT_CLOSED', 'This request was already answered or has expired.');
    if (outcome.openError) throw new AirlockError('BROWSER_FAILED', outcome.openError);
  });
}
