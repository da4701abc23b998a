/**
 * Transfer and conference (lifecycle.md §5): a handling agent invites another logged-in agent to take over
 * (RequestTransfer) or to join (RequestConference, with a visibility mode) and may withdraw the invitation
 * (RequestCancelInvite). The request gets no reply when it is issued: its EventAck comes when the invitee accepts, its
 * EventError when the invitation ends otherwise (rejected, timed out, cancelled, the invitee gone). The transitions
 * are in interaction-machine.ts.
 */
import { ProtocolError } from '../protocol/errors.ts';
import { isMsg } from '../protocol/message.ts';
import { actor, agentOf, checkTenant, owned, show, type Ctx } from './context.ts';
import { endInvitation, intrude as join, inviteParty, touched } from './interaction-machine.ts';
import type { Visibility } from './model/interaction.ts';
import type { AgentState } from './model/session.ts';

type InviteRequest = 'RequestTransfer' | 'RequestConference';

const VISIBILITY: Readonly<Record<number, Visibility>> = { 1: 'conference', 2: 'monitor', 3: 'coach' };

/** The logged-in agent a transfer or conference names (AgentId, or the agent at PlaceId). */
function invitee(ctx: Ctx<InviteRequest | 'RequestCancelInvite'>, tenantId: number): AgentState {
  const { a, core, tx, m } = ctx;
  if (a.AgentId === undefined && a.PlaceId === undefined)
    throw new ProtocolError('Error_agent_not_specified', `${m.name} needs AgentId or PlaceId`);
  let id = a.AgentId;
  if (id !== undefined) {
    if (core.dir.agents.get(id)?.tenant !== tenantId)
      throw new ProtocolError(
        'Error_transfer_target_invalid',
        `AgentId '${id}' is not an agent of tenant ${String(tenantId)}`,
      );
  } else {
    const place = a.PlaceId as string;
    if (core.dir.places.get(place) !== tenantId)
      throw new ProtocolError(
        'Error_transfer_target_invalid',
        `PlaceId '${place}' is not a place of tenant ${String(tenantId)}`,
      );
    id = core.state.placeOccupant.get(place);
    if (id === undefined) throw new ProtocolError('Error_party_unavailable', `nobody is logged in at place '${place}'`);
  }
  const agent = tx.agent(id);
  if (!agent) throw new ProtocolError('Error_party_unavailable', `agent '${id}' is not logged in`);
  if (a.PlaceId !== undefined && agent.placeId !== a.PlaceId)
    throw new ProtocolError(
      'Error_transfer_target_invalid',
      `agent '${id}' is logged in at '${agent.placeId}', not '${a.PlaceId}'`,
    );
  return agent;
}

function invite(ctx: Ctx<InviteRequest>, operation: 'transfer' | 'conference', visibility?: Visibility): void {
  const { s, tx, core, a } = ctx;
  const d = owned(ctx, a.InteractionId);
  const me = agentOf(ctx) as AgentState;
  const pending = d.invitations[0];
  if (pending) {
    throw new ProtocolError(
      'Error_transfer_in_progress',
      `interaction '${d.id}' already has an invitation pending for agent '${pending.agentId}' (ticket ${String(pending.ticketId)})`,
    );
  }
  const target = invitee(ctx, d.tenantId);
  if (target.id === me.id || d.parties.some((p) => p.agentId === target.id))
    throw new ProtocolError(
      'Error_already_participating',
      `agent '${target.id}' already handles interaction '${d.id}'`,
    );
  if (target.dnd) throw new ProtocolError('Error_party_unavailable', `agent '${target.id}' is in do-not-disturb`);
  if (target.media.get(d.mediaType) !== true)
    throw new ProtocolError('Error_party_unavailable', `agent '${target.id}' is not ready for media '${d.mediaType}'`);
  const capacity = core.dir.agents.get(target.id)?.capacity.get(d.mediaType) ?? 0;
  if (core.state.loadOf(target.id, d.mediaType) >= capacity) {
    throw new ProtocolError(
      'Error_party_unavailable',
      `agent '${target.id}' has no capacity left for media '${d.mediaType}' (${String(capacity)})`,
    );
  }
  touched(core.dir, d, me.id, tx.nowMs);
  inviteParty(
    tx,
    ctx,
    d,
    target,
    operation,
    { agentId: me.id, sessionId: s.id, ...(a.ReferenceId === undefined ? {} : { referenceId: a.ReferenceId }) },
    visibility,
    actor(ctx, d),
  );
  tx.put(d);
}

