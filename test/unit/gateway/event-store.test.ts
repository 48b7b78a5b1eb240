import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { BoundedEventStore } from '../../../src/gateway/event-store.ts';

const msg = (n: number): JSONRPCMessage => ({ jsonrpc: '2.0', method: 'notifications/message', params: { n } });

async function replay(store: BoundedEventStore, after: string) {
  const sent: [string, JSONRPCMessage][] = [];
  const stream = await store.replayEventsAfter(after, {
    send: async (id, message) => {
      sent.push([id, message]);
    },
  });
  return { stream, sent };
}

describe('BoundedEventStore', () => {
  test('replays only the later events of the same stream, in order', async () => {
    const store = new BoundedEventStore();
    const a1 = await store.storeEvent('A', msg(1));
    await store.storeEvent('B', msg(2));
    const a3 = await store.storeEvent('A', msg(3));
    const a4 = await store.storeEvent('A', msg(4));
    assert.equal(await store.getStreamIdForEventId(a1), 'A');
    const { stream, sent } = await replay(store, a1);
    assert.equal(stream, 'A');
    assert.deepEqual(sent, [
      [a3, msg(3)],
      [a4, msg(4)],
    ]);
  });

  test('event ids are unique and name their stream', async () => {
    const store = new BoundedEventStore();
    const ids = new Set<string>();
    for (let i = 0; i < 50; i++) ids.add(await store.storeEvent(i % 2 ? 'A' : 'B', msg(i)));
    assert.equal(ids.size, 50);
  });

  test('an unknown or evicted event id replays nothing', async () => {
    const store = new BoundedEventStore(3);
    const first = await store.storeEvent('A', msg(1));
    for (let i = 2; i <= 5; i++) await store.storeEvent('A', msg(i));
    assert.equal(await store.getStreamIdForEventId(first), undefined);
    assert.deepEqual(await replay(store, first), { stream: '', sent: [] });
    assert.deepEqual(await replay(store, 'nonsense'), { stream: '', sent: [] });
  });
});
