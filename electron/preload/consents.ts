import type { AirlockApi, ConsentWindowApi } from '../../renderer/src/api/airlock-api.ts';
import { CONSENT_CHANNELS, DASHBOARD_CHANNELS as C } from '../ipc/channels.ts';
import { caller, type Invoke } from './invoke.ts';

export function consentsApi(invoke: Invoke): Pick<AirlockApi, 'consents' | 'answerConsent'> {
  const call = caller(invoke);
  return {
    consents: () => call(C.consents),
    answerConsent: (id, decision) => call(C.answerConsent, id, decision),
  };
}

/** A consent window's bridge: its own request only; the main process knows which one that is. */
export function consentWindowApi(invoke: Invoke): ConsentWindowApi {
  const call = caller(invoke);
  return {
    request: () => call(CONSENT_CHANNELS.request),
    answer: (decision) => call(CONSENT_CHANNELS.answer, decision),
  };
}
