/**
 * Read-only views of the HTTP door (docs/http.md): queues with their waiting counts and oldest age (from the core's
 * per-queue age index: its first entry, not a scan), logged-in agents with their
 * state and load per media, and the configuration in force (tokens masked). Each reads the core's indexes and the
 * compiled configuration: the cost follows the number of queues, views and logged-in agents, never the number of
 * interactions.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { IxsServer } from '../server/ixs-server.ts';
import type { Config } from '../config/schema.ts';
import { requestToken, seesTenant } from './auth.ts';

/** A queue's oldest waiting: since when (ISO time) and for how many whole seconds; null for both when none waits. */
function oldestOf(
  since: string | undefined,
  now: number,
): { oldestSince: string | null; oldestAgeSeconds: number | null } {
  if (since === undefined) return { oldestSince: null, oldestAgeSeconds: null };
  return { oldestSince: since, oldestAgeSeconds: Math.max(0, Math.floor((now - Date.parse(since)) / 1000)) };
}

export function viewsApi(app: FastifyInstance, opts: { server: IxsServer; config: Config }): void {
  const { server } = opts;
  const sees = (req: FastifyRequest, tenant: number): boolean => seesTenant(requestToken(req), tenant);

  app.get('/api/queues', (req) => {
    const waiting = new Map<string, Record<string, number>>();
    /** queue -> since when its longest-waiting interaction (any media) has been in it. */
    const oldest = new Map<string, string>();
    for (const w of server.core.state.waitingCounts()) {
      let m = waiting.get(w.queue);
      if (!m) waiting.set(w.queue, (m = {}));
      m[w.media] = w.count;
      const o = oldest.get(w.queue);
      if (w.oldestSince !== undefined && (o === undefined || w.oldestSince < o)) oldest.set(w.queue, w.oldestSince);
    }
    const now = Date.now();
    const viewSizes = server.core.state.views.sizes(now);
    const items = [];
    for (const q of server.core.dir.queues.values()) {
      if (!sees(req, q.tenant)) continue;
      const byMedia = waiting.get(q.name) ?? {};
      const views = opts.config.queues
        .find((c) => c.name === q.name)
        ?.views.map((v) => ({ name: v.name, size: viewSizes.get(v.name) ?? 0 }));
      items.push({
        name: q.name,
        tenantId: q.tenant,
        routing: q.routing,
        waiting: Object.values(byMedia).reduce((a, b) => a + b, 0),
        waitingByMedia: byMedia,
        ...oldestOf(oldest.get(q.name), now),
        views: views ?? [],
      });
    }
    return { items };
  });

  app.get('/api/agents', (req) => {
    const items = [];
    for (const a of server.core.state.agents.values()) {
      if (!sees(req, a.tenantId)) continue;
      const capacity = server.core.dir.agents.get(a.id)?.capacity;
      const media: Record<string, { ready: boolean; load: number; capacity: number }> = {};
      for (const [m, ready] of a.media)
        media[m] = { ready, load: server.core.state.loadOf(a.id, m), capacity: capacity?.get(m) ?? 0 };
      items.push({
        agentId: a.id,
        tenantId: a.tenantId,
        placeId: a.placeId,
        dnd: a.dnd,
        loggedInAt: a.loggedInAt,
        sessions: a.sessions.length,
        media,
      });
    }
    items.sort((x, y) => (x.agentId < y.agentId ? -1 : x.agentId > y.agentId ? 1 : 0));
    return { items };
  });

  app.get('/api/config', () => ({
    ...opts.config,
    applications: opts.config.applications.map((a) => (a.secret === undefined ? a : { ...a, secret: '********' })),
    http: {
      ...opts.config.http,
      tokens: opts.config.http.tokens.map((t) => ({ ...t, token: '********' })),
    },
  }));
}
