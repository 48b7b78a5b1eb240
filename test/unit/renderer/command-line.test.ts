import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatCommandLine, parseArgLines, parseEnvLines } from '../../../renderer/src/model/command-line.ts';

test('shows the command line as a shell would need it typed', () => {
  assert.equal(
    formatCommandLine('npx', ['-y', '@scope/server', 'a b', "it's", '']),
    "npx -y @scope/server 'a b' 'it'\\''s' ''",
  );
});

test('arguments one per line, environment as KEY=VALUE', () => {
  assert.deepEqual(parseArgLines('--stdio\r\n\n--name\nfx two\n'), ['--stdio', '--name', 'fx two']);
  assert.deepEqual(parseEnvLines('TOKEN=${secret:gh}\n# note\nEMPTY=\n'), {
    env: { TOKEN: '${secret:gh}', EMPTY: '' },
  });
  assert.deepEqual(parseEnvLines('no equals'), { error: 'Not KEY=VALUE: no equals' });
});
