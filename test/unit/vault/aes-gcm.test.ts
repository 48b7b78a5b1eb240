import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openRecord, randomKey, sealRecord } from '../../../src/vault/aes-gcm.ts';

test('a sealed record opens under its own name and key', () => {
  const key = randomKey();
  const sealed = sealRecord(key, 'secret/API', 'hunter2 ✓');
  assert.equal(sealed[0], 1, 'version byte first');
  assert.equal(openRecord(key, 'secret/API', sealed), 'hunter2 ✓');
  assert.equal(sealed.includes(Buffer.from('hunter2')), false);
});

test('each seal uses a fresh nonce, so equal values do not look equal', () => {
  const key = randomKey();
  const a = sealRecord(key, 'n', 'same');
  const b = sealRecord(key, 'n', 'same');
  assert.notDeepEqual(a, b);
  assert.notDeepEqual(a.subarray(1, 13), b.subarray(1, 13));
});

test('a record moved to another name, a flipped byte, another key or a changed version byte is refused', () => {
  const key = randomKey();
  const sealed = sealRecord(key, 'secret/A', 'value');
  const refused = (fn: () => unknown) =>
    assert.throws(fn, (error: Error & { code?: string }) => error.code === 'VAULT_RECORD_UNREADABLE');
  refused(() => openRecord(key, 'secret/B', sealed));
  refused(() => openRecord(randomKey(), 'secret/A', sealed));
  for (const index of [0, 5, sealed.length - 1]) {
    const bad = Buffer.from(sealed);
    bad[index] = (bad[index] ?? 0) ^ 0x01;
    refused(() => openRecord(key, 'secret/A', bad));
  }
  refused(() => openRecord(key, 'secret/A', sealed.subarray(0, 10)));
  assert.throws(
    () => openRecord(key, 'secret/"B\n', Buffer.alloc(40)),
    (error: Error) => error.message.includes(JSON.stringify('secret/"B\n')),
    'the name is quoted in the message',
  );
});
