/**
 * `npm run soak -- --minutes 30` (issue #11): the compiled server under mixed load at half its measured maximum for a
 * long time; does it stay the same size and as quick? Steps:
 * 1. measure: 10 s of the same mix (below) closed loop (256 outstanding) on one media server connection, with the
 *    reporting engine reading: the maximum rate M (a first version took changes alone: half of that saturated the
 *    server once submissions, stops and the reporting fan-out were added);
 * 2. soak: for --minutes, open loop at M/2 requests per second on a fixed schedule, mixed: 80 % changes of a random
 *    live interaction, 10 % submissions, 10 % stops of the oldest (the population stays about the same), with a
 *    reporting engine reading every event;
 * 3. every minute: server RSS (/proc), V8 heap used and event-loop delay p99 (prom-client's default metrics on
 *    /metrics), ack p99 of that minute, requests done; and to tell a stall's cause: the store transactions of that
 *    minute that took over 100 ms (ixs_store_transaction_seconds), the settle lag (ixs_store_settle_lag_events), and
 *    the sizes of the database and its WAL file;
 * 4. RSS growth = last minute's RSS against the RSS after the warm-up (the first minute, or 20 % of a short run);
 *    target < 5 %.
 * Exit status 1 when something went wrong (an EventError, a server that died); 0 whatever the numbers.
 * Options: --minutes N (30), --warmup-minutes N (1).
 */
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import * as hdr from 'hdr-histogram-js';
import { JsonClient, type Json } from '@ixs/client';
import { rssMb, sourceVersion, startIxs } from './targets.ts';

const TARGET_GROWTH = 0.05;

/** One value of a Prometheus text exposition (the first sample of `name` with `labels` in it). */
function metric(text: string, name: string, labels = ''): number | undefined {
  for (const line of text.split('\n'))
    if (line.startsWith(name) && line.includes(labels) && !line.startsWith('#')) return Number(line.split(' ').pop());
  return undefined;
}

