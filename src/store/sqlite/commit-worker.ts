/**
 * The commit worker: owns the SQLite write connection and runs the transactions, including their fsync, off the main
 * thread, so that the server keeps decoding and deciding while earlier batches become durable. Batches that arrive
 * while a transaction runs are committed together in the next one (one fsync for all of them).
 */
import { parentPort, receiveMessageOnPort, workerData } from 'node:worker_threads';
import type { Row } from './rows.ts';
import { openDatabase, rowWriter } from './schema.ts';

interface CommitRequest {
  readonly id: number;
  readonly rows: readonly Row[];
}

/** The answer to every batch of one transaction: their ids, each one's event seqs, the transaction's time. */
export interface CommitReply {
  readonly ids: number[];
  readonly seqs: number[][];
  readonly ms: number;
  readonly error?: string;
}

const port = parentPort;
if (!port) throw new Error('commit-worker must run as a worker thread');
const db = openDatabase((workerData as { file: string }).file);
// Checkpoints are the checkpoint worker's job.
db.pragma('wal_autocheckpoint = 0');
const write = rowWriter(db);

function close(): void {
  db.close();
  port?.postMessage({ closed: true });
}

port.on('message', (first: CommitRequest | 'close') => {
  if (first === 'close') {
    close();
    return;
  }
  // Take every batch already queued behind this one.
  const batches = [first];
  let closing = false;
  for (let m = receiveMessageOnPort(port); m; m = receiveMessageOnPort(port)) {
    const msg = m.message as CommitRequest | 'close';
    if (msg === 'close') {
      closing = true;
      break;
    }
    batches.push(msg);
  }
  const ids = batches.map((b) => b.id);
  const t0 = performance.now();
  try {
    const rows = batches.length === 1 ? first.rows : batches.flatMap((b) => b.rows);
    const all = write(rows);
    const seqs: number[][] = [];
    let i = 0;
    for (const b of batches) {
      const n = b.rows.reduce((k, r) => (r[0] === 'e' ? k + 1 : k), 0);
      seqs.push(all.slice(i, i + n));
      i += n;
    }
    port.postMessage({ ids, seqs, ms: performance.now() - t0 } satisfies CommitReply);
  } catch (e) {
    const error = e instanceof Error ? e.message : String(e);
    port.postMessage({ ids, seqs: [], ms: performance.now() - t0, error } satisfies CommitReply);
  }
  if (closing) close();
});
port.postMessage({ ready: true });
