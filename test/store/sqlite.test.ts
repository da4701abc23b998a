/** Runs the Store conformance suite against the SQLite adapter, on a fresh file database per test. */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import Database from 'better-sqlite3';
import fc from 'fast-check';
import { isMsg } from '../../src/protocol/message.ts';
import { toRows, type Row } from '../../src/store/sqlite/rows.ts';
import { openDatabase, rowWriter } from '../../src/store/sqlite/schema.ts';
import { loadFrom, openSqliteStore } from '../../src/store/sqlite/sqlite-store.ts';
import type { Store } from '../../src/store/store.ts';
import type { EventRecord, Interaction, StoreOp } from '../../src/store/types.ts';
import { storeConformance } from './conformance.ts';
import { unpacked } from '../../src/core/model/packed.ts';

/** Loaded interactions as plain records (the store hands them out in their compact form). */
function plain(list: readonly Interaction[]): Interaction[] {
  return list.map(unpacked);
}

const byId = (a: Interaction, b: Interaction): number => a.id.localeCompare(b.id);

for (const worker of [true, false]) {
  storeConformance(worker ? 'sqlite (commit worker)' : 'sqlite (inline commits)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ixs-store-'));
    return Promise.resolve({
      open: () => openSqliteStore(dir, { worker }),
      destroy: () => {
        rmSync(dir, { recursive: true, force: true });
        return Promise.resolve();
      },
    });
  });
}

