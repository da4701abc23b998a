/**
 * The server wiring: connections from every front door, registration and proxy sessions, the core, and the group
 * commit. Every request follows one path: decode -> validate (transport) -> core command (plan) -> one store
 * transaction per event-loop turn -> the plan's messages out through each party's codec.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Config } from '../config/schema.ts';
import { Core } from '../core/core.ts';
import type { Plan } from '../core/plan.ts';
import type { Dialect, Session } from '../core/model/session.ts';
import { isMsg, type Message } from '../protocol/message.ts';
import { ProtocolError } from '../protocol/errors.ts';
import { ClientType } from '../protocol/enums.ts';
import type { Logger } from '../obs/logger.ts';
import type { Metrics } from '../obs/metrics.ts';
import type { Store } from '../store/store.ts';
import type { Connection, ConnectionHandler } from '../transport/connection.ts';
import { decodeJsonMessage } from '../transport/ws/json-codec.ts';
import { kvGet, type KvList } from '../protocol/kv.ts';

/** Compares two secrets in constant time (their digests, so the lengths do not show either). */
function sameSecret(a: string, b: string): boolean {
  const d = (x: string): Buffer => createHash('sha256').update(x).digest();
  return timingSafeEqual(d(a), d(b));
}

interface ConnState {
  readonly conn: Connection;
  /** The session registered directly on this connection. */
  session?: Session;
  /** Logical clients of a proxy connection, by ProxyClientId. */
  readonly proxied: Map<number, Session>;
  kickTimer?: NodeJS.Timeout;
  /**
   * Set while a reporting engine that fell behind is served from the event log: the seq of the last event it was
   * sent. Live reporting events skip it meanwhile; everything else addressed to it is sent as usual.
   */
  catchUp?: { after: number };
  /** Requests decided but not yet answered (their batch is not delivered), and whether reading is paused for them. */
  outstanding: number;
  paused: boolean;
  /** Disconnected for not reading (its close may come after later batches: it is not counted or cut twice). */
  dropped?: boolean;
}

interface Route {
  readonly state: ConnState;
  /** Set for a client behind a proxy: outbound messages carry its ProxyClientId. */
  readonly proxyClientId?: number;
}

/** Events a catching-up reporting engine is sent per read of the log (then it must drain before the next). */
const CATCH_UP_PAGE = 512;

/** A registered session as HTTP /api/sessions lists it. */
export interface SessionInfo {
  readonly id: number;
  readonly clientType: string;
  readonly clientName: string;
  readonly transport: string;
  readonly remote: string;
  /** The proxy session it is registered through. */
  readonly proxy?: number;
  readonly agentId?: string;
}

/** A plan with what the server adds: messages to a connection without a session, and a step after delivery. */
type Outgoing = Plan & {
  direct?: { conn: Connection; message: Message }[];
  after?: () => void;
  /** The connection whose request this plan answers (its outstanding count drops once the plan is delivered). */
  origin?: ConnState;
};

/** An in-process client of the server (the HTTP door's write-token sessions). */
export interface InternalClient {
  readonly sessionId: number;
  /** Sends one request; resolves with its answer (EventAck, EventError, ...) once the change is committed. */
  request(m: Message): Promise<Message>;
}

/** Lifecycle of the server (STYLE.md). */
export type Lifecycle = 'starting' | 'ready' | 'draining' | 'closed';

export interface IxsServerOptions {
  readonly config: Config;
  readonly store: Store;
  readonly logger: Logger;
  readonly metrics: Metrics;
  readonly clock?: () => number;
}

