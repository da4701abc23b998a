/**
 * SQLite adapter (better-sqlite3): WAL journal with synchronous=FULL, so a commit survives power loss and kill -9.
 * Migrations are the numbered .sql files beside this file, applied in order inside one transaction each.
 */
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { toJsonObject } from '../../protocol/json-form.ts';
import { interactionFromJson, interactionToJson } from '../serialize.ts';
import type { EventQuery, Store, StoredEvent } from '../store.ts';
import type { Interaction, StoreOp } from '../types.ts';

const MIGRATIONS_DIR = new URL('./migrations/', import.meta.url);

/** Opens (creating if needed) the database `ixs.db` in `dataDir`; ':memory:' for a throwaway store. */
export function openSqliteStore(dataDir: string): SqliteStore {
  let file = ':memory:';
  if (dataDir !== ':memory:') {
    mkdirSync(dataDir, { recursive: true });
    file = join(dataDir, 'ixs.db');
  }
  return new SqliteStore(new Database(file));
}

interface EventRow {
  seq: number;
  interaction_id: string | null;
  ixn_seq: number | null;
  name: string;
  time: string;
  payload: string;
}

/** The SQLite Store. */
export class SqliteStore implements Store {
  private readonly upsert: Database.Statement;
  private readonly del: Database.Statement;
  private readonly insertEvent: Database.Statement;
  private readonly tx: (ops: readonly StoreOp[]) => void;

  constructor(private readonly db: Database.Database) {
    db.pragma('journal_mode = WAL');
    // FULL: every commit is fsynced before it returns; acks are sent only after that (spec §5).
    db.pragma('synchronous = FULL');
    db.pragma('foreign_keys = ON');
    this.migrate();
    this.upsert = db.prepare(
      `INSERT INTO interactions (id, tenant_id, state, queue, version, data) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (id) DO UPDATE SET tenant_id = excluded.tenant_id, state = excluded.state,
         queue = excluded.queue, version = excluded.version, data = excluded.data`,
    );
    this.del = db.prepare('DELETE FROM interactions WHERE id = ?');
    this.insertEvent = db.prepare(
      'INSERT INTO event_log (interaction_id, ixn_seq, name, time, payload) VALUES (?, ?, ?, ?, ?)',
    );
    this.tx = db.transaction((ops: readonly StoreOp[]) => {
      for (const op of ops) {
        if (op.op === 'upsert') {
          const ix = op.interaction;
          this.upsert.run(ix.id, ix.tenantId, ix.state, ix.queue, ix.version, interactionToJson(ix));
        } else if (op.op === 'delete') {
          this.del.run(op.id);
        } else {
          const e = op.event;
          const r = this.insertEvent.run(
            e.interactionId,
            e.ixnSeq,
            e.message.name,
            e.time,
            JSON.stringify(toJsonObject(e.message)),
          );
          e.seq = Number(r.lastInsertRowid);
        }
      }
    });
  }

  private migrate(): void {
    this.db.exec('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY)');
    const done = new Set(
      (this.db.prepare('SELECT version FROM schema_migrations').all() as { version: number }[]).map((r) => r.version),
    );
    const files = readdirSync(MIGRATIONS_DIR)
      .filter((f) => /^\d+-.*\.sql$/.test(f))
      .sort();
    for (const f of files) {
      const version = Number(f.split('-')[0]);
      if (done.has(version)) continue;
      const sql = readFileSync(new URL(f, MIGRATIONS_DIR), 'utf8');
      this.db.transaction(() => {
        this.db.exec(sql);
        this.db.prepare('INSERT INTO schema_migrations (version) VALUES (?)').run(version);
      })();
    }
  }

  loadInteractions(): Promise<Interaction[]> {
    const rows = this.db.prepare('SELECT data FROM interactions ORDER BY rowid').all() as { data: string }[];
    return Promise.resolve(rows.map((r) => interactionFromJson(r.data)));
  }

  /** Synchronous commit, for the group-commit loop (one fsync per batch). */
  commitSync(ops: readonly StoreOp[]): void {
    this.tx(ops);
  }

  commit(ops: readonly StoreOp[]): Promise<void> {
    try {
      this.tx(ops);
      return Promise.resolve();
    } catch (e) {
      return Promise.reject(e instanceof Error ? e : new Error(String(e)));
    }
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

  close(): Promise<void> {
    this.db.close();
    return Promise.resolve();
  }
}
