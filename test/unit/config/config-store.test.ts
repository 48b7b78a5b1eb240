import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ConfigError, parseConfig, readConfig, updateConfig, writeConfig } from '../../../src/config/config-store.ts';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'airlock-config-'));
after(() => fs.rmSync(dir, { recursive: true, force: true }));
let n = 0;
const file = (text?: string) => {
  const f = path.join(dir, `config-${n++}.json`);
  if (text !== undefined) fs.writeFileSync(f, text);
  return f;
};

describe('config.json', () => {
  test('a missing file is an empty config with the default port', () => {
    const config = readConfig(file());
    assert.equal(config.gateway.port, 47100);
    assert.deepEqual(config.mcpServers, {});
  });

  test('accepts the Claude Desktop / Cursor shapes', () => {
    const config = parseConfig({
      mcpServers: {
        files: { command: 'npx', args: ['-y', 'server'], env: { TOKEN: '${secret:t}' } },
        linear: { url: 'https://mcp.linear.app/mcp' },
        old: { url: 'https://x.example/sse', transport: 'sse', timeoutMs: 500 },
      },
    });
    assert.deepEqual(Object.keys(config.mcpServers), ['files', 'linear', 'old']);
  });

  test('a malformed file names the path and the offending key, and is left untouched', () => {
    const cases: [string, RegExp][] = [
      ['{ "mcpServers": ', /not valid JSON/],
      ['{ "mcpServers": { "Bad Name": { "command": "x" } } }', /"mcpServers".*invalid name/],
      ['{ "mcpServers": { "ok": { "command": 42 } } }', /at "mcpServers"\."ok"/],
      ['{ "gateway": { "port": 70000 } }', /at "gateway"\."port": /],
      ['{ "surprise": true }', /at "surprise": unknown key/],
    ];
    for (const [text, pattern] of cases) {
      const f = file(text);
      assert.throws(
        () => readConfig(f),
        (error: unknown) => error instanceof ConfigError && error.message.startsWith(f) && pattern.test(error.message),
        text,
      );
      assert.equal(fs.readFileSync(f, 'utf8'), text);
    }
  });

  test('an attacker-controlled key is quoted in the message', () => {
    const f = file('{ "mcpServers": { "ok": { "command": "x", "evil\\nline": 1 } } }');
    assert.throws(
      () => readConfig(f),
      (error: Error) => !error.message.includes('\n') && /evil\\nline/.test(error.message),
    );
  });

  test('writeConfig validates first and writes 0600; updateConfig refuses a bad change', () => {
    const f = file();
    writeConfig(f, parseConfig({ mcpServers: { a: { command: 'x' } } }));
    assert.equal(fs.statSync(f).mode & 0o777, 0o600);
    const before = fs.readFileSync(f, 'utf8');
    assert.throws(() =>
      updateConfig(f, (config) => {
        (config.mcpServers as Record<string, unknown>)['NOT VALID'] = { command: 'y' };
      }),
    );
    assert.equal(fs.readFileSync(f, 'utf8'), before);
  });
});