/** The Interaction Server, independent of sockets. */
export class IxsServer implements ConnectionHandler {
  readonly core: Core;
  lifecycle: Lifecycle = 'starting';
  private readonly conns = new Map<number, ConnState>();
  private readonly routes = new Map<number, Route>();
  private pending: Outgoing[] = [];
  private pendingRequests = 0;
  private flushScheduled = false;
  /** Batches handed to the store whose messages are not sent yet. */
  private inFlight = 0;
  /** Settles when the last batch handed to the store has been delivered. */
  private delivered: Promise<void> = Promise.resolve();
  private readonly log: Logger;
  private readonly allClosedWaiters: (() => void)[] = [];
  /** The seq of the last committed event, and who wants to know when it moves (the HTTP event streams). */
  private lastSeq = 0;
  private readonly eventListeners = new Set<() => void>();
  /** Ids of the in-process connections (negative, apart from the listeners' ids). */
  private internalIds = 0;
  /** The one timeout armed for the core's soonest deadline, and that deadline. */
  private timer: NodeJS.Timeout | undefined;
  private timerAt = Infinity;
  private timersOn = false;

  constructor(private readonly opts: IxsServerOptions) {
    this.core = new Core({
      config: opts.config,
      clock: opts.clock ?? Date.now,
      onInternalError: (err) => {
        opts.logger.error({ err }, 'internal error while offering interactions; the rest waits for the next event');
      },
    });
    this.log = opts.logger;
    for (const a of opts.config.applications) if (a.secret !== undefined) this.secrets.set(a.name, a.secret);
    const clock = opts.clock ?? Date.now;
    opts.metrics.observeQueues({
      waiting: () => this.core.state.waitingCounts(),
      views: () => this.core.state.views.sizes(clock()),
    });
  }

  /** Restores the durable state. */
  async load(): Promise<void> {
    this.lastSeq = await this.opts.store.lastEventSeq();
    const ixs = await this.opts.store.loadInteractions();
    this.core.load(ixs);
    this.opts.metrics.interactions.set(this.core.interactions.size);
    this.log.info({ interactions: ixs.length }, 'state loaded');
    // Deadlines that passed while the server was down fire at once; the others at their original time.
    this.timersOn = true;
    this.armTimer();
  }

  /** Stops firing timers (draining: what is still armed stays stored and fires after the next start). */
  stopTimers(): void {
    this.timersOn = false;
    clearTimeout(this.timer);
    this.timer = undefined;
    this.timerAt = Infinity;
  }

  /**
   * Keeps one timeout armed for the core's soonest deadline (the core keeps every deadline in one ordered index, so
   * this is one lookup). A deadline that moved later lets the armed timeout fire early and find nothing due.
   */
  private armTimer(): void {
    if (!this.timersOn) return;
    const at = this.core.nextDeadline();
    if (at === undefined || at >= this.timerAt) return;
    clearTimeout(this.timer);
    this.timerAt = at;
    const clock = this.opts.clock ?? Date.now;
    // At most an hour at a time (setTimeout's range is about 24 days; a clock that jumps is caught up hourly).
    const delay = Math.min(Math.max(0, at - clock()), 3_600_000);
    this.timer = setTimeout(this.fireTimers, delay);
  }

  private readonly fireTimers = (): void => {
    this.timer = undefined;
    this.timerAt = Infinity;
    if (!this.timersOn) return;
    this.enqueue(this.core.tick());
    this.armTimer();
  };

  // ------------------------------------------------------------ ConnectionHandler

  opened(conn: Connection): void {
    this.conns.set(conn.id, { conn, proxied: new Map(), outstanding: 0, paused: false });
    this.opts.metrics.connections.inc({ transport: conn.transport });
    this.log.debug({ conn: conn.id, transport: conn.transport, remote: conn.remote }, 'connection opened');
  }

