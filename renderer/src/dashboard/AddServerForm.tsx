import { useState } from 'react';
import type { AddServerInput, AirlockApi } from '../api/airlock-api.ts';
import { formatCommandLine, parseArgLines, parseEnvLines } from '../model/command-line.ts';
import { ErrorText } from './Section.tsx';
import { useAction } from './use-resource.ts';
import { TextField } from '../components/TextField.tsx';

const NAME = /^[a-z0-9-]{1,32}$/;

/**
 * Adding a server. A local (stdio) server is a program Airlock will run as the user, so the exact
 * command line is shown and must be confirmed by name before it can be added.
 */
export function AddServerForm({ api, onDone }: { api: AirlockApi; onDone: () => void }) {
  const [kind, setKind] = useState<'remote' | 'stdio'>('remote');
  const [name, setName] = useState('');
  const [url, setUrl] = useState('');
  const [command, setCommand] = useState('');
  const [argsText, setArgsText] = useState('');
  const [envText, setEnvText] = useState('');
  const [trusted, setTrusted] = useState(false);
  const action = useAction();

  const args = parseArgLines(argsText);
  const env = parseEnvLines(envText);
  const commandLine = command.trim() ? formatCommandLine(command.trim(), args) : '';
  const nameOk = NAME.test(name);
  const ready =
    nameOk && (kind === 'remote' ? url.trim() !== '' : command.trim() !== '' && trusted && !('error' in env));

  const submit = async () => {
    if (!ready) return;
    let input: AddServerInput;
    if (kind === 'remote') input = { name, url: url.trim() };
    else {
      const vars = 'env' in env ? env.env : {};
      input = { name, command: command.trim(), args, ...(Object.keys(vars).length ? { env: vars } : {}) };
    }
    if (await action.run(() => api.addServer(input))) onDone();
  };

  return (
    <div className="card add-form" data-testid="add-server-form">
      <h3>Add a server</h3>
      <div className="segmented" role="radiogroup" aria-label="Server type">
        <label className={kind === 'remote' ? 'selected' : ''}>
          <input type="radio" name="server-kind" checked={kind === 'remote'} onChange={() => setKind('remote')} />
          Remote (URL)
        </label>
        <label className={kind === 'stdio' ? 'selected' : ''}>
          <input type="radio" name="server-kind" checked={kind === 'stdio'} onChange={() => setKind('stdio')} />
          Local command (stdio)
        </label>
      </div>
      <TextField
        id="server-name"
        label="Name"
        value={name}
        onChange={setName}
        placeholder="github"
        invalid={name !== '' && !nameOk}
        help="Lowercase letters, digits and dashes. Tools appear as NAME__tool."
      />
      {kind === 'remote' ? (
        <TextField
          id="server-url"
          label="URL"
          value={url}
          onChange={setUrl}
          placeholder="https://mcp.example.com/mcp"
          help="If the server needs a sign-in, Airlock asks you before opening your browser."
        />
      ) : (
        <>
          <TextField
            id="server-command"
            label="Command"
            value={command}
            onChange={(value) => {
              setCommand(value);
              setTrusted(false);
            }}
            placeholder="npx"
          />
          <div className="form-row">
            <label htmlFor="server-args">Arguments, one per line</label>
            <textarea
              id="server-args"
              rows={3}
              value={argsText}
              onChange={(e) => {
                setArgsText(e.target.value);
                setTrusted(false);
              }}
            />
          </div>
          <div className="form-row">
            <label htmlFor="server-env">Environment, KEY=VALUE per line</label>
            <textarea id="server-env" rows={2} value={envText} onChange={(e) => setEnvText(e.target.value)} />
            <p className="help">
              For tokens, store a secret below and write <code>{'${secret:NAME}'}</code> here.
            </p>
            {'error' in env && <p className="field-error">{env.error}</p>}
          </div>
          {commandLine && (
            <div className="danger-box" data-testid="command-confirm">
              <p>
                <strong>Airlock will run this program on your computer, as you, every time it starts:</strong>
              </p>
              <pre className="command-line" data-testid="command-line">
                {commandLine}
              </pre>
              <label className="checkbox">
                <input
                  type="checkbox"
                  checked={trusted}
                  onChange={(e) => setTrusted(e.target.checked)}
                  data-testid="command-trust"
                />
                I trust <code>{commandLine}</code> and want Airlock to run it.
              </label>
            </div>
          )}
        </>
      )}
      <ErrorText message={action.error} />
      <div className="form-actions">
        <button type="button" className="button secondary" onClick={onDone}>
          Cancel
        </button>
        <button
          type="button"
          className={`button ${kind === 'stdio' ? 'danger' : 'primary'}`}
          disabled={!ready || action.busy}
          onClick={() => void submit()}
          data-testid="add-server-submit"
        >
          {kind === 'stdio' ? 'Add and run' : 'Add server'}
        </button>
      </div>
    </div>
  );
}
