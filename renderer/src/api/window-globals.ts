import type { AirlockApi, ConsentWindowApi } from './airlock-api.ts';

/**
 * What the desktop preload puts on `window` (contextBridge). Absent in a plain browser, where the
 * pages fall back to the admin API over HTTP.
 */
export interface AirlockWindow {
  airlock?: AirlockApi;
  airlockConsent?: ConsentWindowApi;
}

export function hostGlobals(): AirlockWindow {
  return window as unknown as AirlockWindow;
}
