/**
 * The HTTP front door (Fastify): health, Prometheus metrics, and a small read API over interactions and the durable
 * event log. (The full REST API, SSE stream and dashboard come with their own issues.)
 */
import Fastify, { type FastifyInstance } from 'fastify';
import type { AddressInfo } from 'node:net';
import type { IxsServer } from '../server/ixs-server.ts';
import type { Store } from '../store/store.ts';
import type { Metrics } from '../obs/metrics.ts';
import { isMsg } from '../protocol/message.ts';
import { toJsonObject } from '../protocol/json-form.ts';

/** Builds the Fastify app (also used with inject() in tests). */
export function buildHttpApp(opts: { server: IxsServer; store: Store; metrics: Metrics }): FastifyInstance {
  const app = Fastify({ logger: false });
  app.get('/health', () => ({ status: opts.server.lifecycle, interactions: opts.server.core.interactions.size }));
  app.get('/metrics', async (_req, reply) => {
    reply.header('content-type', opts.metrics.registry.contentType);
    return opts.metrics.registry.metrics();
  });
  app.get<{ Params: { id: string } }>('/api/interactions/:id', async (req, reply) => {
    const ix = opts.server.core.interactions.get(req.params.id);
    if (!ix)
      return reply.code(404).send({ errorCode: 43, errorDescription: `there is no interaction '${req.params.id}'` });
    return toJsonObject(
      isMsg('EventInteractionProperties', {
        ...opts.server.core.itxAttrs(ix),
        SubmittedToRouterAt: ix.submittedToRouterAt,
        Version: ix.version,
      }),
    );
  });
  app.get('/api/sessions', () => opts.server.listSessions());
  app.delete<{ Params: { id: string } }>('/api/sessions/:id', async (req, reply) => {
    const ok = opts.server.forceDisconnect(Number(req.params.id), 'forced off by an administrator');
    if (!ok) return reply.code(404).send({ errorCode: 3, errorDescription: `no client session ${req.params.id}` });
    return { disconnected: Number(req.params.id) };
  });
  app.get<{ Querystring: { after?: string; interactionId?: string; limit?: string } }>('/api/events', async (req) => {
    const q = req.query;
    return opts.store.readEvents({
      afterSeq: q.after ? Number(q.after) : 0,
      ...(q.interactionId ? { interactionId: q.interactionId } : {}),
      limit: Math.min(Number(q.limit ?? 1000) || 1000, 10_000),
    });
  });
  return app;
}

/** Starts the HTTP listener. */
export async function startHttp(
  app: FastifyInstance,
  host: string,
  port: number,
): Promise<{ port: number; close: () => Promise<void> }> {
  await app.listen({ host, port });
  const addr = app.server.address() as AddressInfo;
  return { port: addr.port, close: () => app.close() };
}
