import { useState } from 'react';
import type { AirlockApi, ServerView } from '../api/airlock-api.ts';
import { AddServerForm } from './AddServerForm.tsx';
import { ErrorText, Section } from './Section.tsx';
import { useAction, useResource } from './use-resource.ts';

const STATE_LABELS: Record<ServerView['state'], string> = {
  starting: 'Starting',
  connected: 'Connected',
  'needs-sign-in': 'Needs sign-in',
  error: 'Error',
  disabled: 'Disabled',
  stopped: 'Stopped',
};

export function ServersSection({ api, version }: { api: AirlockApi; version: number }) {
  const servers = useResource(() => api.servers(), version);
  const [adding, setAdding] = useState(false);
  const list = servers.data ?? [];
  return (
    <Section
      id="servers"
      title="Servers"
      count={list.length}
      actions={
        !adding && (
          <button type="button" className="button primary" onClick={() => setAdding(true)} data-testid="add-server">
            Add server
          </button>
        )
      }
    >
      <ErrorText message={servers.error?.message} />
      {adding && (
        <AddServerForm
          api={api}
          onDone={() => {
            setAdding(false);
            servers.reload();
          }}
        />
      )}
      {list.length === 0 && !adding ? (
        <p className="empty">No servers yet. Add one, or import them with `airlock import`.</p>
      ) : (
        <ul className="rows">
          {list.map((server) => (
            <ServerRow key={server.name} api={api} server={server} onChanged={servers.reload} />
          ))}
        </ul>
      )}
    </Section>
  );
}

function ServerRow({ api, server, onChanged }: { api: AirlockApi; server: ServerView; onChanged: () => void }) {
  const action = useAction();
  const [confirmRemove, setConfirmRemove] = useState(false);
  const [showTools, setShowTools] = useState(false);
  const remote = server.transport !== 'stdio' && server.url !== undefined;
  const act = (fn: () => Promise<unknown>) => void action.run(fn).then((ok) => ok && onChanged());
  return (
    <li className="row" data-testid="server-row" data-server={server.name} data-state={server.state}>
      <div className="row-main">
        <div className="row-title">
          <strong className="mono">{server.name}</strong>
          <span className={`state state-${server.state}`} data-testid="server-state">
            {STATE_LABELS[server.state] ?? server.state}
          </span>
          {server.transport && <span className="tag">{server.transport}</span>}
        </div>
        <div className="row-detail mono" title={server.command ?? server.url}>
          {server.command !== undefined ? (
            <>
              <span className="muted">runs </span>
              {server.command}
            </>
          ) : (
            server.url
          )}
        </div>
        {server.reason && server.state !== 'connected' && (
          <div className={`reason ${server.state === 'error' ? 'error-text' : ''}`}>{server.reason}</div>
        )}
        <button
          type="button"
          className="link-button"
          onClick={() => setShowTools((v) => !v)}
          aria-expanded={showTools}
          data-testid="server-tools"
        >
          {server.tools.length} {server.tools.length === 1 ? 'tool' : 'tools'}
        </button>
        {showTools && (
          <ul className="tool-list">
            {server.tools.map((tool) => (
              <li key={tool} className="mono">
                {tool}
              </li>
            ))}
          </ul>
        )}
        <ErrorText message={action.error} />
      </div>
      <div className="row-actions">
        {server.state === 'needs-sign-in' && (
          <button
            type="button"
            className="button primary"
            disabled={action.busy}
            onClick={() => act(() => api.signIn(server.name))}
          >
            Sign in
          </button>
        )}
        {remote && server.state !== 'needs-sign-in' && (
          <button
            type="button"
            className="button"
            disabled={action.busy}
            onClick={() => act(() => api.signOut(server.name))}
          >
            Sign out
          </button>
        )}
        <button
          type="button"
          className="button"
          disabled={action.busy}
          onClick={() => act(() => api.restartServer(server.name))}
        >
          Restart
        </button>
        {confirmRemove ? (
          <span className="confirm">
            <span>Remove {server.name}?</span>
            <button
              type="button"
              className="button danger"
              disabled={action.busy}
              onClick={() => act(() => api.removeServer(server.name))}
            >
              Remove
            </button>
            <button type="button" className="button secondary" onClick={() => setConfirmRemove(false)}>
              Keep
            </button>
          </span>
        ) : (
          <button type="button" className="button secondary" onClick={() => setConfirmRemove(true)}>
            Remove
          </button>
        )}
      </div>
    </li>
  );
}
