/**
 * The commit worker: owns the SQLite write connection and runs the transactions, including their fsync, off the main
 * thread, so that the server keeps decoding and deciding while earlier batches become durable. Batches that arrive
 * while a transaction runs are committed together in the next one (one fsync for all of them). Settling (the
 * interaction rows catching up with the states kept on event rows; rows.ts, schema.ts) runs when no batch waits.
 */
import { parentPort, receiveMessageOnPort, workerData, type MessagePort } from 'node:worker_threads';
import type { Row } from './rows.ts';
import {
  asWriter,
  openDatabase,
  PURGE_BATCH,
  purgeIntervalMs,
  retentionCutoff,
  rowWriter,
  SETTLE_CHUNK,
} from './schema.ts';

interface CommitRequest {
  readonly id: number;
  readonly rows: readonly Row[];
}

/** The answer to every batch of one transaction: their ids, each one's event seqs, the transaction's time. */
export interface CommitReply {
  readonly ids: number[];
  readonly seqs: number[][];
  readonly ms: number;
  /** Events after the settled position once this transaction committed (see {@link SettleLag}). */
  readonly behind: number;
  readonly error?: string;
}

/**
 * How far settling is behind the log (events after the settled position), sent after every settle transaction: the
 * store's settle lag (metrics; the scale bench waits for it to fall before it measures).
 */
export interface SettleLag {
  readonly behind: number;
}

/** With more kept states behind than this, every commit turn also settles a chunk: loading after a crash stays short. */
const MAX_UNSETTLED = 65_536;
/** With more events behind than this, too: an interaction's history reads at most this much unindexed log. */
const MAX_EVENTS_BEHIND = 262_144;

const port = parentPort;
if (!port) throw new Error('commit-worker must run as a worker thread');
/** What the store starts this worker with. */
export interface CommitWorkerData {
  readonly file: string;
  readonly settleIntervalMs: number;
  /** SETTLE_QUIET_MS and SETTLE_MAX_WAIT_MS, or what the store was opened with (tests). */
  readonly settleQuietMs: number;
  readonly settleMaxWaitMs: number;
  /** 0: histories are kept forever. */
  readonly historyRetentionMs: number;
}

const { file, settleIntervalMs, settleQuietMs, settleMaxWaitMs, historyRetentionMs } = workerData as CommitWorkerData;
const db = openDatabase(file);
// Checkpoints are mostly the checkpoint worker's job; the writer finishes one when the WAL has grown (asWriter).
asWriter(db);
const writer = rowWriter(db, settleIntervalMs);
let settleTimer: NodeJS.Timeout | undefined;
let purgeTimer: NodeJS.Timeout | undefined;

/**
 * Removes expired histories a batch at a time between commits (a full batch: the next one right after the commits
 * that wait), then looks again after the purge interval.
 */
function purge(): void {
  let n = 0;
  try {
    n = writer.purgeHistory(retentionCutoff(Date.now(), historyRetentionMs), PURGE_BATCH);
  } catch {
    // Left for the next turn: nothing was removed.
  }
  purgeTimer = setTimeout(purge, n === PURGE_BATCH ? 0 : purgeIntervalMs(historyRetentionMs));
}
if (historyRetentionMs > 0) purgeTimer = setTimeout(purge, purgeIntervalMs(historyRetentionMs));

function close(): void {
  if (purgeTimer) clearTimeout(purgeTimer);
  // Rows caught up now spare the next start reading the log.
  try {
    while (writer.behind) writer.settle();
  } catch {
    // Left for the next start: it reads the kept states after the settled position.
  }
  db.close();
  port?.postMessage({ closed: true });
}

/** One transaction for every batch given: the reply carries each batch's event seqs. */
function commit(batches: readonly CommitRequest[]): void {
  const ids = batches.map((b) => b.id);
  const t0 = performance.now();
  try {
    const rows = batches.length === 1 ? (batches[0] as CommitRequest).rows : batches.flatMap((b) => b.rows);
    const all = writer.write(rows);
    const seqs: number[][] = [];
    let i = 0;
    for (const b of batches) {
      const n = b.rows.reduce((k, r) => (r[0] === 'e' ? k + 1 : k), 0);
      seqs.push(all.slice(i, i + n));
      i += n;
    }
    port?.postMessage({ ids, seqs, ms: performance.now() - t0, behind: writer.eventsBehind } satisfies CommitReply);
  } catch (e) {
    const error = e instanceof Error ? e.message : String(e);
    port?.postMessage({
      ids,
      seqs: [],
      ms: performance.now() - t0,
      behind: writer.eventsBehind,
      error,
    } satisfies CommitReply);
  }
}

