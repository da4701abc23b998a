/** Opening a SQLite database with IXS's settings and migrations (shared by the main thread and the commit worker). */
import { readdirSync, readFileSync } from 'node:fs';
import Database from 'better-sqlite3';
import type { Row } from './rows.ts';

const MIGRATIONS_DIR = new URL('./migrations/', import.meta.url);

/** Opens the database: WAL journal, synchronous=FULL (every commit is fsynced before it returns), migrations applied. */
export function openDatabase(file: string): Database.Database {
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  // 8 MiB of page cache per connection (SQLite's default is 2 MiB): enough to keep every interior B-tree page of a
  // million interactions and their event log cached, so a commit reads no index page back from the OS.
  db.pragma('cache_size = -8192');
  migrate(db);
  // A full disk on demand (fault tests, docs/reliability.md): SQLite refuses to grow the database past this many pages.
  const maxPages = Number(process.env.IXS_SQLITE_MAX_PAGE_COUNT ?? '');
  if (Number.isInteger(maxPages) && maxPages > 0) db.pragma(`max_page_count = ${String(maxPages)}`);
  return db;
}

/**
 * WAL frames (pages) after which the writing connection checkpoints right after its commit (SQLite's autocheckpoint,
 * PASSIVE): 16 MiB. The checkpoint worker copies frames back every 250 ms off the commit path, but under a steady
 * stream of commits it is always a few transactions behind, and SQLite starts the WAL over only once a checkpoint has
 * copied every frame: without the writer's own checkpoint the WAL grew for as long as the load lasted (1.5 GB in two
 * minutes of the scale bench, every page read then looking through hundreds of thousands of frames, commits slowing
 * to half). Run by the writer, with nothing appended meanwhile, it copies only what the worker has not and completes,
 * and the next commit starts the WAL from its beginning.
 */
export const WRITER_CHECKPOINT_PAGES = 4096;
/** A WAL file started over is cut back to this size (bytes), so that a burst does not leave it large on disk. */
const WAL_SIZE_LIMIT = 64 * 1024 * 1024;

/** The settings of the one writing connection (commit worker, or the inline store). */
export function asWriter(db: Database.Database): void {
  db.pragma(`wal_autocheckpoint = ${String(WRITER_CHECKPOINT_PAGES)}`);
  db.pragma(`journal_size_limit = ${String(WAL_SIZE_LIMIT)}`);
}

function migrate(db: Database.Database): void {
  db.exec('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY)');
  const done = new Set(
    (db.prepare('SELECT version FROM schema_migrations').all() as { version: number }[]).map((r) => r.version),
  );
  const files = readdirSync(MIGRATIONS_DIR)
    .filter((f) => /^\d+-.*\.sql$/.test(f))
    .sort();
  for (const f of files) {
    const version = Number(f.split('-')[0]);
    if (done.has(version)) continue;
    const sql = readFileSync(new URL(f, MIGRATIONS_DIR), 'utf8');
    db.transaction(() => {
      db.exec(sql);
      db.prepare('INSERT INTO schema_migrations (version) VALUES (?)').run(version);
    })();
  }
}

/** With at least this many kept states behind, an idle writer settles at once ... */
export const SETTLE_MIN_KEPT = 256;
/**
 * ... or this many events of any kind (a burst of submissions or stops keeps no states, but its events still join
 * the per-interaction index: settled once a second, 200,000 of them took minutes and left histories reading an
 * unindexed tail that long) ...
 */
export const SETTLE_MIN_EVENTS = 1024;
/** ... with fewer, once this long after its last settle (so rows catch up when traffic stops, too). */
export const SETTLE_INTERVAL_MS = 1000;
/**
 * The commit worker settles only once no commit came for this long (ms) — for at most SETTLE_MAX_WAIT_MS since it last
 * settled in such a quiet moment, and not once far behind (commit-worker.ts). Under load, batches arrive a few ms
 * apart and the worker is idle between them; a settle chunk started in such a gap holds up the next batch for its whole
 * length (a few ms plus the fsync of the pages it dirtied), and with a million stored interactions every settled
 * change dirties scattered pages: settling in the gaps cost a third of change/s (docs/performance.md). What waits is
 * only the rows' copy of states that are durable in the log already: a burst is acknowledged at the speed of the log
 * and the rows catch up when it pauses; a load that does not pause is settled in the gaps after SETTLE_MAX_WAIT_MS.
 */
export const SETTLE_QUIET_MS = 50;
export const SETTLE_MAX_WAIT_MS = 10_000;
/** Kept states one settle transaction covers at most (a commit arriving meanwhile waits little). */
export const SETTLE_CHUNK = 1024;
/** Events (of any kind: each is indexed) one settle transaction covers at most, per kept state it may cover. */
const SETTLE_EVENTS_PER_KEPT = 4;

