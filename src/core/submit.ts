/** RequestSubmit: a media server (or a logged-in agent) creates an interaction in a queue. */
import { Operation } from '../protocol/enums.ts';
import { ProtocolError } from '../protocol/errors.ts';
import { isMsg } from '../protocol/message.ts';
import {
  actor,
  agentOf,
  checkQueueOfTenant,
  checkTenantConfigured,
  checkUserDataSize,
  firstDuplicateKey,
  requiredTenant,
  type Ctx,
} from './context.ts';
import { WORKBIN_OWNER_ATTR, created, placeInWorkbin } from './interaction-machine.ts';
import { ownerNamed, placementOwner, workbinNamed } from './workbins.ts';
import { intern } from './model/packed.ts';
import type { Draft } from './plan.ts';
import { agentParty } from './render.ts';

export function submit(ctx: Ctx<'RequestSubmit'>): void {
  const { s, m, tx, core, a } = ctx;
  const dir = core.dir;
  const tenantId = requiredTenant(m);
  checkTenantConfigured(ctx, tenantId);
  const mediaType = a.MediaType;
  if (!mediaType) throw new ProtocolError('Error_media_type_not_specified', 'RequestSubmit needs MediaType');
  if (!dir.mediaTypes.has(mediaType)) {
    throw new ProtocolError(
      'Error_unsupported_media_type',
      `MediaType '${mediaType}' is not configured (configured: ${dir.config.mediaTypes.join(', ')})`,
    );
  }
  const type = a.InteractionType;
  if (!type) throw new ProtocolError('Error_interaction_type_not_specified', 'RequestSubmit needs InteractionType');
  const subtypes = Object.hasOwn(dir.config.interactionTypes, type) ? dir.config.interactionTypes[type] : undefined;
  if (!subtypes)
    throw new ProtocolError('Error_unsupported_interaction_type', `InteractionType '${type}' is not configured`);
  const subtype = a.InteractionSubtype;
  if (!subtype)
    throw new ProtocolError('Error_interaction_subtype_not_specified', 'RequestSubmit needs InteractionSubtype');
  if (!subtypes.includes(subtype)) {
    throw new ProtocolError(
      'Error_unsupported_interaction_subtype',
      `InteractionSubtype '${subtype}' is not configured for InteractionType '${type}'`,
    );
  }
  const queue = a.Queue;
  // Into a workbin (WorkbinTypeId and its owner): parked there from the start, handled by nobody.
  const wb = a.WorkbinTypeId === undefined ? undefined : workbinNamed(ctx, a.WorkbinTypeId, tenantId);
  const owner = wb && ownerNamed(ctx, wb, a, tenantId);
  if (!queue && !wb && s.clientType === 'MediaServer')
    throw new ProtocolError('Error_queue_not_specified', 'RequestSubmit needs Queue (or WorkbinTypeId)');
  if (queue) checkQueueOfTenant(ctx, queue, tenantId);
  let id = a.InteractionId;
  if (id !== undefined) {
    if (id === '') throw new ProtocolError('Error_invalid_protocol_message', 'InteractionId must not be empty');
    if (tx.get(id))
      throw new ProtocolError('Error_duplicated_interaction_id', `an interaction with id '${id}' already exists`);
  } else {
    do id = core.newInteractionId();
    while (tx.get(id));
  }
  const userData = a.UserData ?? [];
  checkUserDataSize(ctx, userData, 'UserData');
  const dupe = firstDuplicateKey(userData);
  if (dupe !== undefined) throw new ProtocolError('Error_duplicated_properties', `UserData has key '${dupe}' twice`);
  const agent = s.clientType === 'AgentApplication' && !wb ? agentOf(ctx) : undefined;
  const d: Draft = {
    id,
    tenantId,
    // Shared copies of strings every interaction repeats (a million waiting interactions must stay small).
    mediaType: intern(mediaType),
    type: intern(type),
    subtype: intern(subtype),
    queue: intern(queue ?? ''),
    ...created(core.dir, { queue: queue ?? '', userData }, agent, tx.nowMs),
    submittedBy: s.clientName,
    submittedAt: tx.now,
    receivedAt: a.ReceivedAt ?? tx.now,
    isOnline: a.IsOnline === true,
    userData,
    version: 1,
    eventSeq: 0,
    ...(typeof a.ParentInteractionId === 'string' ? { parentId: a.ParentInteractionId } : {}),
    ...(queue ? { placedInQueueAt: tx.now } : {}),
  };
  tx.send(s.id, isMsg('EventAck', { ReferenceId: a.ReferenceId, InteractionId: id, Version: d.version }));
  tx.report(d, 'EventInteractionSubmitted', actor(ctx, d));
  if (wb && owner) {
    const act = actor(ctx, d);
    const old = d.queue;
    placeInWorkbin(tx, d, wb.name, placementOwner(owner), { ctx, actorAttrs: act });
    tx.report(d, 'EventPlacedInQueue', { ...act, OldQueue: old });
    tx.report(d, 'EventPlacedInWorkbin', {
      ...act,
      OldQueue: old,
      WorkbinTypeId: wb.name,
      ...WORKBIN_OWNER_ATTR[owner.kind](owner.id),
    });
  }
  if (agent) {
    tx.report(d, 'EventPartyAdded', {
      ...actor(ctx, d),
      ...agentParty(d.tenantId, agent.id, agent.placeId),
      Operation: Operation.Create,
    });
  }
  tx.put(d);
}
