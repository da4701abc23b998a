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
import { interactionFromJson } from '../../core/model/packed.ts';
import type { EventQuery, Store, StoredEvent } from '../store.ts';
import type { Interaction, StoreOp } from '../types.ts';
import type { CommitReply, CommitWorkerData, SettleLag } from './commit-worker.ts';
import { toRows, type Row } from './rows.ts';
import {
  asWriter,
  openDatabase,
  PURGE_BATCH,
  purgeIntervalMs,
  retentionCutoff,
  rowWriter,
  SETTLE_INTERVAL_MS,
  SETTLE_MAX_WAIT_MS,
  SETTLE_QUIET_MS,
  type RowWriter,
} from './schema.ts';

/** One transaction as the store ran it: how many commit() calls it made durable, and how long it took. */
export interface TransactionInfo {
  readonly commits: number;
  readonly ms: number;
}

export interface SqliteStoreOptions {
  /** Commit through the commit worker thread (default) or inline on the calling thread. */
  readonly worker?: boolean;
  /** Called after every transaction (metrics). */
  readonly onTransaction?: (t: TransactionInfo) => void;
  /** How often interaction rows catch up with the states kept on event rows (rows.ts; tests shorten it). */
  readonly settleIntervalMs?: number;
  /**
   * The commit worker's wait for a quiet moment before it settles, and the longest it waits (schema.ts
   * SETTLE_QUIET_MS, SETTLE_MAX_WAIT_MS; tests change them).
   */
  readonly settleQuietMs?: number;
  readonly settleMaxWaitMs?: number;
  /**
   * How long (ms) a stopped interaction's history stays after its stop before the store removes it (its events and
   * index entries); 0 or absent: kept forever.
   */
  readonly historyRetentionMs?: number;
}

/** Opens (creating if needed) the database `ixs.db` in `dataDir`; ':memory:' for a throwaway store. */
export async function openSqliteStore(dataDir: string, opts: SqliteStoreOptions = {}): Promise<SqliteStore> {
  const observe = opts.onTransaction;
  const settleIntervalMs = opts.settleIntervalMs ?? SETTLE_INTERVAL_MS;
  const retentionMs = opts.historyRetentionMs ?? 0;
  if (dataDir === ':memory:')
    return new SqliteStore(openDatabase(':memory:'), settleIntervalMs, undefined, undefined, observe, retentionMs);
  mkdirSync(dataDir, { recursive: true });
  const file = join(dataDir, 'ixs.db');
  const db = openDatabase(file);
  const checkpointer = await startWorker('checkpoint-worker', { file, intervalMs: CHECKPOINT_INTERVAL_MS });
  if (opts.worker === false) {
    asWriter(db);
    return new SqliteStore(db, settleIntervalMs, undefined, checkpointer, observe, retentionMs, file);
  }
  return new SqliteStore(
    db,
    settleIntervalMs,
    await CommitWorker.start(
      {
        file,
        settleIntervalMs,
        settleQuietMs: opts.settleQuietMs ?? SETTLE_QUIET_MS,
        settleMaxWaitMs: opts.settleMaxWaitMs ?? SETTLE_MAX_WAIT_MS,
        historyRetentionMs: retentionMs,
      },
      observe,
    ),
    checkpointer,
    observe,
    retentionMs,
    file,
  );
}

/** How often the checkpoint worker copies the WAL back (the WAL grows by at most this much commit traffic). */
const CHECKPOINT_INTERVAL_MS = 250;

/**
 * Young generation (MB) of each worker's V8 heap. V8's flags are the process's, so without a limit of their own the
 * workers took the main thread's 32 MB semi-spaces (operations.md), which they grew into over a long run and kept:
 * the commit worker's garbage is a batch of rows at a time, the checkpoint worker makes almost none.
 */
const YOUNG_MB = { 'commit-worker': 16, 'checkpoint-worker': 4, 'load-worker': 16 } as const;

