import { useEffect, useState } from 'react';
import type { AirlockApi, AirlockEvent } from '../api/airlock-api.ts';
import { ApiError } from '../api/http-api.ts';
import { CopyButton } from '../components/CopyButton.tsx';
import { ActivitySection } from './ActivitySection.tsx';
import { ClientsSection } from './ClientsSection.tsx';
import { ConsentsSection } from './ConsentsSection.tsx';
import { SecretsSection } from './SecretsSection.tsx';
import { ServersSection } from './ServersSection.tsx';
import { useResource } from './use-resource.ts';

export type Versions = Record<AirlockEvent['type'], number>;

const NAV = [
  ['pending', 'Approvals'],
  ['servers', 'Servers'],
  ['clients', 'Clients'],
  ['secrets', 'Secrets'],
  ['activity', 'Activity'],
] as const;

/** The dashboard: everything the gateway holds, refreshed when it says something changed. */
export function Dashboard({ api, transport }: { api: AirlockApi; transport: 'preload' | 'http' }) {
  const [versions, setVersions] = useState<Versions>({ servers: 0, consents: 0, activity: 0, clients: 0, secrets: 0 });
  useEffect(
    () => api.subscribe((event) => setVersions((current) => ({ ...current, [event.type]: current[event.type] + 1 }))),
    [api],
  );
  const status = useResource(() => api.status(), versions.servers);

  if (status.error instanceof ApiError && status.error.status === 401) return <SignInNeeded />;

  const info = status.data;
  return (
    <div className="app">
      <header className="topbar">
        <div className="brand">
          <span className="brand-mark" aria-hidden="true" />
          Airlock
        </div>
        <nav aria-label="Sections">
          {NAV.map(([id, label]) => (
            <a key={id} href={`#${id}`}>
              {label}
            </a>
          ))}
        </nav>
        <div className="topbar-status" data-testid="gateway-status">
          {info ? (
            <>
              <span className="dot ok" aria-hidden="true" />
              <span>
                Gateway on port {info.port}
                {info.paused ? ' (paused)' : ''}
              </span>
            </>
          ) : (
            <span className="muted">{status.error ? 'Gateway unreachable' : 'Connecting…'}</span>
          )}
        </div>
      </header>

      <main className="content">
        {status.error && !(status.error instanceof ApiError && status.error.status === 401) && (
          <div className="banner error" role="alert">
            {status.error.message}
          </div>
        )}
        {info?.vaultWarning && (
          <div className="banner warning" role="alert" data-testid="vault-warning">
            <strong>Your secrets are not protected by the system keychain.</strong> {info.vaultWarning}
          </div>
        )}
        {info?.configError && (
          <div className="banner error" role="alert">
            <strong>config.json has an error; the last good configuration is still running.</strong>{' '}
            <span className="mono">{info.configError}</span>
          </div>
        )}

        {info && (
          <section className="overview card" aria-label="Overview">
            <div>
              <div className="field-label">MCP endpoint</div>
              <div className="endpoint">
                <code data-testid="mcp-url">{info.mcpUrl}</code>
                <CopyButton text={info.mcpUrl} />
              </div>
            </div>
            <div className="stat">
              <div className="field-label">Servers</div>
              <div className="stat-value">
                {info.servers.filter((s) => s.state === 'connected').length}/{info.servers.length} connected
              </div>
            </div>
            <div className="stat">
              <div className="field-label">Open sessions</div>
              <div className="stat-value">{info.sessions}</div>
            </div>
            <div className="stat">
              <div className="field-label">Vault</div>
              <div className="stat-value">{info.vaultBackend}</div>
            </div>
            <div className="stat">
              <div className="field-label">Version</div>
              <div className="stat-value">{info.version}</div>
            </div>
          </section>
        )}

        <ConsentsSection api={api} version={versions.consents} />
        <ServersSection api={api} version={versions.servers} />
        <ClientsSection api={api} version={versions.clients} serversVersion={versions.servers} />
        <SecretsSection api={api} version={versions.secrets} />
        <ActivitySection api={api} version={versions.activity} />
        <footer className="footer muted">
          {transport === 'http' ? 'Headless dashboard, served by the gateway.' : 'Airlock desktop.'} Secret values never
          reach this page.
        </footer>
      </main>
    </div>
  );
}

function SignInNeeded() {
  return (
    <main className="signin-needed">
      <div className="card">
        <div className="brand">
          <span className="brand-mark" aria-hidden="true" />
          Airlock
        </div>
        <h1>Open the dashboard link</h1>
        <p>
          This page needs a session. Use the one-time link that <code>airlock serve</code> printed when it started (it
          works once and for 10 minutes).
        </p>
      </div>
    </main>
  );
}
