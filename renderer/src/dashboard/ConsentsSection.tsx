import type { AirlockApi } from '../api/airlock-api.ts';
import { ConsentCard } from '../components/ConsentCard.tsx';
import { ErrorText, Section } from './Section.tsx';
import { useResource } from './use-resource.ts';

export function ConsentsSection({ api, version }: { api: AirlockApi; version: number }) {
  const consents = useResource(() => api.consents(), version);
  const list = consents.data ?? [];
  return (
    <Section id="pending" title="Pending approvals" count={list.length}>
      <ErrorText message={consents.error?.message} />
      {list.length === 0 ? (
        <p className="empty" data-testid="no-pending">
          Nothing is waiting for you. When a server wants a browser opened, it asks here first.
        </p>
      ) : (
        <div className="consent-list">
          {list.map((consent) => (
            <ConsentCard
              key={consent.id}
              consent={consent}
              onAnswer={async (decision) => {
                await api.answerConsent(consent.id, decision);
                consents.reload();
              }}
            />
          ))}
        </div>
      )}
    </Section>
  );
}
