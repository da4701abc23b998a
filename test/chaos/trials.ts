/**
 * Crash trials (issue #11; docs/reliability.md). One data dir across all trials. Each trial starts the real server
 * (the TypeScript sources, as the e2e tests do), runs a mixed load over both front doors, kills the server with
 * SIGKILL at a random moment, and then checks the database the dead process left and the server restarted on it:
 * - the durable event log: every interaction's events numbered 1, 2, 3, ... in log order (no gap, no repeat), and
 *   every acknowledged change has its EventPropertiesChanged (by version) and every acknowledged stop its
 *   EventProcessingStopped;
 * - after the restart: every acknowledged submission is there unless its stop was acknowledged, at least at the
 *   acknowledged version, with the acknowledged properties when at exactly that version; every acknowledged stop is
 *   gone.
 * The load: a JSON media server submits into a queue without routing and changes its interactions (16 outstanding);
 * a binary media server submits into a queue the built-in router offers to an agent, whose JSON desktop accepts every
 * invitation, changes the interaction and stops it. Nothing is trusted that was not acknowledged: requests cut off by
 * the kill may or may not have been committed, and either is correct.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { isWaiting, type Interaction } from '../../src/core/model/interaction.ts';
import { loadFrom } from '../../src/store/sqlite/sqlite-store.ts';
import {
  api,
  client,
  configWith,
  clientOver,
  loginAgent,
  startServer,
  type Json,
  type JsonClient,
  type RunningServer,
  type TcpClient,
} from '../e2e/harness.ts';

/** What was acknowledged about one interaction. */
interface Acked {
  version: number;
  /** The Step property at `version` (undefined when none was set). */
  step: number | undefined;
  stopped: boolean;
  /** A stop was sent (acknowledged or not: one the kill cut off may have been committed). */
  stopSent: boolean;
}

export interface TrialReport {
  readonly trial: number;
  readonly killedAfterMs: number;
  readonly ackedRequests: number;
  /** Timers the kill left armed in the store (checked to fire after the restart). */
  readonly armedTimers: number;
  readonly problems: string[];
}

