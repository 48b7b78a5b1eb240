import { test } from 'node:test';
import assert from 'node:assert/strict';
import { inspectUrl } from '../../../src/consent/url-inspection.ts';
import { urlParts } from '../../../renderer/src/model/url-parts.ts';

test('splits the URL around the host the gateway located', () => {
  const inspection = inspectUrl('https://user@xn--pple-43d.com:8443/login?next=/');
  assert.deepEqual(urlParts({ inspection }), {
    before: 'https://user@',
    host: 'xn--pple-43d.com',
    after: ':8443/login?next=/',
  });
});

test('a span that does not match the host highlights nothing rather than the wrong text', () => {
  const inspection = { ...inspectUrl('https://example.com/a'), hostStart: 0, hostEnd: 5 };
  assert.deepEqual(urlParts({ inspection }), { before: 'https://example.com/a', host: '', after: '' });
  assert.equal(urlParts({}), undefined);
});
