import type { ConsentView } from '../api/airlock-api.ts';
import { urlParts } from '../model/url-parts.ts';

/** The full URL, host highlighted, plus the host's Unicode form when it differs (look-alikes). */
export function UrlView({ consent, label }: { consent: ConsentView; label: string }) {
  const parts = urlParts(consent);
  if (!parts) return null;
  const inspection = consent.inspection;
  const unicodeHost = inspection && inspection.host !== inspection.asciiHost ? inspection.host : undefined;
  return (
    <div className="url-view">
      <div className="field-label">{label}</div>
      <div className="url-host-line">
        <span className="url-host-caption">Site</span>
        <strong className="url-host-name" data-testid="consent-host">
          {parts.host || inspection?.asciiHost || consent.host || '(unknown)'}
        </strong>
        {unicodeHost !== undefined && (
          <span className="url-host-unicode" data-testid="consent-host-unicode">
            shown as <bdi>{unicodeHost}</bdi>
          </span>
        )}
      </div>
      <code className="url-full" data-testid="consent-url">
        <span className="url-rest">{parts.before}</span>
        {parts.host && (
          <mark className="url-host" data-testid="consent-url-host">
            {parts.host}
          </mark>
        )}
        <span className="url-rest">{parts.after}</span>
      </code>
    </div>
  );
}
