/**
 * `npm run bench -- --mode lifecycle` (issue #9): the agent's whole work per interaction against the real server
 * (compiled `ixs serve`, JSON over WebSocket on loopback), with 50 agents logged in:
 *
 *   submit (media server) → EventInvite (built-in router) → accept → change properties → transfer to another agent →
 *   that agent's EventInvite → accept (the inviter's transfer is answered) → stop
 *
 * A closed loop keeps `--window` interactions in flight for `--seconds` (after a warm-up) and prints completed
 * lifecycles per second, the latency of each step (p50/p99) and the server's CPU per lifecycle. The floor, measured in
 * the same run on the same server: RequestChangeProperties in a closed loop (the cheapest durable request), so the
 * lifecycle's cost reads as "so many changes' worth". Loopback only; bounded in time.
 */
import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { JsonClient, type Json } from '@ixs/client';
import { buildOnce, processCpuMs, serveArgs, sourceVersion, startProcess, type Target } from './targets.ts';

const AGENTS = 50;

interface Options {
  readonly seconds: number;
  readonly warmup: number;
  readonly window: number;
}

function options(argv: readonly string[]): Options {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      mode: { type: 'string' },
      seconds: { type: 'string', default: '8' },
      warmup: { type: 'string', default: '2' },
      window: { type: 'string', default: '64' },
    },
    strict: true,
  });
  const num = (v: string, name: string): number => {
    const n = Number(v);
    if (!Number.isFinite(n) || n <= 0) throw new Error(`--${name} must be a positive number`);
    return n;
  };
  return {
    seconds: num(values.seconds, 'seconds'),
    warmup: num(values.warmup, 'warmup'),
    window: num(values.window, 'window'),
  };
}

function config(): string {
  const agents = Array.from({ length: AGENTS }, (_x, i) => `agent${String(i + 1)}`);
  const file = join(mkdtempSync(join(tmpdir(), 'ixs-lifecycle-')), 'config.json');
  writeFileSync(
    file,
    JSON.stringify({
      tenants: [{ id: 1, name: 'Resources' }],
      mediaTypes: ['email'],
      interactionTypes: { Inbound: ['InboundNew'] },
      applications: [
        { name: 'Mail', type: 'MediaServer' },
        { name: 'Desktop', type: 'AgentApplication' },
      ],
      places: agents.map((_a, i) => ({ id: `P${String(i + 1)}`, tenant: 1 })),
      agents: agents.map((id) => ({ id, tenant: 1, media: { email: 8 } })),
      queues: [{ name: 'Work', tenant: 1, routing: { agents } }],
    }),
  );
  return file;
}

/** A request left to finish on its own: a failure at the end of the run (its connection closed) is expected. */
function quiet(p: Promise<unknown>): void {
  p.catch(() => undefined);
}

/** Latency samples of one step (ms). */
class Step {
  readonly samples: number[] = [];
  add(ms: number): void {
    this.samples.push(ms);
  }
  pct(p: number): number {
    if (!this.samples.length) return NaN;
    const s = [...this.samples].sort((a, b) => a - b);
    return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] as number;
  }
}

const STEPS = [
  'submit→invite',
  'accept',
  'change',
  'transfer→invite',
  'accept (transfer)',
  'transfer answered',
  'stop',
];

