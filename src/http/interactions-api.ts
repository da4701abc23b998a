/**
 * The REST API over interactions (docs/http.md): submit, read (`ETag` = the version), change properties (`If-Match`),
 * stop, place in a queue or a workbin. A write becomes the protocol request it stands for — validated by the same
 * catalogue as the other doors' — sent through a session of the token's application, and answered once the change is
 * committed, with the same rules, events and error codes as over the protocol. The bodies are zod schemas: they
 * validate the requests and are the OpenAPI document's schemas.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { z } from 'zod';
import { BODIES } from '../protocol/http-api.ts';
import type { Message } from '../protocol/message.ts';
import { errorNameOf, type ErrorName } from '../protocol/errors.ts';
import type { InternalClient, IxsServer } from '../server/ixs-server.ts';
import type { Store, StoredEvent } from '../store/store.ts';
import { decodeJsonRequest } from '../transport/ws/json-codec.ts';
import { requestToken, seesTenant, type ApiToken } from './auth.ts';
import { interactionJson } from './interaction-json.ts';
import { sendProblem } from './problem.ts';

/**
 * The status of a refusal: `versionChecked` when the request carried If-Match (on that path only the version check
 * answers Error_invalid_interaction_state, so it is 412 there).
 */
function statusOf(name: ErrorName | undefined, versionChecked: boolean): number {
  if (name === 'Error_unknown_interaction') return 404;
  if (name === 'Error_invalid_interaction_state' && versionChecked) return 412;
  if (name === 'Error_not_an_owner' || name === 'Error_tenancy_violation') return 403;
  if (
    name === 'Error_invalid_interaction_state' ||
    name === 'Error_locked_by_snapshot' ||
    name === 'Error_already_in_the_same_queue' ||
    name === 'Error_duplicated_interaction_id' ||
    name === 'Error_already_held'
  )
    return 409;
  return 400;
}

export interface InteractionsApiOptions {
  readonly server: IxsServer;
  readonly store: Store;
}

/** One entry of an interaction's property history. */
export interface HistoryEntry {
  readonly version: number;
  readonly time: string;
  readonly actor: Record<string, unknown>;
  readonly addedProperties: Record<string, unknown>;
  readonly changedProperties: Record<string, unknown>;
  readonly deletedProperties: Record<string, unknown>;
}

/** Events of one interaction read per step of a history (the whole history is read, a page at a time). */
const HISTORY_PAGE = 1000;

/**
 * The property history of an interaction from its events: the submission (every property added, version 1), then
 * every EventPropertiesChanged, oldest first, each with the user data as it was after it. Of an id used again after
 * a stop, the latest interaction's.
 */
async function historyOf(
  store: Store,
  id: string,
): Promise<{ tenantId: number; entries: (HistoryEntry & { userData: unknown })[] } | undefined> {
  let entries: (HistoryEntry & { userData: unknown })[] = [];
  let tenantId: number | undefined;
  for (let after = 0; ;) {
    const page = await store.readEvents({ interactionId: id, afterSeq: after, limit: HISTORY_PAGE });
    for (const e of page) {
      const p = e.payload;
      if (e.name === 'EventInteractionSubmitted') {
        entries = [];
        tenantId = p.interactionTenantId as number;
      } else if (e.name !== 'EventPropertiesChanged') continue;
      const actor: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(p)) if (k.startsWith('actor')) actor[k] = v;
      const submitted = e.name === 'EventInteractionSubmitted';
      entries.push({
        version: submitted ? 1 : (p.version as number),
        time: (p.eventTime as string | undefined) ?? e.time,
        actor,
        addedProperties: submitted
          ? ((p.interactionUserData as Record<string, unknown> | undefined) ?? {})
          : obj(p.addedProperties),
        changedProperties: submitted ? {} : obj(p.changedProperties),
        deletedProperties: submitted ? {} : obj(p.deletedProperties),
        userData: p.interactionUserData ?? {},
      });
    }
    if (page.length < HISTORY_PAGE) break;
    after = (page[page.length - 1] as StoredEvent).seq;
  }
  return tenantId === undefined ? undefined : { tenantId, entries };
}