/** Stopped interactions whose history one purge transaction removes at most. */
export const PURGE_BATCH = 256;

/** How often expired histories are looked for: a quarter of the retention, between 250 ms and a minute. */
export function purgeIntervalMs(retentionMs: number): number {
  return Math.min(60_000, Math.max(250, Math.floor(retentionMs / 4)));
}

/** The cut-off of a retention as the log's time text (whole seconds, like the events' times): stopped before it expire. */
export function retentionCutoff(now: number, retentionMs: number): string {
  return new Date(Math.floor((now - retentionMs) / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

/** The writer of one connection. */
export interface RowWriter {
  /** Writes a batch in one transaction (fsynced before it returns) and returns the seq of every event row, in order. */
  write(rows: readonly Row[]): number[];
  /** Kept states (event rows carrying an interaction's state) after the settled position. */
  readonly unsettled: number;
  /** Events after the settled position (not yet in the per-interaction index). */
  readonly eventsBehind: number;
  /** Whether the log has moved on since the settled position (kept states or not). */
  readonly behind: boolean;
  /**
   * Whether a settle is due: behind, and SETTLE_MIN_KEPT states kept, SETTLE_MIN_EVENTS events logged, or the settle
   * interval passed since the last.
   */
  readonly due: boolean;
  /**
   * Settles: the interaction rows catch up with the newest kept state of each interaction among the next `max` kept
   * states after the settled position (a row changes only if it is older than that state: a stopped interaction is
   * not brought back, a row rewritten since is not overwritten), and the settled position moves past them (to the end
   * of the log when fewer remain; at most SETTLE_EVENTS_PER_KEPT x `max` events); the range's events join the
   * per-interaction index. One transaction, fsynced like a commit: its pages are flushed in its own time
   * (deferring that fsync to the next commit, synchronous=NORMAL, made that commit carry megabytes of settle pages).
   */
  settle(max?: number): void;
  /**
   * Removes the history of at most `max` interactions stopped before `before` (ISO time), oldest first, among the
   * settled ones: their events up to the stop (never the log's newest row, so that seq never repeats: one whose stop
   * is that row waits for the next event) and their index entries. One transaction; returns how many it removed.
   */
  purgeHistory(before: string, max: number): number;
}

/**
 * The writer of a connection. A row write ('u') records the log position it was written at (written_seq); a settle
 * records in store_meta `settled_seq` the position up to which every kept state is in the rows, so loading reads
 * only the log after it.
 */
export function rowWriter(db: Database.Database, settleIntervalMs = SETTLE_INTERVAL_MS): RowWriter {
  const upsert = db.prepare(
    `INSERT INTO interactions (id, tenant_id, state, queue, version, data, written_seq) VALUES (?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (id) DO UPDATE SET tenant_id = excluded.tenant_id, state = excluded.state,
       queue = excluded.queue, version = excluded.version, data = excluded.data, written_seq = excluded.written_seq`,
  );
  const del = db.prepare('DELETE FROM interactions WHERE id = ?');
  const insertEvent = db.prepare(
    'INSERT INTO event_log (interaction_id, ixn_seq, name, time, payload, state) VALUES (?, ?, ?, ?, ?, ?)',
  );
  // The newest kept state of each interaction in (from, to] (SQLite gives the bare columns of the max(seq) row).
  const merge = db.prepare(
    `UPDATE interactions SET data = k.state, tenant_id = json_extract(k.state, '$.tenantId'),
       state = json_extract(k.state, '$.state'), queue = json_extract(k.state, '$.queue'),
       version = json_extract(k.state, '$.version'), written_seq = k.seq
     FROM (SELECT interaction_id AS id, state, max(seq) AS seq FROM event_log
           WHERE seq > ? AND seq <= ? AND state IS NOT NULL GROUP BY interaction_id) AS k
     WHERE interactions.id = k.id AND interactions.written_seq < k.seq`,
  );
  const nthKept = db.prepare(
    'SELECT seq FROM event_log WHERE seq > ? AND state IS NOT NULL ORDER BY seq LIMIT 1 OFFSET ?',
  );
  const countKept = db.prepare('SELECT count(*) AS n FROM event_log WHERE seq > ? AND state IS NOT NULL');
  const setSettled = db.prepare("UPDATE store_meta SET value = ? WHERE key = 'settled_seq'");
  const getSettled = db.prepare("SELECT value FROM store_meta WHERE key = 'settled_seq'");
  const maxSeq = (): number => (db.prepare('SELECT max(seq) AS m FROM event_log').get() as { m: number | null }).m ?? 0;
  // This connection is the only writer: it tracks the log position, the settled position and the kept states after
  // it itself. A failed transaction re-reads them.
  let lastSeq = 0;
  let settledSeq = 0;
  let unsettled = 0;
  let lastSettle = performance.now();
  const reread = (): void => {
    lastSeq = maxSeq();
    settledSeq = (getSettled.get() as { value: number }).value;
    unsettled = (countKept.get(settledSeq) as { n: number }).n;
  };
  reread();
  const tx = db.transaction((rows: readonly Row[]) => {
    const seqs: number[] = [];
    for (const r of rows) {
      if (r[0] === 'e') {
        lastSeq = Number(insertEvent.run(r[1], r[2], r[3], r[4], r[5], r[6]).lastInsertRowid);
        seqs.push(lastSeq);
        if (r[6] !== null) unsettled++;
      } else if (r[0] === 'u') {
        upsert.run(r[1], r[2], r[3], r[4], r[5], r[6], lastSeq);
      } else {
        del.run(r[1]);
      }
    }
    return seqs;
  });
  // The settled range's events join the per-interaction index (migration 004) in the same transaction.
  const indexRange = db.prepare(
    `INSERT OR IGNORE INTO event_index (interaction_id, seq)
     SELECT interaction_id, seq FROM event_log WHERE seq > ? AND seq <= ? AND interaction_id IS NOT NULL
     ORDER BY interaction_id, seq`,
  );
  const countKeptIn = db.prepare(
    'SELECT count(*) AS n FROM event_log WHERE seq > ? AND seq <= ? AND state IS NOT NULL',
  );
  // Stopped interactions, for the history retention (migration 005).
  const addStopped = db.prepare(
    `INSERT OR IGNORE INTO stopped_history (stopped_at, interaction_id, seq)
     SELECT time, interaction_id, seq FROM event_log
     WHERE seq > ? AND seq <= ? AND name = 'EventProcessingStopped' AND interaction_id IS NOT NULL`,
  );
  const settleTx = db.transaction((to: number) => {
    merge.run(settledSeq, to);
    indexRange.run(settledSeq, to);
    addStopped.run(settledSeq, to);
    setSettled.run(to);
  });
  const expired = db.prepare(
    'SELECT stopped_at, interaction_id, seq FROM stopped_history WHERE stopped_at < ? AND seq < ? ORDER BY stopped_at LIMIT ?',
  );
  const purgeEvents = db.prepare(
    'DELETE FROM event_log WHERE seq IN (SELECT seq FROM event_index WHERE interaction_id = ? AND seq <= ?)',
  );
  const purgeIndex = db.prepare('DELETE FROM event_index WHERE interaction_id = ? AND seq <= ?');
  const purgeStopped = db.prepare(
    'DELETE FROM stopped_history WHERE stopped_at = ? AND interaction_id = ? AND seq = ?',
  );
  const purgeTx = db.transaction((before: string, max: number) => {
    // Stops below the log's newest row: every event of theirs is below it too.
    const rows = expired.all(before, lastSeq, max) as { stopped_at: string; interaction_id: string; seq: number }[];
    for (const r of rows) {
      purgeEvents.run(r.interaction_id, r.seq);
      purgeIndex.run(r.interaction_id, r.seq);
      purgeStopped.run(r.stopped_at, r.interaction_id, r.seq);
    }
    return rows.length;
  });
  return {
    write(rows) {
      try {
        return tx(rows);
      } catch (e) {
        reread();
        throw e;
      }
    },
    get unsettled() {
      return unsettled;
    },
    get behind() {
      return settledSeq < lastSeq;
    },
    get eventsBehind() {
      return lastSeq - settledSeq;
    },
    get due() {
      return (
        settledSeq < lastSeq &&
        (unsettled >= SETTLE_MIN_KEPT ||
          lastSeq - settledSeq >= SETTLE_MIN_EVENTS ||
          performance.now() - lastSettle >= settleIntervalMs)
      );
    },
    settle(max = SETTLE_CHUNK) {
      if (settledSeq >= lastSeq) return;
      // At most SETTLE_EVENTS_PER_KEPT x `max` events (each is indexed) and `max` kept states per transaction. Both
      // are found within that many rows after the settled position (rowid ranges): never a scan through a long run
      // of events without states (stops, say) to find the kept states beyond it, which made each settle cost what
      // the whole backlog costs.
      const cap = Math.min(lastSeq, settledSeq + max * SETTLE_EVENTS_PER_KEPT);
      try {
        let to = cap;
        let kept = (countKeptIn.get(settledSeq, cap) as { n: number }).n;
        if (kept > max) {
          to = (nthKept.get(settledSeq, max - 1) as { seq: number }).seq;
          kept = max;
        }
        settleTx(to);
        lastSettle = performance.now();
        settledSeq = to;
        unsettled -= kept;
      } catch (e) {
        reread();
        throw e;
      }
    },
    purgeHistory(before, max) {
      try {
        return purgeTx(before, max);
      } catch (e) {
        reread();
        throw e;
      }
    },
  };
}
