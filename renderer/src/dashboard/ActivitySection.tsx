import type { ActivityEntry, AirlockApi } from '../api/airlock-api.ts';
import { ActivityChart } from './ActivityChart.tsx';
import { ErrorText, Section } from './Section.tsx';
import { useResource } from './use-resource.ts';

const SHOWN = 50;

function describe(entry: ActivityEntry): string {
  switch (entry.type) {
    case 'tool-call':
      return `${entry.client ?? '?'} called ${entry.server ?? '?'}__${entry.tool ?? '?'}`;
    case 'session-start':
      return `${entry.client ?? '?'} connected`;
    case 'session-end':
      return `${entry.client ?? '?'} disconnected`;
    case 'consent':
      return `Approval for ${String(entry.server ?? '?')}: ${String(entry.action ?? '?')}`;
    case 'gateway-start':
      return 'Gateway started';
    case 'gateway-stop':
      return 'Gateway stopped';
    case 'client-revoked':
      return 'Client access revoked';
    default:
      return entry.type;
  }
}

export function ActivitySection({ api, version }: { api: AirlockApi; version: number }) {
  const activity = useResource(() => api.activity(1000), version);
  const entries = activity.data ?? [];
  const recent = entries.slice(-SHOWN).reverse();
  return (
    <Section id="activity" title="Activity">
      <ErrorText message={activity.error?.message} />
      <ActivityChart entries={entries} />
      {recent.length === 0 ? (
        <p className="empty">Nothing yet.</p>
      ) : (
        <table className="activity" data-testid="activity-table">
          <thead>
            <tr>
              <th scope="col">Time</th>
              <th scope="col">Event</th>
              <th scope="col">Outcome</th>
              <th scope="col" className="num">
                Duration
              </th>
            </tr>
          </thead>
          <tbody>
            {recent.map((entry, i) => (
              <tr key={`${entry.time}-${i}`} data-type={entry.type}>
                <td className="mono nowrap">{new Date(entry.time).toLocaleTimeString()}</td>
                <td>{describe(entry)}</td>
                <td>
                  {entry.outcome !== undefined && (
                    <span className={`outcome outcome-${entry.outcome === 'ok' ? 'ok' : 'bad'}`}>
                      {String(entry.outcome)}
                    </span>
                  )}
                </td>
                <td className="num mono">{typeof entry.durationMs === 'number' ? `${entry.durationMs} ms` : ''}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </Section>
  );
}
