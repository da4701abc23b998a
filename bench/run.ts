/**
 * `npm run bench`: the hot path (request -> commit -> fan-out) of Change Properties, spec §2 phase A. Media-server
 * connections change properties of interactions agents handle, with a reporting engine connected; each change makes
 * three frames (EventAck to the media server, EventPropertiesChanged to the agent and to the reporting engine).
 *
 * The same two load modes run against the real server and against the floor (bench/floor.ts: bare ws +
 * better-sqlite3 with the same commit discipline), each in its own process; this process is the load generator.
 * Prints a table, the throughput ratio IXS/floor and whether the targets are met (ratio >= 0.7, ack p99 <= 5 ms at
 * 2,000 changes/s). Exit status: 0 whatever the numbers, 1 when anything went wrong (EventError, a missing frame, a
 * timeout, a process that failed).
 *
 * Options: --quick (1 s warm-up + 3 s per mode, one round), --warmup S, --duration S (measured, per mode and
 * target), --rounds N, --rate N, --conns N, --window N (outstanding per media-server connection), --agents N,
 * --interactions N, --target ixs|floor|both, --modes closed,open, --mode ws|tcp, --profile DIR (server CPU profiles), --json FILE.
 *
 * `--mode scale` runs bench/scale.ts instead (issue #8: rates, memory and restart time as stored interactions grow),
 * with its own options.
 */
import { writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { parseArgs } from 'node:util';
import { clientFactory } from './load-client.ts';
import { closedLoop, mergeResults, openLoop, type Histogram, type ModeResult } from './load.ts';
import { countsOf, setupFloor, setupIxs, type Counts, type Topology } from './setup.ts';
import { probeCommitLatency, type CommitProbe } from './platform.ts';
import { ixsBuildNote, sourceVersion, startFloor, startIxs, type Target } from './targets.ts';

if (parseArgs({ options: { mode: { type: 'string' } }, strict: false }).values.mode === 'scale') {
  const { runScale } = await import('./scale.ts');
  process.exit(await runScale(process.argv.slice(2)));
}
if (parseArgs({ options: { mode: { type: 'string' } }, strict: false }).values.mode === 'soak') {
  const { runSoak } = await import('./soak.ts');
  process.exit(await runSoak(process.argv.slice(2)));
}
if (parseArgs({ options: { mode: { type: 'string' } }, strict: false }).values.mode === 'slow-consumer') {
  const { runSlowConsumer } = await import('./slow-consumer.ts');
  process.exit(await runSlowConsumer(process.argv.slice(2)));
}
if (parseArgs({ options: { mode: { type: 'string' } }, strict: false }).values.mode === 'lifecycle') {
  const { runLifecycle } = await import('./lifecycle.ts');
  process.exit(await runLifecycle(process.argv.slice(2)));
}

/** Targets of the issue: IXS/floor max-throughput ratio, and p99 ack latency at the fixed rate. */
const TARGET_RATIO = 0.7;
const TARGET_ACK_P99_MS = 5;

const { values: args } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    warmup: { type: 'string' },
    duration: { type: 'string' },
    rate: { type: 'string', default: '2000' },
    conns: { type: 'string', default: '8' },
    window: { type: 'string', default: '4' },
    agents: { type: 'string', default: '8' },
    interactions: { type: 'string', default: '64' },
    rounds: { type: 'string' },
    target: { type: 'string', default: 'both' },
    modes: { type: 'string', default: 'closed,open' },
    mode: { type: 'string', default: 'ws' },
    profile: { type: 'string' },
    json: { type: 'string' },
  },
});

function num(name: string, v: string | undefined, fallback: number): number {
  const n = v === undefined ? fallback : Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`--${name} must be a positive number, got ${String(v)}`);
  return n;
}

