import { useState } from 'react';
import type { AirlockApi, ClientView, NewClientView } from '../api/airlock-api.ts';
import { NewClientPanel } from './NewClientPanel.tsx';
import { ErrorText, Section, formatDate } from './Section.tsx';
import { useAction, useResource } from './use-resource.ts';
import { TextField } from '../components/TextField.tsx';

const KIND_LABELS: Record<ClientView['kind'], string> = {
  key: 'static key',
  oauth: 'signed in (OAuth)',
  local: 'local bridge',
};
const NAME = /^[a-z0-9-]{1,32}$/;

export function ClientsSection({
  api,
  version,
  serversVersion,
}: {
  api: AirlockApi;
  version: number;
  serversVersion: number;
}) {
  const clients = useResource(() => api.clients(), version);
  const servers = useResource(() => api.servers(), serversVersion);
  const [adding, setAdding] = useState(false);
  // Only in memory, only until dismissed: the key cannot be fetched again.
  const [created, setCreated] = useState<NewClientView | undefined>();
  const list = clients.data ?? [];
  return (
    <Section
      id="clients"
      title="Clients"
      count={list.length}
      actions={
        !adding &&
        !created && (
          <button type="button" className="button primary" onClick={() => setAdding(true)} data-testid="add-client">
            Connect a client
          </button>
        )
      }
    >
      <ErrorText message={clients.error?.message} />
      {adding && (
        <AddClientForm
          api={api}
          serverNames={(servers.data ?? []).map((s) => s.name)}
          onCancel={() => setAdding(false)}
          onCreated={(view) => {
            setAdding(false);
            setCreated(view);
            clients.reload();
          }}
        />
      )}
      {created && <NewClientPanel client={created} onDismiss={() => setCreated(undefined)} />}
      {list.length === 0 ? (
        <p className="empty">No clients yet. Clients that sign in with OAuth appear here after you approve them.</p>
      ) : (
        <ul className="rows">
          {list.map((client) => (
            <ClientRow
              key={`${client.kind}:${client.id ?? client.name}`}
              api={api}
              client={client}
              onChanged={clients.reload}
            />
          ))}
        </ul>
      )}
    </Section>
  );
}

function ClientRow({ api, client, onChanged }: { api: AirlockApi; client: ClientView; onChanged: () => void }) {
  const action = useAction();
  const [confirm, setConfirm] = useState(false);
  const oauthId = client.kind === 'oauth' ? client.id : undefined;
  const revoke = () =>
    oauthId !== undefined && api.revokeOAuthClient ? api.revokeOAuthClient(oauthId) : api.revokeClient(client.name);
  const canRevoke = client.kind === 'key' || (oauthId !== undefined && api.revokeOAuthClient !== undefined);
  return (
    <li className="row" data-testid="client-row" data-client={client.name}>
      <div className="row-main">
        <div className="row-title">
          <strong className="mono">
            <bdi>{client.name}</bdi>
          </strong>
          <span className="tag">{KIND_LABELS[client.kind] ?? client.kind}</span>
          {client.kind === 'oauth' && <span className="self-declared">name self-declared by the app</span>}
        </div>
        <div className="row-detail">
          Servers: {client.servers === '*' ? 'all' : client.servers.length ? client.servers.join(', ') : 'none'} · added{' '}
          {formatDate(client.createdAt)}
        </div>
        {client.redirectUris && client.redirectUris.length > 0 && (
          <div className="row-detail mono">Redirects to {client.redirectUris.join(', ')}</div>
        )}
        <ErrorText message={action.error} />
      </div>
      <div className="row-actions">
        {!canRevoke ? null : confirm ? (
          <span className="confirm">
            <span>Revoke? It stops working at once.</span>
            <button
              type="button"
              className="button danger"
              disabled={action.busy}
              onClick={() => void action.run(() => revoke()).then((ok) => ok && onChanged())}
            >
              Revoke
            </button>
            <button type="button" className="button secondary" onClick={() => setConfirm(false)}>
              Keep
            </button>
          </span>
        ) : (
          <button
            type="button"
            className="button secondary"
            onClick={() => setConfirm(true)}
            data-testid="revoke-client"
          >
            Revoke
          </button>
        )}
      </div>
    </li>
  );
}

function AddClientForm({
  api,
  serverNames,
  onCancel,
  onCreated,
}: {
  api: AirlockApi;
  serverNames: string[];
  onCancel: () => void;
  onCreated: (view: NewClientView) => void;
}) {
  const [name, setName] = useState('');
  const [all, setAll] = useState(true);
  const [chosen, setChosen] = useState<string[]>([]);
  const action = useAction();
  const nameOk = NAME.test(name);
  const submit = async () => {
    let view: NewClientView | undefined;
    const ok = await action.run(async () => {
      view = await api.addClient({ name, ...(all ? {} : { servers: chosen }) });
    });
    if (ok && view) onCreated(view);
  };
  return (
    <div className="card add-form" data-testid="add-client-form">
      <h3>Connect a client</h3>
      <p className="help">
        Creates a key for an app that cannot sign in by itself, with ready-to-paste settings for it.
      </p>
      <TextField
        id="client-name"
        label="Name"
        value={name}
        onChange={setName}
        placeholder="cursor-laptop"
        invalid={name !== '' && !nameOk}
      />
      <fieldset className="server-choices">
        <legend>Servers it may use</legend>
        <label className="checkbox">
          <input type="checkbox" checked={all} onChange={(e) => setAll(e.target.checked)} />
          All servers, including ones added later
        </label>
        {!all &&
          serverNames.map((server) => (
            <label key={server} className="checkbox">
              <input
                type="checkbox"
                checked={chosen.includes(server)}
                onChange={(e) =>
                  setChosen((current) =>
                    e.target.checked ? [...current, server] : current.filter((s) => s !== server),
                  )
                }
              />
              {server}
            </label>
          ))}
      </fieldset>
      <ErrorText message={action.error} />
      <div className="form-actions">
        <button type="button" className="button secondary" onClick={onCancel}>
          Cancel
        </button>
        <button
          type="button"
          className="button primary"
          disabled={!nameOk || action.busy}
          onClick={() => void submit()}
          data-testid="add-client-submit"
        >
          Create key
        </button>
      </div>
    </div>
  );
}