function obj(v: unknown): Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}

/** Registers the interaction routes on the app (authentication is the app's onRequest hook). */
export function interactionsApi(app: FastifyInstance, opts: InteractionsApiOptions): void {
  const { server } = opts;
  /** One session per write token, opened at its first write. */
  const clients = new Map<string, InternalClient>();
  const clientOf = (t: ApiToken): InternalClient => {
    let c = clients.get(t.name);
    if (!c) clients.set(t.name, (c = server.openInternal(t.actor)));
    return c;
  };

  /** The interaction a path names, if the token may see it; otherwise the 404 is sent. */
  const visible = (req: FastifyRequest<{ Params: { id: string } }>, reply: FastifyReply): boolean => {
    const ix = server.core.interactions.get(req.params.id);
    if (ix && seesTenant(requestToken(req), ix.tenantId)) return true;
    void sendProblem(reply, {
      status: 404,
      title: 'Not Found',
      detail: `there is no interaction '${req.params.id}'`,
      error: 'Error_unknown_interaction',
    });
    return false;
  };

  /** Parses a body with its schema; a bad one is answered 400 naming the field. */
  const body = <S extends z.ZodType>(schema: S, req: FastifyRequest, reply: FastifyReply): z.infer<S> | undefined => {
    const r = schema.safeParse(req.body ?? {});
    if (r.success) return r.data;
    const issue = r.error.issues[0];
    const at = issue?.path.length ? issue.path.join('.') : '(body)';
    void sendProblem(reply, {
      status: 400,
      title: 'Bad Request',
      detail: `${at}: ${issue?.message ?? 'invalid'}`,
      error: 'Error_invalid_protocol_message',
    });
    return undefined;
  };

  /**
   * Sends the protocol request `name` with `attrs` (JSON form) through the token's session; returns its answer, or
   * undefined when a problem was sent (the catalogue refused the attributes, or the server refused the request).
   */
  const send = async (
    req: FastifyRequest,
    reply: FastifyReply,
    name: string,
    attrs: Record<string, unknown>,
    versionChecked = false,
  ): Promise<Message | undefined> => {
    const decoded = decodeJsonRequest(JSON.stringify({ message: name, ...attrs }));
    if (!decoded.ok) {
      void sendProblem(reply, {
        status: 400,
        title: 'Bad Request',
        detail: decoded.error.message,
        error: errorNameOf(decoded.error.code),
      });
      return undefined;
    }
    const answer = await clientOf(requestToken(req)).request(decoded.message);
    if (answer.name === 'EventError') {
      const error = errorNameOf(answer.attrs.ErrorCode as number);
      const status = statusOf(error, versionChecked);
      void sendProblem(reply, {
        status,
        title: status === 412 ? 'Precondition Failed' : status === 404 ? 'Not Found' : 'Refused',
        detail: typeof answer.attrs.ErrorDescription === 'string' ? answer.attrs.ErrorDescription : '',
        error,
      });
      return undefined;
    }
    return answer;
  };

  app.post('/api/interactions', async (req, reply) => {
    const b = body(BODIES.SubmitBody, req, reply);
    if (!b) return reply;
    if (!seesTenant(requestToken(req), b.tenantId))
      return sendProblem(reply, {
        status: 403,
        title: 'Forbidden',
        detail: `this token may not act on tenant ${String(b.tenantId)}`,
        error: 'Error_tenancy_violation',
      });
    const ack = await send(req, reply, 'RequestSubmit', b);
    if (!ack) return reply;
    const id = ack.attrs.InteractionId as string;
    const version = Number(ack.attrs.Version ?? 1);
    return reply
      .code(201)
      .header('etag', etag(version))
      .header('location', `/api/interactions/${encodeURIComponent(id)}`)
      .send({ interactionId: id, version });
  });

  app.get<{ Params: { id: string } }>('/api/interactions/:id', async (req, reply) => {
    if (!visible(req, reply)) return reply;
    const ix = server.core.interactions.get(req.params.id);
    if (!ix) return reply;
    reply.header('etag', etag(ix.version));
    return interactionJson(server.core, ix);
  });

  app.patch<{ Params: { id: string } }>('/api/interactions/:id/properties', async (req, reply) => {
    const b = body(BODIES.PropertiesBody, req, reply);
    if (!b || !visible(req, reply)) return reply;
    const ifMatch = req.headers['if-match'];
    let expected: number | undefined;
    if (ifMatch !== undefined) {
      const m = /^\s*(?:W\/)?"(\d+)"\s*$/.exec(ifMatch);
      if (!m)
        return sendProblem(reply, {
          status: 400,
          title: 'Bad Request',
          detail: `If-Match must be one version in quotes, like "3" (got ${ifMatch})`,
        });
      expected = Number(m[1]);
    }
    const ack = await send(
      req,
      reply,
      'RequestChangeProperties',
      { interactionId: req.params.id, ...b, ...(expected === undefined ? {} : { expectedVersion: expected }) },
      expected !== undefined,
    );
    if (!ack) return reply;
    const version = Number(ack.attrs.Version);
    return reply.header('etag', etag(version)).send({ interactionId: req.params.id, version });
  });

  app.post<{ Params: { id: string } }>('/api/interactions/:id/stop', async (req, reply) => {
    const b = body(BODIES.StopBody, req, reply);
    if (!b || !visible(req, reply)) return reply;
    const ack = await send(req, reply, 'RequestStopProcessing', { interactionId: req.params.id, ...b });
    if (!ack) return reply;
    return { interactionId: req.params.id, stopped: true };
  });

  app.get<{ Params: { id: string }; Querystring: { version?: string } }>(
    '/api/interactions/:id/history',
    async (req, reply) => {
      const notFound = (detail: string): FastifyReply =>
        sendProblem(reply, { status: 404, title: 'Not Found', detail, error: 'Error_unknown_interaction' });
      const v = req.query.version;
      if (v !== undefined && !/^\d{1,15}$/.test(v))
        return sendProblem(reply, {
          status: 400,
          title: 'Bad Request',
          detail: `version must be a whole number, not '${v}'`,
        });
      const h = await historyOf(opts.store, req.params.id);
      // A stopped interaction's history stays readable; one of a tenant the token may not see does not exist for it.
      if (!h || !seesTenant(requestToken(req), h.tenantId))
        return notFound(
          `there is no interaction '${req.params.id}', nor a stopped one's history (kept for settings.historyRetention)`,
        );
      if (v === undefined)
        return {
          interactionId: req.params.id,
          items: h.entries.map(({ userData: _u, ...entry }) => entry),
        };
      const at = h.entries.find((e) => e.version === Number(v));
      if (!at) return notFound(`interaction '${req.params.id}' has no version ${v}`);
      return { interactionId: req.params.id, version: at.version, userData: at.userData };
    },
  );

  const move =
    (name: 'RequestPlaceInQueue' | 'RequestPlaceInWorkbin', schema: z.ZodType) =>
    async (req: FastifyRequest<{ Params: { id: string } }>, reply: FastifyReply): Promise<unknown> => {
      const b = body(schema, req, reply) as Record<string, unknown> | undefined;
      if (!b || !visible(req, reply)) return reply;
      const ack = await send(req, reply, name, { interactionId: req.params.id, ...b });
      if (!ack) return reply;
      const ix = server.core.interactions.get(req.params.id);
      if (ix) reply.header('etag', etag(ix.version));
      return { interactionId: req.params.id, version: ix?.version ?? 0 };
    };
  app.post<{ Params: { id: string } }>(
    '/api/interactions/:id/place-in-queue',
    move('RequestPlaceInQueue', BODIES.PlaceInQueueBody),
  );
  app.post<{ Params: { id: string } }>(
    '/api/interactions/:id/place-in-workbin',
    move('RequestPlaceInWorkbin', BODIES.PlaceInWorkbinBody),
  );
}

/** An ETag for a version (strong: the version names one exact state of the interaction's properties). */
function etag(version: number): string {
  return `"${String(version)}"`;
}
