/**
 * The load worker: steps through the interactions table on its own connection and thread and hands the rows to the
 * main thread in batches, so that SQLite's stepping (about a third of a start with a million rows) runs beside the
 * main thread's parsing instead of before it. At most `credits` batches are on their way at once: the main thread
 * gives one back as it takes one, so the rows are never all held twice.
 */
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';

const port = parentPort;
if (!port) throw new Error('load-worker must run as a worker thread');
const { file, credits, batch } = workerData as { file: string; credits: SharedArrayBuffer; batch: number };
const free = new Int32Array(credits);
const db = new Database(file, { readonly: true, fileMustExist: true });
const rows = db
  .prepare('SELECT data, written_seq FROM interactions ORDER BY rowid')
  .raw(true)
  .iterate() as IterableIterator<[data: string, writtenSeq: number]>;
let data: string[] = [];
let seqs: number[] = [];
const send = (): void => {
  // Blocks this thread (never the main one) until the main thread has taken a batch.
  while (Atomics.load(free, 0) <= 0) Atomics.wait(free, 0, 0);
  Atomics.sub(free, 0, 1);
  port.postMessage({ data, seqs });
  data = [];
  seqs = [];
};
for (const [d, s] of rows) {
  data.push(d);
  seqs.push(s);
  if (data.length >= batch) send();
}
if (data.length > 0) send();
db.close();
port.postMessage({ done: true });
