/**
 * The Store conformance suite: every adapter (SQLite now, PostgreSQL later) must pass it unchanged
 * (BullMQ's connection-factory pattern: the suite receives a factory that opens a store on fresh storage).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Float32, Utf16, type KvList } from '../../src/protocol/kv.ts';
import { isMsg, type IsMessageName } from '../../src/protocol/message.ts';
import type { Store } from '../../src/store/store.ts';
import type { EventRecord, Interaction } from '../../src/store/types.ts';
import { unpacked } from '../../src/core/model/packed.ts';

/** Loaded interactions as plain records (the store hands them out in their compact form). */
function plain(list: readonly Interaction[]): Interaction[] {
  return list.map(unpacked);
}

/** Opens stores on one fresh storage location; `open` may be called again after close (reopen). */
export interface StoreFactory {
  open(): Promise<Store>;
  destroy(): Promise<void>;
}

const RICH: KvList = [
  { key: 'Subject', value: 'Grüße €' },
  { key: 'Priority', value: 3 },
  { key: 'Big', value: 9007199254740993n },
  { key: 'Blob', value: new Uint8Array([0, 1, 2, 255]) },
  { key: 'Wide', value: new Utf16('wide ✓') },
  { key: 'Ratio', value: new Float32(0.5) },
  {
    key: 'Nested',
    value: [
      { key: 'Inner', value: [{ key: 'Deep', value: 'x' }] },
      { key: 'N', value: -1 },
    ],
  },
];

function ixn(id: string, over: Partial<Interaction> = {}): Interaction {
  return {
    id,
    tenantId: 1,
    mediaType: 'email',
    type: 'Inbound',
    subtype: 'InboundNew',
    queue: 'Inbound',
    placement: { kind: 'queued' },
    parties: [],
    invitations: [],
    submittedBy: 'EmailServer',
    submittedAt: '2026-01-01T00:00:00Z',
    receivedAt: '2026-01-01T00:00:00Z',
    isOnline: false,
    userData: RICH,
    version: 1,
    eventSeq: 0,
    ...over,
  };
}

function event(
  interactionId: string | null,
  ixnSeq: number | null,
  name: IsMessageName = 'EventPropertiesChanged',
): EventRecord {
  return {
    interactionId,
    ixnSeq,
    time: '2026-01-01T00:00:01Z',
    message: isMsg(name, {
      InteractionId: interactionId ?? undefined,
      EventTime: '2026-01-01T00:00:01Z',
      ChangedProperties: [{ key: 'k', value: 'v' }],
    }),
  };
}

