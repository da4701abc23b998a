/**
 * `GET /api/interactions?condition=&order=&limit=&cursor=` (docs/http.md): a search with the condition language,
 * paged with a cursor. As for RequestFindInteractions, the condition must name the queues it searches (the search
 * reads those queues' interactions through the per-queue indexes, never every interaction). The cursor carries the
 * last item's order keys and id, so a page starts right after it even when interactions came or went meanwhile.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ConditionParseError, type ConditionRecord, type ConditionValue } from '../condition/index.ts';
import type { Interaction } from '../core/model/interaction.ts';
import { compileQuery, matchingIn, NAME_THE_QUEUES, type Query } from '../core/query.ts';
import { interactionRecord } from '../core/views.ts';
import type { IxsServer } from '../server/ixs-server.ts';
import { requestToken, seesTenant } from './auth.ts';
import { interactionJson } from './interaction-json.ts';
import { sendProblem } from './problem.ts';

/** Items per page by default, and at most. */
const DEFAULT_LIMIT = 100;
const MAX_LIMIT = 1000;
/** The order when none is given. */
const DEFAULT_ORDER = 'SubmittedAt ASC';

interface SearchQuery {
  condition?: string;
  order?: string;
  limit?: string;
  cursor?: string;
}

/** Where a page starts: the previous page's last item's order keys (by `scope:name`) and id. */
interface Cursor {
  readonly k: (ConditionValue | null)[];
  readonly id: string;
}

function encodeCursor(c: Cursor): string {
  return Buffer.from(JSON.stringify(c)).toString('base64url');
}

function decodeCursor(text: string, keys: number): Cursor | undefined {
  try {
    const c = JSON.parse(Buffer.from(text, 'base64url').toString('utf8')) as Cursor;
    if (typeof c.id !== 'string' || !Array.isArray(c.k) || c.k.length !== keys) return undefined;
    return c;
  } catch {
    return undefined;
  }
}

export function searchApi(app: FastifyInstance, opts: { server: IxsServer }): void {
  app.get('/api/interactions', (req: FastifyRequest<{ Querystring: SearchQuery }>, reply: FastifyReply) => {
    const bad = (detail: string, findError = true): FastifyReply =>
      sendProblem(reply, {
        status: 400,
        title: 'Bad Request',
        detail,
        ...(findError ? { error: 'Error_find_condition_or_order_failed' as const } : {}),
      });
    const q = req.query;
    if (!q.condition) return bad("condition is required and must name its queues, e.g. condition=Queue = 'Sales'");
    const limit = q.limit === undefined ? DEFAULT_LIMIT : Number(q.limit);
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT)
      return bad(`limit must be a whole number from 1 to ${String(MAX_LIMIT)}`, false);
    const now = Date.now();
    let query: Query;
    try {
      query = compileQuery(q.condition, q.order ?? DEFAULT_ORDER, now);
    } catch (e) {
      if (e instanceof ConditionParseError) return bad(e.message);
      throw e;
    }
    const { order, compareRecords: compare, queues } = query;
    if (queues === undefined) return bad(NAME_THE_QUEUES);
    let after: Cursor | undefined;
    if (q.cursor !== undefined) {
      after = decodeCursor(q.cursor, order.length);
      if (!after) return bad('cursor is not one this search handed out', false);
    }
    const token = requestToken(req);

    type Keyed = { ix: Interaction; record: ConditionRecord };
    const cmp = (a: { record: ConditionRecord; id: string }, b: { record: ConditionRecord; id: string }): number =>
      compare(a.record, b.record) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
    const cursorRecord: ConditionRecord | undefined = after && {
      get(name, scope) {
        const i = order.findIndex((k) => k.property.name === name && k.property.scope === scope);
        return i < 0 ? undefined : (after.k[i] ?? undefined);
      },
    };
    const found: Keyed[] = [];
    for (const ix of matchingIn(opts.server.core.state, queues, query, (x) => seesTenant(token, x.tenantId))) {
      const record = interactionRecord(ix, now);
      if (after && cursorRecord && cmp({ record, id: ix.id }, { record: cursorRecord, id: after.id }) <= 0) continue;
      found.push({ ix, record });
    }
    found.sort((a, b) => cmp({ record: a.record, id: a.ix.id }, { record: b.record, id: b.ix.id }));
    const page = found.slice(0, limit);
    const last = page[page.length - 1];
    const nextCursor =
      found.length > limit && last
        ? encodeCursor({
            k: order.map((k) => last.record.get(k.property.name, k.property.scope) ?? null),
            id: last.ix.id,
          })
        : null;
    return {
      items: page.map(({ ix }) => interactionJson(opts.server.core, ix)),
      nextCursor,
    };
  });
}
