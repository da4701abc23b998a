/**
 * Moving work (lifecycle.md §5): RequestPlaceInQueue and RequestPlaceInWorkbin by the handling agent or the submitting
 * media server, RequestLeaveInteraction by a handling agent, RequestHold / RequestResume. Each answers EventAck and
 * reports what the contract's table lists; the transitions themselves are in interaction-machine.ts.
 */
import { Operation } from '../protocol/enums.ts';
import { ProtocolError } from '../protocol/errors.ts';
import type { KvList } from '../protocol/kv.ts';
import { isMsg } from '../protocol/message.ts';
import { actor, checkQueueOfTenant, checkUnlocked, owned, type Ctx } from './context.ts';
import {
  WORKBIN_OWNER_ATTR,
  detach,
  endInvitation,
  leave,
  placeInQueue,
  placeInWorkbin,
  setHeld,
  touched,
} from './interaction-machine.ts';
import type { Attrs, Draft } from './plan.ts';
import { checkDelta, deltaAttrs, mergeDelta } from './properties.ts';
import { reasonOf } from './render.ts';
import { ownerNamed, placementOwner, workbinNamed } from './workbins.ts';

type MoveRequest = 'RequestPlaceInQueue' | 'RequestPlaceInWorkbin';

/** The interaction a move names, if it may move now (owned, no invitation pending). */
function movable(ctx: Ctx<MoveRequest>): Draft {
  const d = owned(ctx, ctx.a.InteractionId);
  const pending = d.invitations[0];
  if (pending) {
    throw new ProtocolError(
      'Error_invalid_interaction_state',
      `interaction '${d.id}' has an invitation pending for agent '${pending.agentId}' (ticket ${String(pending.ticketId)})`,
    );
  }
  checkUnlocked(d);
  return d;
}

/**
 * The property changes a move carries (AddedProperties, ChangedProperties, DeletedProperties), checked like
 * RequestChangeProperties and applied first: reported as EventPropertiesChanged.
 */
function changeOnTheWay(ctx: Ctx<MoveRequest>, d: Draft, act: Attrs): void {
  const added: KvList = ctx.a.AddedProperties ?? [];
  const changed: KvList = ctx.a.ChangedProperties ?? [];
  const deleted: KvList = ctx.a.DeletedProperties ?? [];
  if (added.length + changed.length + deleted.length === 0) return;
  checkDelta(d, added, changed, deleted, ctx.s);
  const delta = mergeDelta(
    ctx,
    d,
    added,
    changed,
    deleted.map((p) => p.key),
  );
  if (delta.noChange) return;
  ctx.tx.report(d, 'EventPropertiesChanged', {
    ...act,
    ...deltaAttrs(delta.evAdded, delta.evChanged, delta.evDeleted),
    Version: d.version,
  });
}

/**
 * RequestPlaceInQueue {InteractionId, Queue, Hold?, property changes?}: the requester gets EventAck; reporting
 * EventPartyRemoved (each handling party; its other desktops EventRevoked) and EventPlacedInQueue {OldQueue}; the
 * interaction waits in the queue and the router offers it (unless placed with Hold).
 */
export function placeInQueueRequest(ctx: Ctx<'RequestPlaceInQueue'>): void {
  const { tx, a } = ctx;
  const d = movable(ctx);
  const queue = a.Queue;
  if (!queue) throw new ProtocolError('Error_queue_not_specified', 'RequestPlaceInQueue needs Queue');
  checkQueueOfTenant(ctx, queue, d.tenantId);
  if (d.placement.kind === 'queued' && d.queue === queue) {
    throw new ProtocolError('Error_already_in_the_same_queue', `interaction '${d.id}' is already in queue '${queue}'`);
  }
  const { act, reason } = takeAway(ctx, d, Operation.PlaceInQueue);
  const old = d.queue;
  placeInQueue(tx, d, queue, { ctx, actorAttrs: act });
  tx.report(d, 'EventPlacedInQueue', { ...act, OldQueue: old, ...reason });
  holdAndWrite(ctx, d, act);
}

/**
 * The first half of every move, once the request has passed its checks: the property changes it carries, the
 * requester's EventAck, and whoever has the interaction taken off it. Returns the actor and reason its reports carry.
 */
