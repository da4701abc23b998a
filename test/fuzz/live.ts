/**
 * Fuzzing a live server (issue #11; docs/reliability.md). Frames go to the real server over both doors, each on a
 * connection registered as a configured application (so that they reach past registration), one at a time per
 * connection, several connections at once:
 * - binary: the SDK's request vectors (test/fixtures/vectors), most of them mutated — bytes flipped or replaced,
 *   truncated, extended, the length prefix changed, two frames spliced;
 * - JSON: requests made from the catalogue (a request name, attributes by their JSON names with random JSON values),
 *   and valid request texts with characters mutated.
 * Each frame must be answered (EventAck, EventError, another reply) or end its connection cleanly; a frame that waits
 * for bytes that never come (a length prefix that promises more) is given up after a while and its connection opened
 * again. Checked: the server never dies; a healthy client is answered at every checkpoint; every frame our own codec
 * refuses, the server refuses too (EventError or a closed connection); and nothing a refused frame asked for happened —
 * every EventInteractionSubmitted in the durable log is of a submission that was acknowledged, every
 * EventPropertiesChanged is at a version an acknowledgement gave for that interaction, every EventProcessingStopped
 * is of an acknowledged stop (or of an acknowledged online submission whose media server's connection ended). A
 * seeded generator: a failure is replayed with the same --seed.
 */
import { readFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { messageByName, SUPPORTED_REQUESTS } from '../../src/protocol/catalogue.ts';
import { toJsonObject } from '../../src/protocol/json-form.ts';
import { FrameParser } from '../../src/transport/tcp/frame-parser.ts';
import { decodeIsFrame } from '../../src/transport/tcp/is-codec.ts';
import { decodeJsonRequest } from '../../src/transport/ws/json-codec.ts';
import WebSocket from 'ws';
import { api, client, rssMb, startServer, type Json, type JsonClient, type RunningServer } from '../e2e/harness.ts';

export interface FuzzReport {
  readonly frames: number;
  readonly binary: number;
  readonly json: number;
  readonly acked: number;
  readonly refused: number;
  readonly closed: number;
  readonly incomplete: number;
  readonly rssStartMb: number;
  readonly rssEndMb: number;
  readonly problems: string[];
}

/** mulberry32: small, fast, seeded. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Vector {
  readonly message: string;
  readonly direction: string;
  readonly hex: string;
}

function requestVectors(): Buffer[] {
  const out: Buffer[] = [];
  for (const f of ['interaction-server.json', 'interaction-server-large.json']) {
    const v = JSON.parse(readFileSync(new URL(`../fixtures/vectors/${f}`, import.meta.url), 'utf8')) as {
      vectors: Vector[];
    };
    for (const x of v.vectors) if (x.direction === 'client->server') out.push(Buffer.from(x.hex, 'hex'));
  }
  return out;
}

/**
 * What our own parser and codec make of a binary frame: `fatal` (undecodable framing: the server must close), `whole`
 * (exactly one frame and nothing left over; `request` is its JSON form when our codec accepts it as a request), or
 * `messy` (no complete frame, several, ADDP packets, or bytes left over: what comes back is not one answer).
 */
function ownBinaryDecode(bytes: Buffer): { kind: 'fatal' | 'messy' } | { kind: 'whole'; request: Json | undefined } {
  const parser = new FrameParser({ maxFrameBytes: 1024 * 1024 });
  const events = parser.push(bytes);
  if (events.some((e) => e.kind === 'fatal')) return { kind: 'fatal' };
  const ev = events[0];
  if (events.length !== 1 || ev?.kind !== 'frame' || !parser.idle) return { kind: 'messy' };
  const r = decodeIsFrame(ev.messageId, ev.attrs);
  const ok = r.ok && r.message.protocol === 'is' && messageByName(r.message.name)?.kind === 'request';
  return { kind: 'whole', request: ok ? toJsonObject(r.message) : undefined };
}

/** One fuzzed connection: registered as `app`, sends one frame at a time and reports what came of it. */
interface FuzzConn {
  /**
   * Sends a frame; resolves with the first answer, 'closed', or 'incomplete' when neither came within `waitMs`. An
   * answer carries a ReferenceId or is EventError; with `anyAnswer` (a request sent without a ReferenceId, whose
   * answer cannot carry one) the next message of any kind is taken.
   */
  send(frame: Buffer | string, waitMs?: number, anyAnswer?: boolean): Promise<Json | 'closed' | 'incomplete'>;
  close(): void;
}

const WAIT_MS = 1000;

/**
 * The answer-waiting both kinds of connection share: `message` takes each decoded message (an answer carries a
 * ReferenceId or is EventError, or, while a request without a ReferenceId waits, is any message), `closed` ends the
 * wait, `send` writes a frame with `write` and waits.
 */
function answers(write: (frame: Buffer | string) => void, close: () => void) {
  let waiter: ((r: Json | 'closed') => void) | undefined;
  let any = false;
  let closed = false;
  const take = (r: Json | 'closed'): void => {
    const w = waiter;
    waiter = undefined;
    w?.(r);
  };
  const conn: FuzzConn = {
    send: (frame, waitMs = WAIT_MS, anyAnswer = false) =>
      new Promise((resolve) => {
        any = anyAnswer;
        if (closed) {
          resolve('closed');
          return;
        }
        const t = setTimeout(() => {
          waiter = undefined;
          resolve('incomplete');
        }, waitMs);
        waiter = (r) => {
          clearTimeout(t);
          resolve(r);
        };
        write(frame);
      }),
    close,
  };
  return {
    conn,
    message: (m: Json): void => {
      if (m.referenceId !== undefined || m.message === 'EventError' || any) take(m);
    },
    closed: (): void => {
      closed = true;
      take('closed');
    },
  };
}

async function tcpConn(srv: RunningServer, register: Json | undefined): Promise<FuzzConn> {
  const socket: Socket = connect(srv.tcpPort, '127.0.0.1');
  socket.setNoDelay(true);
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  socket.on('error', () => undefined);
  const parser = new FrameParser({ maxFrameBytes: 64 * 1024 * 1024 });
  const a = answers(
    (frame) => socket.write(frame),
    () => socket.destroy(),
  );
  socket.on('data', (chunk: Buffer) => {
    for (const ev of parser.push(chunk)) {
      if (ev.kind !== 'frame') continue;
      const r = decodeIsFrame(ev.messageId, ev.attrs);
      if (r.ok) a.message(toJsonObject(r.message));
    }
  });
  socket.on('close', a.closed);
  if (register) {
    const { TcpClient } = await import('@ixs/client');
    await a.conn.send(TcpClient.encode(register));
  }
  return a.conn;
}

async function wsConn(srv: RunningServer, register: Json | undefined): Promise<FuzzConn> {
  const ws = new WebSocket(srv.wsUrl);
  await new Promise<void>((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  ws.on('error', () => undefined);
  const a = answers(
    (frame) => {
      ws.send(frame);
    },
    () => {
      ws.terminate();
    },
  );
  ws.on('message', (data: Buffer) => {
    a.message(JSON.parse(data.toString('utf8')) as Json);
  });
  ws.on('close', a.closed);
  if (register) await a.conn.send(JSON.stringify(register));
  return a.conn;
}

/** Runs `frames` fuzzed frames against a fresh server; `log` gets progress lines. */
export async function runFuzz(opts: { frames: number; seed?: number; log?: (l: string) => void }): Promise<FuzzReport> {
  const seed = opts.seed ?? 1;
  const rand = rng(seed);
  const int = (n: number): number => Math.floor(rand() * n);
  const pick = <T>(list: readonly T[]): T => list[int(list.length)] as T;
  const vectors = requestVectors();
  const requests = [...SUPPORTED_REQUESTS].filter((n) => messageByName(n)?.kind === 'request');
  const srv = await startServer();
  const problems: string[] = [];
  const counts = { binary: 0, json: 0, acked: 0, refused: 0, closed: 0, incomplete: 0 };
  /** Interactions: acknowledged submissions, versions acknowledgements gave, acknowledged stops. */
  const submitted = new Set<string>();
  const versions = new Map<string, Set<number>>();
  const stopped = new Set<string>();
  let healthy: JsonClient | undefined;
  try {
    healthy = await client(srv, 'ReportingEngine', 'StatServer');
    // Something to work on: interactions the fuzzed requests can name.
    const seedIds: string[] = [];
    const ms = await client(srv, 'MediaServer', 'ChatServer');
    for (let i = 0; i < 5; i++) {
      const r = await ms.request({
        message: 'RequestSubmit',
        tenantId: 1,
        mediaType: 'email',
        interactionType: 'Inbound',
        interactionSubtype: 'InboundNew',
        queue: 'Email Out',
        userData: { Subject: `fuzz ${String(i)}` },
      });
      const id = r.interactionId as string;
      seedIds.push(id);
      submitted.add(id);
      versions.set(id, new Set([1]));
    }
    ms.close();
    const startSeq = 0;
    const rssStart = rssMb(srv.proc.pid ?? 0);
    const reg = (clientType: string, clientName: string): Json => ({
      message: 'RequestRegisterClient',
      referenceId: 1,
      clientType,
      clientName,
    });
    type Slot = { make: () => Promise<FuzzConn>; conn?: FuzzConn; door: 'tcp' | 'ws' };
    const slots: Slot[] = [
      { door: 'tcp', make: () => tcpConn(srv, reg('MediaServer', 'EmailServer')) },
      { door: 'tcp', make: () => tcpConn(srv, reg('AgentApplication', 'Desktop')) },
      { door: 'tcp', make: () => tcpConn(srv, undefined) },
      { door: 'ws', make: () => wsConn(srv, reg('AgentApplication', 'Desktop2')) },
      { door: 'ws', make: () => wsConn(srv, reg('ReportingEngine', 'StatServer')) },
      { door: 'ws', make: () => wsConn(srv, undefined) },
    ];
    const validJson = (): Json => {
      const id = pick(seedIds);
      return pick<Json>([
        { message: 'RequestChangeProperties', interactionId: id, changedProperties: { Step: int(1000) } },
        { message: 'RequestGetInteractionProperties', interactionId: id },
        {
          message: 'RequestSubmit',
          tenantId: 1,
          mediaType: 'email',
          interactionType: 'Inbound',
          interactionSubtype: 'InboundNew',
          queue: 'Email Out',
          userData: { Subject: 'x' },
        },
        { message: 'RequestStopProcessing', interactionId: id },
        {
          message: 'RequestAgentLogin',
          tenantId: 1,
          placeId: 'Place_1001',
          agentId: 'agent1',
          mediaList: { email: 1 },
        },
      ]);
    };
    const randomValue = (depth = 0): unknown => {
      switch (int(depth > 2 ? 5 : 7)) {
        case 0:
          return int(2) ? int(1e6) : -int(1e12);
        case 1:
          return pick(['', 'x', 'Email Out', pick(seedIds), '\u0000', 'é'.repeat(int(50)), '9'.repeat(int(30))]);
        case 2:
          return rand() < 0.5;
        case 3:
          return null;
        case 4:
          return rand() * 1e9;
        case 5:
          return Array.from({ length: int(4) }, () => randomValue(depth + 1));
        default:
          return Object.fromEntries(
            Array.from({ length: int(4) }, () => [pick(['a', 'Step', '', 'k']), randomValue(depth + 1)]),
          );
      }
    };
    const jsonFrame = (): { text: string; own: Json | undefined } => {
      let text: string;
      if (rand() < 0.5) {
        const name = pick(requests);
        const def = messageByName(name);
        const attrs = def ? [...def.byJsonName.keys()] : [];
        const o: Json = { message: name, referenceId: 1 + int(1000) };
        for (let i = int(5); i > 0 && attrs.length; i--) o[pick(attrs)] = randomValue();
        if (rand() < 0.5 && attrs.includes('interactionId')) o.interactionId = pick(seedIds);
        text = JSON.stringify(o);
      } else {
        const chars = Array.from(JSON.stringify({ ...validJson(), referenceId: 1 + int(1000) }));
        for (let i = int(3); i > 0; i--)
          chars[int(chars.length)] = pick(['"', '{', '}', ',', ':', '0', 'a', '\\', ' ']);
        text = chars.join('');
      }
      const d = decodeJsonRequest(text);
      return { text, own: d.ok ? (JSON.parse(text) as Json) : undefined };
    };
    const binaryFrame = (): Buffer => {
      let b = Buffer.from(pick(vectors));
      if (rand() < 0.15) return b;
      for (let i = 1 + int(3); i > 0; i--) {
        switch (int(6)) {
          case 0: {
            const at = int(b.length);
            b[at] = (b[at] ?? 0) ^ (1 << int(8));
            break;
          }
          case 1:
            b[int(b.length)] = int(256);
            break;
          case 2:
            b = b.subarray(0, Math.max(1, int(b.length)));
            break;
          case 3:
            b = Buffer.concat([b, Buffer.from(Array.from({ length: int(16) }, () => int(256)))]);
            break;
          case 4:
            if (b.length >= 4) b.writeUInt32BE(int(b.length + 64), 0);
            break;
          default:
            b = Buffer.concat([b.subarray(0, int(b.length)), pick(vectors).subarray(int(8))]);
        }
      }
      return b;
    };
    const record = (own: Json | undefined, r: Json | 'closed' | 'incomplete', door: string): void => {
      if (r === 'closed') counts.closed++;
      else if (r === 'incomplete') counts.incomplete++;
      else if (r.message === 'EventError') counts.refused++;
      else counts.acked++;
      if (own === undefined && typeof r === 'object' && r.message !== 'EventError')
        problems.push(`${door}: a frame our codec refuses was answered ${JSON.stringify(r)}`);
      if (own === undefined || typeof r !== 'object' || r.message !== 'EventAck') return;
      const id = (r.interactionId ?? own.interactionId) as string | undefined;
      if (typeof id !== 'string') return;
      if (own.message === 'RequestSubmit') submitted.add(id);
      if (own.message === 'RequestStopProcessing') stopped.add(id);
      if (typeof r.version === 'number') {
        let set = versions.get(id);
        if (!set) versions.set(id, (set = new Set()));
        set.add(r.version);
      }
    };
    /** One binary frame on a slot; returns whether the connection must be opened again. */
    const binaryTurn = async (conn: FuzzConn): Promise<boolean> => {
      counts.binary++;
      const frame = binaryFrame();
      const own = ownBinaryDecode(frame);
      if (own.kind === 'whole') {
        const r = await conn.send(frame);
        if (r === 'incomplete')
          problems.push(`binary: no answer within ${String(WAIT_MS)} ms to ${frame.toString('hex').slice(0, 200)}`);
        record(own.request, r, 'binary');
        return r === 'closed' || r === 'incomplete';
      }
      if (own.kind === 'fatal') {
        // Undecodable framing: the server must close the connection (whatever it answers first).
        let r = await conn.send(frame);
        for (let k = 0; k < 8 && r !== 'closed' && r !== 'incomplete'; k++) r = await conn.send(Buffer.alloc(0), 200);
        if (r !== 'closed')
          problems.push(
            `binary: undecodable framing did not close the connection: ${frame.toString('hex').slice(0, 200)}`,
          );
        counts.closed++;
        return true;
      }
      // Several frames, a partial one, ADDP or leftovers: whatever comes back is not one answer; start afresh after.
      await conn.send(frame, 1);
      counts.incomplete++;
      return true;
    };
    const jsonTurn = async (conn: FuzzConn): Promise<boolean> => {
      counts.json++;
      const { text, own } = jsonFrame();
      const r = await conn.send(text, WAIT_MS, own !== undefined && typeof own.referenceId !== 'number');
      if (r === 'incomplete') problems.push(`json: no answer within ${String(WAIT_MS)} ms to ${text.slice(0, 200)}`);
      record(own, r, 'json');
      return r === 'closed' || r === 'incomplete';
    };
    // Half of the frames for each door, shared by that door's connections.
    const budget = { tcp: Math.ceil(opts.frames / 2), ws: Math.floor(opts.frames / 2) };
    let sent = 0;
    const worker = async (slot: Slot): Promise<void> => {
      while (budget[slot.door] > 0) {
        budget[slot.door]--;
        sent++;
        slot.conn ??= await slot.make();
        const again = slot.door === 'tcp' ? await binaryTurn(slot.conn) : await jsonTurn(slot.conn);
        if (again) {
          slot.conn.close();
          delete slot.conn;
        }
        if (sent % 5000 === 0) {
          const b = await healthy?.request({ message: 'RequestGetInteractionProperties', interactionId: '~alive~' });
          if (b?.message !== 'EventError')
            problems.push(`after ${String(sent)} frames the healthy client got ${JSON.stringify(b)}`);
          opts.log?.(`${String(sent)} frames, server RSS ${rssMb(srv.proc.pid ?? 0).toFixed(0)} MB`);
        }
      }
    };
    await Promise.all(slots.map((s) => worker(s)));
    for (const s of slots) s.conn?.close();
    if (srv.proc.exitCode !== null) problems.push(`the server died (exit ${String(srv.proc.exitCode)})`);
    const alive = await healthy.request({ message: 'RequestGetInteractionProperties', interactionId: '~alive~' });
    if (alive.message !== 'EventError') problems.push(`the healthy client is not answered: ${JSON.stringify(alive)}`);
    // The durable log: nothing happened that no acknowledged request asked for.
    let after = startSeq;
    for (;;) {
      const page = (await (await api(srv, `/api/events?after=${String(after)}&limit=10000`)).json()) as Json[];
      if (page.length === 0) break;
      for (const e of page) {
        after = e.seq as number;
        const id = e.interactionId as string | null;
        const p = e.payload as Json;
        if (id === null) continue;
        if (e.name === 'EventInteractionSubmitted' && !submitted.has(id))
          problems.push(`log: ${id} was submitted without an acknowledged RequestSubmit`);
        if (e.name === 'EventPropertiesChanged' && typeof p.version === 'number' && !versions.get(id)?.has(p.version))
          problems.push(`log: ${id} changed to version ${String(p.version)} that no acknowledgement gave`);
        // (A media server's connection that a fuzzed frame ended stops the online interactions it submitted.)
        const leftOnline = p.reasonSystemName === 'MediaServerDisconnected' && p.interactionIsOnline === true;
        if (e.name === 'EventProcessingStopped' && !stopped.has(id) && !(leftOnline && submitted.has(id)))
          problems.push(`log: ${id} stopped without an acknowledged stop`);
      }
    }
    const rssEnd = rssMb(srv.proc.pid ?? 0);
    return {
      frames: sent,
      binary: counts.binary,
      json: counts.json,
      acked: counts.acked,
      refused: counts.refused,
      closed: counts.closed,
      incomplete: counts.incomplete,
      rssStartMb: rssStart,
      rssEndMb: rssEnd,
      problems,
    };
  } finally {
    healthy?.close();
    const code = await srv.stop();
    if (code !== 0) problems.push(`the server exited ${String(code)} on SIGTERM`);
  }
}
