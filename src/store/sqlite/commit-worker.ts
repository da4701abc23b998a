/**
 * The commit worker: owns the SQLite write connection and runs each batch's transaction, including its fsync, off the
 * main thread, so that the server keeps decoding and deciding the next batch while this one becomes durable.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { Row } from './rows.ts';
import { openDatabase, rowWriter } from './schema.ts';

interface CommitRequest {
  readonly id: number;
  readonly rows: readonly Row[];
}

const port = parentPort;
if (!port) throw new Error('commit-worker must run as a worker thread');
const db = openDatabase((workerData as { file: string }).file);
// Checkpoints are the checkpoint worker's job.
db.pragma('wal_autocheckpoint = 0');
const write = rowWriter(db);

port.on('message', (msg: CommitRequest | 'close') => {
  if (msg === 'close') {
    db.close();
    port.postMessage({ closed: true });
    return;
  }
  try {
    port.postMessage({ id: msg.id, seqs: write(msg.rows) });
  } catch (e) {
    port.postMessage({ id: msg.id, error: e instanceof Error ? e.message : String(e) });
  }
});
port.postMessage({ ready: true });
