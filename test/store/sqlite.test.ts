/** Runs the Store conformance suite against the SQLite adapter, on a fresh file database per test. */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { isMsg } from '../../src/protocol/message.ts';
import { openSqliteStore } from '../../src/store/sqlite/sqlite-store.ts';
import type { Store } from '../../src/store/store.ts';
import type { EventRecord, Interaction } from '../../src/store/types.ts';
import { storeConformance } from './conformance.ts';
import { unpacked } from '../../src/store/serialize.ts';

/** Loaded interactions as plain records (the store hands them out in their compact form). */
function plain(list: readonly Interaction[]): Interaction[] {
  return list.map(unpacked);
}

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
    state: 3,
    submittedBy: 'EmailServer',
    submittedAt: '2026-01-01T00:00:00Z',
    receivedAt: '2026-01-01T00:00:00Z',
    isOnline: false,
    userData: [{ key: 'n', value: version }],
    version,
    eventSeq: version,
    agents: ['agent1'],
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

  it('settles on time while commits go on, and loading reads only the log after the settled position', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ixs-settle-'));
    const s = await openSqliteStore(dir, { worker: true, settleIntervalMs: 0 });
    try {
      await s.commit([
        { op: 'event', event: ev('A', 1) },
        { op: 'upsert', interaction: ixn('A', 1) },
      ]);
      await change(s, 'A', 2);
      // With a zero interval every commit settles: the row follows each change, the position each commit.
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
});