/** RequestTransfer {InteractionId, AgentId or PlaceId}: no reply until the invitation ends. */
export function transfer(ctx: Ctx<'RequestTransfer'>): void {
  invite(ctx, 'transfer');
}

/** RequestConference {InteractionId, AgentId or PlaceId, VisibilityMode}: no reply until the invitation ends. */
export function conference(ctx: Ctx<'RequestConference'>): void {
  const mode = ctx.a.VisibilityMode ?? 1;
  const visibility = VISIBILITY[mode];
  if (!visibility)
    throw new ProtocolError(
      'Error_invalid_protocol_message',
      `VisibilityMode ${show(mode)} is not Conference, Monitor or Coach`,
    );
  invite(ctx, 'conference', visibility);
}

/**
 * RequestCancelInvite {InteractionId, AgentId or PlaceId?}: the inviter withdraws its pending invitation: EventAck (and
 * EventError to the pending RequestTransfer / RequestConference); the invitee gets EventRevoked; nothing is reported.
 */
export function cancelInvite(ctx: Ctx<'RequestCancelInvite'>): void {
  const { s, tx, a } = ctx;
  const d = owned(ctx, a.InteractionId);
  const named = a.AgentId === undefined && a.PlaceId === undefined ? undefined : invitee(ctx, d.tenantId).id;
  const inv = d.invitations.find(
    (i) => i.inviter?.agentId === s.agentId && (named === undefined || i.agentId === named),
  );
  if (!inv) {
    throw new ProtocolError(
      'Error_invalid_interaction_state',
      `agent '${String(s.agentId)}' has no invitation pending${named === undefined ? '' : ` for agent '${named}'`} on interaction '${d.id}'`,
    );
  }
  tx.send(s.id, isMsg('EventAck', { ReferenceId: a.ReferenceId }));
  endInvitation(tx, ctx, d, inv, 'cancelled');
  tx.put(d);
}

/**
 * RequestIntrude {InteractionId, VisibilityMode}: a logged-in agent (a supervisor) joins an interaction another agent
 * handles, at once (no invitation): EventAck; reporting EventPartyAdded (Operation Intrude); the other parties'
 * desktops EventPartyAdded. It needs capacity for the media like any party.
 */
export function intrude(ctx: Ctx<'RequestIntrude'>): void {
  const { s, tx, core, a } = ctx;
  const me = agentOf(ctx) as AgentState;
  const id = a.InteractionId;
  if (!id) throw new ProtocolError('Error_interaction_id_not_specified', 'RequestIntrude needs InteractionId');
  const d = tx.draft(id);
  if (!d) throw new ProtocolError('Error_unknown_interaction', `there is no interaction '${id}'`);
  checkTenant(ctx, d);
  const mode = a.VisibilityMode ?? 2;
  const visibility = VISIBILITY[mode];
  if (!visibility)
    throw new ProtocolError(
      'Error_invalid_protocol_message',
      `VisibilityMode ${show(mode)} is not Conference, Monitor or Coach`,
    );
  if (d.placement.kind !== 'handled')
    throw new ProtocolError('Error_invalid_interaction_state', `interaction '${id}' is not being handled by an agent`);
  if (d.parties.some((p) => p.agentId === me.id))
    throw new ProtocolError('Error_already_participating', `agent '${me.id}' already handles interaction '${id}'`);
  const capacity = core.dir.agents.get(me.id)?.capacity.get(d.mediaType) ?? 0;
  if (core.state.loadOf(me.id, d.mediaType) >= capacity) {
    throw new ProtocolError(
      'Error_party_unavailable',
      `agent '${me.id}' has no capacity left for media '${d.mediaType}' (${String(capacity)})`,
    );
  }
  tx.send(s.id, isMsg('EventAck', { ReferenceId: a.ReferenceId }));
  join(tx, ctx, d, me, visibility, actor(ctx, d));
  tx.put(d);
}
