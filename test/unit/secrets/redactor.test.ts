import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Redactor } from '../../../src/secrets/redactor.ts';

function redactor(values: [string, string][]): Redactor {
  const r = new Redactor();
  r.setValues(values);
  return r;
}

describe('Redactor', () => {
  test('replaces a vault value in text, raw and JSON-escaped, longest value first', () => {
    const r = redactor([
      ['short', 'abcdef'],
      ['long', 'abcdef-ghijkl'],
      ['quoted', 'pa"ss\\wd'],
    ]);
    assert.equal(r.redact('x abcdef-ghijkl y abcdef'), 'x [redacted:long] y [redacted:short]');
    assert.equal(r.redact(JSON.stringify({ p: 'pa"ss\\wd' })), '{"p":"[redacted:quoted]"}');
    assert.equal(r.redact('abc'), 'abc');
  });

  test('values shorter than the minimum are never redacted', () => {
    assert.equal(redactor([['pin', '12345']]).redact('12345'), '12345');
  });

  test('redactValue returns the same object when no value occurs', () => {
    const r = redactor([['k', 'sekret-value']]);
    const message = { jsonrpc: '2.0', id: 1, result: { content: [{ type: 'text', text: 'hello' }], n: 123456789 } };
    assert.equal(r.redactValue(message), message);
    assert.equal(new Redactor().redactValue(message), message);
  });

  test('redactValue replaces values in strings, keys and long numbers without touching the input', () => {
    const r = redactor([
      ['k', 'sekret-value'],
      ['num', '987654321'],
      ['q', 'a"b\\cdef'],
    ]);
    const message = {
      jsonrpc: '2.0',
      id: 7,
      result: {
        content: [
          { type: 'text', text: 'token=sekret-value;' },
          { type: 'text', text: 'fine' },
        ],
        structured: { 'sekret-value': true, account: 987654321, quoted: 'a"b\\cdef', small: 42 },
      },
    };
    const before = JSON.stringify(message);
    const out = r.redactValue(message);
    assert.equal(JSON.stringify(message), before, 'input unchanged');
    assert.deepEqual(out, {
      jsonrpc: '2.0',
      id: 7,
      result: {
        content: [
          { type: 'text', text: 'token=[redacted:k];' },
          { type: 'text', text: 'fine' },
        ],
        structured: { '[redacted:k]': true, account: '[redacted:num]', quoted: '[redacted:q]', small: 42 },
      },
    });
    // Untouched branches are shared, not copied.
    assert.equal(out.result.content[1], message.result.content[1]);
    assert.ok(!JSON.stringify(out).includes('sekret-value'));
  });
});