// Warm-up excluded from the numbers (JIT, SQLite page cache, WAL growth); 10 s measured keeps the whole run under
// 2 minutes; --quick is a smoke check of the bench itself.
const warmupSeconds = num('warmup', args.warmup, args.quick ? 1 : 5);
const measureSeconds = num('duration', args.duration, args.quick ? 3 : 10);
// Two rounds per mode and target (see runMode); one in --quick.
const rounds = Math.round(num('rounds', args.rounds, args.quick ? 1 : 2));
const rate = num('rate', args.rate, 2000);
const conns = num('conns', args.conns, 8);
const window = num('window', args.window, 4);
const shape = {
  mediaServers: conns,
  agents: num('agents', args.agents, 8),
  interactions: num('interactions', args.interactions, 64),
};
const which = args.target;
const modes = args.modes.split(',').map((m) => m.trim()) as Mode[];
if (!modes.length || !modes.every((m) => m === 'closed' || m === 'open')) {
  throw new Error('--modes must list closed and/or open, comma-separated');
}
if (!['ixs', 'floor', 'both'].includes(which)) throw new Error('--target must be ixs, floor or both');

if (!['ws', 'tcp'].includes(args.mode)) throw new Error('--mode must be ws, tcp or scale');
const factory = clientFactory(args.mode);
if (!factory) {
  process.stdout.write(`${args.mode} mode: not available yet\n`);
  process.exit(0);
}
const nodeFlags = args.profile ? ['--cpu-prof', '--cpu-prof-dir', args.profile] : [];

interface CommitStats {
  readonly commits: number;
  readonly requests: number;
  /** Time spent in commits (ms). */
  readonly commitMs: number;
}

/** A target under test, with what was measured on it so far. */
interface Live {
  readonly name: 'IXS' | 'floor';
  readonly target: Target;
  readonly topo: Topology;
  readonly results: Partial<Record<Mode, ModeResult>>;
  /** Commit counters summed over the rounds of each mode (absent when the target does not expose them). */
  readonly commits: Partial<Record<Mode, CommitStats>>;
  readonly errors: string[];
}

type Mode = 'closed' | 'open';

/** Commit counters: IXS from its Prometheus metrics (needs the HTTP port), the floor from its BenchStats message. */
async function commitStats(t: Target): Promise<CommitStats | undefined> {
  if (t.name === 'floor') {
    const c = factory!(t.wsUrl);
    await c.connect();
    const r = await c.request({ message: 'BenchStats' });
    await c.close();
    return { commits: r.commits as number, requests: r.requests as number, commitMs: r.commitMs as number };
  }
  if (!t.httpPort) return undefined;
  const text = await (await fetch(`http://127.0.0.1:${String(t.httpPort)}/metrics`)).text();
  const metric = (name: string): number => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1] ?? NaN);
  // Per store transaction (group commits that queued up behind a running one share a transaction and its fsync).
  return {
    commits: metric('ixs_store_transaction_seconds_count'),
    requests: metric('ixs_commit_batch_requests_sum'),
    commitMs: metric('ixs_store_transaction_seconds_sum') * 1000,
  };
}

function addStats(
  sum: CommitStats | undefined,
  a: CommitStats | undefined,
  b: CommitStats | undefined,
): CommitStats | undefined {
  if (!a || !b) return sum;
  const d = { commits: b.commits - a.commits, requests: b.requests - a.requests, commitMs: b.commitMs - a.commitMs };
  return sum
    ? { commits: sum.commits + d.commits, requests: sum.requests + d.requests, commitMs: sum.commitMs + d.commitMs }
    : d;
}

