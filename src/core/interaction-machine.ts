/**
 * Every transition of an interaction's placement, parties and invitations, each with the reporting events and the
 * notices it implies (lifecycle §4–§5, reference §2). Handlers validate a request and answer it; the move itself is
 * made here, so the rules of "where an interaction is" live in one file and no other module writes `placement`,
 * `parties` or `invitations` (test/unit/layers.test.ts checks that).
 *
 *   created ──> queued ──offerToEngine──> routing ──placeInQueue / placeInWorkbin──> queued / workbin
 *                 │  ^                      │
 *              invite│ endInvitation     invite (RequestRouteCall to an agent)
 *                 v  │                      v
 *            queued + invitation ──accept──> handled ──(stop: the row is deleted)
 */
import { Operation, PartyType } from '../protocol/enums.ts';
import { isMsg } from '../protocol/message.ts';
import type { Ctx } from './context.ts';
import {
  HANDLED,
  NO_INVITATIONS,
  NO_PARTIES,
  QUEUED,
  routingBy,
  type Interaction,
  type Invitation,
  type Party,
  type Placement,
} from './model/interaction.ts';
import type { AgentState, Session } from './model/session.ts';
import type { Attrs, Draft, PlanBuilder } from './plan.ts';
import { agentParty, itxAttrs, routeUsed, strategyParty } from './render.ts';
import { tlibMsg } from '../protocol/message.ts';

/** Where a new interaction starts: handled by the agent that submitted it, or queued. */
export function created(agent: AgentState | undefined): Pick<Interaction, 'placement' | 'parties' | 'invitations'> {
  return agent
    ? { placement: HANDLED, parties: [partyOf(agent)], invitations: NO_INVITATIONS }
    : { placement: QUEUED, parties: NO_PARTIES, invitations: NO_INVITATIONS };
}

function partyOf(agent: AgentState): Party {
  return { agentId: agent.id, placeId: agent.placeId, visibility: 'conference' };
}

/** Invites an agent (its first session gets EventInvite) and reports EventAgentInvited. */
export function invite(
  tx: PlanBuilder,
  d: Draft,
  agent: AgentState,
  ticketId: number,
  actorAttrs: Attrs,
  via: { routerName?: string; routeReferenceId?: number },
): void {
  const sessionId = agent.sessions[0] as number;
  const inv: Invitation = {
    ticketId,
    agentId: agent.id,
    placeId: agent.placeId,
    sessionId,
    operation: 'deliver',
    ...via,
  };
  d.invitations = [...d.invitations, inv];
  delete d.lastRejectedBy;
  tx.send(
    sessionId,
    isMsg('EventInvite', { ...itxAttrs(d), TicketId: ticketId, SubmittedToRouterAt: d.submittedToRouterAt }),
  );
  tx.report(d, 'EventAgentInvited', {
    ...actorAttrs,
    ...agentParty(d.tenantId, agent.id, agent.placeId),
    TicketId: ticketId,
    Operation: Operation.Route,
  });
}

/**
 * The invited agent accepted: it becomes the interaction's party (placement `handled`), reported as EventPartyAdded;
 * the routing engine that asked for the delivery gets EventRouteUsed.
 */
export function accept(
  tx: PlanBuilder,
  ctx: Pick<Ctx, 'core'>,
  d: Draft,
  inv: Invitation,
  agent: AgentState,
  actorAttrs: Attrs,
): void {
  d.invitations = without(d.invitations, inv);
  d.placement = HANDLED;
  d.parties = [partyOf(agent)];
  d.deliveredAt ??= tx.now;
  tx.report(d, 'EventPartyAdded', {
    ...actorAttrs,
    ...agentParty(d.tenantId, agent.id, agent.placeId),
    Operation: Operation.Route,
  });
  if (inv.routerName) {
    for (const rs of ctx.core.state.sessionsNamed('RoutingEngine', inv.routerName)) {
      tx.send(rs.id, routeUsed(d, inv.routeReferenceId, inv.placeId, 'accepted'));
    }
  }
}

/**
 * Ends a pending invitation (rejected, or withdrawn because the agent left): reporting EventRejected, the routing
 * engine that asked for it EventRouteUsed, a still-connected invited desktop EventRevoked (when withdrawn). The
 * interaction goes back to its queue; the router offers it again.
 */
