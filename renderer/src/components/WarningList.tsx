import type { ConsentView } from '../api/airlock-api.ts';
import { warningTitle } from '../model/warnings.ts';

export function WarningList({ consent }: { consent: ConsentView }) {
  const warnings = consent.inspection?.warnings ?? [];
  if (warnings.length === 0) return null;
  return (
    <ul className="warnings" aria-label="Warnings">
      {warnings.map((warning) => (
        <li key={warning.code} className="warning" role="alert" data-testid="consent-warning" data-code={warning.code}>
          <span className="warning-icon" aria-hidden="true">
            !
          </span>
          <div>
            <strong>{warningTitle(warning.code)}</strong>
            <p>{warning.message}</p>
          </div>
        </li>
      ))}
    </ul>
  );
}
