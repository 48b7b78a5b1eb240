import { useEffect, useId, useMemo, useRef, useState } from 'react';
import type { ConsentDecisionInput, ConsentView } from '../api/airlock-api.ts';
import { consentWording } from '../model/consent-labels.ts';
import { formContent, initialValues, parseFormSchema, type FormValues } from '../model/schema-form.ts';
import { SchemaForm } from './SchemaForm.tsx';
import { UrlView } from './UrlView.tsx';
import { WarningList } from './WarningList.tsx';

/**
 * The approve button wakes up a moment after the request appears, so a click or key press meant
 * for something else cannot approve it. Decline works at once.
 */
export const APPROVE_ARM_MS = 600;

interface Props {
  consent: ConsentView;
  onAnswer: (decision: ConsentDecisionInput) => Promise<void>;
  /** The native/standalone consent window: Decline takes focus and Escape anywhere declines. */
  standalone?: boolean;
}

function expiresIn(expiresAt: string, now: number): string {
  const ms = Date.parse(expiresAt) - now;
  if (!Number.isFinite(ms)) return '';
  if (ms <= 0) return 'expired';
  const minutes = Math.ceil(ms / 60_000);
  return minutes <= 1 ? 'expires in under a minute' : `expires in ${minutes} minutes`;
}

/** One consent request: who asks, why (as untrusted text), what would open, and the answer. */
export function ConsentCard({ consent, onAnswer, standalone = false }: Props) {
  const id = useId();
  const wording = consentWording(consent);
  const form = useMemo(
    () => (consent.kind === 'form-elicitation' ? parseFormSchema(consent.formSchema) : undefined),
    [consent.kind, consent.formSchema],
  );
  const offered = consent.choices?.servers;
  const [servers, setServers] = useState<string[]>(() => offered ?? []);
  const [values, setValues] = useState<FormValues>(() => (form ? initialValues(form.fields) : {}));
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [busy, setBusy] = useState(false);
  const [failure, setFailure] = useState<string | undefined>();
  const [armed, setArmed] = useState(false);
  const [now, setNow] = useState(() => Date.now());
  const declineRef = useRef<HTMLButtonElement>(null);
  const cardRef = useRef<HTMLElement>(null);
  const answered = useRef(false);

  useEffect(() => {
    const timer = setTimeout(() => setArmed(true), APPROVE_ARM_MS);
    const clock = setInterval(() => setNow(Date.now()), 15_000);
    return () => {
      clearTimeout(timer);
      clearInterval(clock);
    };
  }, []);

  useEffect(() => {
    if (standalone) declineRef.current?.focus();
  }, [standalone]);

  const send = async (decision: ConsentDecisionInput) => {
    if (answered.current) return;
    answered.current = true;
    setBusy(true);
    setFailure(undefined);
    try {
      await onAnswer(decision);
    } catch (error) {
      answered.current = false;
      setFailure(error instanceof Error ? error.message : 'The answer could not be sent.');
    } finally {
      setBusy(false);
    }
  };

  const decline = () => void send({ action: 'deny' });
  const approve = () => {
    if (!armed) return;
    if (form) {
      const result = formContent(form.fields, values);
      if ('errors' in result) {
        setErrors(result.errors);
        return;
      }
      setErrors({});
      void send({ action: 'approve', content: result.content });
      return;
    }
    void send({ action: 'approve', ...(offered ? { servers } : {}) });
  };

  // Escape declines: in the window from anywhere, in the dashboard from inside this card.
  const declineLatest = useRef(decline);
  declineLatest.current = decline;
  useEffect(() => {
    if (!standalone) return;
    const onKey = (event: KeyboardEvent) => {
      if (event.key === 'Escape') {
        event.preventDefault();
        declineLatest.current();
      }
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, [standalone]);

  const hasUrl = consent.url !== undefined || consent.inspection !== undefined;
  const canApprove = !(consent.needsDone && !hasUrl);
  const warningCount = consent.inspection?.warnings.length ?? 0;

  return (
    <article
      ref={cardRef}
      className={`consent-card${warningCount ? ' has-warnings' : ''}${standalone ? ' standalone' : ''}`}
      aria-labelledby={`${id}-title`}
      data-testid="consent-card"
      data-consent-id={consent.id}
      onKeyDown={
        standalone
          ? undefined
          : (event) => {
              if (event.key === 'Escape') {
                event.preventDefault();
                decline();
              }
            }
      }
    >
      <header className="consent-header">
        <div className="consent-kicker">Approval needed · {expiresIn(consent.expiresAt, now)}</div>
        <h2 id={`${id}-title`}>{wording.title}</h2>
        <div className="consent-who">
          <span className="field-label">Requested by server</span>
          <strong className="server-name" data-testid="consent-server">
            <bdi>{consent.server}</bdi>
          </strong>
          <span className="kind-badge" data-testid="consent-kind">
            {consent.kind}
          </span>
        </div>
      </header>

      {consent.kind === 'client-signin' && consent.clientName !== undefined && (
        <div className="client-name">
          <span className="field-label">App name</span>
          <strong data-testid="consent-client-name">
            <bdi>{consent.clientName}</bdi>
          </strong>
          <span className="self-declared">self-declared by the app, not verified</span>
        </div>
      )}

      {consent.message !== '' && (
        <section className="server-message" aria-label="Message from the server">
          <div className="server-message-label">Message from the server · not verified by Airlock</div>
          <p className="server-message-text" data-testid="consent-message">
            {consent.message}
          </p>
        </section>
      )}

      <WarningList consent={consent} />
      {hasUrl && <UrlView consent={consent} label={wording.urlLabel} />}

      {offered && (
        <fieldset className="server-choices">
          <legend>Servers this app may use</legend>
          {offered.length === 0 && <p className="muted">No servers are configured yet.</p>}
          {offered.map((server) => (
            <label key={server} className="checkbox">
              <input
                type="checkbox"
                checked={servers.includes(server)}
                onChange={(event) =>
                  setServers((current) =>
                    event.target.checked ? [...current, server] : current.filter((name) => name !== server),
                  )
                }
              />
              <bdi>{server}</bdi>
            </label>
          ))}
        </fieldset>
      )}

      {form && (
        <>
          <SchemaForm idPrefix={id} fields={form.fields} values={values} errors={errors} onChange={setValues} />
          {form.skipped.length > 0 && (
            <p className="muted">The server also asked for fields this form cannot show; they are left out.</p>
          )}
        </>
      )}

      {failure && (
        <p className="error-text" role="alert">
          {failure}
        </p>
      )}

      <div className="consent-actions">
        <button
          ref={declineRef}
          type="button"
          className="button secondary"
          onClick={decline}
          disabled={busy}
          data-testid="consent-decline"
        >
          Decline
        </button>
        {consent.needsDone && (
          <button
            type="button"
            className="button"
            onClick={() => void send({ action: 'done' })}
            disabled={busy}
            data-testid="consent-done"
          >
            Done
          </button>
        )}
        {canApprove && (
          <button
            type="button"
            className={`button ${warningCount ? 'danger' : 'primary'}`}
            onClick={approve}
            disabled={busy || !armed}
            data-testid="consent-approve"
          >
            {warningCount ? `${wording.approve} anyway` : wording.approve}
          </button>
        )}
      </div>
    </article>
  );
}
