import { useState } from 'react';
import type { AirlockApi, SecretView } from '../api/airlock-api.ts';
import { ErrorText, Section, formatDate } from './Section.tsx';
import { useAction, useResource } from './use-resource.ts';
import { TextField } from '../components/TextField.tsx';

const NAME = /^[a-z0-9][a-z0-9._-]{0,63}$/;

/** Secret names and dates; values go in through a password field and never come back. */
export function SecretsSection({ api, version }: { api: AirlockApi; version: number }) {
  const secrets = useResource(() => api.secrets(), version);
  const list = secrets.data ?? [];
  return (
    <Section id="secrets" title="Secrets" count={list.length}>
      <ErrorText message={secrets.error?.message} />
      <SecretForm api={api} onSaved={secrets.reload} />
      {list.length === 0 ? (
        <p className="empty">No secrets stored. Servers refer to them as {'${secret:NAME}'}.</p>
      ) : (
        <ul className="rows">
          {list.map((secret) => (
            <SecretRow key={secret.name} api={api} secret={secret} onChanged={secrets.reload} />
          ))}
        </ul>
      )}
    </Section>
  );
}

function SecretForm({ api, onSaved, fixedName }: { api: AirlockApi; onSaved: () => void; fixedName?: string }) {
  const [name, setName] = useState(fixedName ?? '');
  const [value, setValue] = useState('');
  const action = useAction();
  const nameOk = NAME.test(name);
  const save = async () => {
    if (!nameOk || value === '') return;
    const ok = await action.run(() => api.setSecret(name, value));
    // The value leaves the page's state as soon as it is stored.
    setValue('');
    if (ok) {
      if (fixedName === undefined) setName('');
      onSaved();
    }
  };
  const idBase = fixedName ? `secret-${fixedName}` : 'secret-new';
  return (
    <div className="secret-form" data-testid={fixedName ? 'secret-replace-form' : 'secret-form'}>
      {fixedName === undefined && (
        <TextField
          id={`${idBase}-name`}
          label="Name"
          value={name}
          onChange={setName}
          placeholder="github-token"
          invalid={name !== '' && !nameOk}
        />
      )}
      <div className="form-row">
        <label htmlFor={`${idBase}-value`}>{fixedName ? 'New value' : 'Value'}</label>
        <input
          id={`${idBase}-value`}
          type="password"
          value={value}
          onChange={(e) => setValue(e.target.value)}
          autoComplete="new-password"
          spellCheck={false}
          onKeyDown={(e) => {
            if (e.key === 'Enter') void save();
          }}
        />
      </div>
      <button
        type="button"
        className="button primary"
        disabled={!nameOk || value === '' || action.busy}
        onClick={() => void save()}
        data-testid="secret-save"
      >
        {fixedName ? 'Replace' : 'Save secret'}
      </button>
      <ErrorText message={action.error} />
    </div>
  );
}

function SecretRow({ api, secret, onChanged }: { api: AirlockApi; secret: SecretView; onChanged: () => void }) {
  const action = useAction();
  const [mode, setMode] = useState<'idle' | 'replace' | 'remove'>('idle');
  return (
    <li className="row" data-testid="secret-row" data-secret={secret.name}>
      <div className="row-main">
        <div className="row-title">
          <strong className="mono">{secret.name}</strong>
          <span className="tag">
            <code>{`\${secret:${secret.name}}`}</code>
          </span>
        </div>
        <div className="row-detail">Updated {formatDate(secret.updatedAt)} · value hidden</div>
        {mode === 'replace' && (
          <SecretForm
            api={api}
            fixedName={secret.name}
            onSaved={() => {
              setMode('idle');
              onChanged();
            }}
          />
        )}
        <ErrorText message={action.error} />
      </div>
      <div className="row-actions">
        {mode === 'remove' ? (
          <span className="confirm">
            <span>Delete? Servers using it stop working.</span>
            <button
              type="button"
              className="button danger"
              disabled={action.busy}
              onClick={() => void action.run(() => api.removeSecret(secret.name)).then((ok) => ok && onChanged())}
            >
              Delete
            </button>
            <button type="button" className="button secondary" onClick={() => setMode('idle')}>
              Keep
            </button>
          </span>
        ) : (
          <>
            <button type="button" className="button" onClick={() => setMode(mode === 'replace' ? 'idle' : 'replace')}>
              {mode === 'replace' ? 'Cancel' : 'Replace value'}
            </button>
            <button type="button" className="button secondary" onClick={() => setMode('remove')}>
              Delete
            </button>
          </>
        )}
      </div>
    </li>
  );
}