/** Starts a target and sets it up; the floor copies IXS's counts when IXS runs too. */
async function bringUp(name: 'IXS' | 'floor', like: Counts | undefined): Promise<Live> {
  const target = name === 'IXS' ? await startIxs({ nodeFlags }) : await startFloor({ nodeFlags });
  try {
    const topo =
      name === 'IXS'
        ? await setupIxs(
            args.mode === 'tcp' ? `tcp://127.0.0.1:${String(target.tcpPort)}` : target.wsUrl,
            target.configFile!,
            shape,
            factory!,
            // In --mode tcp the routing engine speaks T-Library on the binary door too.
            args.mode === 'tcp' ? `tcp://127.0.0.1:${String(target.tcpPort)}` : target.wsUrl,
          )
        : await setupFloor(target.wsUrl, like ?? defaultCounts(), factory!);
    return { name, target, topo, results: {}, commits: {}, errors: [] };
  } catch (e) {
    await target.stop();
    throw e;
  }
}

/** Closes the clients and stops the process; anything abnormal becomes an error of that target. */
async function bringDown(l: Live): Promise<void> {
  const t = l.topo;
  await Promise.all([...t.mediaServers, ...t.agents, t.reporting, ...t.others].map((c) => c.close()));
  const code = await l.target.stop();
  if (code !== 0)
    l.errors.push(`exited with ${String(code)} on SIGTERM; stderr:\n${l.target.logs.slice(-20).join('\n')}`);
  // pino levels: 40 warn, 50 error, 60 fatal.
  const warnings = l.target.logs.filter((line) => /"level":[456]\d/.test(line));
  if (warnings.length) l.errors.push(`logged ${String(warnings.length)} warnings/errors, first: ${warnings[0] ?? ''}`);
}

/**
 * Runs one mode on every target, alternating targets in rounds (IXS, floor, IXS, floor): fsync latency on these
 * machines drifts over minutes, and alternating makes the drift hit both targets alike.
 */
async function runMode(mode: Mode, live: readonly Live[]): Promise<void> {
  for (let round = 0; round < rounds; round++) {
    for (const l of live) {
      const perConn = Math.ceil((conns * window) / l.topo.mediaServers.length);
      const opts = {
        // Later rounds need only a short warm-up: the process is warm, the batch regime settles within a second.
        warmupSeconds: round === 0 ? warmupSeconds : Math.min(1, warmupSeconds),
        measureSeconds: measureSeconds / rounds,
        serverPid: l.target.pid,
      };
      const what =
        mode === 'closed'
          ? `closed loop, ${String(l.topo.mediaServers.length)} x ${String(perConn)} outstanding`
          : `open loop, ${String(rate)} changes/s`;
      process.stderr.write(`${l.name}: ${what} (round ${String(round + 1)}/${String(rounds)})\n`);
      const s0 = await commitStats(l.target);
      const r = mode === 'closed' ? await closedLoop(l.topo, perConn, opts) : await openLoop(l.topo, rate, opts);
      const s1 = await commitStats(l.target);
      const sum = addStats(l.commits[mode], s0, s1);
      if (sum) l.commits[mode] = sum;
      const prev = l.results[mode];
      l.results[mode] = prev ? mergeResults(prev, r) : r;
      l.errors.push(...r.errors.map((e) => `${mode} loop: ${e}`));
    }
  }
}

/** Floor only (--target floor): the counts IXS would have with the bench config. */
function defaultCounts(): Counts {
  const n = shape.mediaServers;
  return {
    mediaServers: n,
    agents: shape.agents,
    interactions: Array.from(
      { length: n },
      (_, m) => Math.floor(shape.interactions / n) + (m < shape.interactions % n ? 1 : 0),
    ),
  };
}

// ------------------------------------------------------------------ report

const ms = (h: Histogram, p: number): string => (h.totalCount ? (h.getValueAtPercentile(p) / 1000).toFixed(2) : '-');
const pct = (v: number | undefined): string => (v === undefined ? '-' : `${v.toFixed(0)}%`);
const int = (v: number): string => Math.round(v).toLocaleString('en-US');