  request(conn: Connection, m: Message): void {
    const st = this.conns.get(conn.id);
    if (!st) return;
    const ref = m.attrs.ReferenceId;
    if (m.name === 'RequestRegisterClient') {
      if (m.protocol === 'tlib' && (typeof m.attrs.ApplicationName !== 'string' || !m.attrs.ApplicationName)) {
        this.refused(
          conn,
          new ProtocolError(
            'ErrorUnknownClientId',
            'T-Library RequestRegisterClient needs a non-empty ApplicationName',
          ),
        );
      } else if (m.protocol === 'tlib') this.registerClient(st, tlibRegistration(m), 'tlib');
      else this.registerClient(st, m, st.conn.transport === 'ws' ? 'is+tlib' : 'is');
      return;
    }
    const pid = m.attrs.ProxyClientId;
    if (st.session?.clientType === 'Proxy' && typeof pid === 'number' && !st.proxied.has(pid)) {
      this.opts.metrics.countRequest(m.name, 'error');
      this.replyError(
        st.conn,
        new ProtocolError(
          'ErrorUnknownClientId',
          `ProxyClientId ${String(pid)} names no client registered through this proxy`,
        ),
        ref,
      );
      return;
    }
    const session = this.sessionFor(st, m);
    if (!session) {
      this.opts.metrics.countRequest(m.name, 'error');
      this.replyError(
        st.conn,
        new ProtocolError('ErrorNotRegistered', `${m.name} before RequestRegisterClient: register first`),
        ref,
      );
      this.kickLater(st);
      return;
    }
    if (m.name === 'RequestUnregisterClient') {
      this.enqueue({ store: [], out: [{ to: session.id, message: isMsg('EventAck', { ReferenceId: ref }) }] });
      this.endSession(st, session);
      return;
    }
    const plan = this.core.handle(session, m);
    this.opts.metrics.countRequest(
      m.name,
      plan.out.some((o) => o.to === session.id && o.message.name === 'EventError') ? 'error' : 'ok',
    );
    this.outstandingUp(st);
    const out: Outgoing = plan;
    out.origin = st;
    this.enqueue(out);
    const close = plan.close;
    if (close?.length) {
      // Sessions the core forced off (an agent's newer login) are closed once the plan has gone out.
      const after = (): void => {
        for (const id of close) this.forceDisconnect(id, 'the agent logged in on another connection');
      };
      this.enqueue({ store: [], out: [], after });
    }
  }

  refused(conn: Connection, error: ProtocolError, referenceId?: number): void {
    const st = this.conns.get(conn.id);
    if (!st) return;
    this.opts.metrics.countRequest('invalid', 'error');
    this.replyError(conn, error, referenceId);
    if (!st.session) this.kickLater(st);
  }

  closed(conn: Connection): void {
    const st = this.conns.get(conn.id);
    if (!st) return;
    this.conns.delete(conn.id);
    this.opts.metrics.connections.dec({ transport: conn.transport });
    if (st.kickTimer) clearTimeout(st.kickTimer);
    this.endCatchUp(st);
    for (const s of st.proxied.values()) this.endSession(st, s);
    if (st.session) this.endSession(st, st.session);
    this.log.debug({ conn: conn.id }, 'connection closed');
    if (this.conns.size === 0) for (const w of this.allClosedWaiters.splice(0)) w();
  }

  /**
   * Resolves once every connection has been reported closed (their sessions ended and planned), or after `timeoutMs`:
   * a listener's own close may finish before the last socket's close handler has run.
   */
  allClosed(timeoutMs: number): Promise<void> {
    if (this.conns.size === 0) return Promise.resolve();
    return new Promise((resolve) => {
      const t = setTimeout(resolve, timeoutMs);
      this.allClosedWaiters.push(() => {
        clearTimeout(t);
        resolve();
      });
    });
  }

  // ------------------------------------------------------------ sessions

