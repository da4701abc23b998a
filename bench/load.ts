/**
 * The two load modes, run against a {@link Topology} whatever the target:
 * - closed loop: every media-server connection keeps `window` changes outstanding (the next is sent when an ack
 *   arrives); gives the maximum throughput;
 * - open loop: changes are sent at a fixed rate on a schedule fixed in advance, and latency is measured from each
 *   change's *scheduled* time, so a stalled server is charged for the requests it delayed (no coordinated omission).
 *
 * Every change sets {Counter: n, Payload: ~100 bytes} with referenceId n, n unique in the run: the ack is matched by
 * referenceId, the agent's and the reporting engine's EventPropertiesChanged by interaction id + Counter.
 */
import * as hdr from 'hdr-histogram-js';
import type { AckInfo, ChangeEvent, LoadClient } from './load-client.ts';
import { PAYLOAD, type Topology } from './setup.ts';
import { processCpuMs } from './targets.ts';

/** Latency histogram in microseconds. */
export type Histogram = hdr.Histogram;

/** What one mode measured. */
export interface ModeResult {
  readonly mode: 'closed' | 'open';
  /** Changes acknowledged per second during the measured window. */
  readonly throughput: number;
  /** Offered rate (open loop). */
  readonly rate?: number;
  readonly measuredSeconds: number;
  /** EventAck latency (µs) of the changes sent (scheduled) in the measured window. */
  readonly ack: Histogram;
  /** Latency (µs) of the handling agent's EventPropertiesChanged of those changes. */
  readonly agent: Histogram;
  /** Latency (µs) of the reporting engine's EventPropertiesChanged of those changes. */
  readonly reporting: Histogram;
  /** CPU use of the server process and of this (client) process in the measured window, % of one core. */
  readonly serverCpu: number | undefined;
  readonly clientCpu: number;
  /** Open loop: the latest the generator sent a change after its scheduled time (ms); > 1 ms means the client lagged. */
  readonly maxSendLagMs?: number;
  /** Open loop: how late (µs) each change of the measured window left the generator; counted in the latencies. */
  readonly sendLag?: Histogram;
  /** Everything that went wrong: EventError, missing or unexpected frames, timeouts. */
  readonly errors: readonly string[];
}

/** Common options. */
export interface LoadOptions {
  readonly warmupSeconds: number;
  readonly measureSeconds: number;
  /** Pid of the server process, for its CPU use. */
  readonly serverPid: number;
}

/** 60 s: a change slower than that is a failure anyway (the drain timeout catches it), and the histogram stays small. */
const MAX_LATENCY_US = 60_000_000;
/** How long to wait for the last acks and events once sending stops. */
const DRAIN_TIMEOUT_MS = 10_000;
/** Errors kept verbatim in the report; the rest are counted. */
const MAX_ERRORS = 20;

function histogram(): Histogram {
  return hdr.build({
    lowestDiscernibleValue: 1,
    highestTrackableValue: MAX_LATENCY_US,
    numberOfSignificantValueDigits: 3,
  });
}

/** Bookkeeping shared by both modes: send times, matching, histograms, errors. */
class Run {
  /** Request numbers of this run start here (see takeBase). */
  readonly base: number;
  // Room for 65,536 changes to start with; grows by doubling.
  private sendTime = new Float64Array(1 << 16);
  private ixOf = new Int32Array(1 << 16);
  sent = 0;
  acked = 0;
  /** Changes refused with EventError: no events will follow them. */
  failed = 0;
  agentEvents = 0;
  reportingEvents = 0;
  ackedInWindow = 0;
  measureStart = Infinity;
  measureEnd = Infinity;
  readonly ack = histogram();
  readonly agent = histogram();
  readonly reporting = histogram();
  readonly errors: string[] = [];
  private errorCount = 0;
  /** All interaction ids, and per media-server connection the indexes into it. */
  readonly ids: string[] = [];
  readonly idsOf: number[][];

  constructor(
    readonly topo: Topology,
    base: number,
  ) {
    this.base = base;
    this.idsOf = topo.interactions.map((list) =>
      list.map((id) => {
        this.ids.push(id);
        return this.ids.length - 1;
      }),
    );
  }

  error(text: string): void {
    this.errorCount++;
    if (this.errors.length < MAX_ERRORS) this.errors.push(text);
  }

  allErrors(): string[] {
    const more = this.errorCount - this.errors.length;
    return more > 0 ? [...this.errors, `... and ${String(more)} more errors`] : [...this.errors];
  }

  /** Sends change number `sent` on `client` for interaction index `ix`, stamped with time `t` (ms). */
  send(client: LoadClient, ix: number, t: number): void {
    const i = this.sent++;
    if (i >= this.sendTime.length) this.grow();
    this.sendTime[i] = t;
    this.ixOf[i] = ix;
    client.sendChange(this.ids[ix] as string, this.base + i, PAYLOAD);
  }

  private grow(): void {
    const st = new Float64Array(this.sendTime.length * 2);
    st.set(this.sendTime);
    this.sendTime = st;
    const ix = new Int32Array(this.ixOf.length * 2);
    ix.set(this.ixOf);
    this.ixOf = ix;
  }