function table(live: readonly Live[]): string {
  const head = [
    'target',
    'mode',
    'changes/s',
    'ack p50',
    'ack p99',
    'ack p999',
    'agent p50',
    'agent p99',
    'agent p999',
    'rep p99',
    'batch',
    'commit',
    'srv CPU',
    'µs/chg',
    'cli CPU',
  ];
  const rows: string[][] = [];
  for (const l of live) {
    for (const mode of ['closed', 'open'] as const) {
      const m = l.results[mode];
      if (!m) continue;
      const c = l.commits[mode];
      rows.push([
        l.name,
        mode === 'closed' ? 'max (closed loop)' : `${int(m.rate ?? 0)}/s (open loop)`,
        int(m.throughput),
        ms(m.ack, 50),
        ms(m.ack, 99),
        ms(m.ack, 99.9),
        ms(m.agent, 50),
        ms(m.agent, 99),
        ms(m.agent, 99.9),
        ms(m.reporting, 99),
        c?.commits ? (c.requests / c.commits).toFixed(1) : '-',
        c?.commits ? (c.commitMs / c.commits).toFixed(2) : '-',
        pct(m.serverCpu),
        m.serverCpu === undefined || !m.throughput ? '-' : (((m.serverCpu / 100) * 1e6) / m.throughput).toFixed(0),
        pct(m.clientCpu),
      ]);
    }
  }
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]): string =>
    cells.map((c, i) => (i < 2 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join('  ');
  return [line(head), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

function report(live: readonly Live[], started: Date, probe: CommitProbe): string {
  const ixs = live.find((l) => l.name === 'IXS');
  const floor = live.find((l) => l.name === 'floor');
  const out: string[] = [
    `IXS hot-path bench (${args.mode}), ${started.toISOString()}, ${String(cpus().length)} cores (${cpus()[0]?.model ?? '?'}), Node ${process.version}`,
    'server: ixs serve --config bench/ixs-bench.config.json (compiled, dist/); floor: bench/floor.ts',
  ];
  const build = ixs ? ixsBuildNote() : undefined;
  out.push(`sources: ${sourceVersion()}${build ? `; ${build}` : ''}`);
  const topo = (ixs ?? floor)?.topo;
  if (topo) {
    const perConn = Math.ceil((conns * window) / topo.mediaServers.length);
    out.push(
      `load: ${String(topo.mediaServers.length)} media-server connections, ${String(topo.agents.length)} agents, 1 reporting engine, ` +
        `${String(topo.interactions.reduce((a, l) => a + l.length, 0))} interactions; closed loop: ${String(perConn)} outstanding per connection; ` +
        `open loop: ${int(rate)}/s; per mode and target ${String(warmupSeconds)} s warm-up + ${String(measureSeconds)} s measured in ${String(rounds)} round(s)`,
    );
  }
  out.push(
    `platform: one durable commit (1 KB row, WAL, synchronous=FULL, back to back): p50 ${probe.p50.toFixed(2)} ms, ` +
      `p99 ${probe.p99.toFixed(2)} ms, p999 ${probe.p999.toFixed(2)} ms, max ${probe.max.toFixed(2)} ms (${int(probe.commitsPerSecond)}/s)`,
  );
  for (const l of live) {
    const f = l.topo.frameBytes;
    out.push(
      `${l.name} frames per change: ack ${String(f.ack)} B, agent event ${String(f.agent)} B, reporting event ${String(f.reporting)} B`,
    );
  }
  out.push(
    '',
    'latency in ms (open loop: from the scheduled send time); batch = requests per commit; commit = mean commit time (ms);',
    'CPU in % of one core (server process; this load-generator process); µs/chg = server CPU time per change',
    '',
    table(live),
    '',
  );
  const ixsClosed = ixs?.results.closed;
  const floorClosed = floor?.results.closed;
  if (ixsClosed && floorClosed) {
    const ratio = ixsClosed.throughput / floorClosed.throughput;
    out.push(
      `ratio (IXS/floor) = ${ratio.toFixed(2)}   target >= ${TARGET_RATIO.toFixed(2)}: ${ratio >= TARGET_RATIO ? 'MET' : 'NOT MET'}`,
    );
  }
  const ixsOpen = ixs?.results.open;
  if (ixsOpen) {
    const p99 = ixsOpen.ack.getValueAtPercentile(99) / 1000;
    // 2 % slack: the window edges cut a few changes off.
    const kept = ixsOpen.throughput >= rate * 0.98;
    out.push(
      `IXS ack p99 at ${int(rate)} changes/s = ${p99.toFixed(2)} ms   target <= ${String(TARGET_ACK_P99_MS)} ms: ` +
        `${p99 <= TARGET_ACK_P99_MS && kept ? 'MET' : 'NOT MET'}${kept ? '' : ' (did not keep up with the rate)'}`,
    );
  }
  for (const l of live) {
    const lag = l.results.open?.maxSendLagMs;
    const lag99 = (l.results.open?.sendLag?.getValueAtPercentile(99) ?? 0) / 1000;
    // Node timers fire up to ~1 ms late on an idle machine; more means this process or the machine stalled.
    if (lag !== undefined && lag > 2) {
      out.push(
        `note: ${l.name} open loop: the generator sent changes late by p99 ${lag99.toFixed(2)} ms, at most ` +
          `${lag.toFixed(1)} ms (the delay counts in the latencies)`,
      );
    }
  }
  if (args.profile) out.push(`server CPU profiles (.cpuprofile): ${args.profile}`);
  const errors = live.flatMap((l) => l.errors.map((e) => `${l.name}: ${e}`));
  if (errors.length) out.push('', 'ERRORS:', ...errors.map((e) => `  ${e}`));
  return out.join('\n');
}

function jsonSummary(live: readonly Live[], started: Date, probe: CommitProbe): unknown {
  const pcts = (h: Histogram): Record<string, number> => ({
    p50: h.getValueAtPercentile(50) / 1000,
    p99: h.getValueAtPercentile(99) / 1000,
    p999: h.getValueAtPercentile(99.9) / 1000,
  });
  const summary = (m: ModeResult | undefined): unknown =>
    m && {
      throughput: m.throughput,
      ackMs: pcts(m.ack),
      agentMs: pcts(m.agent),
      reportingMs: pcts(m.reporting),
      serverCpu: m.serverCpu,
      clientCpu: m.clientCpu,
      maxSendLagMs: m.maxSendLagMs,
      sendLagMs: m.sendLag && pcts(m.sendLag),
    };
  return {
    date: started.toISOString(),
    node: process.version,
    cores: cpus().length,
    sources: sourceVersion(),
    platformCommitMs: probe,
    options: { warmupSeconds, measureSeconds, rounds, rate, conns, window, shape },
    results: live.map((l) => ({
      target: l.name,
      frameBytes: l.topo.frameBytes,
      commits: l.commits,
      closed: summary(l.results.closed),
      open: summary(l.results.open),
      errors: l.errors,
    })),
  };
}

async function main(): Promise<number> {
  const started = new Date();
  // Before any server starts, so that nothing else touches the disk; 3 s gives a stable p99 (1 s in --quick).
  const probe = probeCommitLatency(args.quick ? 1 : 3);
  const live: Live[] = [];
  try {
    if (which !== 'floor') live.push(await bringUp('IXS', undefined));
    const ixsTopo = live[0]?.topo;
    if (which !== 'ixs') live.push(await bringUp('floor', ixsTopo ? countsOf(ixsTopo) : undefined));
    for (const mode of modes) await runMode(mode, live);
  } finally {
    for (const l of live) await bringDown(l);
  }
  process.stdout.write(`${report(live, started, probe)}\n`);
  if (args.json) writeFileSync(args.json, `${JSON.stringify(jsonSummary(live, started, probe), null, 2)}\n`);
  return live.some((l) => l.errors.length) ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    process.stderr.write(`bench failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exit(1);
  },
);