export interface ChaosReport {
  readonly trials: TrialReport[];
  readonly interactions: number;
  /** Of them, how many had acknowledged property changes, and how many an acknowledged stop. */
  readonly changed: number;
  readonly stopped: number;
  readonly events: number;
  readonly ackedRequests: number;
  /** Timers left armed by the kills, every one checked to fire after its restart. */
  readonly timers: number;
  readonly failed: number;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

interface EventRow {
  seq: number;
  interaction_id: string | null;
  ixn_seq: number | null;
  name: string;
  payload: string;
}

/** The log the killed process left, checked against what was acknowledged. */
function checkLog(dataDir: string, acked: Map<string, Acked>, problems: string[], loggedStops: Set<string>): number {
  const db = new Database(join(dataDir, 'ixs.db'), { readonly: true, fileMustExist: true });
  let rows: EventRow[];
  try {
    rows = db
      .prepare('SELECT seq, interaction_id, ixn_seq, name, payload FROM event_log ORDER BY seq')
      .all() as EventRow[];
  } finally {
    db.close();
  }
  const next = new Map<string, number>();
  const versions = new Map<string, Set<number>>();
  const stopped = new Set<string>();
  for (const r of rows) {
    if (r.interaction_id === null) continue;
    const id = r.interaction_id;
    const want = (next.get(id) ?? 0) + 1;
    // A new interaction under an id used before starts again at 1 (ids are not reused by this load).
    if (r.ixn_seq !== want) problems.push(`log: ${id} event ${String(r.ixn_seq)} where ${String(want)} was due`);
    next.set(id, r.ixn_seq ?? want);
    if (r.name === 'EventPropertiesChanged') {
      const v = (JSON.parse(r.payload) as Json).version;
      if (typeof v === 'number') {
        let set = versions.get(id);
        if (!set) versions.set(id, (set = new Set()));
        set.add(v);
      }
    }
    if (r.name === 'EventProcessingStopped') {
      stopped.add(id);
      loggedStops.add(id);
    }
  }
  for (const [id, a] of acked) {
    if (!next.has(id)) {
      problems.push(`log: acknowledged ${id} has no events`);
      continue;
    }
    for (let v = 2; v <= a.version; v++)
      if (!versions.get(id)?.has(v)) problems.push(`log: ${id} has no EventPropertiesChanged for version ${String(v)}`);
    if (a.stopped && !stopped.has(id)) problems.push(`log: ${id} was stopped (acknowledged) but has no stop event`);
  }
  return rows.length;
}

/** The interactions a database holds (rows and the kept states after them), read as a restart reads them. */
function durableState(dataDir: string): Interaction[] {
  const db = new Database(join(dataDir, 'ixs.db'), { readonly: true, fileMustExist: true });
  try {
    return loadFrom(db);
  } finally {
    db.close();
  }
}

/** An armed timer of a stored interaction (docs/behaviour.md, Timers): its kind, whose, and its deadline. */
interface ArmedTimer {
  readonly id: string;
  readonly kind: 'delivering' | 'handling' | 'routing';
  readonly deadline: number;
}

function armedTimers(ixs: readonly Interaction[]): ArmedTimer[] {
  const out: ArmedTimer[] = [];
  for (const ix of ixs) {
    for (const i of ix.invitations)
      if (i.deadline !== undefined) out.push({ id: ix.id, kind: 'delivering', deadline: i.deadline });
    for (const p of ix.parties)
      if (p.deadline !== undefined) out.push({ id: ix.id, kind: 'handling', deadline: p.deadline });
    if (ix.placement.kind === 'routing' && ix.placement.deadline !== undefined)
      out.push({ id: ix.id, kind: 'routing', deadline: ix.placement.deadline });
  }
  return out;
}

/**
 * No interaction in two places: its placement, its parties and its invitations agree (handled exactly when it has
 * parties; at most one invitation; a delivery only to a queued one); ids are unique.
 */
function checkPlaces(ixs: readonly Interaction[], problems: string[], where: string): void {
  const seen = new Set<string>();
  for (const ix of ixs) {
    if (seen.has(ix.id)) problems.push(`${where}: ${ix.id} stored twice`);
    seen.add(ix.id);
    const handled = ix.placement.kind === 'handled';
    if (handled !== ix.parties.length > 0)
      problems.push(`${where}: ${ix.id} is ${ix.placement.kind} with ${String(ix.parties.length)} parties`);
    if (new Set(ix.parties.map((p) => p.agentId)).size !== ix.parties.length)
      problems.push(`${where}: ${ix.id} has an agent twice among its parties`);
    if (ix.invitations.length > 1) problems.push(`${where}: ${ix.id} has ${String(ix.invitations.length)} invitations`);
    for (const i of ix.invitations)
      if (i.operation === 'deliver' && ix.placement.kind !== 'queued')
        problems.push(`${where}: ${ix.id} is ${ix.placement.kind} with a delivery invitation pending`);
  }
}

/**
 * After a restart, before any client works: every timer the killed process left armed fires (at its deadline, or at
 * once when that has passed) — none stays armed past its deadline — and the restarted server's queues hold exactly
 * the waiting interactions of the durable state (its rebuilt indexes put no interaction in two places). Waits for
 * the last deadline, then up to 5 s for the firings' commits.
 */
async function checkTimersAndQueues(
  srv: RunningServer,
  armed: readonly ArmedTimer[],
  problems: string[],
): Promise<number> {
  const last = armed.reduce((m, t) => Math.max(m, t.deadline), 0);
  if (last > Date.now()) await sleep(last - Date.now());
  let overdue: ArmedTimer[] = [];
  let mismatch: string[] = [];
  let state: Interaction[] = [];
  for (let waited = 0; waited <= 5000; waited += 100) {
    state = durableState(srv.dataDir);
    const now = Date.now();
    overdue = armedTimers(state).filter((t) => t.deadline <= last && t.deadline < now - 100);
    const waiting = new Map<string, number>();
    for (const ix of state) if (isWaiting(ix)) waiting.set(ix.queue, (waiting.get(ix.queue) ?? 0) + 1);
    const queues = ((await (await api(srv, '/api/queues')).json()) as { items: { name: string; waiting: number }[] })
      .items;
    mismatch = queues
      .filter((q) => (waiting.get(q.name) ?? 0) !== q.waiting)
      .map((q) => `${q.name} shows ${String(q.waiting)} waiting, the store ${String(waiting.get(q.name) ?? 0)}`);
    if (overdue.length === 0 && mismatch.length === 0) break;
    await sleep(100);
  }
  for (const t of overdue.slice(0, 5))
    problems.push(`timers: the ${t.kind} timer of ${t.id} (due ${new Date(t.deadline).toISOString()}) never fired`);
  for (const m of mismatch) problems.push(`queues: ${m}`);
  checkPlaces(state, problems, 'restarted');
  return armed.length;
}

/** The restarted server's state against what was acknowledged. */
async function checkState(
  srv: RunningServer,
  acked: Map<string, Acked>,
  problems: string[],
  loggedStops: ReadonlySet<string>,
): Promise<void> {
  const c = await client(srv, 'ReportingEngine', 'StatServer');
  try {
    const ids = [...acked.keys()];
    for (let i = 0; i < ids.length; i += 64) {
      const batch = ids.slice(i, i + 64);
      const replies = await Promise.all(
        batch.map((id) => c.request({ message: 'RequestGetInteractionProperties', interactionId: id })),
      );
      batch.forEach((id, k) => {
        const a = acked.get(id) as Acked;
        const r = replies[k] as Json;
        if (a.stopped) {
          if (r.message !== 'EventError' || r.errorCode !== 43)
            problems.push(`state: ${id} was stopped (acknowledged) but is ${String(r.message)}`);
          return;
        }
        if (r.message !== 'EventInteractionProperties') {
          // A stop the kill cut off before its answer may have been committed: then its event is in the log.
          if (!(a.stopSent && loggedStops.has(id)))
            problems.push(`state: acknowledged ${id} is missing (${JSON.stringify(r)})`);
          return;
        }
        const version = r.version as number;
        if (version < a.version) problems.push(`state: ${id} at version ${String(version)} < ${String(a.version)}`);
        const step = (r.interactionUserData as Json | undefined)?.Step as number | undefined;
        if (version === a.version && step !== a.step)
          problems.push(`state: ${id} version ${String(version)} has Step ${String(step)}, not ${String(a.step)}`);
      });
    }
  } finally {
    c.close();
  }
}

/** Runs the load until `stop` is set; every acknowledgement updates `acked`. */
async function load(
  srv: RunningServer,
  acked: Map<string, Acked>,
  trial: number,
  stop: { done: boolean },
): Promise<number> {
  let n = 0;
  const ok = (r: Json): boolean => r.message === 'EventAck';
  const ignore = (): undefined => undefined;
  const clients: (JsonClient | TcpClient)[] = [];
  try {
    const ms = await client(srv, 'MediaServer', 'EmailServer');
    const bin = await clientOver(srv, 'tcp', 'MediaServer', 'ChatServer');
    const desk = await client(srv, 'AgentApplication', 'Desktop');
    clients.push(ms, bin, desk);
    await loginAgent(desk, 'agent1', 'Place_1001', { email: 5 });
    let k = 0;
    const submit = async (c: JsonClient | TcpClient, queue: string): Promise<string | undefined> => {
      const r = await c.request({
        message: 'RequestSubmit',
        tenantId: 1,
        mediaType: 'email',
        interactionType: 'Inbound',
        interactionSubtype: 'InboundNew',
        queue,
        userData: { Subject: `trial ${String(trial)} #${String(k++)}` },
      });
      if (!ok(r)) return undefined;
      n++;
      const id = r.interactionId as string;
      acked.set(id, { version: 1, step: undefined, stopped: false, stopSent: false });
      return id;
    };
    const change = async (c: JsonClient | TcpClient, id: string, step: number): Promise<void> => {
      const r = await c.request({
        message: 'RequestChangeProperties',
        interactionId: id,
        changedProperties: { Step: step },
      });
      const a = acked.get(id);
      if (!ok(r) || !a) return;
      n++;
      const v = r.version as number;
      if (v > a.version) {
        a.version = v;
        a.step = step;
      }
    };
    // The desktop: accept each invitation, change, stop.
    const agent = (async () => {
      while (!stop.done) {
        const e = await desk.nextEvent(200).catch(ignore);
        if (!e || e.message !== 'EventInvite') continue;
        const id = e.interactionId as string;
        const acc = await desk.request({ message: 'RequestAccept', interactionId: id, ticketId: e.ticketId });
        if (!ok(acc)) continue;
        n++;
        await change(desk, id, 1000 + n);
        const sentStop = acked.get(id);
        if (sentStop) sentStop.stopSent = true;
        const st = await desk.request({ message: 'RequestStopProcessing', interactionId: id });
        if (ok(st)) {
          n++;
          const a = acked.get(id);
          if (a) a.stopped = true;
        }
      }
    })().catch(ignore);
    // The binary media server feeds the router.
    const feeder = (async () => {
      while (!stop.done) {
        await submit(bin, 'Sales');
        await sleep(5);
      }
    })().catch(ignore);
    // The JSON media server: submits and changes, 16 at a time.
    const mine: string[] = [];
    const worker = async (): Promise<void> => {
      while (!stop.done) {
        if (mine.length < 20 || Math.random() < 0.1) {
          const id = await submit(ms, 'Email Out');
          if (id) mine.push(id);
        } else {
          const id = mine[Math.floor(Math.random() * mine.length)] as string;
          await change(ms, id, Math.floor(Math.random() * 1e6));
        }
      }
    };
    await Promise.all([...Array.from({ length: 16 }, () => worker().catch(ignore)), agent, feeder]);
  } catch {
    // The kill cut the setup short: nothing more was acknowledged.
  } finally {
    for (const c of clients) c.close();
  }
  return n;
}

/**
 * The trials' settings: short delivering and handling timeouts (1 s, 2 s), so that the timers a kill leaves armed
 * fall due within the check after the restart.
 */
const TRIAL_SETTINGS = { deliveringTimeout: 1, handlingTimeout: 2 };

/** Runs `trials` crash trials on one data dir; `log` gets one line per trial. */
export async function runTrials(opts: {
  trials: number;
  config?: string;
  log?: (line: string) => void;
}): Promise<ChaosReport> {
  const acked = new Map<string, Acked>();
  const loggedStops = new Set<string>();
  const config = configWith(TRIAL_SETTINGS, opts.config);
  let dataDir: string | undefined;
  const reports: TrialReport[] = [];
  let events = 0;
  let total = 0;
  let timers = 0;
  /** The timers the last kill left armed in the store. */
  let armed: ArmedTimer[] = [];
  /** Checks the restarted server: what the previous kill left must be there, its timers must fire. */
  const afterRestart = async (srv: RunningServer, problems: string[]): Promise<void> => {
    await checkState(srv, acked, problems, loggedStops);
    timers += await checkTimersAndQueues(srv, armed, problems);
  };
  for (let t = 1; t <= opts.trials; t++) {
    const srv = await startServer({ ...(dataDir ? { dataDir } : {}), config });
    dataDir = srv.dataDir;
    const problems: string[] = [];
    if (t > 1) await afterRestart(srv, problems);
    const stop = { done: false };
    const running = load(srv, acked, t, stop);
    const killAfter = 100 + Math.floor(Math.random() * 900);
    await sleep(killAfter);
    await srv.kill();
    stop.done = true;
    const n = await running;
    total += n;
    events = checkLog(srv.dataDir, acked, problems, loggedStops);
    const left = durableState(srv.dataDir);
    checkPlaces(left, problems, 'killed');
    armed = armedTimers(left);
    reports.push({ trial: t, killedAfterMs: killAfter, ackedRequests: n, armedTimers: armed.length, problems });
    opts.log?.(
      `trial ${String(t)}: killed after ${String(killAfter)} ms, ${String(n)} acknowledged requests, ` +
        `${String(armed.length)} timers armed, ` +
        (problems.length ? `${String(problems.length)} PROBLEMS: ${problems.slice(0, 5).join('; ')}` : 'all there'),
    );
  }
  // After the last kill: one more start checks the state it left, then a clean stop.
  const srv = await startServer({ ...(dataDir ? { dataDir } : {}), config });
  const last = reports[reports.length - 1];
  if (last) await afterRestart(srv, last.problems);
  await srv.stop();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  return {
    trials: reports,
    interactions: acked.size,
    changed: [...acked.values()].filter((a) => a.version > 1).length,
    stopped: [...acked.values()].filter((a) => a.stopped).length,
    events,
    ackedRequests: total,
    timers,
    failed: reports.filter((r) => r.problems.length > 0).length,
  };
}
