/**
 * The core: sessions, interactions, agents, routing and the fan-out plan, with an injected clock and no I/O. Every
 * request goes through one path: the command table (commands.ts) checks who may send it and runs its handler against
 * a plan whose overlay holds the changes; a refused request (ProtocolError) or a bug throws away the overlay, so it
 * changes nothing; otherwise the changes are applied in one step (CoreState.apply, which keeps every index) and the
 * router offers what has become possible. The plan is the durable operations plus the messages for each party.
 */
import type { Config } from '../config/schema.ts';
import { ProtocolError } from '../protocol/errors.ts';
import { formatDate, isMsg, tlibError, type AttrValue, type Message } from '../protocol/message.ts';
import { agentSessionEnded } from './agents.ts';
import { checkCommand } from './commands.ts';
import { TLIB_LINK } from './tlib-link.ts';
import type { Ctx, Services } from './context.ts';
import { Directory } from './directory.ts';
import type { Dialect, Session } from './model/session.ts';
import type { Interaction } from './model/interaction.ts';
import type { Plan } from './plan.ts';
import { PlanBuilder } from './plan.ts';
import { register } from './registration.ts';
import { expire, restored } from './interaction-machine.ts';
import { routingEngineLeft } from './routing-engine.ts';
import { mediaServerLeft } from './online.ts';
import { itxAttrs } from './render.ts';
import { snapshotsSessionEnded } from './snapshots.ts';
import { route } from './router.ts';
import { SubmissionScheduler } from './scheduler.ts';
import { EspRelay } from './esp-relay.ts';
import { ParkedPulls } from './parked-pulls.ts';
import { AgentReservations } from './reservations.ts';
import { tryPull } from './pull.ts';
import { espSessionEnded } from './esp.ts';
import { CoreState, type TimerEntry } from './state.ts';

/** Options of the core. */
export interface CoreOptions {
  readonly config: Config;
  /** Milliseconds since the epoch; injected so tests can control time. */
  readonly clock: () => number;
  /** Generates interaction ids when RequestSubmit carries none. */
  readonly newInteractionId?: () => string;
  /** Server version reported in the registration ack's Extension (ServerVersion). */
  readonly serverVersion?: string;
  /**
   * Called when offering fails with a bug after some offers were applied: the plan keeps those offers (so memory and
   * disk agree) and the rest waits for the next event.
   */
  readonly onInternalError?: (error: unknown) => void;
  /** The offering step; the indexed router unless a test passes its naive reference (a model-based oracle). */
  readonly route?: (tx: PlanBuilder, ctx: Pick<Ctx, 'core'>) => void;
}

const SERVER_VERSION = 'IXS 0.1.0';

/** The Interaction Server core. */
export class Core implements Services {
  readonly dir: Directory;
  readonly state: CoreState;
  /** The routing engines' submission caps (rate, held interactions per engine and per queue). */
  readonly scheduler: SubmissionScheduler;
  /** Requests relayed to third-party (ESP) servers, until their answers. */
  readonly esp = new EspRelay();
  /** Routing engines' pulls (pull-for-strategy) waiting for work. */
  readonly parked = new ParkedPulls();
  /** Agents reserved for routing engines (T-Library RequestReserveAgent). */
  readonly reservations = new AgentReservations();
  readonly serverVersion: string;
  private readonly clock: () => number;
  private readonly newId: () => string;
  private readonly onInternalError: (error: unknown) => void;
  private readonly route: (tx: PlanBuilder, ctx: Pick<Ctx, 'core'>) => void;
  private nextSessionId = 1001;
  private ticketCounter = 1;
  private routerTurn = 0;
  private connCounter: number | undefined;
  private snapshotCounter = 1;
  private idCounter = 0;

  constructor(opts: CoreOptions) {
    this.dir = new Directory(opts.config);
    this.state = new CoreState(this.dir, opts.clock);
    this.scheduler = new SubmissionScheduler(this.dir, this.state);
    this.state.pullWatched = this.parked.watched;
    this.clock = opts.clock;
    this.newId = opts.newInteractionId ?? (() => this.generateId());
    this.serverVersion = opts.serverVersion ?? SERVER_VERSION;
    this.route = opts.route ?? route;
    this.onInternalError =
      opts.onInternalError ??
      ((e) => {
        throw e;
      });
  }

  /** Every live interaction (read-only; HTTP and metrics read through this). */
  get interactions(): ReadonlyMap<string, Interaction> {
    return this.state.interactions;
  }

  newInteractionId(): string {
    return this.newId();
  }

  nextTicketId(): number {
    return this.ticketCounter++;
  }

  nextSnapshotId(): number {
    return this.snapshotCounter++;
  }

  nextRouterTurn(): number {
    return this.routerTurn++;
  }