function takeAway(ctx: Ctx<MoveRequest>, d: Draft, op: number): { act: Attrs; reason: Attrs } {
  const { s, tx, a } = ctx;
  const act = actor(ctx, d);
  const reason = reasonOf(a);
  changeOnTheWay(ctx, d, act);
  tx.send(s.id, isMsg('EventAck', { ReferenceId: a.ReferenceId }));
  detach(tx, ctx, d, op, act, reason, s.id);
  return { act, reason };
}

/** The last step of every move: on hold when the request asks (`Hold`), then the interaction is written. */
function holdAndWrite(ctx: Ctx<MoveRequest>, d: Draft, act: Attrs): void {
  if (ctx.a.Hold === true && d.held !== true) setHeld(ctx.tx, d, true, act);
  ctx.tx.put(d);
}

/**
 * RequestPlaceInWorkbin {InteractionId, WorkbinTypeId, its owner, Hold?, property changes?}: EventAck; reporting
 * EventPartyRemoved, EventPlacedInQueue and EventPlacedInWorkbin. The owner must match the workbin's type; for an
 * agent or place workbin the requesting agent (or its place) is the owner when none is named.
 */
export function placeInWorkbinRequest(ctx: Ctx<'RequestPlaceInWorkbin'>): void {
  const { tx, a } = ctx;
  const d = movable(ctx);
  const wb = workbinNamed(ctx, a.WorkbinTypeId, d.tenantId);
  const name = wb.name;
  const who = ownerNamed(ctx, wb, a, d.tenantId);
  const ownerAttrs = WORKBIN_OWNER_ATTR[who.kind](who.id);
  const owner = placementOwner(who);
  const { act, reason } = takeAway(ctx, d, Operation.PlaceInWorkbin);
  const old = d.queue;
  placeInWorkbin(tx, d, name, owner, { ctx, actorAttrs: act });
  tx.report(d, 'EventPlacedInQueue', { ...act, OldQueue: old, ...reason });
  tx.report(d, 'EventPlacedInWorkbin', { ...act, OldQueue: old, WorkbinTypeId: name, ...ownerAttrs, ...reason });
  holdAndWrite(ctx, d, act);
}

/** RequestLeaveInteraction: the requesting agent stops handling it; the last to leave returns it to its queue. */
export function leaveInteraction(ctx: Ctx<'RequestLeaveInteraction'>): void {
  const { s, tx, a } = ctx;
  const d = owned(ctx, a.InteractionId);
  const party = d.parties.find((p) => p.agentId === s.agentId);
  if (!party) throw new ProtocolError('Error_not_an_owner', `agent '${String(s.agentId)}' does not handle '${d.id}'`);
  if (d.parties.length === 1 && d.queue === '') {
    throw new ProtocolError(
      'Error_invalid_interaction_state',
      `interaction '${d.id}' has no queue to go back to: place it in a queue or stop it`,
    );
  }
  tx.send(s.id, isMsg('EventAck', { ReferenceId: a.ReferenceId }));
  // Its own pending transfer or conference invitation goes with it (its request gets EventError).
  for (const inv of d.invitations)
    if (inv.inviter?.agentId === party.agentId) endInvitation(tx, ctx, d, inv, 'cancelled');
  leave(tx, d, party, actor(ctx, d), reasonOf(a));
  tx.put(d);
}

/**
 * RequestHold / RequestResume, by the submitting media server or a handling agent: EventAck; reporting EventHeld /
 * EventResumed. A held interaction is never offered; resumed, it is offered again if it waits in a queue.
 */
export function hold(held: boolean): (ctx: Ctx<'RequestHold' | 'RequestResume'>) => void {
  return (ctx) => {
    const { s, tx, a, m } = ctx;
    const d = owned(ctx, a.InteractionId);
    if (held && d.held === true)
      throw new ProtocolError('Error_already_held', `interaction '${d.id}' is already held (${m.name})`);
    if (!held && d.held !== true) throw new ProtocolError('Error_not_held', `interaction '${d.id}' is not held`);
    tx.send(s.id, isMsg('EventAck', { ReferenceId: a.ReferenceId }));
    setHeld(tx, d, held, actor(ctx, d));
    if (s.agentId !== undefined) touched(ctx.core.dir, d, s.agentId, tx.nowMs);
    tx.put(d);
  };
}