  private index(n: number | undefined, what: string): number | undefined {
    if (n === undefined) {
      this.error(`${what} without a number`);
      return undefined;
    }
    const i = n - this.base;
    if (i < 0 || i >= this.sent) return undefined; // left over from setup or a previous run
    return i;
  }

  private record(h: Histogram, i: number, now: number): void {
    const t = this.sendTime[i] as number;
    if (t >= this.measureStart && t < this.measureEnd) h.recordValue(Math.max(1, Math.round((now - t) * 1000)));
  }

  onAck(a: AckInfo, now: number): boolean {
    if (!a.ok) {
      this.error(`EventError: ${JSON.stringify(a.error)}`);
      if (a.referenceId - this.base >= 0 && a.referenceId - this.base < this.sent) {
        this.acked++;
        this.failed++;
      }
      return true;
    }
    const i = this.index(a.referenceId, 'EventAck');
    if (i === undefined) return false;
    this.acked++;
    if (now >= this.measureStart && now < this.measureEnd) this.ackedInWindow++;
    this.record(this.ack, i, now);
    return true;
  }

  onEvent(e: ChangeEvent, now: number, h: Histogram, who: string): void {
    if (e.name !== 'EventPropertiesChanged') {
      this.error(`${who} got an unexpected ${e.name}`);
      return;
    }
    const i = this.index(e.counter, `${who} EventPropertiesChanged`);
    if (i === undefined) return;
    if (e.interactionId !== this.ids[this.ixOf[i] as number]) {
      this.error(`${who} EventPropertiesChanged for change ${String(e.counter)} names ${String(e.interactionId)}`);
      return;
    }
    if (who === 'agent') this.agentEvents++;
    else this.reportingEvents++;
    this.record(h, i, now);
  }

  /** Wires the reporting and agent connections; the media-server connections are wired by each mode. */
  listen(): void {
    for (const a of this.topo.agents) {
      a.onEvent((e) => {
        this.onEvent(e, performance.now(), this.agent, 'agent');
      });
    }
    this.topo.reporting.onEvent((e) => {
      this.onEvent(e, performance.now(), this.reporting, 'reporting');
    });
    for (const ms of this.topo.mediaServers) {
      ms.onEvent((e) => {
        this.error(`media server got an unexpected ${e.name}`);
      });
    }
  }

  /** Waits until every change sent has its ack, agent event and reporting event, or the timeout. */
  async drain(): Promise<void> {
    const until = performance.now() + DRAIN_TIMEOUT_MS;
    while (performance.now() < until) {
      const events = this.sent - this.failed;
      if (this.acked >= this.sent && this.agentEvents >= events && this.reportingEvents >= events) return;
      await new Promise((r) => setTimeout(r, 10));
    }
    this.error(
      `timeout: ${String(DRAIN_TIMEOUT_MS)} ms after the last send, of ${String(this.sent)} changes ` +
        `${String(this.sent - this.acked)} had no ack, ${String(this.sent - this.failed - this.agentEvents)} no agent ` +
        `event, ${String(this.sent - this.failed - this.reportingEvents)} no reporting event`,
    );
  }
}

/** CPU meter over the measured window. */
class CpuMeter {
  private server0: number | undefined;
  private client0 = process.cpuUsage();
  private t0 = performance.now();
  constructor(private readonly pid: number) {}
  start(): void {
    this.server0 = processCpuMs(this.pid);
    this.client0 = process.cpuUsage();
    this.t0 = performance.now();
  }
  stop(): { server: number | undefined; client: number } {
    const wall = performance.now() - this.t0;
    const s1 = processCpuMs(this.pid);
    const c = process.cpuUsage(this.client0);
    return {
      server: s1 !== undefined && this.server0 !== undefined ? ((s1 - this.server0) / wall) * 100 : undefined,
      client: ((c.user + c.system) / 1000 / wall) * 100,
    };
  }
}

/**
 * The next free request number. Numbers run on across runs (late frames of a finished run can never match the next
 * one) and stay far below 2^31: Counter and referenceId are int32 on the wire.
 */