/**
 * Kept states per settle transaction, adapted so that one transaction (its fsync included) takes about
 * SETTLE_TARGET_MS: a commit that arrives while it runs waits about that long. With a million stored interactions a row write is a random B-tree
 * write (tens of µs, more when its pages are cold), with ten thousand it is a few µs.
 */
let chunk = 128;
const SETTLE_TARGET_MS = 5;
const CHUNK_MIN = 16;

/**
 * When this worker last committed a batch, and since when settling has been waiting for a quiet moment (undefined:
 * it is not waiting; performance.now()). See SETTLE_QUIET_MS.
 */
let lastCommitAt = -Infinity;
let waitingSince: number | undefined;

/** Far enough behind that every commit turn settles a chunk, and settling waits for no quiet moment. */
function farBehind(): boolean {
  return writer.unsettled > MAX_UNSETTLED || writer.eventsBehind > MAX_EVENTS_BEHIND;
}

/** Whether settling may (still) wait for a quiet moment (see SETTLE_QUIET_MS). */
function mayWait(now: number): boolean {
  return now - (waitingSince ?? now) < settleMaxWaitMs && !farBehind();
}

/** Below this many kept states behind, settling while idle keeps to half of the worker's time (see run). */
const POLITE_BELOW = 16_384;

/**
 * Settles one chunk; returns how long it took (ms), or undefined when it failed (left for later: the states are
 * durable on their event rows).
 */
function settleChunk(): number | undefined {
  const t0 = performance.now();
  try {
    writer.settle(chunk);
  } catch {
    return undefined;
  }
  const ms = Math.max(performance.now() - t0, 0.1);
  port?.postMessage({ behind: writer.eventsBehind } satisfies SettleLag);
  chunk = Math.round(Math.min(SETTLE_CHUNK, Math.max(CHUNK_MIN, (chunk * SETTLE_TARGET_MS) / ms, chunk / 2)));
  return ms;
}

/**
 * Works until nothing is left: every batch already queued goes into one transaction; settling (rows catching up with
 * kept states) runs a chunk at a time only once no batch came for a while (SETTLE_QUIET_MS) — or, far behind, once
 * per commit turn — so it never holds up an acknowledgement for long. A small backlog waits for the settle interval (a
 * timer), so that a quiet server's rows catch up too. While idle with fewer than POLITE_BELOW behind, the worker rests as long as each chunk
 * took (half its time at most): on a machine with few cores, settling must not starve the thread that decides.
 */
function run(first?: CommitRequest | 'close'): void {
  if (settleTimer) clearTimeout(settleTimer);
  settleTimer = undefined;
  const pending: (CommitRequest | 'close')[] = first === undefined ? [] : [first];
  for (;;) {
    for (let m = receiveMessageOnPort(port as MessagePort); m; m = receiveMessageOnPort(port as MessagePort))
      pending.push(m.message as CommitRequest | 'close');
    if (pending.length === 0) {
      if (!writer.behind) return;
      const now = performance.now();
      if (now - lastCommitAt < settleQuietMs) {
        if (mayWait(now)) {
          waitingSince ??= now;
          settleTimer = setTimeout(run, Math.ceil(settleQuietMs - (now - lastCommitAt)));
          return;
        }
      } else waitingSince = undefined;
      const ms = writer.due ? settleChunk() : undefined;
      if (ms === undefined) {
        settleTimer = setTimeout(run, settleIntervalMs);
        return;
      }
      if (writer.unsettled < POLITE_BELOW && writer.behind) {
        settleTimer = setTimeout(run, Math.ceil(ms));
        return;
      }
      continue;
    }
    const batches: CommitRequest[] = [];
    while (pending.length > 0) {
      const msg = pending.shift() as CommitRequest | 'close';
      if (msg === 'close') {
        if (batches.length > 0) commit(batches);
        close();
        return;
      }
      batches.push(msg);
    }
    commit(batches);
    lastCommitAt = performance.now();
    if (farBehind()) settleChunk();
  }
}

port.on('message', run);
port.postMessage({ ready: true });
