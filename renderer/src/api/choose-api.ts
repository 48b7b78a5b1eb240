import type { AirlockApi, ConsentWindowApi } from './airlock-api.ts';
import { HttpAirlockApi, httpConsentWindowApi } from './http-api.ts';
import type { AirlockWindow } from './window-globals.ts';

/** The desktop preload's bridge when there is one, else the admin API over HTTP (headless `/ui/`). */
export function chooseApi(host: AirlockWindow): { api: AirlockApi; transport: 'preload' | 'http' } {
  if (host.airlock) return { api: host.airlock, transport: 'preload' };
  return { api: new HttpAirlockApi(), transport: 'http' };
}

/**
 * The consent page's source of its one request: the native window's own bridge
 * (`window.airlockConsent`), else the request named by `?id=` through the general API, else,
 * without an id, the oldest open request.
 */
export function chooseConsentApi(host: AirlockWindow, search: string): ConsentWindowApi {
  if (host.airlockConsent) return host.airlockConsent;
  const id = new URLSearchParams(search).get('id') ?? undefined;
  if (!host.airlock && id !== undefined) return httpConsentWindowApi(new HttpAirlockApi(), id);
  const api = chooseApi(host).api;
  let chosen: string | undefined = id;
  return {
    request: async () => {
      const pending = await api.consents();
      const found = chosen === undefined ? pending[0] : pending.find((consent) => consent.id === chosen);
      chosen = found?.id ?? chosen;
      return found;
    },
    answer: async (decision) => {
      if (chosen === undefined) throw new Error('There is no request to answer.');
      await api.answerConsent(chosen, decision);
    },
  };
}