let nextNumber = 1;
function takeBase(): number {
  return nextNumber;
}
function release(run: Run): void {
  nextNumber = run.base + run.sent + 1;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Closed loop: `window` changes outstanding on each media-server connection; maximum throughput. */
export async function closedLoop(topo: Topology, window: number, o: LoadOptions): Promise<ModeResult> {
  const run = new Run(topo, takeBase());
  const cpu = new CpuMeter(o.serverPid);
  run.listen();
  let sending = true;
  topo.mediaServers.forEach((ms, m) => {
    const mine = run.idsOf[m] ?? [];
    let turn = 0;
    const next = (): void => {
      run.send(ms, mine[turn++ % mine.length] as number, performance.now());
    };
    ms.onAck((a) => {
      if (run.onAck(a, performance.now()) && sending) next();
    });
    ms.startLoad();
    for (let w = 0; w < window; w++) next();
  });
  for (const c of [...topo.agents, topo.reporting]) c.startLoad();
  const t0 = performance.now();
  run.measureStart = t0 + o.warmupSeconds * 1000;
  run.measureEnd = run.measureStart + o.measureSeconds * 1000;
  await sleep(run.measureStart - performance.now());
  cpu.start();
  await sleep(run.measureEnd - performance.now());
  const usage = cpu.stop();
  sending = false;
  await run.drain();
  release(run);
  return {
    mode: 'closed',
    throughput: run.ackedInWindow / o.measureSeconds,
    measuredSeconds: o.measureSeconds,
    ack: run.ack,
    agent: run.agent,
    reporting: run.reporting,
    serverCpu: usage.server,
    clientCpu: usage.client,
    errors: run.allErrors(),
  };
}

/** Open loop at `rate` changes/s, spread round-robin over the media-server connections and their interactions. */
export async function openLoop(topo: Topology, rate: number, o: LoadOptions): Promise<ModeResult> {
  const run = new Run(topo, takeBase());
  const cpu = new CpuMeter(o.serverPid);
  run.listen();
  for (const ms of topo.mediaServers) {
    ms.onAck((a) => {
      run.onAck(a, performance.now());
    });
  }
  for (const c of [...topo.mediaServers, ...topo.agents, topo.reporting]) c.startLoad();
  const n = topo.mediaServers.length;
  const interval = 1000 / rate;
  const t0 = performance.now() + 10;
  run.measureStart = t0 + o.warmupSeconds * 1000;
  run.measureEnd = run.measureStart + o.measureSeconds * 1000;
  const total = Math.round(((run.measureEnd - t0) / 1000) * rate);
  let k = 0;
  let maxLag = 0;
  const sendLag = histogram();
  let cpuStarted = false;
  await new Promise<void>((resolve) => {
    const tick = (): void => {
      const now = performance.now();
      if (!cpuStarted && now >= run.measureStart) {
        cpuStarted = true;
        cpu.start();
      }
      while (k < total) {
        const due = t0 + k * interval;
        if (due > now) break;
        if (due >= run.measureStart && due < run.measureEnd) {
          maxLag = Math.max(maxLag, now - due);
          sendLag.recordValue(Math.max(1, Math.round((now - due) * 1000)));
        }
        const m = k % n;
        const mine = run.idsOf[m] ?? [];
        const ix = mine[Math.floor(k / n) % mine.length] as number;
        run.send(topo.mediaServers[m] as LoadClient, ix, due);
        k++;
      }
      if (k >= total) {
        resolve();
        return;
      }
      // Node's timers have 1 ms resolution: the wait is rounded, and the schedule absorbs the rounding.
      setTimeout(tick, Math.max(0, t0 + k * interval - performance.now()));
    };
    setTimeout(tick, Math.max(0, t0 - performance.now()));
  });
  // Let the last changes complete within the window before reading the CPU counters.
  await sleep(Math.max(0, run.measureEnd - performance.now()));
  const usage = cpuStarted ? cpu.stop() : { server: undefined, client: 0 };
  await run.drain();
  release(run);
  return {
    mode: 'open',
    rate,
    throughput: run.ackedInWindow / o.measureSeconds,
    measuredSeconds: o.measureSeconds,
    ack: run.ack,
    agent: run.agent,
    reporting: run.reporting,
    serverCpu: usage.server,
    clientCpu: usage.client,
    maxSendLagMs: maxLag,
    sendLag,
    errors: run.allErrors(),
  };
}

/** Combines the rounds of one mode (the bench alternates targets in rounds so that disk drift hits both alike). */
export function mergeResults(a: ModeResult, b: ModeResult): ModeResult {
  const seconds = a.measuredSeconds + b.measuredSeconds;
  const weighted = (x: number | undefined, y: number | undefined): number | undefined =>
    x === undefined || y === undefined ? undefined : (x * a.measuredSeconds + y * b.measuredSeconds) / seconds;
  const ack = histogram();
  const agent = histogram();
  const reporting = histogram();
  for (const r of [a, b]) {
    ack.add(r.ack);
    agent.add(r.agent);
    reporting.add(r.reporting);
  }
  const lag = Math.max(a.maxSendLagMs ?? -1, b.maxSendLagMs ?? -1);
  let sendLag: Histogram | undefined;
  if (a.sendLag && b.sendLag) {
    sendLag = histogram();
    sendLag.add(a.sendLag);
    sendLag.add(b.sendLag);
  }
  return {
    mode: a.mode,
    ...(a.rate !== undefined ? { rate: a.rate } : {}),
    throughput: (a.throughput * a.measuredSeconds + b.throughput * b.measuredSeconds) / seconds,
    measuredSeconds: seconds,
    ack,
    agent,
    reporting,
    serverCpu: weighted(a.serverCpu, b.serverCpu),
    clientCpu: weighted(a.clientCpu, b.clientCpu) ?? 0,
    ...(lag >= 0 ? { maxSendLagMs: lag } : {}),
    ...(sendLag ? { sendLag } : {}),
    errors: [...a.errors, ...b.errors],
  };
}
