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
  return db;
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

/**
 * A function that writes a batch of rows in one transaction and returns the seq of every event row, in order. A row
 * write records the log position it was written at (written_seq); an 's' row records that every state kept on an
 * event row up to the current position is in the rows (store_meta settled_seq).
 */
export function rowWriter(db: Database.Database): (rows: readonly Row[]) => number[] {
  const upsert = db.prepare(
    `INSERT INTO interactions (id, tenant_id, state, queue, version, data, written_seq) VALUES (?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (id) DO UPDATE SET tenant_id = excluded.tenant_id, state = excluded.state,
       queue = excluded.queue, version = excluded.version, data = excluded.data, written_seq = excluded.written_seq`,
  );
  const del = db.prepare('DELETE FROM interactions WHERE id = ?');
  const insertEvent = db.prepare(
    'INSERT INTO event_log (interaction_id, ixn_seq, name, time, payload, state) VALUES (?, ?, ?, ?, ?, ?)',
  );
  const settle = db.prepare("UPDATE store_meta SET value = ? WHERE key = 'settled_seq'");
  const maxSeq = (): number => (db.prepare('SELECT max(seq) AS m FROM event_log').get() as { m: number | null }).m ?? 0;
  // This connection is the only writer: it tracks the log position itself. A failed transaction re-reads it.
  let lastSeq = maxSeq();
  const tx = db.transaction((rows: readonly Row[]) => {
    const seqs: number[] = [];
    for (const r of rows) {
      if (r[0] === 'e') {
        lastSeq = Number(insertEvent.run(r[1], r[2], r[3], r[4], r[5], r[6]).lastInsertRowid);
        seqs.push(lastSeq);
      } else if (r[0] === 'u') {
        upsert.run(r[1], r[2], r[3], r[4], r[5], r[6], lastSeq);
      } else if (r[0] === 'd') {
        del.run(r[1]);
      } else {
        settle.run(lastSeq);
      }
    }
    return seqs;
  });
  return (rows) => {
    try {
      return tx(rows);
    } catch (e) {
      lastSeq = maxSeq();
      throw e;
    }
  };
}
