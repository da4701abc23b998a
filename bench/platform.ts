/**
 * What the machine itself allows: the latency of one small durable commit (better-sqlite3, WAL, synchronous=FULL,
 * one ~1 KB row per commit, back to back) in a temp dir on the same file system the servers use. No server can
 * acknowledge faster than this, so it puts the p99 latency target in proportion.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import * as hdr from 'hdr-histogram-js';

/** Commit latency percentiles (ms) and the rate achieved back to back. */
export interface CommitProbe {
  readonly commitsPerSecond: number;
  readonly p50: number;
  readonly p99: number;
  readonly p999: number;
  readonly max: number;
}

/** Commits back to back for `seconds` and returns the latency distribution. */
export function probeCommitLatency(seconds: number): CommitProbe {
  const dir = mkdtempSync(join(tmpdir(), 'ixs-probe-'));
  const db = new Database(join(dir, 'probe.db'));
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.exec('CREATE TABLE t (seq INTEGER PRIMARY KEY, payload TEXT NOT NULL)');
    const insert = db.prepare('INSERT INTO t (payload) VALUES (?)');
    // About the size of one EventPropertiesChanged.
    const payload = 'x'.repeat(1000);
    const h = hdr.build({
      lowestDiscernibleValue: 1,
      highestTrackableValue: 60_000_000,
      numberOfSignificantValueDigits: 3,
    });
    const end = performance.now() + seconds * 1000;
    let n = 0;
    for (let t0 = performance.now(); t0 < end; t0 = performance.now()) {
      insert.run(payload);
      h.recordValue(Math.max(1, Math.round((performance.now() - t0) * 1000)));
      n++;
    }
    return {
      commitsPerSecond: n / seconds,
      p50: h.getValueAtPercentile(50) / 1000,
      p99: h.getValueAtPercentile(99) / 1000,
      p999: h.getValueAtPercentile(99.9) / 1000,
      max: h.maxValue / 1000,
    };
  } finally {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