  /**
   * `dialect`: what the session's door carries — the JSON door the IS messages and the T-Library facade routing
   * engines use ('is+tlib'), the binary door the IS messages ('is') or, for a connection that opened with a T-Library
   * registration (tlibRegistration), T-Library ('tlib').
   */
  private registerClient(st: ConnState, m: Message, dialect: Dialect): void {
    let viaProxy: Session | undefined;
    if (st.session) {
      if (st.session.clientType !== 'Proxy') {
        this.replyError(
          st.conn,
          new ProtocolError(
            'Error_invalid_protocol_message',
            `this connection is already registered as '${st.session.clientName}'`,
          ),
          m.attrs.ReferenceId,
        );
        return;
      }
      viaProxy = st.session;
      // Bounds the memory one connection can claim (limits.maxClientsPerProxy).
      const max = this.opts.config.limits.maxClientsPerProxy;
      if (st.proxied.size >= max) {
        this.opts.metrics.limitRefusals.inc({ limit: 'proxy_clients' });
        this.replyError(
          st.conn,
          new ProtocolError(
            'Error_limit_proxy_clients_reached',
            `proxy '${viaProxy.clientName}' already carries ${String(max)} clients (limits.maxClientsPerProxy)`,
          ),
          m.attrs.ReferenceId,
        );
        return;
      }
    }
    const refusal = this.identityRefusal(st, m, viaProxy);
    if (refusal) {
      this.opts.metrics.countRequest(m.name, 'error');
      this.log.warn({ conn: st.conn.id, remote: st.conn.remote, err: refusal.message }, 'registration refused');
      this.replyError(st.conn, refusal, m.attrs.ReferenceId);
      return;
    }
    const r = this.core.register(m, viaProxy, dialect);
    if (!r.session) {
      this.opts.metrics.countRequest(m.name, 'error');
      if (r.error) this.enqueue({ store: [], out: [], direct: [{ conn: st.conn, message: r.error }] });
      if (!viaProxy) this.kickLater(st);
      return;
    }
    if (st.kickTimer) {
      clearTimeout(st.kickTimer);
      delete st.kickTimer;
    }
    if (viaProxy) {
      st.proxied.set(r.session.id, r.session);
      this.routes.set(r.session.id, { state: st, proxyClientId: r.session.id });
    } else {
      st.session = r.session;
      this.routes.set(r.session.id, { state: st });
    }
    this.opts.metrics.countRequest(m.name, 'ok');
    this.log.info(
      { conn: st.conn.id, session: r.session.id, type: r.session.clientType, name: r.session.clientName },
      'client registered',
    );
    this.enqueue(r.plan);
  }

  /** The session a request acts for: a proxy's logical client when it names one by ProxyClientId. */
  private sessionFor(st: ConnState, m: Message): Session | undefined {
    if (st.session?.clientType === 'Proxy') {
      const pid = m.attrs.ProxyClientId;
      if (typeof pid === 'number') return st.proxied.get(pid);
    }
    return st.session;
  }

  private endSession(st: ConnState, s: Session): void {
    if (st.session?.id === s.id) delete st.session;
    st.proxied.delete(s.id);
    // While draining, the server closes every connection: that is no media server going away (online interactions stay).
    const plan = this.core.sessionClosed(s.id, { serverStopping: this.lifecycle === 'draining' });
    this.enqueue(plan);
    // Drop the route after the plan is flushed, so messages already planned for it still go out.
    const dropRoute = (): void => {
      this.routes.delete(s.id);
    };
    this.enqueue({ store: [], out: [], after: dropRoute });
    if (st.conn && s.clientType === 'Proxy') {
      for (const p of st.proxied.values()) this.endSession(st, p);
    }
  }

  /** GenEM Registration: after an error to an unregistered client, disconnect when a grace period expires. */
  private kickLater(st: ConnState): void {
    if (st.kickTimer) return;
    st.kickTimer = setTimeout(() => {
      this.log.info({ conn: st.conn.id }, 'closing unregistered connection');
      st.conn.close();
    }, this.opts.config.limits.unregisteredGraceMs);
  }

  /** An EventError to one connection, in order with everything already queued for it. */
  private replyError(conn: Connection, error: ProtocolError, ref: unknown): void {
    this.enqueue({ store: [], out: [], direct: [{ conn, message: errorMsg(error, ref) }] });
  }

  // ------------------------------------------------------------ group commit

