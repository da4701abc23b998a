/**
 * `GET /api/events/stream`: the durable event log as server-sent events (docs/http.md). Each stream is a cursor into
 * the log: it reads a page after its last seq, writes the events that pass its filters (`id:` = seq, `event:` = the
 * message name, `data:` = its JSON form), waits for the socket to drain when the reader is slow, and waits for the
 * next commit when it has caught up. Nothing is buffered per stream beyond one page, so a stalled reader costs no
 * memory, and a reader that reconnects with `Last-Event-ID` (or `?after=`) gets every event after it exactly once —
 * across a server restart too, since seqs are durable and never reused.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ServerResponse } from 'node:http';
import type { IxsServer } from '../server/ixs-server.ts';
import type { Store, StoredEvent } from '../store/store.ts';
import { requestToken, seesTenant, type ApiToken } from './auth.ts';
import { sendProblem } from './problem.ts';

/** Events read from the log per step. */
const PAGE = 256;
/** A comment line this often keeps proxies and clients from timing out an idle stream. */
const HEARTBEAT_MS = 15_000;

interface StreamQuery {
  after?: string;
  name?: string;
  interactionId?: string;
  queue?: string;
  agentId?: string;
}

/** Which events a stream passes on. */
function filterOf(q: StreamQuery, token: ApiToken): (e: StoredEvent) => boolean {
  const names = q.name === undefined || q.name === '' ? undefined : new Set(q.name.split(','));
  return (e) => {
    if (names && !names.has(e.name)) return false;
    if (q.interactionId !== undefined && e.interactionId !== q.interactionId) return false;
    const p = e.payload;
    if (q.queue !== undefined && p.interactionQueue !== q.queue) return false;
    if (q.agentId !== undefined && p.agentId !== q.agentId && p.actorAgentId !== q.agentId) return false;
    if (token.tenants !== undefined) {
      const t = p.interactionTenantId ?? p.tenantId ?? p.actorTenantId;
      if (typeof t !== 'number' || !seesTenant(token, t)) return false;
    }
    return true;
  };
}

/** A seq given as Last-Event-ID or `after`: a whole number >= 0. */
function seqOf(v: string | undefined): number | undefined | null {
  if (v === undefined) return undefined;
  return /^\d{1,15}$/.test(v.trim()) ? Number(v.trim()) : null;
}

export function eventStream(app: FastifyInstance, opts: { server: IxsServer; store: Store }): void {
  /** Open streams, ended when the app closes (a stream never ends by itself). */
  const open = new Set<ServerResponse>();
  app.addHook('preClose', (done) => {
    for (const res of open) res.end();
    open.clear();
    done();
  });

  app.get('/api/events/stream', async (req: FastifyRequest<{ Querystring: StreamQuery }>, reply: FastifyReply) => {
    const header = req.headers['last-event-id'];
    const fromHeader = seqOf(Array.isArray(header) ? header[0] : header);
    const fromQuery = seqOf(req.query.after);
    if (fromHeader === null || fromQuery === null)
      return sendProblem(reply, {
        status: 400,
        title: 'Bad Request',
        detail: 'Last-Event-ID and after must be an event seq (a whole number)',
      });
    // Last-Event-ID wins; neither: live from now.
    let cursor = fromHeader ?? fromQuery ?? opts.server.lastEventSeq;
    const passes = filterOf(req.query, requestToken(req));
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache',
      // One stream per connection: when it ends the connection closes (a graceful stop need not wait for it).
      connection: 'close',
      'x-accel-buffering': 'no',
    });
    res.write(': IXS event stream\n\n');
    open.add(res);
    let closed = false;
    /** Set by every commit since the last read (so that a commit between a read and the wait is not missed). */
    let signalled: boolean;
    let wake: (() => void) | undefined;
    const stopListening = opts.server.onEvents(() => {
      signalled = true;
      wake?.();
    });
    res.on('close', () => {
      closed = true;
      open.delete(res);
      stopListening();
      wake?.();
    });
    const drained = (): Promise<void> =>
      new Promise((resolve) => {
        const done = (): void => {
          res.off('drain', done);
          res.off('close', done);
          resolve();
        };
        res.on('drain', done);
        res.on('close', done);
      });
    try {
      while (!closed) {
        signalled = false;
        const page = await opts.store.readEvents({
          afterSeq: cursor,
          limit: PAGE,
          ...(req.query.interactionId !== undefined ? { interactionId: req.query.interactionId } : {}),
        });
        if (page.length === 0) {
          if (signalled) continue;
          // Caught up: until the next commit, with a heartbeat now and then.
          const timedOut = await new Promise<boolean>((resolve) => {
            const t = setTimeout(() => {
              resolve(true);
            }, HEARTBEAT_MS);
            wake = () => {
              clearTimeout(t);
              resolve(false);
            };
          });
          wake = undefined;
          if (timedOut && !closed) res.write(': ping\n\n');
          continue;
        }
        for (const e of page) {
          cursor = e.seq;
          if (closed) break;
          if (!passes(e)) continue;
          const ok = res.write(`id: ${String(e.seq)}\nevent: ${e.name}\ndata: ${JSON.stringify(e.payload)}\n\n`);
          // A slow reader: read no further until the socket has taken what was written.
          if (!ok) await drained();
        }
      }
    } catch (err) {
      req.log.error({ err }, 'event stream failed');
      res.end();
    }
    return reply;
  });
}
