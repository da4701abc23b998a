/**
 * `npm run bench -- --mode slow-consumer` (issue #11): what one stalled reporting engine costs everyone else. Two
 * runs of the compiled server (dist/, bench/ixs-bench.config.json, fresh data dir each) on loopback:
 * - control: media server BenchMS1 submits one interaction into Inbound, then makes --changes RequestChangeProperties
 *   on it ({Step: i, Body: --value-bytes}), --window outstanding on one connection (closed loop);
 * - stalled: the same, with reporting engine StatServer registered (raw WebSocket) that stops reading right after the
 *   submission's EventInteractionSubmitted and reads again only once every change is acknowledged.
 * Each prints ack latency p50/p99 (send -> EventAck), changes/s and the server's highest RSS while the changes ran
 * (/proc/<pid>/status VmRSS every 250 ms). The stalled run then counts what the engine receives once it reads again:
 * every EventPropertiesChanged must come once, in order (Step 1..n), and how long catching up took.
 * Targets (issue #11, stated for 1,000,000 changes): RSS < 300 MB with the stalled engine; its p99 within 1.2x the
 * control's; every event delivered once, in order. Exit status 1 when something went wrong (an EventError, a server
 * that died, events missing or out of order); 0 whatever the numbers.
 *
 * Options: --changes N (1,000,000; k/M accepted), --window N (256), --value-bytes N (200).
 */
import type { Socket } from 'node:net';
import { parseArgs } from 'node:util';
import * as hdr from 'hdr-histogram-js';
import WebSocket from 'ws';
import { JsonClient, type Json } from '@ixs/client';
import { closeWebSocket } from './load-client.ts';
import { rssMb, sourceVersion, startIxs, type Target } from './targets.ts';

const TARGET_RSS_MB = 300;
const TARGET_P99_RATIO = 1.2;

interface RunResult {
  readonly stalled: boolean;
  readonly changesPerSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxRssMb: number;
  readonly errors: number;
  /** Stalled run: events received after reading again, whether Step 1..n in order, and the time it took. */
  readonly delivered?: { count: number; inOrder: boolean; seconds: number };
}

function count(v: string | undefined, name: string, dflt: number): number {
  if (v === undefined) return dflt;
  const m = /^(\d+(?:\.\d+)?)([kKmM]?)$/.exec(v);
  const n = m ? Number(m[1]) * (m[2]?.toLowerCase() === 'k' ? 1e3 : m[2]?.toLowerCase() === 'm' ? 1e6 : 1) : NaN;
  if (!Number.isInteger(n) || n <= 0) throw new Error(`--${name} must be a positive whole number, got ${v}`);
  return n;
}

/** A reporting engine on a raw WebSocket: registers, then counts the EventPropertiesChanged it gets and their Steps. */
async function reportingEngine(url: string): Promise<{
  ws: WebSocket;
  socket: Socket;
  submitted: Promise<void>;
  got: { count: number; next: number; inOrder: boolean; last: number };
}> {
  const ws = new WebSocket(url);
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => {
      resolve();
    });
    ws.once('error', reject);
  });
  const got = { count: 0, next: 1, inOrder: true, last: 0 };
  let registered: () => void = () => undefined;
  let submittedSeen: () => void = () => undefined;
  const isRegistered = new Promise<void>((r) => (registered = r));
  const submitted = new Promise<void>((r) => (submittedSeen = r));
  ws.on('message', (data: Buffer) => {
    const m = JSON.parse(data.toString('utf8')) as Json;
    if (m.message === 'EventAck' && m.referenceId === 1) registered();
    else if (m.message === 'EventInteractionSubmitted') submittedSeen();
    else if (m.message === 'EventPropertiesChanged') {
      const step = ((m.addedProperties ?? m.changedProperties) as Json | undefined)?.Step;
      if (step !== got.next) got.inOrder = false;
      got.next = (typeof step === 'number' ? step : got.next) + 1;
      got.count++;
      got.last = performance.now();
    }
  });
  ws.send(
    JSON.stringify({
      message: 'RequestRegisterClient',
      referenceId: 1,
      clientType: 'ReportingEngine',
      clientName: 'StatServer',
    }),
  );
  await isRegistered;
  const socket = (ws as unknown as { _socket: Socket })._socket;
  return { ws, socket, submitted, got };
}