async function lifecycles(
  t: Target,
  o: Options,
): Promise<{ perSecond: number; cpuUs: number; steps: Map<string, Step> }> {
  const url = t.wsUrl;
  const ms = await JsonClient.connect(url);
  await ms.register('MediaServer', 'Mail');
  const desks: JsonClient[] = [];
  for (let i = 0; i < AGENTS; i++) {
    const d = await JsonClient.connect(url);
    await d.register('AgentApplication', 'Desktop');
    const r = await d.request({
      message: 'RequestAgentLogin',
      tenantId: 1,
      agentId: `agent${String(i + 1)}`,
      placeId: `P${String(i + 1)}`,
      mediaList: { email: 1 },
    });
    if (r.message !== 'EventAck') throw new Error(`login: ${JSON.stringify(r)}`);
    desks.push(d);
  }
  const steps = new Map(STEPS.map((s) => [s, new Step()]));
  const submittedAt = new Map<string, number>();
  const transferAskedAt = new Map<string, number>();
  let measuring = false;
  let done = 0;
  let stopping = false;
  let failures = 0;
  const record = (step: string, since: number): void => {
    if (measuring) steps.get(step)?.add(performance.now() - since);
  };
  const timed = async (step: string, c: JsonClient, req: Json): Promise<Json> => {
    const t0 = performance.now();
    const r = await c.request(req, 30_000);
    record(step, t0);
    return r;
  };

  const submitOne = async (): Promise<void> => {
    if (stopping) return;
    const t0 = performance.now();
    const r = await ms.request(
      {
        message: 'RequestSubmit',
        tenantId: 1,
        mediaType: 'email',
        interactionType: 'Inbound',
        interactionSubtype: 'InboundNew',
        queue: 'Work',
        userData: { Subject: 'Where is my order?', Stage: 'new' },
      },
      30_000,
    );
    if (r.message !== 'EventAck') throw new Error(`submit: ${JSON.stringify(r)}`);
    submittedAt.set(r.interactionId as string, t0);
  };

  /** One agent's desktop: answers every invitation as its stage says (until its connection closes at the end). */
  const agentLoop = async (i: number): Promise<void> => {
    try {
      await answer(i);
    } catch {
      // The connection closed at the end of the run: its pending requests fail.
    }
  };
  const answer = async (i: number): Promise<void> => {
    const d = desks[i] as JsonClient;
    for (;;) {
      let e: Json;
      try {
        e = await d.nextEvent(60_000);
      } catch {
        return;
      }
      if (e.message !== 'EventInvite') continue;
      const id = e.interactionId as string;
      const stage = (e.interactionUserData as Json | undefined)?.Stage;
      if (stage === 'new') {
        const s0 = submittedAt.get(id);
        if (s0 !== undefined) record('submit→invite', s0);
        await timed('accept', d, { message: 'RequestAccept', interactionId: id, ticketId: e.ticketId });
        await timed('change', d, {
          message: 'RequestChangeProperties',
          interactionId: id,
          changedProperties: { Stage: 'transferred' },
        });
        const to = `agent${String(((i + 1 + Math.floor(Math.random() * (AGENTS - 1))) % AGENTS) + 1)}`;
        const asked = performance.now();
        transferAskedAt.set(id, asked);
        void d.request({ message: 'RequestTransfer', interactionId: id, agentId: to }, 30_000).then(
          (r) => {
            record('transfer answered', asked);
            if (r.message !== 'EventAck') {
              failures++;
              ms.request({ message: 'RequestStopProcessing', interactionId: id }, 30_000).then(
                () => {
                  quiet(submitOne());
                },
                () => undefined,
              );
            }
          },
          () => undefined,
        );
      } else {
        const a0 = transferAskedAt.get(id);
        if (a0 !== undefined) record('transfer→invite', a0);
        await timed('accept (transfer)', d, { message: 'RequestAccept', interactionId: id, ticketId: e.ticketId });
        await timed('stop', d, { message: 'RequestStopProcessing', interactionId: id });
        submittedAt.delete(id);
        transferAskedAt.delete(id);
        if (measuring) done++;
        quiet(submitOne());
      }
    }
  };

  const loops = desks.map((_d, i) => agentLoop(i));
  for (let k = 0; k < o.window; k++) quiet(submitOne());
  const win = await measuredWindow(t, o, (on) => (measuring = on));
  stopping = true;
  const completed = done;
  for (const d of desks) d.close();
  ms.close();
  await Promise.race([Promise.all(loops), new Promise((r) => setTimeout(r, 2000))]);
  if (failures) process.stderr.write(`note: ${String(failures)} transfers were refused (stopped instead)\n`);
  return { ...win.per(completed), steps };
}

/**
 * Waits out the warm-up, then measures for `o.seconds` with `setMeasuring(true)` (the caller counts meanwhile);
 * `per(n)` turns the n operations counted into operations per second and server CPU µs per operation.
 */