/** Runs the suite against one adapter. */
export function storeConformance(adapter: string, factory: () => Promise<StoreFactory>): void {
  describe(`Store conformance: ${adapter}`, () => {
    async function withStore(fn: (s: Store, f: StoreFactory) => Promise<void>): Promise<void> {
      const f = await factory();
      const s = await f.open();
      try {
        await fn(s, f);
      } finally {
        await s.close().catch(() => undefined);
        await f.destroy();
      }
    }

    it('a new store has no interactions and no events', () =>
      withStore(async (s) => {
        assert.deepEqual(plain(await s.loadInteractions()), []);
        assert.deepEqual(await s.readEvents(), []);
        assert.equal(await s.lastEventSeq(), 0, 'an empty log');
      }));

    it('keeps every field and every KV type of an interaction exactly', () =>
      withStore(async (s) => {
        const a = ixn('A', {
          placement: { kind: 'handled' },
          parties: [{ agentId: 'agent1', placeId: 'place1', visibility: 'conference' }],
          parentId: 'P',
          deliveredAt: '2026-01-01T00:00:02Z',
          invitations: [
            {
              ticketId: 4,
              agentId: 'a',
              placeId: 'p',
              sessionId: 1001,
              operation: 'deliver',
              routerName: 'URS',
              routeReferenceId: 9,
            },
          ],
        });
        const b = ixn('B', {
          placement: { kind: 'workbin', workbin: 'Drafts', agentId: 'agent1' },
          queue: 'Drafts',
          lastRejectedBy: 'agent2',
        });
        const c = ixn('C', {
          placement: { kind: 'routing', router: 'URS' },
          submittedToRouterAt: '2026-01-01T00:00:03Z',
        });
        await s.commit([
          { op: 'upsert', interaction: a },
          { op: 'upsert', interaction: b },
          { op: 'upsert', interaction: c },
        ]);
        assert.deepEqual(plain(await s.loadInteractions()), [a, b, c]);
      }));

    it('an upsert replaces, a delete removes', () =>
      withStore(async (s) => {
        await s.commit([
          { op: 'upsert', interaction: ixn('A') },
          { op: 'upsert', interaction: ixn('B') },
        ]);
        const a2 = ixn('A', { version: 2, userData: [{ key: 'only', value: 'one' }], queue: 'Sales' });
        await s.commit([
          { op: 'upsert', interaction: a2 },
          { op: 'delete', id: 'B' },
        ]);
        assert.deepEqual(plain(await s.loadInteractions()), [a2]);
      }));

    it('appends events in order with increasing seq, and filters by interaction and position', () =>
      withStore(async (s) => {
        const e1 = event('A', 1);
        const e2 = event('B', 1);
        const e3 = event('A', 2, 'EventProcessingStopped');
        const e4 = event(null, null, 'EventAgentLogin');
        await s.commit([
          { op: 'event', event: e1 },
          { op: 'event', event: e2 },
        ]);
        await s.commit([
          { op: 'event', event: e3 },
          { op: 'event', event: e4 },
        ]);
        assert.ok(
          e1.seq !== undefined && e2.seq !== undefined && e3.seq !== undefined && e4.seq !== undefined,
          'seq assigned on commit',
        );
        assert.ok(e1.seq < e2.seq && e2.seq < e3.seq && e3.seq < e4.seq);
        const all = await s.readEvents();
        assert.deepEqual(
          all.map((e) => [e.interactionId, e.ixnSeq, e.name]),
          [
            ['A', 1, 'EventPropertiesChanged'],
            ['B', 1, 'EventPropertiesChanged'],
            ['A', 2, 'EventProcessingStopped'],
            [null, null, 'EventAgentLogin'],
          ],
        );
        assert.deepEqual(all[0]?.payload, {
          message: 'EventPropertiesChanged',
          interactionId: 'A',
          eventTime: '2026-01-01T00:00:01Z',
          changedProperties: { k: 'v' },
        });
        assert.deepEqual(
          (await s.readEvents({ interactionId: 'A' })).map((e) => e.ixnSeq),
          [1, 2],
        );
        assert.equal(await s.lastEventSeq(), e4.seq, 'the last seq of the log');
        assert.deepEqual(
          (await s.readEvents({ afterSeq: e2.seq })).map((e) => e.seq),
          [e3.seq, e4.seq],
        );
        assert.equal((await s.readEvents({ limit: 1 })).length, 1);
      }));

    it('commits issued before the previous one resolves are applied and resolve in issue order', () =>
      withStore(async (s, f) => {
        const order: number[] = [];
        const events: EventRecord[] = [];
        const commits: Promise<void>[] = [];
        for (let v = 1; v <= 40; v++) {
          const e = event('A', v);
          events.push(e);
          const ops =
            v === 1
              ? [
                  { op: 'event' as const, event: e },
                  { op: 'upsert' as const, interaction: ixn('A', { version: v, eventSeq: v }) },
                ]
              : [
                  { op: 'event' as const, event: e },
                  {
                    op: 'upsert' as const,
                    interaction: ixn('A', { version: v, eventSeq: v, userData: [{ key: 'n', value: v }] }),
                    propertiesOnly: true,
                  },
                ];
          commits.push(
            s.commit(ops).then(() => {
              order.push(v);
            }),
          );
        }
        await Promise.all(commits);
        assert.deepEqual(
          order,
          Array.from({ length: 40 }, (_, i) => i + 1),
        );
        const seqs = events.map((e) => e.seq ?? 0);
        assert.deepEqual(
          seqs,
          [...seqs].sort((a, b) => a - b),
          'event seqs follow the commit order',
        );
        assert.equal(new Set(seqs).size, 40);
        const last = ixn('A', { version: 40, eventSeq: 40, userData: [{ key: 'n', value: 40 }] });
        assert.deepEqual(plain(await s.loadInteractions()), [last]);
        await s.close();
        const s2 = await f.open();
        try {
          assert.deepEqual(plain(await s2.loadInteractions()), [last]);
          assert.deepEqual(
            (await s2.readEvents({ interactionId: 'A' })).map((e) => e.ixnSeq),
            Array.from({ length: 40 }, (_, i) => i + 1),
          );
        } finally {
          await s2.close();
        }
      }));

    it('a batch is atomic: when one operation fails nothing of the batch is stored', () =>
      withStore(async (s) => {
        await s.commit([{ op: 'upsert', interaction: ixn('A') }]);
        const bad = ixn('C', { tenantId: null as unknown as number });
        await assert.rejects(
          s.commit([
            { op: 'upsert', interaction: ixn('B') },
            { op: 'event', event: event('B', 1) },
            { op: 'upsert', interaction: bad },
          ]),
        );
        assert.deepEqual(
          (await s.loadInteractions()).map((i) => i.id),
          ['A'],
        );
        assert.deepEqual(await s.readEvents(), []);
      }));

    it('a properties-only change is loaded back exactly, however the adapter keeps it', () =>
      withStore(async (s, f) => {
        const a1 = ixn('A', { version: 1, eventSeq: 1 });
        await s.commit([
          { op: 'event', event: event('A', 1) },
          { op: 'upsert', interaction: a1 },
        ]);
        let last = a1;
        for (let v = 2; v <= 70; v++) {
          last = ixn('A', { version: v, eventSeq: v, userData: [{ key: 'n', value: v }] });
          await s.commit([
            { op: 'event', event: event('A', v) },
            { op: 'upsert', interaction: last, propertiesOnly: true },
          ]);
        }
        assert.deepEqual(plain(await s.loadInteractions()), [last]);
        await s.close();
        const s2 = await f.open();
        try {
          assert.deepEqual(plain(await s2.loadInteractions()), [last]);
          // A later full write wins over the kept states; a delete removes the interaction whatever was kept.
          const moved = ixn('A', { version: 71, eventSeq: 71, queue: 'Sales' });
          await s2.commit([
            { op: 'event', event: event('A', 71) },
            { op: 'upsert', interaction: moved },
          ]);
          assert.deepEqual(plain(await s2.loadInteractions()), [moved]);
          await s2.commit([
            { op: 'event', event: event('A', 72) },
            { op: 'delete', id: 'A' },
          ]);
          assert.deepEqual(plain(await s2.loadInteractions()), []);
        } finally {
          await s2.close();
        }
      }));

    it('committed data survives closing and reopening the store', () =>
      withStore(async (s, f) => {
        const a = ixn('A', { version: 7 });
        await s.commit([
          { op: 'upsert', interaction: a },
          { op: 'event', event: event('A', 1) },
        ]);
        await s.close();
        const s2 = await f.open();
        try {
          assert.deepEqual(plain(await s2.loadInteractions()), [a]);
          assert.equal((await s2.readEvents()).length, 1);
          const e = event('A', 2);
          await s2.commit([{ op: 'event', event: e }]);
          assert.equal(e.seq, 2, 'sequence continues after reopen');
        } finally {
          await s2.close();
        }
      }));
  });
}
