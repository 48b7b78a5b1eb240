import { useState } from 'react';
import type { NewClientView } from '../api/airlock-api.ts';
import { CopyButton } from '../components/CopyButton.tsx';

/** The new key and client settings, shown this once. */
export function NewClientPanel({ client, onDismiss }: { client: NewClientView; onDismiss: () => void }) {
  const [tab, setTab] = useState(client.snippets[0]?.target);
  const snippet = client.snippets.find((s) => s.target === tab);
  const json = snippet ? JSON.stringify(snippet.config, null, 2) : '';
  return (
    <div className="card new-client" data-testid="new-client">
      <h3>
        Client <span className="mono">{client.name}</span> is ready
      </h3>
      <div className="key-box">
        <div className="field-label">Its key, shown only now: copy it or the settings below</div>
        <div className="endpoint">
          <code data-testid="new-client-key">{client.key}</code>
          <CopyButton text={client.key} testId="copy-key" />
        </div>
      </div>
      <div className="tabs" role="tablist" aria-label="Client settings">
        {client.snippets.map((s) => (
          <button
            key={s.target}
            type="button"
            role="tab"
            aria-selected={s.target === tab}
            className={`tab${s.target === tab ? ' selected' : ''}`}
            onClick={() => setTab(s.target)}
            data-testid={`snippet-tab-${s.target}`}
          >
            {s.label}
          </button>
        ))}
      </div>
      {snippet && (
        <div className="snippet" role="tabpanel" data-testid="snippet">
          <div className="snippet-head">
            <span>
              Add to <code>{snippet.file}</code>
            </span>
            <CopyButton text={json} label="Copy settings" />
          </div>
          <pre className="code">{json}</pre>
          {snippet.note && <p className="help">{snippet.note}</p>}
        </div>
      )}
      <div className="form-actions">
        <button type="button" className="button primary" onClick={onDismiss} data-testid="new-client-done">
          I saved it
        </button>
      </div>
    </div>
  );
}