  /**
   * Queues a plan. Plans with durable operations wait for the group commit at the end of this event-loop turn; plans
   * without are sent at once when nothing is waiting (otherwise they queue too, so each connection keeps its order).
   */
  private enqueue(plan: Outgoing): void {
    // Any plan may have armed or moved a deadline (an invitation, an accept, a change by the handling agent, a
    // routing engine's submission rate holding work back: that one may come with nothing to store).
    this.armTimer();
    if (plan.store.length === 0 && this.pending.length === 0 && this.inFlight === 0) {
      this.deliverBatch([plan]);
      return;
    }
    this.pending.push(plan);
    if (plan.store.length) this.pendingRequests++;
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(this.flush);
    }
  }

  /**
   * Hands this turn's plans to the store as one commit and queues their delivery behind every earlier batch. The store
   * gets the commit at once, even while earlier ones are still running (it applies them in order, several in one
   * transaction when they queue up); each batch's messages go out only once its commit is durable, in batch order.
   */
  private readonly flush = (): void => {
    this.flushScheduled = false;
    const batch = this.pending;
    const requests = this.pendingRequests;
    this.pending = [];
    this.pendingRequests = 0;
    if (!batch.length) return;
    const ops = batch.flatMap((p) => p.store);
    let durable: Promise<void> | undefined;
    if (ops.length) {
      const t0 = performance.now();
      durable = this.opts.store.commit(ops).then(
        () => {
          this.opts.metrics.commits.inc();
          this.opts.metrics.batchSize.observe(requests);
          this.opts.metrics.commitSeconds.observe((performance.now() - t0) / 1000);
        },
        (e: unknown) => {
          // Memory is ahead of disk and nothing of this batch was acknowledged: stop rather than serve a state that
          // was never made durable. A restart reloads the last committed state.
          this.log.fatal({ err: e }, 'store commit failed; exiting without acknowledging the batch');
          process.exit(70);
        },
      );
    }
    this.inFlight++;
    this.delivered = this.delivered
      .then(() => durable)
      .then(() => {
        this.inFlight--;
        this.opts.metrics.interactions.set(this.core.interactions.size);
        this.deliverBatch(batch);
        let last = this.lastSeq;
        for (const op of ops)
          if (op.op === 'event' && op.event.seq !== undefined && op.event.seq > last) last = op.event.seq;
        if (last > this.lastSeq) {
          this.lastSeq = last;
          for (const l of [...this.eventListeners]) l();
        }
      });
  };

  /**
   * One more request of a connection is on its way (decided, waiting for its commit and delivery). At
   * limits.maxOutstandingRequests the connection is no longer read — its next frames wait in the operating system's
   * buffers, and TCP slows the client down — until half of them are answered: what one pipelining client can make
   * the server hold stays bounded, and nothing is refused.
   */
  private outstandingUp(st: ConnState): void {
    st.outstanding++;
    if (!st.paused && st.outstanding >= this.opts.config.limits.maxOutstandingRequests) {
      st.paused = true;
      st.conn.pause();
      this.opts.metrics.limitRefusals.inc({ limit: 'outstanding_requests' });
    }
  }

  private answered(st: ConnState): void {
    st.outstanding--;
    if (st.paused && st.outstanding <= this.opts.config.limits.maxOutstandingRequests >> 1) {
      st.paused = false;
      st.conn.resume();
    }
  }

  /** Applications configured with a secret (RequestRegisterClient must carry it in Extension `ixs-secret`). */
  private readonly secrets = new Map<string, string>();

  /**
   * Who may register as an application (docs/tls.md): over mutual TLS, only the application the client certificate
   * names (a proxy's logical clients are vouched for by the proxy's own certificate); otherwise, an application
   * configured with a secret must carry it in Extension `ixs-secret`. Error 3 either way, naming what is wrong.
   */
  private identityRefusal(st: ConnState, m: Message, viaProxy: Session | undefined): ProtocolError | undefined {
    const name = typeof m.attrs.ClientName === 'string' ? m.attrs.ClientName : '';
    const peer = st.conn.peerName;
    if (peer !== undefined) {
      if (viaProxy || peer === name) return undefined;
      return new ProtocolError(
        'ErrorUnknownClientId',
        `the client certificate names '${peer}': this connection may register as '${peer}' only, not '${name}'`,
      );
    }
    const secret = this.secrets.get(name);
    if (secret === undefined) return undefined;
    const given = kvGet(m.attrs.Extension as KvList | undefined, 'ixs-secret');
    if (typeof given === 'string' && sameSecret(given, secret)) return undefined;
    return new ProtocolError(
      'ErrorUnknownClientId',
      given === undefined
        ? `application '${name}' must give its secret in Extension 'ixs-secret' to register`
        : `the secret given in Extension 'ixs-secret' is not application '${name}'s`,
    );
  }

  /** Connections of reporting engines being served from the event log (see ConnState.catchUp). */
  private catchingUp = 0;

  /**
   * Sends the batch's messages, corking each receiving connection so that it gets one write for all of them; then
   * any connection left with more than limits.maxOutboundBytes unsent is dealt with (overBudget).
   */
  private deliverBatch(batch: readonly Outgoing[]): void {
    const corked = new Set<Connection>();
    // While some reporting engine catches up from the log, the batch's logged events are known by identity: those
    // reach it from the log, not live. (Nothing is built while none does.)
    let logged: Set<Message> | undefined;
    if (this.catchingUp > 0) {
      logged = new Set();
      for (const plan of batch) for (const op of plan.store) if (op.op === 'event') logged.add(op.event.message);
    }
    const send = (conn: Connection, m: Message): void => {
      if (!corked.has(conn)) {
        conn.cork();
        corked.add(conn);
      }
      try {
        conn.send(m);
      } catch (e) {
        // A message that cannot be encoded is a server bug: log it and keep delivering to everyone else.
        this.log.error({ err: e, conn: conn.id, message: m.name }, 'internal error sending a message');
      }
    };
    try {
      for (const plan of batch) {
        for (const d of plan.direct ?? []) send(d.conn, d.message);
        for (const o of plan.out) {
          const r = this.routes.get(o.to);
          if (!r) continue;
          if (logged && r.state.catchUp && logged.has(o.message)) continue;
          send(
            r.state.conn,
            r.proxyClientId === undefined
              ? o.message
              : { ...o.message, attrs: { ...o.message.attrs, ProxyClientId: r.proxyClientId } },
          );
        }
        plan.after?.();
        if (plan.origin) this.answered(plan.origin);
      }
    } finally {
      for (const c of corked) c.uncork();
    }
    const budget = this.opts.config.limits.maxOutboundBytes;
    for (const c of corked) if (c.bufferedBytes() > budget) this.overBudget(c, batch);
  }

  /**
   * A connection whose peer does not read fast enough holds more than the budget unsent. A reporting engine (the only
   * session of its connection) is then served from the durable event log at its own pace, so that it misses nothing
   * and the server buffers at most a page for it; any other client is disconnected (an agent desktop reconnects and
   * registers again; its interactions stay with it for the handling timeout).
   */
  private overBudget(conn: Connection, batch: readonly Outgoing[]): void {
    const st = this.conns.get(conn.id);
    if (!st || st.catchUp || st.dropped === true) return;
    const budget = this.opts.config.limits.maxOutboundBytes;
    const s = st.session;
    if (s?.clientType === 'ReportingEngine' && st.proxied.size === 0) {
      // Every logged event up to this batch's last has been sent to it (each goes to every reporting engine).
      let after = this.lastSeq;
      for (const plan of batch)
        for (const op of plan.store) if (op.op === 'event' && (op.event.seq ?? 0) > after) after = op.event.seq ?? 0;
      st.catchUp = { after };
      this.catchingUp++;
      this.opts.metrics.slowConsumers.inc({ action: 'catch_up' });
      this.opts.metrics.catchingUp.inc();
      this.log.warn(
        { conn: conn.id, client: s.clientName, buffered: conn.bufferedBytes(), budget, after },
        'reporting engine fell behind: serving it from the event log until it catches up',
      );
      conn.onDrain(() => void this.catchUpPage(st));
      return;
    }
    st.dropped = true;
    this.opts.metrics.slowConsumers.inc({ action: 'disconnect' });
    this.log.warn(
      {
        conn: conn.id,
        client: s ? `${s.clientType} ${s.clientName}` : undefined,
        proxied: st.proxied.size,
        buffered: conn.bufferedBytes(),
        budget,
      },
      'client does not read its messages: over limits.maxOutboundBytes, disconnected',
    );
    conn.abort();
  }

  /**
   * Sends a catching-up reporting engine the next page of logged events (up to the last delivered live), then waits
   * until its socket drains; back to live once it has everything delivered so far. Each event once, in log order.
   */
  private async catchUpPage(st: ConnState): Promise<void> {
    const cu = st.catchUp;
    if (!cu || this.conns.get(st.conn.id) !== st) {
      this.endCatchUp(st);
      return;
    }
    // Everything up to here was committed before the read: a short page holds all of it that the log still has.
    const upTo = this.lastSeq;
    let events;
    try {
      events = await this.opts.store.readEvents({ afterSeq: cu.after, limit: CATCH_UP_PAGE });
    } catch (err) {
      this.log.error(
        { err, conn: st.conn.id },
        'reading the event log for a reporting engine failed; disconnecting it',
      );
      this.dropCatchingUp(st);
      return;
    }
    if (this.conns.get(st.conn.id) !== st) {
      this.endCatchUp(st);
      return;
    }
    st.conn.cork();
    try {
      let reachedLive = false;
      for (const e of events) {
        // Committed but not delivered live yet: it comes with its batch, once this engine is live again.
        if (e.seq > this.lastSeq) {
          reachedLive = true;
          break;
        }
        st.conn.send(decodeJsonMessage(e.payload));
        cu.after = e.seq;
      }
      // All that was delivered live has been sent (seqs the log no longer has — expired histories — are skipped).
      if (reachedLive) cu.after = Math.max(cu.after, this.lastSeq);
      else if (events.length < CATCH_UP_PAGE) cu.after = Math.max(cu.after, upTo);
    } catch (err) {
      this.log.error({ err, conn: st.conn.id }, 'an event of the log could not be sent; disconnecting the engine');
      this.dropCatchingUp(st);
      return;
    } finally {
      st.conn.uncork();
    }
    if (cu.after >= this.lastSeq) {
      // Caught up with everything delivered: live again from the next batch on.
      this.log.info({ conn: st.conn.id, after: cu.after }, 'reporting engine caught up: live again');
      this.endCatchUp(st);
      return;
    }
    st.conn.onDrain(() => void this.catchUpPage(st));
  }

  private dropCatchingUp(st: ConnState): void {
    st.conn.abort();
    this.endCatchUp(st);
  }

  private endCatchUp(st: ConnState): void {
    if (!st.catchUp) return;
    delete st.catchUp;
    this.catchingUp--;
    this.opts.metrics.catchingUp.dec();
  }

  /**
   * A session for the HTTP door acting as `name` (a write token's application): an in-process connection whose
   * requests follow the same path as every other door's, answered only after their commit. Events addressed to it
   * are dropped (the HTTP door reads the event log instead).
   */
  openInternal(name: string): InternalClient {
    const waiting = new Map<number, (m: Message) => void>();
    const conn: Connection = {
      id: -(this.internalIds += 1),
      transport: 'http',
      remote: 'in-process',
      send: (m) => {
        const ref = m.attrs.ReferenceId;
        const w = typeof ref === 'number' ? waiting.get(ref) : undefined;
        if (!w) return;
        waiting.delete(ref as number);
        w(m);
      },
      // Closing ends the session like any connection's (the server closes every connection when it drains).
      close: () => {
        this.closed(conn);
      },
      cork: () => undefined,
      uncork: () => undefined,
      bufferedBytes: () => 0,
      onDrain: (fn) => {
        queueMicrotask(fn);
      },
      abort: () => {
        this.closed(conn);
      },
      pause: () => undefined,
      resume: () => undefined,
    };
    const session = this.core.registerSupervisor(name);
    const st: ConnState = { conn, session, proxied: new Map(), outstanding: 0, paused: false };
    this.conns.set(conn.id, st);
    this.routes.set(session.id, { state: st });
    let ref = 0;
    return {
      sessionId: session.id,
      request: (m) =>
        new Promise<Message>((resolve) => {
          ref = (ref % 2_000_000_000) + 1;
          waiting.set(ref, resolve);
          this.request(conn, { ...m, attrs: { ...m.attrs, ReferenceId: ref } });
        }),
    };
  }

  /** The seq of the last event committed to the durable log. */
  get lastEventSeq(): number {
    return this.lastSeq;
  }

  /** Calls `listener` each time committed events were added to the log; returns the function that stops it. */
  onEvents(listener: () => void): () => void {
    this.eventListeners.add(listener);
    return () => {
      this.eventListeners.delete(listener);
    };
  }

  /** Registered sessions with their connection (HTTP /api/sessions). */
  listSessions(): SessionInfo[] {
    const out: SessionInfo[] = [];
    for (const st of this.conns.values()) {
      const add = (s: Session, proxy?: number): void => {
        out.push({
          id: s.id,
          clientType: s.clientType,
          clientName: s.clientName,
          transport: st.conn.transport,
          remote: st.conn.remote,
          ...(proxy === undefined ? {} : { proxy }),
          ...(s.agentId !== undefined ? { agentId: s.agentId } : {}),
        });
      };
      if (st.session) add(st.session);
      for (const p of st.proxied.values()) add(p, st.session?.id);
    }
    return out;
  }

  /**
   * Forces a client off (an administrator's decision). A client behind a proxy: the proxy gets EventForcedDisconnect
   * with its ProxyClientId and the session ends; a direct client: its connection is closed. False when unknown.
   */
  forceDisconnect(sessionId: number, reason: string): boolean {
    const r = this.routes.get(sessionId);
    if (!r) return false;
    const st = r.state;
    if (r.proxyClientId !== undefined) {
      const s = st.proxied.get(sessionId);
      if (!s) return false;
      this.enqueue({
        store: [],
        out: [],
        direct: [
          {
            conn: st.conn,
            message: isMsg('EventForcedDisconnect', { ProxyClientId: sessionId, Reason: 0, ReasonDescription: reason }),
          },
        ],
      });
      this.endSession(st, s);
    } else {
      st.conn.close();
    }
    return true;
  }

  /** Waits until every queued plan is committed and sent (used when draining). */
  async drain(): Promise<void> {
    while (this.pending.length || this.inFlight || this.flushScheduled) {
      if (this.inFlight) await this.delivered;
      else await new Promise((r) => setImmediate(r));
    }
  }

  /** Closes every connection. */
  closeAll(): void {
    for (const st of [...this.conns.values()]) st.conn.close();
  }
}

/**
 * A T-Library RequestRegisterClient (binary door, urs-routing §9.8 A) as the registration of a routing engine named by
 * its ApplicationName.
 */
function tlibRegistration(m: Message): Message {
  return isMsg('RequestRegisterClient', {
    ClientType: ClientType.RoutingEngine,
    ClientName: m.attrs.ApplicationName,
    ReferenceId: m.attrs.ReferenceId,
  });
}

function errorMsg(e: ProtocolError, ref: unknown): Message {
  return isMsg('EventError', {
    ReferenceId: typeof ref === 'number' ? ref : undefined,
    ErrorCode: e.code,
    ErrorDescription: e.message,
  });
}