  /**
   * A fresh ConnID for a hand-off to a routing engine: node 0001 and a 48-bit counter, as 16 hex digits. The counter
   * starts at the start's second times 65,536, so a ConnID is never given twice, also across restarts, unless more than
   * 65,536 hand-offs a second were made over the whole uptime. (No hand-off survives a restart: interactions a routing
   * engine held are queued again when loaded, so every ConnID of the previous run is unknown after it.)
   */
  nextConnId(): string {
    this.connCounter = (this.connCounter ?? Math.floor(this.clock() / 1000) * 65_536) + 1;
    return `0001${this.connCounter.toString(16).padStart(12, '0').slice(-12)}`;
  }

  private generateId(): string {
    // 16 characters like Genesys ids: time in base 36 plus a counter, unique within this process and across restarts.
    this.idCounter = (this.idCounter + 1) % 36 ** 4;
    return (this.clock().toString(36).padStart(10, '0') + 'IX' + this.idCounter.toString(36).padStart(4, '0'))
      .toUpperCase()
      .slice(-16);
  }

  private newPlan(): PlanBuilder {
    const now = this.clock();
    return new PlanBuilder(this.state, formatDate(now), now);
  }

  /**
   * Restores interactions from the store and rebuilds the indexes. Interactions a routing engine held go back to their
   * queue (no engine is connected after a restart) and are offered again when one registers; so do those offered to
   * an agent (the invited agent's session is gone with the restart, and session ids start again).
   */
  load(interactions: Iterable<Interaction>): void {
    for (const ix of interactions) this.state.restore(restored(ix));
    this.state.rebuildWaiting();
  }

  /**
   * RequestRegisterClient. `viaProxy` is the proxy session when a proxy registers one of its clients; `dialect` what
   * the client's door can carry. Returns the new session (on success) and the plan (ack or error).
   */
  register(
    msg: Message,
    viaProxy?: Session,
    dialect: Dialect = 'is+tlib',
  ): { plan: Plan; session?: Session; error?: Message } {
    const tx = this.newPlan();
    try {
      const session = register(this, tx, msg, this.nextSessionId, viaProxy, dialect);
      this.nextSessionId++;
      this.state.addSession(session);
      if (session.clientType === 'RoutingEngine') this.state.offerExternalAgain();
      this.settle(tx);
      return { plan: tx.plan(), session };
    } catch (e) {
      if (!(e instanceof ProtocolError)) throw e;
      return { plan: { store: [], out: [] }, error: errorMessage(e, msg.attrs.ReferenceId) };
    }
  }

  /**
   * A session of the HTTP door for one write token (not a configured application: it registers no client and gets
   * no ack): a media server named `name` that may act on any interaction, like a supervisor.
   */
  registerSupervisor(name: string): Session {
    const session: Session = {
      id: this.nextSessionId++,
      clientType: 'MediaServer',
      clientName: name,
      dialect: 'is',
      wantsPropertiesChanged: false,
      wantsProcessingStopped: false,
      supervisor: true,
    };
    this.state.addSession(session);
    return session;
  }

  /**
   * A session ended (connection lost, RequestUnregisterClient, proxy client gone). `serverStopping`: it ended because
   * the server is stopping (it closes every connection when it drains): a media server's online interactions stay
   * then, as they do across a crash (a media server that went away stops them; a restart of the server does not).
   */
  sessionClosed(sessionId: number, opts: { readonly serverStopping?: boolean } = {}): Plan {
    const s = this.state.sessions.get(sessionId);
    const tx = this.newPlan();
    if (!s) return tx.plan();
    const ctx = { core: this };
    const agent = s.agentId === undefined ? undefined : tx.agent(s.agentId);
    snapshotsSessionEnded(tx, this.state, s);
    this.state.removeSession(s);
    if (agent) agentSessionEnded(tx, ctx, agent, sessionId);
    if (s.clientType === 'RoutingEngine') routingEngineLeft(tx, ctx, s);
    espSessionEnded(tx, this.esp, s);
    this.parked.sessionEnded(s.id);
    this.reservations.sessionEnded(s);
    if (s.clientType === 'MediaServer' && opts.serverStopping !== true) mediaServerLeft(tx, ctx, s);
    this.settle(tx);
    return tx.plan();
  }

  /** Handles one request of a registered session. A refusal becomes an EventError and changes nothing. */
  handle(session: Session, msg: Message): Plan {
    const tx = this.newPlan();
    // The codec validated the attributes against the catalogue: they have the types `Ctx.a` (AttrsOf) gives them.
    const ctx: Ctx = { core: this, tx, s: session, m: msg, a: msg.attrs };
    try {
      const command = session.dialect === 'tlib' ? TLIB_LINK : checkCommand(session, msg, tx);
      command.run(ctx);
    } catch (e) {
      if (!(e instanceof ProtocolError)) throw e;
      const refusal =
        session.dialect === 'tlib' && e.tlibCode !== undefined
          ? tlibError(msg.attrs.ReferenceId, e.tlibCode, e.message)
          : errorMessage(e, msg.attrs.ReferenceId);
      return { store: [], out: [{ to: session.id, message: refusal }] };
    }
    this.settle(tx);
    return tx.plan();
  }

