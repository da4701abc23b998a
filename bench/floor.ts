/**
 * The floor: the least a server can do for one property change under the same rules as IXS, to put IXS's
 * throughput in proportion. A bare `ws` server with better-sqlite3 (WAL, synchronous=FULL) and the same group commit:
 * every change request that arrived in one event-loop turn shares one transaction (one row per request), and only
 * after the commit does each request get its three frames: an ack to the requester, an event to the agent that
 * "handles" the interaction and the same event to every reporting connection, with the payload shape and size of
 * IXS's EventPropertiesChanged.
 *
 * Protocol subset (JSON over WebSocket, as IXS): RequestRegisterClient (records the role), RequestAccept
 * {interactionId} (the sending connection becomes the agent of that interaction), RequestChangeProperties
 * {interactionId, changedProperties}, and BenchStats (commits, requests and time in commits so far). Anything else gets EventError.
 *
 * Run as its own process: `node --import tsx bench/floor.ts --data-dir DIR [--port N]`. Prints
 * `{"ready":true,"wsPort":N}` when listening and `{"commits":N,"requests":N}` when SIGTERM stops it.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import { WebSocketServer, type WebSocket } from 'ws';

const { values } = parseArgs({ options: { 'data-dir': { type: 'string' }, port: { type: 'string', default: '0' } } });
const dataDir = values['data-dir'];
if (!dataDir) throw new Error('floor: --data-dir is required');
mkdirSync(dataDir, { recursive: true });

const db = new Database(join(dataDir, 'floor.db'));
db.pragma('journal_mode = WAL');
db.pragma('synchronous = FULL');
db.exec(
  'CREATE TABLE IF NOT EXISTS changes (seq INTEGER PRIMARY KEY, interaction_id TEXT NOT NULL, version INTEGER NOT NULL, payload TEXT NOT NULL)',
);
const insert = db.prepare('INSERT INTO changes (interaction_id, version, payload) VALUES (?, ?, ?)');

interface Interaction {
  readonly id: string;
  readonly agent: WebSocket;
  readonly userData: Record<string, unknown>;
  readonly submittedAt: string;
  version: number;
}

interface Pending {
  readonly from: WebSocket;
  readonly referenceId: unknown;
  readonly ix: Interaction;
  readonly version: number;
  readonly event: string;
}

const interactions = new Map<string, Interaction>();
const reporting = new Set<WebSocket>();
let pending: Pending[] = [];
let flushScheduled = false;
let commits = 0;
let requests = 0;
/** Time spent in commits (ms), for the mean commit time. */
let commitMs = 0;

const commit = db.transaction((batch: readonly Pending[]) => {
  for (const p of batch) insert.run(p.ix.id, p.version, p.event);
});

function flush(): void {
  flushScheduled = false;
  const batch = pending;
  pending = [];
  if (!batch.length) return;
  const t0 = performance.now();
  commit(batch);
  commitMs += performance.now() - t0;
  commits++;
  requests += batch.length;
  for (const p of batch) {
    p.from.send(`{"message":"EventAck","referenceId":${JSON.stringify(p.referenceId)},"version":${String(p.version)}}`);
    p.ix.agent.send(p.event);
    for (const r of reporting) r.send(p.event);
  }
}

function error(ws: WebSocket, referenceId: unknown, description: string): void {
  ws.send(JSON.stringify({ message: 'EventError', referenceId, errorCode: 1, errorDescription: description }));
}

function onFrame(ws: WebSocket, data: Buffer): void {
  const m = JSON.parse(data.toString('utf8')) as Record<string, unknown>;
  const ref = m.referenceId;
  switch (m.message) {
    case 'RequestRegisterClient':
      if (m.clientType === 'ReportingEngine') reporting.add(ws);
      ws.send(JSON.stringify({ message: 'EventAck', referenceId: ref }));
      return;
    case 'RequestAccept': {
      const id = m.interactionId as string;
      const now = new Date().toISOString();
      interactions.set(id, {
        id,
        agent: ws,
        userData: { Subject: 'Benchmark interaction', Priority: 3, CustomerId: 'C-100000' },
        submittedAt: now,
        version: 1,
      });
      ws.send(JSON.stringify({ message: 'EventAck', referenceId: ref }));
      return;
    }
    case 'RequestChangeProperties': {
      const ix = interactions.get(m.interactionId as string);
      if (!ix) {
        error(ws, ref, `there is no interaction '${String(m.interactionId)}'`);
        return;
      }
      const changed = m.changedProperties as Record<string, unknown>;
      Object.assign(ix.userData, changed);
      ix.version += 1;
      // The fields and order of IXS's EventPropertiesChanged, so that both servers write frames of the same size.
      const event = JSON.stringify({
        message: 'EventPropertiesChanged',
        interactionId: ix.id,
        interactionType: 'Inbound',
        interactionSubtype: 'InboundNew',
        interactionMediatype: 'email',
        interactionTenantId: 1,
        interactionState: 'Handling',
        interactionQueue: 'Inbound',
        interactionReceivedAt: ix.submittedAt,
        interactionSubmittedAt: ix.submittedAt,
        interactionSubmittedBy: 'EmailServer',
        interactionIsOnline: false,
        interactionIsLocked: false,
        interactionUserData: ix.userData,
        interactionDeliveredAt: ix.submittedAt,
        interactionPlacedInQueueAt: ix.submittedAt,
        eventTime: new Date().toISOString(),
        actorType: 'MediaServer',
        actorMediaServerId: 'EmailServer',
        actorTenantId: 1,
        changedProperties: changed,
        version: ix.version,
      });
      pending.push({ from: ws, referenceId: ref, ix, version: ix.version, event });
      if (!flushScheduled) {
        flushScheduled = true;
        setImmediate(flush);
      }
      return;
    }
    case 'BenchStats':
      ws.send(JSON.stringify({ message: 'BenchStats', referenceId: ref, commits, requests, commitMs }));
      return;
    default:
      error(ws, ref, `the floor does not handle ${String(m.message)}`);
  }
}

const wss = new WebSocketServer({ host: '127.0.0.1', port: Number(values.port), path: '/' });
wss.on('connection', (ws) => {
  ws.on('message', (data: Buffer) => {
    onFrame(ws, data);
  });
  ws.on('close', () => reporting.delete(ws));
});
wss.on('listening', () => {
  const address = wss.address();
  const port = address === null || typeof address === 'string' ? 0 : address.port;
  process.stdout.write(`${JSON.stringify({ ready: true, wsPort: port })}\n`);
});

process.on('SIGTERM', () => {
  flush();
  for (const c of wss.clients) c.terminate();
  wss.close(() => {
    db.close();
    process.stdout.write(`${JSON.stringify({ commits, requests })}\n`, () => process.exit(0));
  });
});
