import { useEffect, useState } from 'react';
import type { ConsentDecisionInput, ConsentView, ConsentWindowApi } from '../api/airlock-api.ts';
import { ConsentCard } from '../components/ConsentCard.tsx';

type Phase =
  | { kind: 'loading' }
  | { kind: 'showing'; consent: ConsentView }
  | { kind: 'gone' }
  | { kind: 'answered'; action: ConsentDecisionInput['action'] }
  | { kind: 'failed'; message: string };

const ANSWERED_TEXT: Record<ConsentDecisionInput['action'], string> = {
  approve: 'Approved. Airlock is opening it in your browser.',
  deny: 'Declined. Nothing was opened.',
  done: 'Thanks: the server was told you are done.',
};

/** The consent window: one request, answered once. */
export function ConsentApp({ api }: { api: ConsentWindowApi }) {
  const [phase, setPhase] = useState<Phase>({ kind: 'loading' });

  useEffect(() => {
    let live = true;
    api.request().then(
      (consent) => live && setPhase(consent ? { kind: 'showing', consent } : { kind: 'gone' }),
      (error: unknown) =>
        live &&
        setPhase({ kind: 'failed', message: error instanceof Error ? error.message : 'Could not load the request.' }),
    );
    return () => {
      live = false;
    };
  }, [api]);

  const answer = async (decision: ConsentDecisionInput) => {
    await api.answer(decision);
    setPhase({ kind: 'answered', action: decision.action });
  };

  return (
    <main className="consent-main">
      <div className="brand brand-small">
        <span className="brand-mark" aria-hidden="true" />
        Airlock
      </div>
      {phase.kind === 'loading' && <p className="muted">Loading…</p>}
      {phase.kind === 'showing' && <ConsentCard consent={phase.consent} onAnswer={answer} standalone />}
      {phase.kind === 'gone' && (
        <p className="notice" data-testid="consent-gone">
          This request was already answered or has expired.
        </p>
      )}
      {phase.kind === 'answered' && (
        <p className="notice" role="status" data-testid="consent-answered" data-action={phase.action}>
          {ANSWERED_TEXT[phase.action]}
        </p>
      )}
      {phase.kind === 'failed' && (
        <p className="error-text" role="alert">
          {phase.message}
        </p>
      )}
    </main>
  );
}
