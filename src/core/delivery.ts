/**
 * Delivery to agents: RequestAccept, RequestReject, and invitations withdrawn when the invited agent leaves (the
 * transitions themselves, with EventInvite and their reporting, are in interaction-machine.ts). An ended invitation
 * puts the interaction back in its queue with its original age; the router offers it again.
 */
import { ProtocolError } from '../protocol/errors.ts';
import { isMsg } from '../protocol/message.ts';
import { actor, agentOf, notAllowed, show, type Ctx } from './context.ts';
import * as machine from './interaction-machine.ts';
import { invitationOf, type Invitation } from './model/interaction.ts';
import type { AgentState } from './model/session.ts';
import type { Draft, PlanBuilder } from './plan.ts';
import { reasonOf } from './render.ts';

/** The interaction a RequestAccept/RequestReject names, if this agent holds its invitation. */
function invited(ctx: Ctx<'RequestAccept' | 'RequestReject'>): { d: Draft; inv: Invitation; agent: AgentState } {
  const { s, m, tx, a } = ctx;
  if (s.clientType !== 'AgentApplication') throw notAllowed(m, s);
  const agent = agentOf(ctx);
  if (!agent) throw new ProtocolError('Error_client_not_logged_in', `${m.name} needs RequestAgentLogin first`);
  const id = a.InteractionId;
  if (typeof id !== 'string' || !id)
    throw new ProtocolError('Error_interaction_id_not_specified', `${m.name} needs InteractionId`);
  const d = tx.draft(id);
  if (!d) throw new ProtocolError('Error_unknown_interaction', `there is no interaction '${id}'`);
  const ticket = a.TicketId;
  const inv = invitationOf(d, agent.id);
  if (!inv || (ticket !== undefined && inv.ticketId !== ticket)) {
    throw new ProtocolError(
      'Error_not_invited',
      `this agent holds no invitation${ticket !== undefined ? ` with TicketId ${show(ticket)}` : ''} for interaction '${id}'`,
    );
  }
  return { d, inv, agent };
}

export function accept(ctx: Ctx<'RequestAccept'>): void {
  const { s, m, tx } = ctx;
  const { d, inv, agent } = invited(ctx);
  tx.send(s.id, isMsg('EventAck', { ReferenceId: m.attrs.ReferenceId }));
  machine.accept(tx, ctx, d, inv, agent, actor(ctx, d));
  tx.put(d);
}

export function reject(ctx: Ctx<'RequestReject'>): void {
  const { d, inv } = invited(ctx);
  ctx.tx.send(ctx.s.id, isMsg('EventAck', { ReferenceId: ctx.m.attrs.ReferenceId }));
  machine.endInvitation(ctx.tx, ctx, d, inv, 'rejected', actor(ctx, d), reasonOf(ctx.m.attrs));
  if (inv.operation === 'deliver') d.lastRejectedBy = inv.agentId;
  ctx.tx.put(d);
}

/** Withdraws the invitations of an agent (all, or those sent to one of its sessions): back to their queues. */
export function withdrawInvites(tx: PlanBuilder, ctx: Pick<Ctx, 'core'>, agentId: string, sessionId?: number): void {
  for (const id of ctx.core.state.invitedTo(agentId)) {
    const d = tx.draft(id);
    const inv = d && invitationOf(d, agentId);
    if (!d || !inv || (sessionId !== undefined && inv.sessionId !== sessionId)) continue;
    machine.endInvitation(tx, ctx, d, inv, 'withdrawn');
    tx.put(d);
  }
}