export function endInvitation(
  tx: PlanBuilder,
  ctx: Pick<Ctx, 'core'>,
  d: Draft,
  inv: Invitation,
  result: 'rejected' | 'timeout',
  actorAttrs: Attrs = {},
  reason: Attrs = {},
): void {
  d.invitations = without(d.invitations, inv);
  tx.report(d, 'EventRejected', {
    ...actorAttrs,
    ...reason,
    AgentId: inv.agentId,
    PlaceId: inv.placeId,
    TenantId: d.tenantId,
    PartyType: PartyType.ResourceParty,
    TicketId: inv.ticketId,
  });
  const state = ctx.core.state;
  if (inv.routerName) {
    for (const rs of state.sessionsNamed('RoutingEngine', inv.routerName)) {
      tx.send(rs.id, routeUsed(d, inv.routeReferenceId, inv.placeId, result));
    }
  }
  if (result !== 'rejected' && state.sessions.has(inv.sessionId)) {
    tx.send(inv.sessionId, isMsg('EventRevoked', { ...itxAttrs(d), EventTime: tx.now, Operation: Operation.Timeout }));
  }
  // Back in its queue (also when a routing engine had asked for the delivery: it is no longer held).
  d.placement = QUEUED;
}

/** Hands a waiting interaction to a routing engine: EventPartyAdded (strategy party), EventRouteRequest. */
export function offerToEngine(tx: PlanBuilder, d: Draft, engine: Session): void {
  d.placement = routingBy(engine.clientName);
  d.submittedToRouterAt ??= tx.now;
  tx.report(d, 'EventPartyAdded', { ...strategyParty(d, engine.clientName), Operation: Operation.Route });
  const { InteractionUserData: _u, ...props } = itxAttrs(d);
  tx.send(
    engine.id,
    tlibMsg('EventRouteRequest', {
      ConnId: d.id,
      ThisDN: d.queue,
      ThisQueue: d.queue,
      UserData: d.userData,
      ...props,
      SubmittedToRouterAt: d.submittedToRouterAt,
    }),
  );
}

/** Moves an interaction into a queue (waiting there; the router offers it if the queue is routed). */
export function placeInQueue(tx: PlanBuilder, d: Draft, queue: string): void {
  moveTo(tx, d, queue, QUEUED);
}

/** Parks an interaction in a workbin of an agent or a place (`queue` names the workbin, as Genesys reports it). */
export function placeInWorkbin(
  tx: PlanBuilder,
  d: Draft,
  workbin: string,
  owner: { agentId: string } | { placeId: string },
): void {
  moveTo(tx, d, workbin, { kind: 'workbin', workbin, ...owner });
}

function moveTo(tx: PlanBuilder, d: Draft, queue: string, placement: Placement): void {
  if (queue !== d.queue) d.movedToQueueAt = tx.now;
  d.queue = queue;
  d.placedInQueueAt = tx.now;
  d.placement = placement;
  d.parties = NO_PARTIES;
}

/**
 * The routing engine holding (or delivering) an interaction is gone: a held interaction goes back to its queue
 * (EventPartyRemoved of the strategy party) to be offered again; an invitation it asked for stays with the agent,
 * with nobody to tell how it ends.
 */
export function routerLeft(tx: PlanBuilder, d: Draft, router: string): void {
  if (d.invitations.some((i) => i.routerName === router)) {
    d.invitations = d.invitations.map((i) => {
      if (i.routerName !== router) return i;
      const { routerName: _r, routeReferenceId: _ref, ...rest } = i;
      return rest;
    });
    if (d.placement.kind === 'routing') d.placement = QUEUED;
  } else if (d.placement.kind === 'routing') {
    tx.report(d, 'EventPartyRemoved', { ...strategyParty(d, router), Operation: Operation.PartyDisconnect });
    d.placement = QUEUED;
  }
}

/**
 * After a restart no session survives: an interaction held by a routing engine or being offered to an agent is
 * queued again (and offered again once a taker registers). Handled and parked interactions stay where they are.
 */
export function restored(ix: Interaction): Interaction {
  if (ix.placement.kind !== 'routing' && ix.invitations.length === 0) return ix;
  return {
    ...ix,
    userData: ix.userData,
    placement: ix.placement.kind === 'routing' ? QUEUED : ix.placement,
    invitations: NO_INVITATIONS,
  };
}

function without<T>(list: readonly T[], item: T): readonly T[] {
  const out = list.filter((x) => x !== item);
  return out.length === 0 ? (NO_INVITATIONS as readonly T[]) : out;
}
