/**
 * The HTTP front door (Fastify): health and readiness, Prometheus metrics, and the API over interactions, sessions and
 * the durable event log behind bearer tokens (docs/http.md). Errors are `application/problem+json` carrying the
 * registry's error code and name where one applies.
 */
import type { TlsOptions } from 'node:tls';
import Fastify, { type FastifyInstance } from 'fastify';
import type { AddressInfo } from 'node:net';
import type { IxsServer } from '../server/ixs-server.ts';
import type { Store } from '../store/store.ts';
import type { Metrics } from '../obs/metrics.ts';
import { acceptToken, tokenOf, type ApiToken } from './auth.ts';
import { dashboard } from './dashboard.ts';
import { eventStream } from './event-stream.ts';
import { interactionsApi } from './interactions-api.ts';
import { openApiDocument } from './openapi.ts';
import { sendProblem } from './problem.ts';
import { searchApi } from './search-api.ts';
import { viewsApi } from './views-api.ts';

export { sendProblem } from './problem.ts';

export interface HttpAppOptions {
  readonly server: IxsServer;
  readonly store: Store;
  readonly metrics: Metrics;
  /** The tokens `/api/*` accepts (none: every API request is refused with 401). */
  readonly tokens: readonly ApiToken[];
  /** `/metrics` without a token (default true). */
  readonly metricsPublic?: boolean;
  /** Serve HTTPS with these (certificate and key). */
  readonly https?: TlsOptions;
}

/** Methods that only read. */
const READS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** Builds the Fastify app (also used with inject() in tests). */
export function buildHttpApp(opts: HttpAppOptions): FastifyInstance {
  // An HTTPS server has the same request API; Fastify types it apart.
  const app = (
    opts.https ? Fastify({ logger: false, https: opts.https }) : Fastify({ logger: false })
  ) as FastifyInstance;
  const metricsPublic = opts.metricsPublic ?? true;

  // Authentication: every /api/* request (and /metrics when it is not public) carries a bearer token; a read token
  // only reads.
  app.addHook('onRequest', async (req, reply) => {
    const path = req.url.split('?', 1)[0] ?? '';
    const isApi = path === '/api' || path.startsWith('/api/');
    if (!isApi && !(path === '/metrics' && !metricsPublic)) return;
    const token = tokenOf(req.headers.authorization, opts.tokens);
    if (!token) {
      reply.header('www-authenticate', 'Bearer');
      return sendProblem(reply, {
        status: 401,
        title: 'Unauthorized',
        detail:
          req.headers.authorization === undefined
            ? 'this path needs an Authorization: Bearer <token> header'
            : 'the bearer token is not one of the configured tokens',
      });
    }
    if (!READS.has(req.method) && token.access !== 'write') {
      return sendProblem(reply, {
        status: 403,
        title: 'Forbidden',
        detail: `token '${token.name}' may only read`,
      });
    }
    acceptToken(req, token);
    return undefined;
  });

  app.setNotFoundHandler((req, reply) =>
    sendProblem(reply, {
      status: 404,
      title: 'Not Found',
      detail: `no route ${req.method} ${req.url.split('?', 1)[0] ?? ''}`,
    }),
  );

  app.get('/health', () => ({ status: opts.server.lifecycle, interactions: opts.server.core.interactions.size }));
  app.get('/ready', async (_req, reply) => {
    const ready = opts.server.lifecycle === 'ready';
    return reply.code(ready ? 200 : 503).send({ ready, status: opts.server.lifecycle });
  });
  app.get('/metrics', async (_req, reply) => {
    reply.header('content-type', opts.metrics.registry.contentType);
    return opts.metrics.registry.metrics();
  });
  app.get('/openapi.json', () => openApiDocument());
  interactionsApi(app, { server: opts.server, store: opts.store });
  eventStream(app, { server: opts.server, store: opts.store });
  searchApi(app, { server: opts.server });
  dashboard(app);
  viewsApi(app, { server: opts.server, config: opts.server.core.dir.config });
  app.get('/api/sessions', () => opts.server.listSessions());
  app.delete<{ Params: { id: string } }>('/api/sessions/:id', async (req, reply) => {
    const ok = opts.server.forceDisconnect(Number(req.params.id), 'forced off by an administrator');
    if (!ok)
      return sendProblem(reply, {
        status: 404,
        title: 'Not Found',
        detail: `no client session ${req.params.id}`,
        error: 'ErrorUnknownClientId',
      });
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
): Promise<{ port: number; close: () => Promise<void>; dropConnections: () => void }> {
  await app.listen({ host, port });
  const addr = app.server.address() as AddressInfo;
  return {
    port: addr.port,
    close: () => app.close(),
    // Once every request has been answered: event streams and sockets a client keeps alive go too.
    dropConnections: () => {
      app.server.closeAllConnections();
    },
  };
}