  /** Applies a command's changes, then offers what they made possible and answers the parked pulls it may serve. */
  private settle(tx: PlanBuilder): void {
    this.state.apply(tx.takeChanges());
    try {
      this.route(tx, { core: this });
      this.servePulls(tx);
    } catch (e) {
      // Offers already applied are in the plan; the failed one was not applied (its overlay is dropped).
      tx.takeChanges();
      this.onInternalError(e);
    }
  }

  /**
   * Parked pulls of the queues an interaction entered the views of: each, oldest first, takes what it can now and is
   * answered (EventPulledInteractions) or stays parked. Costs the parked pulls of those queues only.
   */
  private servePulls(tx: PlanBuilder): void {
    const touched = this.state.pullTouched;
    while (touched.size > 0) {
      const queue = touched.values().next().value as string;
      touched.delete(queue);
      for (const p of this.parked.inQueue(queue)) {
        const s = this.state.sessions.get(p.session);
        if (!s) {
          this.parked.remove(p);
          continue;
        }
        const ctx: Ctx<'RequestPull'> = { core: this, tx, s, m: p.message, a: p.message.attrs };
        let answered: boolean;
        try {
          answered = tryPull(ctx);
        } catch (e) {
          if (!(e instanceof ProtocolError)) throw e;
          tx.takeChanges();
          tx.send(s.id, errorMessage(e, p.message.attrs.ReferenceId));
          answered = true;
        }
        if (answered) {
          this.parked.remove(p);
          this.state.apply(tx.takeChanges());
        }
      }
    }
  }

  /**
   * The soonest armed deadline (ms since the epoch), if any timer is armed or a routing engine's submission rate holds
   * work back: when to call {@link tick}.
   */
  nextDeadline(): number | undefined {
    // Asked after every plan (the server re-arms its one timeout): four lookups, no allocation.
    const at = earlier(this.state.timers.first()?.at, this.scheduler.nextWake());
    return earlier(at, earlier(this.parked.nextDeadline(), this.reservations.nextDeadline()));
  }

  /**
   * Fires every timer due at the core's clock (delivering: the invitation is revoked; handling: the agent loses the
   * interaction; routing: the engine does) as one step, like one command: agents whose load dropped at this moment
   * are idle from the same instant (ties in id order), then the router offers what became possible.
   */
  tick(): Plan {
    const tx = this.newPlan();
    const ctx = { core: this };
    const timers = this.state.timers;
    const due: TimerEntry[] = [];
    for (const t of timers) {
      if (t.at > tx.nowMs) break;
      due.push(t);
    }
    // Soonest first; several timers of one interaction see each other's changes through the plan's overlay.
    for (const t of due) {
      const d = tx.draft(t.id);
      if (!d) continue;
      expire(tx, ctx, d, t);
      tx.put(d);
    }
    // A routing engine's submission rate has earned it the work it held back.
    if (this.scheduler.wakeDue(tx.nowMs)) this.state.offerExternalAgain();
    // Agent reservations: collection windows that close, reservations that end.
    this.reservations.tick(tx, tx.nowMs);
    // Parked pulls whose hold timeout passed: answered with nothing.
    for (const p of this.parked.due(tx.nowMs)) {
      this.parked.remove(p);
      tx.send(
        p.session,
        isMsg('EventPulledInteractions', { ReferenceId: p.message.attrs.ReferenceId, Interactions: [] }),
      );
    }
    this.settle(tx);
    // A timer its transition did not disarm (a bug) is dropped, so that one stale entry cannot fire forever.
    for (const t of due) {
      if (timers.delete(t)) this.onInternalError(new Error(`timer ${t.kind} of '${t.id}' stayed armed after it fired`));
    }
    return tx.plan();
  }

  /** The flattened InteractionProperties of an interaction. */
  itxAttrs(ix: Interaction): Record<string, AttrValue> {
    return itxAttrs(ix);
  }
}

/** The earlier of two optional times. */
function earlier(a: number | undefined, b: number | undefined): number | undefined {
  return a === undefined ? b : b === undefined || a <= b ? a : b;
}

/** EventError for a refused request, echoing its ReferenceId. */
export function errorMessage(e: ProtocolError, ref: AttrValue | undefined): Message {
  return isMsg('EventError', { ReferenceId: ref, ErrorCode: e.code, ErrorDescription: e.message });
}