describe('SQLite adapter: the append-only log and its settled position', () => {
  const ixn = (id: string, version: number, over: Partial<Interaction> = {}): Interaction => ({
    id,
    tenantId: 1,
    mediaType: 'email',
    type: 'Inbound',
    subtype: 'InboundNew',
    queue: 'Inbound',
    placement: { kind: 'handled' },
    parties: [{ agentId: 'agent1', placeId: 'place1', visibility: 'conference' }],
    invitations: [],
    submittedBy: 'EmailServer',
    submittedAt: '2026-01-01T00:00:00Z',
    receivedAt: '2026-01-01T00:00:00Z',
    isOnline: false,
    userData: [{ key: 'n', value: version }],
    version,
    eventSeq: version,
    ...over,
  });
  const ev = (id: string, ixnSeq: number): EventRecord => ({
    interactionId: id,
    ixnSeq,
    time: '2026-01-01T00:00:01Z',
    message: isMsg('EventPropertiesChanged', { InteractionId: id, EventTime: '2026-01-01T00:00:01Z' }),
  });
  const change = (s: Store, id: string, v: number): Promise<void> =>
    s.commit([
      { op: 'event', event: ev(id, v) },
      { op: 'upsert', interaction: ixn(id, v), propertiesOnly: true },
    ]);
  const meta = (dir: string): { settled: number; rows: Record<string, number> } => {
    const db = new Database(join(dir, 'ixs.db'), { readonly: true });
    try {
      const settled = (db.prepare("SELECT value FROM store_meta WHERE key = 'settled_seq'").get() as { value: number })
        .value;
      const rows = Object.fromEntries(
        (db.prepare('SELECT id, version FROM interactions').all() as { id: string; version: number }[]).map((r) => [
          r.id,
          r.version,
        ]),
      );
      return { settled, rows };
    } finally {
      db.close();
    }
  };

  it("one interaction's events are read through the index up to the settled position and the tail after it", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ixs-index-'));
    const s = await openSqliteStore(dir, { worker: false, settleIntervalMs: 60_000 });
    try {
      for (const id of ['A', 'B'])
        await s.commit([
          { op: 'event', event: ev(id, 1) },
          { op: 'upsert', interaction: ixn(id, 1) },
        ]);
      for (let v = 2; v <= 4; v++) {
        await change(s, 'A', v);
        await change(s, 'B', v);
      }
      // Settled and indexed so far: close settles everything; reopen and add an unsettled tail.
      await s.close();
      const t = await openSqliteStore(dir, { worker: false, settleIntervalMs: 60_000 });
      try {
        await change(t, 'A', 5);
        await change(t, 'B', 5);
        const db = new Database(join(dir, 'ixs.db'), { readonly: true });
        const settled = (
          db.prepare("SELECT value FROM store_meta WHERE key = 'settled_seq'").get() as { value: number }
        ).value;
        const indexed = db.prepare("SELECT seq FROM event_index WHERE interaction_id = 'A' ORDER BY seq").all() as {
          seq: number;
        }[];
        db.close();
        assert.equal(indexed.length, 4, 'the four settled events of A are indexed, the fifth is not yet');
        assert.ok(indexed.every((r) => r.seq <= settled));
        const a = await t.readEvents({ interactionId: 'A' });
        assert.deepEqual(
          a.map((e) => e.ixnSeq),
          [1, 2, 3, 4, 5],
        );
        assert.ok(a.every((e) => e.interactionId === 'A'));
        const after = await t.readEvents({ interactionId: 'A', afterSeq: a[2]?.seq ?? 0, limit: 1 });
        assert.deepEqual(
          after.map((e) => e.ixnSeq),
          [4],
        );
        const tail = await t.readEvents({ interactionId: 'A', afterSeq: a[3]?.seq ?? 0 });
        assert.deepEqual(
          tail.map((e) => e.ixnSeq),
          [5],
        );
      } finally {
        await t.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('the load worker reads what the main thread would: every row in rowid order, kept states applied', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ixs-load-'));
    const s = await openSqliteStore(dir, { worker: true, settleIntervalMs: 60_000 });
    try {
      // More rows than one batch of the load worker (4096), a few changed after the settled position.
      const n = 10_000;
      for (let i = 0; i < n; i += 2500) {
        const ops: StoreOp[] = [];
        for (let k = i; k < i + 2500; k++) {
          const id = `I${String(k).padStart(6, '0')}`;
          ops.push({ op: 'event', event: ev(id, 1) }, { op: 'upsert', interaction: ixn(id, 1) });
        }
        await s.commit(ops);
      }
      for (const k of [0, 4095, 4096, 9999]) await change(s, `I${String(k).padStart(6, '0')}`, 2);
      const reader = await openSqliteStore(dir, { worker: false });
      try {
        const inParallel = plain(await reader.loadInteractions());
        const db = openDatabase(join(dir, 'ixs.db'));
        const onThisThread = plain(loadFrom(db));
        db.close();
        assert.equal(inParallel.length, n);
        assert.deepEqual(inParallel, onThisThread);
        assert.deepEqual(
          inParallel.filter((x) => x.version === 2).map((x) => x.id),
          ['I000000', 'I004095', 'I004096', 'I009999'],
        );
      } finally {
        await reader.close();
      }
    } finally {
      await s.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  for (const worker of [true, false]) {
    it(`a property change appends only; rows catch up at the next settle (${worker ? 'worker' : 'inline'})`, async () => {
      const dir = mkdtempSync(join(tmpdir(), 'ixs-settle-'));
      const s = await openSqliteStore(dir, { worker, settleIntervalMs: 60_000 });
      try {
        await s.commit([
          { op: 'event', event: ev('A', 1) },
          { op: 'upsert', interaction: ixn('A', 1) },
        ]);
        for (let v = 2; v <= 5; v++) await change(s, 'A', v);
        // The row is still at version 1, nothing is settled: the kept states after position 0 give version 5.
        assert.deepEqual(meta(dir), { settled: 0, rows: { A: 1 } });
        // A second store on the same files sees what a restart after kill -9 would see.
        const other = await openSqliteStore(dir, { worker: false });
        try {
          assert.deepEqual(plain(await other.loadInteractions()), [ixn('A', 5)]);
        } finally {
          // Closing it settles what it loaded (its own rows), which is the same state.
          await other.close();
        }
      } finally {
        await s.close();
      }
      // Closing settles: the row has the last version and the settled position is the last event.
      const m = meta(dir);
      assert.equal(m.rows.A, 5);
      assert.ok(m.settled >= 5, `settled position ${String(m.settled)} covers every event`);
      const again = await openSqliteStore(dir, { worker });
      try {
        assert.deepEqual(plain(await again.loadInteractions()), [ixn('A', 5)]);
      } finally {
        await again.close();
        rmSync(dir, { recursive: true, force: true });
      }
    });
  }

  it('settles soon after commits while the worker is idle, and loading reads only the log after it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ixs-settle-'));
    const s = await openSqliteStore(dir, { worker: true, settleIntervalMs: 0 });
    try {
      await s.commit([
        { op: 'event', event: ev('A', 1) },
        { op: 'upsert', interaction: ixn('A', 1) },
      ]);
      await change(s, 'A', 2);
      // With a zero interval the worker settles as soon as no commit waits: the row follows, and the position.
      const deadline = Date.now() + 5000;
      while (meta(dir).settled < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      assert.deepEqual(meta(dir), { settled: 2, rows: { A: 2 } });
      const other = await openSqliteStore(dir, { worker: false });
      try {
        assert.deepEqual(plain(await other.loadInteractions()), [ixn('A', 2)]);
      } finally {
        await other.close();
      }
    } finally {
      await s.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('settles only once commits pause: a burst is not settled while it lasts, then caught up', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ixs-settle-'));
    // A quiet moment of 1 s: commits 10 ms apart never leave one.
    const s = await openSqliteStore(dir, { worker: true, settleIntervalMs: 0, settleQuietMs: 1000 });
    try {
      await s.commit([
        { op: 'event', event: ev('A', 1) },
        { op: 'upsert', interaction: ixn('A', 1) },
      ]);
      for (let v = 2; v <= 30; v++) {
        await change(s, 'A', v);
        await new Promise((r) => setTimeout(r, 10));
      }
      assert.equal(meta(dir).settled, 0, 'nothing settled during the burst');
      assert.equal(s.settleLag, 30);
      const deadline = Date.now() + 10_000;
      while (meta(dir).settled < 30 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      assert.deepEqual(meta(dir), { settled: 30, rows: { A: 30 } }, 'caught up once the burst paused');
    } finally {
      await s.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a load that never pauses is settled between its commits after the longest wait', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ixs-settle-'));
    // Quiet moments of a minute never come; after 200 ms of waiting the worker settles between commits.
    const s = await openSqliteStore(dir, {
      worker: true,
      settleIntervalMs: 0,
      settleQuietMs: 60_000,
      settleMaxWaitMs: 200,
    });
    try {
      await s.commit([
        { op: 'event', event: ev('A', 1) },
        { op: 'upsert', interaction: ixn('A', 1) },
      ]);
      let v = 1;
      const deadline = Date.now() + 10_000;
      while (meta(dir).settled === 0 && Date.now() < deadline) {
        await change(s, 'A', ++v);
        await new Promise((r) => setTimeout(r, 10));
      }
      const settled = meta(dir).settled;
      assert.ok(settled > 0 && settled <= v, `settled ${String(settled)} of ${String(v)} while the commits went on`);
    } finally {
      await s.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  for (const worker of [true, false]) {
    it(`reports its settle lag: the events after the settled position, back to 0 once settled (${worker ? 'commit worker' : 'inline'})`, async () => {
      const dir = mkdtempSync(join(tmpdir(), 'ixs-settle-'));
      // A long interval: nothing settles below SETTLE_MIN_KEPT kept states until the close.
      const s = await openSqliteStore(dir, { worker, settleIntervalMs: 60_000 });
      try {
        assert.equal(s.settleLag, 0);
        await s.commit([
          { op: 'event', event: ev('A', 1) },
          { op: 'upsert', interaction: ixn('A', 1) },
        ]);
        for (let v = 2; v <= 5; v++) await change(s, 'A', v);
        assert.equal(s.settleLag, 5, 'five events committed, none settled');
      } finally {
        await s.close();
      }
      const again = await openSqliteStore(dir, { worker, settleIntervalMs: 0 });
      try {
        // The close settled everything: a fresh store starts caught up.
        assert.equal(again.settleLag, 0);
        await change(again, 'A', 6);
        const deadline = Date.now() + 5000;
        let seen = again.settleLag;
        while (seen > 0 && Date.now() < deadline) {
          await new Promise((r) => setTimeout(r, 20));
          // Inline, the settle runs in the next commit; a read-only commit of nothing gives it one.
          if (!worker) await again.commit([]);
          seen = again.settleLag;
        }
        assert.equal(seen, 0, 'settled with a zero interval');
      } finally {
        await again.close();
        rmSync(dir, { recursive: true, force: true });
      }
    });
  }

  it('a kept state of an earlier interaction with the same id never applies to a new one', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ixs-settle-'));
    const s = await openSqliteStore(dir, { worker: false, settleIntervalMs: 60_000 });
    try {
      await s.commit([
        { op: 'event', event: ev('A', 1) },
        { op: 'upsert', interaction: ixn('A', 1) },
      ]);
      for (let v = 2; v <= 9; v++) await change(s, 'A', v);
      await s.commit([
        { op: 'event', event: ev('A', 10) },
        { op: 'delete', id: 'A' },
      ]);
      const reborn = ixn('A', 1, { userData: [{ key: 'new', value: 'one' }] });
      await s.commit([
        { op: 'event', event: ev('A', 1) },
        { op: 'upsert', interaction: reborn },
      ]);
      const other = await openSqliteStore(dir, { worker: false });
      try {
        assert.deepEqual(plain(await other.loadInteractions()), [reborn]);
      } finally {
        await other.close();
      }
    } finally {
      await s.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a deferred settle never overwrites a newer row: not one written after a stop and a new submit with the same id', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ixs-settle-'));
    const file = join(dir, 'ixs.db');
    const db = openDatabase(file);
    try {
      const writer = rowWriter(db);
      const commit = (ops: StoreOp[]): void => {
        writer.write(toRows(ops));
      };
      commit([
        { op: 'event', event: ev('A', 1) },
        { op: 'upsert', interaction: ixn('A', 1) },
      ]);
      commit([
        { op: 'event', event: ev('A', 2) },
        { op: 'upsert', interaction: ixn('A', 2), propertiesOnly: true },
      ]);
      assert.equal(writer.unsettled, 1, 'version 2 is kept on its event, not yet in the row');
      commit([
        { op: 'event', event: ev('A', 3) },
        { op: 'delete', id: 'A' },
      ]);
      const reborn = ixn('A', 1, { userData: [{ key: 'reborn', value: 1 }] });
      commit([
        { op: 'event', event: ev('A', 1) },
        { op: 'upsert', interaction: reborn },
      ]);
      writer.settle();
      assert.equal(writer.behind, false);
      assert.deepEqual(plain(loadFrom(db)), [reborn]);
    } finally {
      db.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('settles in chunks at any moment between commits: a crash at any point loads exactly what was committed', () => {
    // The commit worker's writer, driven by hand: commits and deferred settle chunks in a random interleaving. A second
    // connection reading between steps sees what a restart after kill -9 would find (every committed transaction).
    const ids = Array.from({ length: 12 }, (_, i) => `I${String(i).padStart(3, '0')}`);
    const step = fc.oneof(
      {
        arbitrary: fc.record({
          kind: fc.constant('changes' as const),
          at: fc.array(fc.nat(ids.length - 1), { minLength: 1, maxLength: 12 }),
        }),
        weight: 4,
      },
      { arbitrary: fc.record({ kind: fc.constant('stop' as const), at: fc.nat(ids.length - 1) }), weight: 2 },
      { arbitrary: fc.record({ kind: fc.constant('submit' as const), at: fc.nat(ids.length - 1) }), weight: 2 },
      {
        arbitrary: fc.record({ kind: fc.constant('settle' as const), rows: fc.integer({ min: 1, max: 8 }) }),
        weight: 3,
      },
      { arbitrary: fc.record({ kind: fc.constant('check' as const) }), weight: 1 },
    );
    let settledAtChecks = 0;
    fc.assert(
      fc.property(fc.array(step, { minLength: 5, maxLength: 40 }), (steps) => {
        const dir = mkdtempSync(join(tmpdir(), 'ixs-settle-'));
        const file = join(dir, 'ixs.db');
        const db = openDatabase(file);
        try {
          const writer = rowWriter(db);
          const model = new Map<string, Interaction>();
          const commit = (ops: StoreOp[]): void => {
            writer.write(toRows(ops));
          };
          const check = (): void => {
            const reader = openDatabase(file);
            try {
              const loaded = plain(loadFrom(reader)).sort(byId);
              assert.deepEqual(loaded, [...model.values()].sort(byId));
              const settled = (
                reader.prepare("SELECT value FROM store_meta WHERE key = 'settled_seq'").get() as {
                  value: number;
                }
              ).value;
              if (settled > 0) settledAtChecks++;
            } finally {
              reader.close();
            }
          };
          for (const st of steps) {
            if (st.kind === 'check') check();
            else if (st.kind === 'settle') writer.settle(st.rows);
            else if (st.kind === 'submit') {
              const id = ids[st.at] as string;
              if (model.has(id)) continue;
              const created = ixn(id, 1, { userData: [{ key: 'born', value: steps.indexOf(st) }] });
              commit([
                { op: 'event', event: ev(id, 1) },
                { op: 'upsert', interaction: created },
              ]);
              model.set(id, created);
            } else if (st.kind === 'stop') {
              const id = ids[st.at] as string;
              const cur = model.get(id);
              if (!cur) continue;
              commit([
                { op: 'event', event: ev(id, cur.eventSeq + 1) },
                { op: 'delete', id },
              ]);
              model.delete(id);
            } else {
              const ops: StoreOp[] = [];
              for (const k of new Set(st.at)) {
                const id = ids[k] as string;
                const cur = model.get(id);
                if (!cur) continue;
                const next = {
                  ...cur,
                  version: cur.version + 1,
                  eventSeq: cur.eventSeq + 1,
                  userData: [{ key: 'n', value: cur.version + 1 }],
                };
                ops.push({ op: 'event', event: ev(id, next.eventSeq) });
                ops.push({ op: 'upsert', interaction: next, propertiesOnly: true });
                model.set(id, next);
              }
              commit(ops);
            }
          }
          check();
          // Settling everything changes nothing that loads.
          while (writer.behind) writer.settle(5);
          check();
        } finally {
          db.close();
          rmSync(dir, { recursive: true, force: true });
        }
      }),
      { numRuns: 150 },
    );
    assert.ok(settledAtChecks > 50, `settles completed before checks (${String(settledAtChecks)})`);
  });
});

describe('SQLite adapter: history retention', () => {
  /** An event row of interaction `id` (null: an event of no interaction) at second `s` of 2026-01-01. */
  const e = (id: string | null, n: number, name: string, s: number): Row =>
    ['e', id, id === null ? null : n, name, `2026-01-01T00:00:${String(s).padStart(2, '0')}Z`, '{}', null] as const;
  const list = (db: Database.Database, sql: string): unknown[][] =>
    (db.prepare(sql).raw().all() as unknown[][]).map((r) => [...r]);

  it('removes the events and index entries of interactions stopped before the cut-off, never the newest row', () => {
    const db = openDatabase(':memory:');
    const w = rowWriter(db);
    w.write([e('A', 1, 'EventInteractionSubmitted', 1), e('A', 2, 'EventPropertiesChanged', 2)]);
    w.write([e('B', 1, 'EventInteractionSubmitted', 3), e('A', 3, 'EventProcessingStopped', 4)]);
    w.write([e(null, 0, 'EventAgentLogin', 5), e('B', 2, 'EventProcessingStopped', 20)]);
    // A is submitted again (an id may be used again after a stop): the new one's events are not the old history.
    w.write([e('A', 1, 'EventInteractionSubmitted', 21), e('C', 1, 'EventInteractionSubmitted', 22)]);
    w.write([e('C', 2, 'EventProcessingStopped', 30)]);
    while (w.behind) w.settle();
    assert.deepEqual(list(db, 'SELECT stopped_at, interaction_id, seq FROM stopped_history ORDER BY stopped_at'), [
      ['2026-01-01T00:00:04Z', 'A', 4],
      ['2026-01-01T00:00:20Z', 'B', 6],
      ['2026-01-01T00:00:30Z', 'C', 9],
    ]);
    // Stopped before :20 — A only (B stopped at :20 exactly is not before it).
    assert.equal(w.purgeHistory('2026-01-01T00:00:20Z', 256), 1);
    assert.deepEqual(list(db, 'SELECT seq, interaction_id FROM event_log ORDER BY seq'), [
      [3, 'B'],
      [5, null],
      [6, 'B'],
      [7, 'A'],
      [8, 'C'],
      [9, 'C'],
    ]);
    assert.deepEqual(list(db, "SELECT seq FROM event_index WHERE interaction_id = 'A'"), [[7]]);
    // Everything expired, a batch at a time: B goes; C's stop is the newest row and stays, with its history.
    assert.equal(w.purgeHistory('2026-01-02T00:00:00Z', 1), 1);
    assert.equal(w.purgeHistory('2026-01-02T00:00:00Z', 256), 0);
    assert.deepEqual(list(db, 'SELECT seq, interaction_id FROM event_log ORDER BY seq'), [
      [5, null],
      [7, 'A'],
      [8, 'C'],
      [9, 'C'],
    ]);
    // Another event follows: C goes, and the new event's seq is after every seq ever given.
    const [next] = w.write([e('A', 2, 'EventPropertiesChanged', 40)]);
    assert.equal(next, 10);
    assert.equal(w.purgeHistory('2026-01-02T00:00:00Z', 256), 1);
    assert.deepEqual(list(db, 'SELECT seq, interaction_id FROM event_log ORDER BY seq'), [
      [5, null],
      [7, 'A'],
      [10, 'A'],
    ]);
    assert.deepEqual(list(db, 'SELECT count(*) FROM stopped_history'), [[0]]);
    db.close();
  });

  it('the inline store purges after its commits once the retention has passed', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ixs-retention-'));
    const s = await openSqliteStore(dir, { worker: false, settleIntervalMs: 0, historyRetentionMs: 1000 });
    try {
      const ev = (id: string, n: number, name: 'EventInteractionSubmitted' | 'EventProcessingStopped'): StoreOp => ({
        op: 'event',
        event: {
          interactionId: id,
          ixnSeq: n,
          time: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
          message: isMsg(name, { InteractionId: id }),
        },
      });
      await s.commit([ev('X', 1, 'EventInteractionSubmitted'), ev('X', 2, 'EventProcessingStopped')]);
      await s.commit([ev('Y', 1, 'EventInteractionSubmitted')]);
      assert.equal((await s.readEvents({ interactionId: 'X' })).length, 2);
      const end = Date.now() + 10_000;
      while ((await s.readEvents({ interactionId: 'X' })).length > 0) {
        assert.ok(Date.now() < end, 'X expired within 10 s');
        await new Promise((r) => setTimeout(r, 100));
        await s.commit([ev('Z', 1, 'EventInteractionSubmitted')]);
      }
      assert.equal((await s.readEvents({ interactionId: 'Y' })).length, 1, 'a live one stays');
    } finally {
      await s.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
