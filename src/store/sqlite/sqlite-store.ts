/**
 * SQLite adapter (better-sqlite3): WAL journal with synchronous=FULL, so a commit survives power loss and kill -9.
 * Writes go through a commit worker thread by default (the fsync of one batch overlaps with the handling of the next);
 * reads use a connection of the main thread, which sees every committed transaction (WAL). An in-memory store, or
 * `{ worker: false }`, commits inline.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type Database from 'better-sqlite3';
import { interactionFromJson } from '../serialize.ts';
import type { EventQuery, Store, StoredEvent } from '../store.ts';
import type { Interaction, StoreOp } from '../types.ts';
import { toRows, type Row } from './rows.ts';
import { openDatabase, rowWriter } from './schema.ts';

/** Opens (creating if needed) the database `ixs.db` in `dataDir`; ':memory:' for a throwaway store. */
export async function openSqliteStore(dataDir: string, opts: { worker?: boolean } = {}): Promise<SqliteStore> {
  if (dataDir === ':memory:') return new SqliteStore(openDatabase(':memory:'), undefined);
  mkdirSync(dataDir, { recursive: true });
  const file = join(dataDir, 'ixs.db');
  const db = openDatabase(file);
  const checkpointer = await startWorker('checkpoint-worker', { file, intervalMs: CHECKPOINT_INTERVAL_MS });
  if (opts.worker === false) {
    db.pragma('wal_autocheckpoint = 0');
    return new SqliteStore(db, undefined, checkpointer);
  }
  return new SqliteStore(db, await CommitWorker.start(file), checkpointer);
}

/** How often the checkpoint worker copies the WAL back (the WAL grows by at most this much commit traffic). */
const CHECKPOINT_INTERVAL_MS = 250;

/** Starts one of this folder's workers (through tsx when running from the sources) and waits for its first message. */
async function startWorker(name: string, data: unknown): Promise<Worker> {
  const fromSource = import.meta.url.endsWith('.ts');
  const worker = new Worker(new URL(`./${name}${fromSource ? '-tsx.mjs' : '.js'}`, import.meta.url), {
    workerData: data,
  });
  await new Promise<void>((resolve, reject) => {
    worker.once('message', () => {
      resolve();
    });
    worker.once('error', reject);
  });
  return worker;
}

interface EventRow {
  seq: number;
  interaction_id: string | null;
  ixn_seq: number | null;
  name: string;
  time: string;
  payload: string;
}

type Reply = { id: number; seqs: number[] } | { id: number; error: string };

/** The main thread's handle on the commit worker. */
class CommitWorker {
  private nextId = 1;
  private readonly waiting = new Map<number, { resolve: (seqs: number[]) => void; reject: (e: Error) => void }>();
  private closed: (() => void) | undefined;

  private constructor(private readonly worker: Worker) {
    worker.on('message', (m: Reply | { closed: true } | { ready: true }) => {
      if ('closed' in m) {
        this.closed?.();
        return;
      }
      if ('ready' in m) return;
      const w = this.waiting.get(m.id);
      this.waiting.delete(m.id);
      if ('error' in m) w?.reject(new Error(m.error));
      else w?.resolve(m.seqs);
    });
    worker.on('error', (e) => {
      for (const w of this.waiting.values()) w.reject(e);
      this.waiting.clear();
    });
  }

  static async start(file: string): Promise<CommitWorker> {
    return new CommitWorker(await startWorker('commit-worker', { file }));
  }

  commit(rows: readonly Row[]): Promise<number[]> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      this.worker.postMessage({ id, rows });
    });
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => {
      this.closed = resolve;
      this.worker.postMessage('close');
    });
    await this.worker.terminate();
  }
}

/** The SQLite Store. */
export class SqliteStore implements Store {
  private readonly write: ((rows: readonly Row[]) => number[]) | undefined;

  constructor(
    private readonly db: Database.Database,
    private readonly worker: CommitWorker | undefined,
    private readonly checkpointer?: Worker,
  ) {
    this.write = worker ? undefined : rowWriter(db);
  }

  /** Every interaction: its row, or the newer state a later properties-only change kept with its event (rows.ts). */
  loadInteractions(): Promise<Interaction[]> {
    const rows = this.db.prepare('SELECT data FROM interactions ORDER BY rowid').all() as { data: string }[];
    const newer = this.db.prepare(
      `SELECT state FROM event_log WHERE interaction_id = ? AND ixn_seq > ? AND state IS NOT NULL
       ORDER BY ixn_seq DESC LIMIT 1`,
    );
    return Promise.resolve(
      rows.map((r) => {
        const ix = interactionFromJson(r.data);
        const later = newer.get(ix.id, ix.eventSeq) as { state: string } | undefined;
        return later ? interactionFromJson(later.state) : ix;
      }),
    );
  }

  async commit(ops: readonly StoreOp[]): Promise<void> {
    const rows = toRows(ops);
    const seqs = this.worker ? await this.worker.commit(rows) : this.inline(rows);
    let i = 0;
    for (const op of ops) if (op.op === 'event') op.event.seq = seqs[i++];
  }

  private inline(rows: readonly Row[]): number[] {
    if (!this.write) throw new Error('no writer');
    return this.write(rows);
  }

  readEvents(q: EventQuery = {}): Promise<StoredEvent[]> {
    const limit = q.limit ?? 1000;
    const rows = (
      q.interactionId === undefined
        ? this.db.prepare('SELECT * FROM event_log WHERE seq > ? ORDER BY seq LIMIT ?').all(q.afterSeq ?? 0, limit)
        : this.db
            .prepare('SELECT * FROM event_log WHERE seq > ? AND interaction_id = ? ORDER BY seq LIMIT ?')
            .all(q.afterSeq ?? 0, q.interactionId, limit)
    ) as EventRow[];
    return Promise.resolve(
      rows.map((r) => ({
        seq: r.seq,
        interactionId: r.interaction_id,
        ixnSeq: r.ixn_seq,
        name: r.name,
        time: r.time,
        payload: JSON.parse(r.payload) as Record<string, unknown>,
      })),
    );
  }

  private closing: Promise<void> | undefined;

  /** Closes the store (idempotent): the worker finishes its current transaction first. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      await this.worker?.close();
      const cp = this.checkpointer;
      if (cp) {
        await new Promise<void>((resolve) => {
          cp.once('message', () => {
            resolve();
          });
          cp.postMessage('close');
        });
        await cp.terminate();
      }
      this.db.close();
    })();
    return this.closing;
  }
}