/** Starts one of this folder's workers (through tsx when running from the sources) and waits for its first message. */
async function startWorker(name: 'commit-worker' | 'checkpoint-worker', data: unknown): Promise<Worker> {
  const fromSource = import.meta.url.endsWith('.ts');
  const worker = new Worker(new URL(`./${name}${fromSource ? '-tsx.mjs' : '.js'}`, import.meta.url), {
    workerData: data,
    resourceLimits: { maxYoungGenerationSizeMb: YOUNG_MB[name] },
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

/**
 * The main thread's handle on the commit worker. Commits may be issued while earlier ones are still running: the
 * worker applies them in order (several queued ones in one transaction) and they resolve in order.
 */
class CommitWorker {
  private nextId = 1;
  private readonly waiting = new Map<number, { resolve: (seqs: number[]) => void; reject: (e: Error) => void }>();
  private closed: (() => void) | undefined;
  /** Events after the settled position, as the worker last said (after a commit or a settle). */
  behind = 0;

  private constructor(
    private readonly worker: Worker,
    observe: ((t: TransactionInfo) => void) | undefined,
  ) {
    worker.on('message', (m: CommitReply | SettleLag | { closed: true } | { ready: true }) => {
      if ('closed' in m) {
        this.closed?.();
        return;
      }
      if ('ready' in m) return;
      this.behind = m.behind;
      if (!('ids' in m)) return;
      observe?.({ commits: m.ids.length, ms: m.ms });
      m.ids.forEach((id, i) => {
        const w = this.waiting.get(id);
        this.waiting.delete(id);
        if (m.error !== undefined) w?.reject(new Error(m.error));
        else w?.resolve(m.seqs[i] ?? []);
      });
    });
    worker.on('error', (e) => {
      for (const w of this.waiting.values()) w.reject(e);
      this.waiting.clear();
    });
  }

  static async start(data: CommitWorkerData, observe?: (t: TransactionInfo) => void): Promise<CommitWorker> {
    return new CommitWorker(await startWorker('commit-worker', data), observe);
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

/** The newest state kept with an event after the settled position, per interaction (see {@link loadFrom}). */
type Kept = Map<string, { seq: number; ixnSeq: number; state: string }>;

/**
 * The newest kept state of each interaction after the settled position (about a second of changes at most). Only the
 * log after that position is read (rowid order, no index): every kept state before it is in the rows.
 */
function keptStates(db: Database.Database): Kept {
  const settled = (db.prepare("SELECT value FROM store_meta WHERE key = 'settled_seq'").get() as { value: number })
    .value;
  const kept: Kept = new Map();
  const keptRows = db
    .prepare(
      'SELECT seq, interaction_id, ixn_seq, state FROM event_log WHERE seq > ? AND state IS NOT NULL ORDER BY seq',
    )
    .iterate(settled) as IterableIterator<{ seq: number; interaction_id: string; ixn_seq: number; state: string }>;
  for (const k of keptRows) kept.set(k.interaction_id, { seq: k.seq, ixnSeq: k.ixn_seq, state: k.state });
  return kept;
}

/** One interaction row read back: the row, or the newer state a later properties-only change kept with its event. */
function fromRow(data: string, writtenSeq: number, kept: Kept): Interaction {
  const ix = interactionFromJson(data);
  const k = kept.get(ix.id);
  // A state older than the row (or of an earlier interaction with the same id) does not apply. A newer one stays
  // in the log after the settled position until the commit worker's next settle writes it into the row.
  return k && k.seq > writtenSeq && k.ixnSeq > ix.eventSeq ? interactionFromJson(k.state) : ix;
}

/**
 * Every interaction stored in a database, on this thread (rows.ts explains the kept states). Rows are read as arrays
 * (no object per row) and streamed, not materialised all at once: a million are read at every start.
 */
export function loadFrom(db: Database.Database): Interaction[] {
  const kept = keptStates(db);
  const rows = db
    .prepare('SELECT data, written_seq FROM interactions ORDER BY rowid')
    .raw(true)
    .iterate() as IterableIterator<[data: string, writtenSeq: number]>;
  const out: Interaction[] = [];
  for (const [data, writtenSeq] of rows) out.push(fromRow(data, writtenSeq, kept));
  return out;
}

/** Rows per batch of the load worker, and batches on their way at once (about 2 MB each with 400 B rows). */
const LOAD_BATCH = 4096;
const LOAD_CREDITS = 4;

/**
 * The same as {@link loadFrom}, with the rows stepped through by the load worker on its own connection while this
 * thread parses the batches it already has: a start with many rows takes the longer of the two, not their sum.
 */
export async function loadInParallel(db: Database.Database, file: string): Promise<Interaction[]> {
  const kept = keptStates(db);
  const credits = new SharedArrayBuffer(4);
  const free = new Int32Array(credits);
  free[0] = LOAD_CREDITS;
  const fromSource = import.meta.url.endsWith('.ts');
  const worker = new Worker(new URL(`./load-worker${fromSource ? '-tsx.mjs' : '.js'}`, import.meta.url), {
    workerData: { file, credits, batch: LOAD_BATCH },
    resourceLimits: { maxYoungGenerationSizeMb: YOUNG_MB['load-worker'] },
  });
  const out: Interaction[] = [];
  try {
    await new Promise<void>((resolve, reject) => {
      worker.on('message', (m: { data: string[]; seqs: number[] } | { done: true }) => {
        if ('done' in m) {
          resolve();
          return;
        }
        // The batch is here: the worker may read the next one while this one is parsed.
        Atomics.add(free, 0, 1);
        Atomics.notify(free, 0);
        const { data, seqs } = m;
        for (let i = 0; i < data.length; i++) out.push(fromRow(data[i] as string, seqs[i] as number, kept));
      });
      worker.once('error', reject);
      worker.once('exit', (code) => {
        reject(new Error(`the load worker exited (${String(code)}) before it had read every row`));
      });
    });
  } finally {
    await worker.terminate();
  }
  return out;
}

/** The SQLite Store. */
export class SqliteStore implements Store {
  /** The inline writer (no commit worker), and when it last settled. */
  private readonly writer: RowWriter | undefined;

  constructor(
    private readonly db: Database.Database,
    settleIntervalMs: number,
    private readonly worker: CommitWorker | undefined,
    private readonly checkpointer?: Worker,
    private readonly observe?: (t: TransactionInfo) => void,
    /** History retention (ms; 0: forever): the inline writer purges after commits, the commit worker on its timer. */
    private readonly historyRetentionMs = 0,
    /** The database file (undefined: in memory). */
    private readonly file?: string,
  ) {
    this.writer = worker ? undefined : rowWriter(db, settleIntervalMs);
  }

  /** When the inline writer last looked for expired histories. */
  private lastPurge = performance.now();

  /**
   * Events in the log after the settled position: not yet in the per-interaction index, their kept states not yet in
   * the interaction rows (schema.ts). Work the store still owes; it falls to zero when traffic pauses.
   */
  get settleLag(): number {
    return this.worker ? this.worker.behind : (this.writer?.eventsBehind ?? 0);
  }

  /** Every interaction (see {@link loadFrom}); read beside the load worker when the store is a file. */
  loadInteractions(): Promise<Interaction[]> {
    return this.file === undefined ? Promise.resolve(loadFrom(this.db)) : loadInParallel(this.db, this.file);
  }

  async commit(ops: readonly StoreOp[]): Promise<void> {
    const seqs = await this.writeRows(toRows(ops));
    let i = 0;
    for (const op of ops) if (op.op === 'event') op.event.seq = seqs[i++];
  }

  /** One transaction: through the commit worker, or inline on this thread. */
  private async writeRows(rows: readonly Row[]): Promise<number[]> {
    if (this.worker) return this.worker.commit(rows);
    if (!this.writer) throw new Error('no writer');
    const t0 = performance.now();
    const seqs = this.writer.write(rows);
    this.observe?.({ commits: 1, ms: performance.now() - t0 });
    // Inline, rows catch up right after a commit (the commit worker does it while idle instead), and expired
    // histories go once per purge interval.
    if (this.writer.due) this.writer.settle();
    const retention = this.historyRetentionMs;
    if (retention > 0 && performance.now() - this.lastPurge >= purgeIntervalMs(retention)) {
      this.lastPurge = performance.now();
      this.writer.purgeHistory(retentionCutoff(Date.now(), retention), PURGE_BATCH);
    }
    return seqs;
  }

  readEvents(q: EventQuery = {}): Promise<StoredEvent[]> {
    const limit = q.limit ?? 1000;
    const after = q.afterSeq ?? 0;
    let rows: EventRow[];
    if (q.interactionId === undefined) {
      rows = this.db
        .prepare('SELECT * FROM event_log WHERE seq > ? ORDER BY seq LIMIT ?')
        .all(after, limit) as EventRow[];
    } else {
      // One interaction's events: through the index up to the settled position (it covers exactly that much), then
      // the unsettled tail after it (bounded by the commit worker), never a scan of the whole log.
      const settled = (
        this.db.prepare("SELECT value FROM store_meta WHERE key = 'settled_seq'").get() as {
          value: number;
        }
      ).value;
      rows = this.db
        .prepare(
          `SELECT e.* FROM event_index i JOIN event_log e ON e.seq = i.seq
           WHERE i.interaction_id = ? AND i.seq > ? AND i.seq <= ? ORDER BY i.seq LIMIT ?`,
        )
        .all(q.interactionId, after, settled, limit) as EventRow[];
      if (rows.length < limit)
        rows = rows.concat(
          this.db
            .prepare('SELECT * FROM event_log WHERE seq > ? AND interaction_id = ? ORDER BY seq LIMIT ?')
            .all(Math.max(after, settled), q.interactionId, limit - rows.length) as EventRow[],
        );
    }
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

  lastEventSeq(): Promise<number> {
    const r = this.db.prepare('SELECT max(seq) AS m FROM event_log').get() as { m: number | null };
    return Promise.resolve(r.m ?? 0);
  }

  private closing: Promise<void> | undefined;

  /** Closes the store (idempotent): the worker finishes its current transaction first. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      // The commit worker brings the interaction rows up to date as it closes; inline, it happens here.
      try {
        while (this.writer?.behind) this.writer.settle();
      } catch {
        // Left as it is: loading still finds the kept states after the settled position.
      }
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
