import type { ConsentView } from '../api/airlock-api.ts';

export interface ConsentWording {
  title: string;
  /** What the approve button says. */
  approve: string;
  /** How the URL is introduced. */
  urlLabel: string;
}

/** Plain words for each kind of request. */
export function consentWording(consent: Pick<ConsentView, 'kind' | 'server'>): ConsentWording {
  switch (consent.kind) {
    case 'upstream-signin':
      return { title: 'Sign in to a server', approve: 'Open sign-in page', urlLabel: 'Opens in your browser' };
    case 'provider-signin':
      return { title: 'Sign in to a provider', approve: 'Open sign-in page', urlLabel: 'Opens in your browser' };
    case 'url-elicitation':
      return { title: 'A server asks you to open a link', approve: 'Open link', urlLabel: 'Opens in your browser' };
    case 'form-elicitation':
      return { title: 'A server asks for information', approve: 'Send', urlLabel: 'Link' };
    case 'client-signin':
      return { title: 'An app wants to connect to Airlock', approve: 'Allow', urlLabel: 'Sends you back to' };
    default:
      return { title: 'Approval needed', approve: 'Open', urlLabel: 'Opens in your browser' };
  }
}
