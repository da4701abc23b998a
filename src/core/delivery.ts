/**
 * Delivery to agents: EventInvite, RequestAccept, RequestReject, and invitations withdrawn when the invited agent
 * leaves. An ended invitation puts the interaction back in its queue with its original age; the router offers it again.
 */
import { InteractionState, Operation } from '../protocol/enums.ts';
import { ProtocolError } from '../protocol/errors.ts';
import { isMsg } from '../protocol/message.ts';
import { actor, agentOf, notAllowed, show, type Ctx } from './context.ts';
import type { AgentState } from './model.ts';
import type { Attrs, Draft, PlanBuilder } from './plan.ts';
import { agentParty, itxAttrs, reasonOf, routeUsed } from './render.ts';

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
  d.invite = { ticketId, agentId: agent.id, placeId: agent.placeId, sessionId, ...via };
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

/** The interaction a RequestAccept/RequestReject names, if this agent holds its invitation. */
function invited(ctx: Ctx): Draft {
  const { s, m, tx } = ctx;
  if (s.clientType !== 'AgentApplication') throw notAllowed(m, s);
  const agent = agentOf(ctx);
  if (!agent) throw new ProtocolError('Error_client_not_logged_in', `${m.name} needs RequestAgentLogin first`);
  const id = m.attrs.InteractionId;
  if (typeof id !== 'string' || !id)
    throw new ProtocolError('Error_interaction_id_not_specified', `${m.name} needs InteractionId`);
  const d = tx.draft(id);
  if (!d) throw new ProtocolError('Error_unknown_interaction', `there is no interaction '${id}'`);
  const ticket = m.attrs.TicketId;
  if (!d.invite || d.invite.agentId !== agent.id || (ticket !== undefined && d.invite.ticketId !== ticket)) {
    throw new ProtocolError(
      'Error_not_invited',
      `this agent holds no invitation${ticket !== undefined ? ` with TicketId ${show(ticket)}` : ''} for interaction '${id}'`,
    );
  }
  return d;
}

export function accept(ctx: Ctx): void {
  const { s, m, tx, core } = ctx;
  const d = invited(ctx);
  const agent = agentOf(ctx) as AgentState;
  const inv = d.invite as NonNullable<Draft['invite']>;
  delete d.invite;
  d.state = InteractionState.Handling;
  d.agents = [inv.agentId];
  delete d.routerName;
  d.deliveredAt ??= tx.now;
  tx.send(s.id, isMsg('EventAck', { ReferenceId: m.attrs.ReferenceId }));
  tx.report(d, 'EventPartyAdded', {
    ...actor(ctx, d),
    ...agentParty(d.tenantId, agent.id, agent.placeId),
    Operation: Operation.Route,
  });
  if (inv.routerName) {
    for (const rs of core.state.sessionsNamed('RoutingEngine', inv.routerName)) {
      tx.send(rs.id, routeUsed(d, inv.routeReferenceId, inv.placeId, 'accepted'));
    }
  }
  tx.put(d);
}

export function reject(ctx: Ctx): void {
  const d = invited(ctx);
  const agentId = (d.invite as NonNullable<Draft['invite']>).agentId;
  ctx.tx.send(ctx.s.id, isMsg('EventAck', { ReferenceId: ctx.m.attrs.ReferenceId }));
  cancelInvite(ctx.tx, ctx, d, 'rejected', actor(ctx, d), reasonOf(ctx.m.attrs));
  d.lastRejectedBy = agentId;
  ctx.tx.put(d);
}

/**
 * Ends a pending invitation (rejected, or withdrawn because the agent left): reporting EventRejected, the routing
 * engine that asked for it EventRouteUsed, a still-connected invited desktop EventRevoked (when withdrawn). The
 * interaction goes back to its queue; the router offers it again.
 */
export function cancelInvite(
  tx: PlanBuilder,
  ctx: Pick<Ctx, 'core'>,
  d: Draft,
  result: 'rejected' | 'timeout',
  actorAttrs: Attrs = {},
  reason: Attrs = {},
): void {
  const inv = d.invite;
  if (!inv) return;
  delete d.invite;
  tx.report(d, 'EventRejected', {
    ...actorAttrs,
    ...reason,
    AgentId: inv.agentId,
    PlaceId: inv.placeId,
    TenantId: d.tenantId,
    PartyType: 2,
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
  d.state = InteractionState.Queued;
  delete d.routerName;
}

/** Withdraws the invitations of an agent (all, or those sent to one of its sessions): back to their queues. */
export function withdrawInvites(tx: PlanBuilder, ctx: Pick<Ctx, 'core'>, agentId: string, sessionId?: number): void {
  for (const id of ctx.core.state.invitedTo(agentId)) {
    const d = tx.draft(id);
    if (!d?.invite || (sessionId !== undefined && d.invite.sessionId !== sessionId)) continue;
    cancelInvite(tx, ctx, d, 'timeout');
    tx.put(d);
  }
}