export async function runSoak(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: { mode: { type: 'string' }, minutes: { type: 'string' }, 'warmup-minutes': { type: 'string' } },
    strict: true,
  });
  const minutes = Number(values.minutes ?? '30');
  const warmup = Number(values['warmup-minutes'] ?? String(Math.min(1, minutes * 0.2)));
  if (!(minutes > 0) || !(warmup >= 0) || warmup >= minutes) throw new Error('--minutes > --warmup-minutes >= 0');
  const t = await startIxs();
  const ms = await JsonClient.connect(t.wsUrl);
  const re = await JsonClient.connect(t.wsUrl);
  let errors = 0;
  try {
    await ms.register('MediaServer', 'BenchMS1');
    await re.register('ReportingEngine', 'StatServer');
    // The reporting engine reads (and counts) every event as it arrives; the media server's unsolicited messages are
    // dropped too. (A first version emptied the reporting engine's queue every 100 ms and never the media server's:
    // the bench process grew to 3.6 GB in ten minutes, and its own collections showed up as ack latency.)
    let events = 0;
    re.onEvent(() => {
      events++;
    });
    let msEvents = 0;
    ms.onEvent(() => {
      msEvents++;
    });
    const live: string[] = [];
    const submit = async (): Promise<void> => {
      const r = await ms.request({
        message: 'RequestSubmit',
        tenantId: 1,
        mediaType: 'email',
        interactionType: 'Inbound',
        interactionSubtype: 'InboundNew',
        queue: 'Inbound',
        userData: { Subject: 'Soak', Body: 'b'.repeat(200) },
      });
      if (r.message !== 'EventAck') errors++;
      else live.push(r.interactionId as string);
    };
    for (let i = 0; i < 1000; i++) await submit();
    const change = async (): Promise<Json> =>
      ms.request({
        message: 'RequestChangeProperties',
        interactionId: live[Math.floor(Math.random() * live.length)],
        changedProperties: { Step: Math.floor(Math.random() * 1e9) },
      });

    /** One request of the mix: 80 % changes, 10 % submissions, 10 % stops of the oldest (the population stays). */
    const mixed = (): Promise<void> => {
      const x = Math.random();
      if (x < 0.8)
        return change().then((r) => {
          if (r.message !== 'EventAck') errors++;
        });
      if (x < 0.9 || live.length < 100) return submit();
      return ms.request({ message: 'RequestStopProcessing', interactionId: live.shift() }).then((r) => {
        if (r.message !== 'EventAck') errors++;
      });
    };
    // 1. The maximum of the same mix, with the same reporting engine reading: closed loop for 10 s.
    let done = 0;
    const end = performance.now() + 10_000;
    await Promise.all(
      Array.from({ length: 256 }, async () => {
        while (performance.now() < end) {
          await mixed();
          done++;
        }
      }),
    );
    const max = done / 10;
    const rate = Math.max(1, Math.floor(max / 2));
    process.stderr.write(
      `IXS soak: ${String(minutes)} min at ${String(rate)} requests/s (half of the measured maximum of the mix, ${max.toFixed(0)}/s); sources ${sourceVersion()}\n` +
        'minute  RSS MB  heap MB  loop p99 ms  ack p99 ms  requests  tx>100ms  settle lag  db MB  wal MB  bench MB\n',
    );

    // 2. The soak: open loop on a fixed schedule.
    const rows: {
      minute: number;
      rss: number;
      heap: number;
      loopP99: number;
      ackP99: number;
      requests: number;
      slowTransactions: number;
      settleLag: number;
      dbMb: number;
      walMb: number;
      /** This process's RSS: a bench that grows would measure its own collections as latency. */
      benchMb: number;
      events: number;
    }[] = [];
    const fileMb = (name: string): number => {
      try {
        return statSync(join(t.dataDir, name)).size / 1048576;
      } catch {
        return 0;
      }
    };
    /** Store transactions so far, and those within 100 ms (the histogram's buckets are cumulative). */
    let txBefore = { all: 0, fast: 0 };
    const t0 = performance.now();
    let sent = 0;
    let hist = hdr.build({
      lowestDiscernibleValue: 1,
      highestTrackableValue: 600_000_000,
      numberOfSignificantValueDigits: 3,
    });
    let minuteDone = 0;
    let nextMinute = 1;
    while (performance.now() - t0 < minutes * 60_000) {
      if (t.proc.exitCode !== null) throw new Error(`the server died (exit ${String(t.proc.exitCode)})`);
      const due = Math.floor(((performance.now() - t0) / 1000) * rate);
      while (sent < due) {
        sent++;
        const at = performance.now();
        void mixed().then(
          () => {
            hist.recordValue(Math.max(1, Math.round((performance.now() - at) * 1000)));
            minuteDone++;
          },
          () => {
            errors++;
          },
        );
      }
      if (performance.now() - t0 >= nextMinute * 60_000) {
        const text = await (await fetch(`http://127.0.0.1:${String(t.httpPort)}/metrics`)).text();
        const tx = {
          all: metric(text, 'ixs_store_transaction_seconds_count') ?? 0,
          fast: metric(text, 'ixs_store_transaction_seconds_bucket', 'le="0.1"') ?? 0,
        };
        const row = {
          minute: nextMinute,
          slowTransactions: tx.all - tx.fast - (txBefore.all - txBefore.fast),
          settleLag: metric(text, 'ixs_store_settle_lag_events') ?? 0,
          dbMb: fileMb('ixs.db'),
          walMb: fileMb('ixs.db-wal'),
          benchMb: process.memoryUsage().rss / 1048576,
          events,
          rss: rssMb(t.pid),
          heap: (metric(text, 'nodejs_heap_size_used_bytes') ?? 0) / 1048576,
          loopP99: (metric(text, 'nodejs_eventloop_lag_p99_seconds') ?? 0) * 1000,
          ackP99: hist.getValueAtPercentile(99) / 1000,
          requests: minuteDone,
        };
        rows.push(row);
        process.stderr.write(
          `${String(row.minute).padStart(6)}  ${row.rss.toFixed(0).padStart(6)}  ${row.heap.toFixed(0).padStart(7)}  ` +
            `${row.loopP99.toFixed(2).padStart(11)}  ${row.ackP99.toFixed(2).padStart(10)}  ${String(row.requests).padStart(8)}  ` +
            `${String(row.slowTransactions).padStart(8)}  ${String(row.settleLag).padStart(10)}  ${row.dbMb.toFixed(0).padStart(5)}  ` +
            `${row.walMb.toFixed(0).padStart(6)}  ${row.benchMb.toFixed(0).padStart(8)}\n`,
        );
        txBefore = tx;
        hist = hdr.build({
          lowestDiscernibleValue: 1,
          highestTrackableValue: 600_000_000,
          numberOfSignificantValueDigits: 3,
        });
        minuteDone = 0;
        nextMinute++;
      }
      await new Promise((r) => setTimeout(r, 5));
    }
    const base = rows.find((r) => r.minute >= Math.max(1, Math.ceil(warmup))) ?? rows[0];
    const last = rows[rows.length - 1];
    const growth = base && last ? (last.rss - base.rss) / base.rss : 0;
    process.stderr.write(
      `RSS after warm-up ${base?.rss.toFixed(0) ?? '?'} MB, at the end ${last?.rss.toFixed(0) ?? '?'} MB: growth ${(growth * 100).toFixed(1)} %   target < 5 %: ${growth < TARGET_GROWTH ? 'PASS' : 'FAIL'}\n` +
        (errors ? `${String(errors)} errors\n` : ''),
    );
    process.stdout.write(
      `${JSON.stringify({ bench: 'soak', date: new Date().toISOString(), sources: sourceVersion(), minutes, rate, max, rows, growth, errors, events, msEvents })}\n`,
    );
    return errors ? 1 : 0;
  } finally {
    ms.close();
    re.close();
    await t.stop();
  }
}
