/**
 * The checkpoint worker: copies committed WAL frames back into the database file on its own connection and thread,
 * so that checkpoint I/O (tens of milliseconds on slow disks) never stalls a commit. PASSIVE checkpoints do not block
 * writers. The committing connection finishes a checkpoint itself when the WAL has grown past 16 MiB (schema.ts,
 * asWriter): it appends nothing while it does, so that one completes and the WAL starts over.
 */
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';

const port = parentPort;
if (!port) throw new Error('checkpoint-worker must run as a worker thread');
const { file, intervalMs } = workerData as { file: string; intervalMs: number };
const db = new Database(file);
db.pragma('busy_timeout = 1000');
const timer = setInterval(() => {
  try {
    db.pragma('wal_checkpoint(PASSIVE)');
  } catch {
    // Busy or locked: the next round tries again.
  }
}, intervalMs);
port.on('message', (m: unknown) => {
  if (m !== 'close') return;
  clearInterval(timer);
  try {
    db.pragma('wal_checkpoint(TRUNCATE)');
  } catch {
    // Left for the next start: SQLite replays the WAL when it opens the database.
  }
  db.close();
  port.postMessage('closed');
});
port.postMessage('ready');
