import type { ConsentView } from '../api/airlock-api.ts';

export interface UrlParts {
  before: string;
  host: string;
  after: string;
}

/**
 * Splits the URL a consent would open around its host, using the gateway's own inspection
 * (`hostStart`/`hostEnd` index the normalized URL). A span that does not match is not
 * highlighted at all rather than highlighted wrongly.
 */
export function urlParts(consent: Pick<ConsentView, 'url' | 'inspection'>): UrlParts | undefined {
  const inspection = consent.inspection;
  const url = inspection?.url ?? consent.url;
  if (url === undefined) return undefined;
  if (!inspection) return { before: url, host: '', after: '' };
  const { hostStart, hostEnd } = inspection;
  const valid =
    Number.isInteger(hostStart) &&
    Number.isInteger(hostEnd) &&
    hostStart >= 0 &&
    hostEnd > hostStart &&
    hostEnd <= url.length &&
    url.slice(hostStart, hostEnd) === inspection.asciiHost;
  if (!valid) return { before: url, host: '', after: '' };
  return { before: url.slice(0, hostStart), host: url.slice(hostStart, hostEnd), after: url.slice(hostEnd) };
}
