/**
 * The configuration contract (spec §4): tenants, media types, interaction types, applications, places, agents,
 * queues and workbins, plus IXS limits. JSON or YAML; validated with zod so that every error names the bad field.
 */
import { z } from 'zod';
import { parseCondition, parseOrder, parseSkillExpression, timeOffsets } from '../condition/index.ts';

const clientTypes = [
  'Proxy',
  'AgentApplication',
  'MediaServer',
  'ReportingEngine',
  'RoutingEngine',
  'ThirdPartyServer',
  'UniversalRouter',
  'ThirdPartyClient',
] as const;

export const ConfigSchema = z
  .object({
    tenants: z.array(z.object({ id: z.number().int(), name: z.string().min(1) }).strict()).min(1),
    mediaTypes: z.array(z.string().min(1)).min(1),
    interactionTypes: z.record(z.string(), z.array(z.string().min(1))),
    applications: z.array(
      z
        .object({
          name: z.string().min(1),
          type: z.enum(clientTypes),
          /**
           * A shared secret the application's RequestRegisterClient must carry in Extension `ixs-secret` (unless a
           * client certificate verified by mutual TLS names it); absent: no secret is asked for.
           */
          secret: z.string().min(8).optional(),
          /**
           * A routing engine: the most interactions it may hold at once (handed over and not yet routed); absent:
           * `settings.defaultMaxSubmittedPerRouter`.
           */
          maxSubmittedInteractions: z.number().int().min(1).optional(),
          /**
           * A routing engine: the most interactions handed to it per second (a token bucket holding one second's worth,
           * at least one); absent: `settings.defaultMaxSubmissionRate`.
           */
          maxSubmissionRate: z.number().positive().optional(),
        })
        .strict(),
    ),
    places: z.array(z.object({ id: z.string().min(1), tenant: z.number().int() }).strict()).default([]),
    agents: z
      .array(
        z
          .object({
            id: z.string().min(1),
            tenant: z.number().int(),
            /** media -> capacity (how many interactions of that media at once). */
            media: z.record(z.string(), z.number().int().min(0)).default({}),
            /** skill -> level, read by the built-in router's skill expressions. */
            skills: z.record(z.string(), z.number()).default({}),
          })
          .strict(),
      )
      .default([]),
    agentGroups: z
      .array(z.object({ name: z.string().min(1), tenant: z.number().int(), agents: z.array(z.string()) }).strict())
      .default([]),
    placeGroups: z
      .array(z.object({ name: z.string().min(1), tenant: z.number().int(), places: z.array(z.string()) }).strict())
      .default([]),
    queues: z
      .array(
        z
          .object({
            name: z.string().min(1),
            tenant: z.number().int(),
            routing: z
              .union([
                z.literal('external'),
                z
                  .object({
                    agents: z.array(z.string()).default([]),
                    agentGroups: z.array(z.string()).default([]),
                    /** A skill expression (the condition language over the agent's skills). */
                    skill: z.string().min(1).optional(),
                  })
                  .strict(),
              ])
              .optional(),
            views: z
              .array(
                z
                  .object({
                    name: z.string().min(1),
                    condition: z.string().min(1).optional(),
                    order: z.string().min(1).optional(),
                  })
                  .strict(),
              )
              .default([]),
            /** Overrides of the delivering and handling timeouts for interactions of this queue (seconds). */
            timeouts: z
              .object({ delivering: z.number().positive().optional(), handling: z.number().positive().optional() })
              .strict()
              .optional(),
            /**
             * A routing-engine queue: the strategy routing engines know it by (T-Library ThisDN, the DN a binary engine
             * registers; StrategyId in reporting); default the queue's name. Several queues may share one.
             */
            strategy: z.string().min(1).optional(),
            /**
             * A routing-engine queue: the most of its interactions routing engines may hold at once (all engines
             * together; the strategy's cap); absent: `settings.defaultMaxSubmittedPerStrategy`.
             */
            maxSubmitted: z.number().int().min(1).optional(),
          })
          .strict(),
      )
      .default([]),
    workbins: z
      .array(
        z
          .object({
            name: z.string().min(1),
            type: z.enum(['agent', 'place', 'agentGroup', 'placeGroup']),
            tenant: z.number().int(),
          })
          .strict(),
      )
      .default([]),
    settings: z
      .object({
        /** A second login of a logged-in agent: allowed, refused, or the older connection is closed. */
        allowMultipleAgentConnections: z.enum(['true', 'false', 'force-logout']).default('true'),
        /** Seconds an invitation waits for RequestAccept/RequestReject before it is revoked (Genesys: 30 s). */
        deliveringTimeout: z.number().positive().default(30),
        /** Seconds a handling agent may go without acting on an interaction before it goes back to its queue. */
        handlingTimeout: z.number().positive().default(10_800),
        /** Seconds a routing engine may hold an interaction before it is taken back and queued again. */
        routingTimeout: z.number().positive().default(43_200),
        /** The most interactions one snapshot lists (RequestTakeSnapshot asks for fewer with SnapshotMaxInteractions). */
        maxInteractionsPerSnapshot: z.number().int().min(1).max(10_000).default(500),
        /**
         * Seconds a stopped interaction's history (its events in the log, read by GET /api/interactions/:id/history)
         * is kept after its stop; then the store removes it. 0 keeps every history forever. Default 30 days.
         */
        historyRetention: z.number().min(0).default(2_592_000),
        /**
         * Seconds a routing engine's RequestPull marked `pull-for-strategy` waits, parked, for work when its view is
         * empty before it is answered with nothing (1-600).
         */
        pullHoldTimeout: z.number().min(1).max(600).default(10),
        /**
         * When a routing engine that routed an interaction to an agent gets EventRouteUsed: when the agent answers
         * (accepts, rejects or lets the invitation time out; the default) or at once, when the agent is invited.
         */
        routeUsedOn: z.enum(['invite', 'answer']).default('answer'),
        /**
         * Genesys `no-userdata-changed-response-to-urs`: a routing engine's RequestUpdateUserData / RequestAttachUserData
         * / RequestDeleteUserData / RequestDeletePair gets no EventAttachedDataChanged in reply (nor any other answer).
         */
        noUserdataChangedResponseToUrs: z.boolean().default(false),
        /**
         * Agent reservation for routing engines (T-Library RequestReserveAgent; Genesys' `agent-reservation` section):
         * requests for one agent are collected for `requestCollectionTime` ms and the highest Priority wins; the
         * reservation holds `reservationTime` ms (or the request's Timeout, in seconds, when shorter); with
         * `rejectSubsequentRequest` an engine's second request for an agent it has reserved is refused, else it
         * prolongs the reservation.
         */
        agentReservation: z
          .object({
            requestCollectionTime: z.number().int().min(0).max(10_000).default(100),
            reservationTime: z.number().int().min(1).default(10_000),
            rejectSubsequentRequest: z.boolean().default(true),
          })
          .strict()
          .default({ requestCollectionTime: 100, reservationTime: 10_000, rejectSubsequentRequest: true }),
        /** Submission scheduler defaults (each absent: no cap): interactions one routing engine may hold at once, */
        defaultMaxSubmittedPerRouter: z.number().int().min(1).optional(),
        /** interactions handed to one routing engine per second, */
        defaultMaxSubmissionRate: z.number().positive().optional(),
        /** and interactions of one routing-engine queue (strategy) held by routing engines at once. */
        defaultMaxSubmittedPerStrategy: z.number().int().min(1).optional(),
      })
      .strict()
      .default({
        allowMultipleAgentConnections: 'true',
        deliveringTimeout: 30,
        handlingTimeout: 10_800,
        routingTimeout: 43_200,
        maxInteractionsPerSnapshot: 500,
        historyRetention: 2_592_000,
        pullHoldTimeout: 10,
        routeUsedOn: 'answer',
        noUserdataChangedResponseToUrs: false,
        agentReservation: { requestCollectionTime: 100, reservationTime: 10_000, rejectSubsequentRequest: true },
      }),
    listen: z
      .object({
        /**
         * Address every door listens on unless `--host` says otherwise. Loopback by default: the protocol ports have
         * no client authentication yet, so reaching beyond this machine must be a deliberate choice.
         */
        host: z.string().min(1).default('127.0.0.1'),
      })
      .strict()
      .default({ host: '127.0.0.1' }),
    http: z
      .object({
        /**
         * Bearer tokens of the HTTP door (`/api/*`, the stream, the dashboard): `read` may only read, `write` may also
         * change, reported with `application` (a configured application) as the actor, on the interactions of
         * `tenants` (default: every tenant). None configured: the server generates a write token at first start.
         */
        tokens: z
          .array(
            z
              .object({
                name: z.string().min(1),
                token: z.string().min(16),
                access: z.enum(['read', 'write']),
                application: z.string().min(1).optional(),
                tenants: z.array(z.number().int()).optional(),
              })
              .strict(),
          )
          .default([]),
        /** `/metrics` without a token. */
        metricsPublic: z.boolean().default(true),
      })
      .strict()
      .default({ tokens: [], metricsPublic: true }),
    /**
     * TLS for the front doors: PEM certificate (chain) and key files, paths relative to the configuration file. With
     * `clientCa`, mutual TLS: a client must present a certificate that CA signed, and its subject's common name is the
     * only application it may register as. `doors` (default all three) says which doors serve TLS.
     */
    tls: z
      .object({
        cert: z.string().min(1),
        key: z.string().min(1),
        clientCa: z.string().min(1).optional(),
        doors: z
          .array(z.enum(['tcp', 'ws', 'http']))
          .min(1)
          .default(['tcp', 'ws', 'http']),
      })
      .strict()
      .optional(),
    limits: z
      .object({
        /** Largest accepted frame, either front door; 1 MiB (issue #2). */
        maxFrameBytes: z
          .number()
          .int()
          .min(1024)
          .default(1024 * 1024),
        /** Largest user data of one interaction, measured as its binary KV-list encoding; 64 KiB (issue #2). */
        maxUserDataBytes: z
          .number()
          .int()
          .min(256)
          .default(64 * 1024),
        /** How long an unregistered client that sent another request stays connected; GenEM: "after a timeout". */
        unregisteredGraceMs: z.number().int().min(0).default(1000),
        /**
         * Bytes a connection may have waiting to be sent (its peer reads too slowly) before the server acts: a reporting
         * engine is then served from the event log at its own pace, any other client is disconnected. 8 MiB.
         */
        maxOutboundBytes: z
          .number()
          .int()
          .min(4096)
          .default(8 * 1024 * 1024),
        /** Connections each protocol listener (binary, JSON) holds at once; one more is closed as it arrives. */
        maxConnections: z.number().int().min(1).default(10_000),
        /**
         * Requests of one connection the server holds undecided or unanswered; at it, the connection is not read until
         * half are answered (backpressure, nothing refused).
         */
        maxOutstandingRequests: z.number().int().min(2).default(4096),
        /** Logical clients one proxy connection may register (error 86 beyond). */
        maxClientsPerProxy: z.number().int().min(1).default(10_000),
      })
      .strict()
      .default({
        maxFrameBytes: 1024 * 1024,
        maxUserDataBytes: 64 * 1024,
        unregisteredGraceMs: 1000,
        maxOutboundBytes: 8 * 1024 * 1024,
        maxConnections: 10_000,
        maxOutstandingRequests: 4096,
        maxClientsPerProxy: 10_000,
      }),
  })
  .strict()
  .superRefine((c, ctx) => {
    const tenants = new Set(c.tenants.map((t) => t.id));
    const check = (tenant: number, path: (string | number)[]): void => {
      if (!tenants.has(tenant)) ctx.addIssue({ code: 'custom', path, message: `unknown tenant ${String(tenant)}` });
    };
    const appNames = new Set(c.applications.map((a) => a.name));
    const tokenNames = new Set<string>();
    const tokenValues = new Set<string>();
    c.http.tokens.forEach((t, i) => {
      if (tokenNames.has(t.name))
        ctx.addIssue({
          code: 'custom',
          path: ['http', 'tokens', i, 'name'],
          message: `token name '${t.name}' repeats`,
        });
      if (tokenValues.has(t.token))
        ctx.addIssue({
          code: 'custom',
          path: ['http', 'tokens', i, 'token'],
          message: 'the same token is listed twice',
        });
      tokenNames.add(t.name);
      tokenValues.add(t.token);
      if (t.access === 'write' && t.application === undefined)
        ctx.addIssue({
          code: 'custom',
          path: ['http', 'tokens', i, 'application'],
          message: 'a write token needs the application its changes are reported as',
        });
      if (t.application !== undefined && !appNames.has(t.application))
        ctx.addIssue({
          code: 'custom',
          path: ['http', 'tokens', i, 'application'],
          message: `unknown application '${t.application}'`,
        });
      t.tenants?.forEach((tn, j) => {
        check(tn, ['http', 'tokens', i, 'tenants', j]);
      });
    });
    c.places.forEach((p, i) => {
      check(p.tenant, ['places', i, 'tenant']);
    });
    c.agents.forEach((a, i) => {
      check(a.tenant, ['agents', i, 'tenant']);
      for (const m of Object.keys(a.media)) {
        if (!c.mediaTypes.includes(m))
          ctx.addIssue({ code: 'custom', path: ['agents', i, 'media', m], message: `unknown media type '${m}'` });
      }
    });
    const agentIds = new Set(c.agents.map((a) => a.id));
    const placeIds = new Set(c.places.map((p) => p.id));
    const groupNames = new Set(c.agentGroups.map((g) => g.name));
    c.agentGroups.forEach((g, i) => {
      check(g.tenant, ['agentGroups', i, 'tenant']);
      g.agents.forEach((a, j) => {
        if (!agentIds.has(a))
          ctx.addIssue({ code: 'custom', path: ['agentGroups', i, 'agents', j], message: `unknown agent '${a}'` });
      });
    });
    c.placeGroups.forEach((g, i) => {
      check(g.tenant, ['placeGroups', i, 'tenant']);
      g.places.forEach((p, j) => {
        if (!placeIds.has(p))
          ctx.addIssue({ code: 'custom', path: ['placeGroups', i, 'places', j], message: `unknown place '${p}'` });
      });
    });
    const parses = (text: string, parse: (t: string) => unknown, path: (string | number)[]): void => {
      try {
        parse(text);
      } catch (e) {
        ctx.addIssue({ code: 'custom', path, message: (e as Error).message });
      }
    };
    c.queues.forEach((q, i) => {
      check(q.tenant, ['queues', i, 'tenant']);
      if (q.routing && q.routing !== 'external') {
        q.routing.agents.forEach((a, j) => {
          if (!agentIds.has(a))
            ctx.addIssue({
              code: 'custom',
              path: ['queues', i, 'routing', 'agents', j],
              message: `unknown agent '${a}'`,
            });
        });
        q.routing.agentGroups.forEach((g, j) => {
          if (!groupNames.has(g))
            ctx.addIssue({
              code: 'custom',
              path: ['queues', i, 'routing', 'agentGroups', j],
              message: `unknown agent group '${g}'`,
            });
        });
        if (q.routing.skill !== undefined)
          parses(q.routing.skill, parseSkillExpression, ['queues', i, 'routing', 'skill']);
      }
      q.views.forEach((v, j) => {
        if (v.condition !== undefined)
          parses(v.condition, (t) => timeOffsets(parseCondition(t)), ['queues', i, 'views', j, 'condition']);
        if (v.order !== undefined) parses(v.order, parseOrder, ['queues', i, 'views', j, 'order']);
      });
      for (const key of ['maxSubmitted', 'strategy'] as const) {
        if (q[key] !== undefined && q.routing !== 'external')
          ctx.addIssue({
            code: 'custom',
            path: ['queues', i, key],
            message: `queue '${q.name}' is not routed by routing engines (routing: external)`,
          });
      }
    });
    c.workbins.forEach((w, i) => {
      check(w.tenant, ['workbins', i, 'tenant']);
    });
    const names = new Set<string>();
    c.applications.forEach((a, i) => {
      if (names.has(a.name))
        ctx.addIssue({
          code: 'custom',
          path: ['applications', i, 'name'],
          message: `duplicate application '${a.name}'`,
        });
      names.add(a.name);
      for (const key of ['maxSubmittedInteractions', 'maxSubmissionRate'] as const) {
        if (a[key] !== undefined && a.type !== 'RoutingEngine')
          ctx.addIssue({
            code: 'custom',
            path: ['applications', i, key],
            message: `application '${a.name}' is not a RoutingEngine`,
          });
      }
    });
  });

/** A validated configuration. */
export type Config = z.infer<typeof ConfigSchema>;
/** A configuration as written in a file (defaults not yet applied). */
export type ConfigInput = z.input<typeof ConfigSchema>;