async function run(stall: boolean, n: number, window: number, valueBytes: number): Promise<RunResult> {
  const t: Target = await startIxs();
  let maxRss = rssMb(t.pid);
  const sampler = setInterval(() => {
    maxRss = Math.max(maxRss, rssMb(t.pid));
  }, 250);
  const ms = await JsonClient.connect(t.wsUrl);
  let re: Awaited<ReturnType<typeof reportingEngine>> | undefined;
  try {
    await ms.register('MediaServer', 'BenchMS1');
    if (stall) re = await reportingEngine(t.wsUrl);
    const sub = await ms.request({
      message: 'RequestSubmit',
      tenantId: 1,
      mediaType: 'email',
      interactionType: 'Inbound',
      interactionSubtype: 'InboundNew',
      queue: 'Inbound',
      userData: { Subject: 'Slow consumer bench' },
    });
    if (sub.message !== 'EventAck') throw new Error(`submit failed: ${JSON.stringify(sub)}`);
    const id = sub.interactionId as string;
    if (re) {
      await re.submitted;
      re.socket.pause();
    }
    const body = 'b'.repeat(valueBytes);
    const hist = hdr.build({
      lowestDiscernibleValue: 1,
      highestTrackableValue: 600_000_000,
      numberOfSignificantValueDigits: 3,
    });
    let errors = 0;
    let next = 1;
    const t0 = performance.now();
    await new Promise<void>((resolve) => {
      let outstanding = 0;
      const pump = (): void => {
        while (outstanding < window && next <= n) {
          const step = next++;
          outstanding++;
          const sent = performance.now();
          void ms
            .request({
              message: 'RequestChangeProperties',
              interactionId: id,
              changedProperties: { Step: step, Body: body },
            })
            .then(
              (r) => {
                if (r.message !== 'EventAck') errors++;
                hist.recordValue(Math.max(1, Math.round((performance.now() - sent) * 1000)));
              },
              () => {
                errors++;
              },
            )
            .finally(() => {
              outstanding--;
              if (next > n && outstanding === 0) resolve();
              else pump();
            });
        }
      };
      pump();
    });
    const seconds = (performance.now() - t0) / 1000;
    const loadRss = maxRss;
    let delivered: RunResult['delivered'];
    if (re) {
      const from = performance.now();
      re.socket.resume();
      const deadline = Date.now() + 600_000;
      while (re.got.count < n && Date.now() < deadline && t.proc.exitCode === null)
        await new Promise((r) => setTimeout(r, 100));
      delivered = {
        count: re.got.count,
        inOrder: re.got.inOrder,
        seconds: ((re.got.last || performance.now()) - from) / 1000,
      };
    }
    const result: RunResult = {
      stalled: stall,
      changesPerSecond: n / seconds,
      p50Ms: hist.getValueAtPercentile(50) / 1000,
      p99Ms: hist.getValueAtPercentile(99) / 1000,
      maxRssMb: loadRss,
      errors,
      ...(delivered ? { delivered } : {}),
    };
    process.stderr.write(
      `  ${stall ? 'stalled reporting engine' : 'control'}: ${String(n)} changes, ${result.changesPerSecond.toFixed(0)}/s, ` +
        `ack p50 ${result.p50Ms.toFixed(2)} ms, p99 ${result.p99Ms.toFixed(2)} ms, server RSS max ${loadRss.toFixed(0)} MB` +
        (delivered
          ? `; after reading again: ${String(delivered.count)} events, ${delivered.inOrder ? 'in order' : 'OUT OF ORDER'}, ${delivered.seconds.toFixed(1)} s`
          : '') +
        (errors ? `, ${String(errors)} errors` : '') +
        '\n',
    );
    return result;
  } finally {
    clearInterval(sampler);
    ms.close();
    if (re) await closeWebSocket(re.ws);
    await t.stop();
  }
}

export async function runSlowConsumer(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      mode: { type: 'string' },
      changes: { type: 'string' },
      window: { type: 'string' },
      'value-bytes': { type: 'string' },
    },
    strict: true,
  });
  const n = count(values.changes, 'changes', 1_000_000);
  const window = count(values.window, 'window', 256);
  const valueBytes = count(values['value-bytes'], 'value-bytes', 200);
  process.stderr.write(
    `IXS slow-consumer bench: ${String(n)} changes of ~${String(valueBytes)} B, ${String(window)} outstanding; sources ${sourceVersion()}\n`,
  );
  const control = await run(false, n, window, valueBytes);
  const stalled = await run(true, n, window, valueBytes);
  const ratio = stalled.p99Ms / control.p99Ms;
  const d = stalled.delivered;
  const checks = [
    {
      name: `server RSS max with the stalled engine (MB)`,
      value: stalled.maxRssMb,
      pass: stalled.maxRssMb < TARGET_RSS_MB,
      limit: `< ${String(TARGET_RSS_MB)}`,
    },
    {
      name: 'ack p99 stalled / control',
      value: ratio,
      pass: ratio <= TARGET_P99_RATIO,
      limit: `<= ${String(TARGET_P99_RATIO)}`,
    },
    {
      name: 'events delivered once, in order',
      value: d?.count ?? 0,
      pass: d?.count === n && d.inOrder,
      limit: `${String(n)} in order`,
    },
  ];
  process.stderr.write('targets (issue #11):\n');
  for (const c of checks)
    process.stderr.write(
      `  ${c.name} = ${typeof c.value === 'number' ? c.value.toFixed(2) : String(c.value)}   target ${c.limit}: ${c.pass ? 'PASS' : 'FAIL'}\n`,
    );
  process.stdout.write(
    `${JSON.stringify({ bench: 'slow-consumer', date: new Date().toISOString(), sources: sourceVersion(), n, window, valueBytes, control, stalled, checks })}\n`,
  );
  const broken = control.errors + stalled.errors > 0 || d?.count !== n || !d.inOrder;
  return broken ? 1 : 0;
}