async function measuredWindow(
  t: Target,
  o: Options,
  setMeasuring: (on: boolean) => void,
): Promise<{ per: (n: number) => { perSecond: number; cpuUs: number } }> {
  await new Promise((r) => setTimeout(r, o.warmup * 1000));
  setMeasuring(true);
  const cpu0 = processCpuMs(t.pid);
  const t0 = performance.now();
  await new Promise((r) => setTimeout(r, o.seconds * 1000));
  const elapsed = (performance.now() - t0) / 1000;
  const cpu1 = processCpuMs(t.pid);
  setMeasuring(false);
  return {
    per: (n) => ({
      perSecond: n / elapsed,
      cpuUs: cpu0 !== undefined && cpu1 !== undefined && n ? ((cpu1 - cpu0) * 1000) / n : NaN,
    }),
  };
}

/** The floor: RequestChangeProperties in a closed loop on the same server (the cheapest durable request). */
async function changeFloor(t: Target, o: Options): Promise<{ perSecond: number; cpuUs: number }> {
  const ms = await JsonClient.connect(t.wsUrl);
  await ms.register('MediaServer', 'Mail');
  const ids: string[] = [];
  for (let i = 0; i < 16; i++) {
    const r = await ms.request({
      message: 'RequestSubmit',
      tenantId: 1,
      mediaType: 'email',
      interactionType: 'Inbound',
      interactionSubtype: 'InboundNew',
      queue: 'Work',
      userData: { Subject: 'floor' },
    });
    ids.push(r.interactionId as string);
  }
  let measuring = false;
  let done = 0;
  let stop = false;
  const loop = async (k: number): Promise<void> => {
    for (let n = 0; !stop; n++) {
      await ms.request(
        { message: 'RequestChangeProperties', interactionId: ids[k % ids.length], changedProperties: { N: n } },
        30_000,
      );
      if (measuring) done++;
    }
  };
  const loops = Array.from({ length: o.window }, (_x, k) => loop(k));
  const win = await measuredWindow(t, o, (on) => (measuring = on));
  stop = true;
  await Promise.all(loops);
  ms.close();
  return win.per(done);
}

export async function runLifecycle(argv: readonly string[]): Promise<number> {
  const o = options(argv);
  buildOnce();
  const file = config();
  const dataDir = mkdtempSync(join(tmpdir(), 'ixs-lifecycle-data-'));
  const t = await startProcess('IXS', serveArgs(file, dataDir), dataDir, file);
  try {
    process.stdout.write(
      `lifecycle bench: ${String(AGENTS)} agents, window ${String(o.window)}, ${String(o.warmup)} s warm-up + ${String(o.seconds)} s; sources ${sourceVersion()}\n`,
    );
    const life = await lifecycles(t, o);
    const floor = await changeFloor(t, o);
    const f = (n: number, d = 0): string =>
      Number.isFinite(n) ? n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d }) : '-';
    process.stdout.write(
      `\nlifecycles/s ${f(life.perSecond)} (7 requests and 2 routing steps each); server CPU ${f(life.cpuUs)} µs per lifecycle\n`,
    );
    process.stdout.write(`floor: RequestChangeProperties ${f(floor.perSecond)}/s, ${f(floor.cpuUs)} µs each\n`);
    process.stdout.write(`one lifecycle costs ${f(life.cpuUs / floor.cpuUs, 1)} changes' worth of server CPU\n\n`);
    process.stdout.write('step                 p50 ms   p99 ms   samples\n');
    for (const [name, s] of life.steps)
      process.stdout.write(
        `${name.padEnd(20)} ${f(s.pct(50), 2).padStart(7)}  ${f(s.pct(99), 2).padStart(7)}   ${String(s.samples.length)}\n`,
      );
    process.stdout.write(
      `${JSON.stringify({
        bench: 'lifecycle',
        date: new Date().toISOString(),
        sources: sourceVersion(),
        options: o,
        lifecyclesPerSecond: life.perSecond,
        cpuUsPerLifecycle: life.cpuUs,
        floor,
        steps: Object.fromEntries(
          [...life.steps].map(([k, s]) => [k, { p50: s.pct(50), p99: s.pct(99), n: s.samples.length }]),
        ),
      })}\n`,
    );
    return life.perSecond > 0 ? 0 : 1;
  } finally {
    await t.stop();
  }
}
