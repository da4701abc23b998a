/**
 * Agent reservation for routing engines (urs-routing §9.6, §9.8 F; Genesys' `agent-reservation` section): several
 * routing engines that may route to the same agents ask IXS to reserve one first (T-Library RequestReserveAgent).
 * Requests for one agent are collected for `requestCollectionTime` ms; the highest Priority wins (ties: the first to
 * ask) and gets EventAgentReserved, the others EventError TERR_AGENT_ALREADY_RESERVED. The reservation lasts
 * `reservationTime` ms (or the request's Timeout, in seconds, when shorter); while it lasts, another engine's
 * RequestRouteCall to that agent is refused (TERR_AGENT_ALREADY_RESERVED) and the holder's ends it. An engine that
 * asks again for an agent it holds is refused with `rejectSubsequentRequest`, else its reservation is prolonged.
 * Reservations arbitrate between routing engines only (the built-in router does not read them). Session state: not
 * durable; what a session asked for or holds ends with it.
 */
import { ProtocolError } from '../protocol/errors.ts';
import { tlibError, tlibMsg, type AttrValue } from '../protocol/message.ts';
import { TLIB_ERRORS } from '../protocol/tlib-wire.ts';
import type { Session } from './model/session.ts';
import type { PlanBuilder } from './plan.ts';
import { setIndex } from './set-index.ts';
import { SortedSet } from './sorted-set.ts';

/** One RequestReserveAgent waiting for its collection window to close. */
interface Ask {
  readonly session: number;
  readonly engine: string;
  readonly ref: AttrValue | undefined;
  readonly thisDN: string | undefined;
  readonly priority: number;
  /** The reservation time this request asks for (ms). */
  readonly holdMs: number;
  readonly seq: number;
}

/** An agent held for a routing engine (until its expire entry in the deadlines). */
interface Held {
  readonly engine: string;
  readonly session: number;
}

/** A moment the reservations must be looked at: a collection window closes, or a reservation ends. */
interface Due {
  readonly at: number;
  readonly agentId: string;
  readonly kind: 'collect' | 'expire';
  readonly seq: number;
}

export class AgentReservations {
  private readonly asks = new Map<string, Ask[]>();
  private readonly held = new Map<string, Held>();
  private readonly dues = new SortedSet<Due>((a, b) => a.at - b.at || a.seq - b.seq);
  /** The due entry of each agent's open window and of its reservation (to move or drop them). */
  private readonly collectDue = new Map<string, Due>();
  private readonly expireDue = new Map<string, Due>();
  /** session -> the agents it asked for or holds (a session that ends costs its own entries only). */
  private readonly ofSession = new Map<number, Set<string>>();
  private seq = 0;

  /** The routing engine (application name) an agent is reserved for, if any. */
  holderOf(agentId: string): string | undefined {
    return this.held.get(agentId)?.engine;
  }

  /** The reservation ends (the holder routed to the agent, or it expired). */
  release(agentId: string): void {
    this.held.delete(agentId);
    const d = this.expireDue.get(agentId);
    if (d) this.dues.delete(d);
    this.expireDue.delete(agentId);
  }

  nextDeadline(): number | undefined {
    return this.dues.first()?.at;
  }

  /** RequestReserveAgent of a T-Library routing engine. */
  request(
    req: {
      readonly s: Session;
      readonly tx: PlanBuilder;
      readonly attrs: Readonly<Record<string, AttrValue>>;
      /** The agent logged in at a place. */
      readonly occupantOf: (place: string) => string | undefined;
    },
    collectionMs: number,
    reservationMs: number,
    rejectSubsequent: boolean,
  ): void {
    const { s, tx, attrs: a } = req;
    const place = typeof a.Place === 'string' && a.Place !== '' ? a.Place : undefined;
    const agentId =
      typeof a.AgentID === 'string' && a.AgentID !== ''
        ? a.AgentID
        : place === undefined
          ? undefined
          : req.occupantOf(place);
    if (agentId === undefined) {
      if (place === undefined)
        throw new ProtocolError('Error_agent_not_specified', 'RequestReserveAgent needs AgentID or Place');
      throw new ProtocolError(
        'Error_routing_target_invalid',
        `no agent is logged in at place '${place}'`,
        TLIB_ERRORS.TERR_TARG_NOT_AGENT,
      );
    }
    const agent = tx.agent(agentId);
    if (!agent) {
      throw new ProtocolError(
        'Error_routing_target_invalid',
        `agent '${agentId}' is not logged in`,
        TLIB_ERRORS.TERR_TARG_NOT_AGENT,
      );
    }
    const timeout = typeof a.Timeout === 'number' && a.Timeout > 0 ? a.Timeout * 1000 : undefined;
    const holdMs = timeout === undefined ? reservationMs : Math.min(timeout, reservationMs);
    const thisDN = typeof a.ThisDN === 'string' ? a.ThisDN : undefined;
    const held = this.held.get(agentId);
    if (held) {
      if (held.engine !== s.clientName || rejectSubsequent) {
        throw new ProtocolError(
          'Error_party_unavailable',
          held.engine === s.clientName
            ? `agent '${agentId}' is already reserved for this routing engine`
            : `agent '${agentId}' is reserved for routing engine '${held.engine}'`,
          TLIB_ERRORS.TERR_AGENT_ALREADY_RESERVED,
        );
      }
      this.hold(agentId, s, tx.nowMs + holdMs);
      tx.send(s.id, reserved(a.ReferenceId, thisDN, agentId, agent.placeId));
      return;
    }
    const ask: Ask = {
      session: s.id,
      engine: s.clientName,
      ref: a.ReferenceId,
      thisDN,
      priority: typeof a.Priority === 'number' ? a.Priority : 0,
      holdMs,
      seq: this.seq++,
    };
    let list = this.asks.get(agentId);
    if (!list) {
      this.asks.set(agentId, (list = []));
      const due: Due = { at: tx.nowMs + collectionMs, agentId, kind: 'collect', seq: this.seq++ };
      this.collectDue.set(agentId, due);
      this.dues.add(due);
    }
    list.push(ask);
    setIndex(this.ofSession, s.id, agentId, 1);
    if (collectionMs === 0) this.decide(tx, agentId, tx.nowMs);
  }

  /** Closes the collection windows and ends the reservations that are due at `now`. */
  tick(tx: PlanBuilder, now: number): void {
    for (;;) {
      const d = this.dues.first();
      if (!d || d.at > now) return;
      this.dues.delete(d);
      if (d.kind === 'collect') {
        this.collectDue.delete(d.agentId);
        this.decide(tx, d.agentId, now);
      } else {
        this.expireDue.delete(d.agentId);
        this.held.delete(d.agentId);
      }
    }
  }

  /** A session ended: its requests are dropped, its reservations released. */
  sessionEnded(s: Session): void {
    for (const agentId of this.ofSession.get(s.id) ?? []) {
      const list = this.asks.get(agentId);
      if (list) {
        const rest = list.filter((x) => x.session !== s.id);
        if (rest.length) this.asks.set(agentId, rest);
        else this.dropWindow(agentId);
      }
      if (this.held.get(agentId)?.session === s.id) this.release(agentId);
    }
    this.ofSession.delete(s.id);
  }

  private dropWindow(agentId: string): void {
    this.asks.delete(agentId);
    const d = this.collectDue.get(agentId);
    if (d) this.dues.delete(d);
    this.collectDue.delete(agentId);
  }

  /** The window of an agent closes: the best request wins, the others are refused. */
  private decide(tx: PlanBuilder, agentId: string, now: number): void {
    const list = this.asks.get(agentId) ?? [];
    this.dropWindow(agentId);
    const agent = tx.agent(agentId);
    let best: Ask | undefined;
    for (const x of list) if (!best || x.priority > best.priority) best = x;
    for (const x of list) {
      if (x === best && agent) {
        this.hold(agentId, { id: x.session, clientName: x.engine }, now + x.holdMs);
        tx.send(x.session, reserved(x.ref, x.thisDN, agentId, agent.placeId));
      } else {
        const why = agent
          ? `agent '${agentId}' was reserved for a request of higher priority`
          : `agent '${agentId}' logged out before the reservation was decided`;
        const code = agent ? TLIB_ERRORS.TERR_AGENT_ALREADY_RESERVED : TLIB_ERRORS.TERR_TARG_NOT_AGENT;
        tx.send(x.session, tlibError(x.ref, code, why));
      }
    }
  }

  private hold(agentId: string, by: Pick<Session, 'id' | 'clientName'>, until: number): void {
    this.release(agentId);
    this.held.set(agentId, { engine: by.clientName, session: by.id });
    setIndex(this.ofSession, by.id, agentId, 1);
    const due: Due = { at: until, agentId, kind: 'expire', seq: this.seq++ };
    this.expireDue.set(agentId, due);
    this.dues.add(due);
  }
}

function reserved(ref: AttrValue | undefined, thisDN: string | undefined, agentId: string, placeId: string) {
  return tlibMsg('EventAgentReserved', { ReferenceId: ref, ThisDN: thisDN, AgentID: agentId, Place: placeId });
}

/** RequestRouteCall to a reserved agent: refused unless the engine holds the reservation (which it then uses up). */
export function checkReservation(engine: Session, reservations: AgentReservations, agentId: string): void {
  const holder = reservations.holderOf(agentId);
  if (holder === undefined) return;
  if (holder !== engine.clientName) {
    throw new ProtocolError(
      'Error_party_unavailable',
      `agent '${agentId}' is reserved for routing engine '${holder}'`,
      TLIB_ERRORS.TERR_AGENT_ALREADY_RESERVED,
    );
  }
  reservations.release(agentId);
}
