/**
 * How the core's model reads on the wire: flattened InteractionProperties, ActorInfo, PartyInfo and ReasonInfo
 * (reference §3.2), and the T-Library facade messages routing engines get.
 */
import { ActorType, PartyType } from '../protocol/enums.ts';
import type { KvList, KvPair } from '../protocol/kv.ts';
import { tlibMsg, type AttrValue, type Message } from '../protocol/message.ts';
import { tlibWireMessageByName } from '../protocol/tlib-wire.ts';
import type { AgentState, Session } from './model/session.ts';
import type { Attrs } from './model/outbound.ts';
import { connIdOf, stateOf, type Interaction } from './model/interaction.ts';

/** The flattened InteractionProperties of an interaction (reference §3.2); absent values are left out. */
export function itxAttrs(ix: Interaction): Record<string, AttrValue> {
  const a: Record<string, AttrValue> = {
    InteractionId: ix.id,
    InteractionType: ix.type,
    InteractionSubtype: ix.subtype,
    InteractionMediatype: ix.mediaType,
    InteractionTenantId: ix.tenantId,
    InteractionState: stateOf(ix),
    InteractionQueue: ix.queue,
    InteractionReceivedAt: ix.receivedAt,
    InteractionSubmittedAt: ix.submittedAt,
    InteractionSubmittedBy: ix.submittedBy,
    InteractionIsOnline: ix.isOnline,
    InteractionIsLocked: ix.lockedBy !== undefined,
    InteractionUserData: ix.userData,
  };
  if (ix.parentId !== undefined) a.InteractionParentInteractionId = ix.parentId;
  if (ix.deliveredAt !== undefined) a.InteractionDeliveredAt = ix.deliveredAt;
  if (ix.placedInQueueAt !== undefined) a.InteractionPlacedInQueueAt = ix.placedInQueueAt;
  if (ix.movedToQueueAt !== undefined) a.InteractionMovedToQueueAt = ix.movedToQueueAt;
  if (ix.abandonedAt !== undefined) a.InteractionAbandonedAt = ix.abandonedAt;
  // Carried only while held (absent reads as not held), so that messages about interactions never held are unchanged.
  if (ix.held === true) a.InteractionIsHeld = true;
  if (ix.heldAt !== undefined) a.InteractionHeldAt = ix.heldAt;
  const p = ix.placement;
  if (p.kind === 'workbin') {
    a.InteractionWorkbinTypeId = p.workbin;
    if (p.agentId !== undefined) a.InteractionAgentId = p.agentId;
    if (p.placeId !== undefined) a.InteractionPlaceId = p.placeId;
    if (p.agentGroupId !== undefined) a.InteractionGroupId = p.agentGroupId;
    if (p.placeGroupId !== undefined) a.InteractionPlaceGroupId = p.placeGroupId;
  }
  return a;
}

/**
 * An interaction as one entry of an `Interactions` KV list (EventPulledInteractions, workbin content, snapshots):
 * its system properties by their property names, then its user data.
 */
export function propertiesList(ix: Interaction): KvList {
  const out: KvPair[] = [
    { key: 'InteractionId', value: ix.id },
    { key: 'InteractionType', value: ix.type },
    { key: 'InteractionSubtype', value: ix.subtype },
    { key: 'MediaType', value: ix.mediaType },
    { key: 'TenantId', value: ix.tenantId },
    { key: 'InteractionState', value: stateOf(ix) },
    { key: 'Queue', value: ix.queue },
    { key: 'SubmittedBy', value: ix.submittedBy },
    { key: 'SubmittedAt', value: ix.submittedAt },
    { key: 'ReceivedAt', value: ix.receivedAt },
    { key: 'IsOnline', value: ix.isOnline ? 1 : 0 },
    { key: 'IsHeld', value: ix.held === true ? 1 : 0 },
  ];
  // Carried only while locked, so that the lists of interactions never locked are unchanged.
  if (ix.lockedBy !== undefined) out.push({ key: 'IsLocked', value: 1 });
  if (ix.placedInQueueAt !== undefined) out.push({ key: 'PlacedInQueueAt', value: ix.placedInQueueAt });
  if (ix.deliveredAt !== undefined) out.push({ key: 'DeliveredAt', value: ix.deliveredAt });
  if (ix.parentId !== undefined) out.push({ key: 'ParentId', value: ix.parentId });
  if (ix.abandonedAt !== undefined) out.push({ key: 'AbandonedAt', value: ix.abandonedAt });
  return [...out, ...ix.userData.filter((p) => !SYSTEM_KEYS.has(p.key))];
}

const SYSTEM_KEYS = new Set([
  'InteractionId',
  'InteractionType',
  'InteractionSubtype',
  'MediaType',
  'TenantId',
  'InteractionState',
  'Queue',
  'SubmittedBy',
  'SubmittedAt',
  'ReceivedAt',
  'IsOnline',
  'IsHeld',
  'IsLocked',
  'PlacedInQueueAt',
  'DeliveredAt',
  'ParentId',
  'AbandonedAt',
]);

/** ActorInfo of a requester acting on an interaction of `tenantId`. */
export function actorOf(s: Session, tenantId: number, strategy: string, agent?: AgentState): Attrs {
  switch (s.clientType) {
    case 'MediaServer':
      return { ActorType: ActorType.MediaServer, ActorMediaServerId: s.clientName, ActorTenantId: tenantId };
    case 'RoutingEngine':
      return {
        ActorType: ActorType.Strategy,
        ActorRouterId: s.clientName,
        ActorStrategyId: strategy,
        ActorTenantId: tenantId,
      };
    default:
      return agent
        ? { ActorType: ActorType.Agent, ActorAgentId: agent.id, ActorPlaceId: agent.placeId, ActorTenantId: tenantId }
        : { ActorTenantId: tenantId };
  }
}

/** ActorInfo of an agent acting on its own state. */
export function agentActor(a: AgentState): Attrs {
  return { ActorType: ActorType.Agent, ActorTenantId: a.tenantId, ActorAgentId: a.id, ActorPlaceId: a.placeId };
}

/** AgentDescription of an agent. */
export function agentDescription(a: AgentState): Attrs {
  return { TenantId: a.tenantId, PlaceId: a.placeId, AgentId: a.id };
}

/** A strategy party: the routing engine holding the interaction, and the strategy of its queue. */
export function strategyParty(ix: Interaction, routerName: string, strategy: string): Attrs {
  return { PartyType: PartyType.StrategyParty, TenantId: ix.tenantId, RouterId: routerName, StrategyId: strategy };
}

/** A resource party: an agent at its place. */
export function agentParty(tenantId: number, agentId: string, placeId: string | undefined): Attrs {
  return { PartyType: PartyType.ResourceParty, TenantId: tenantId, AgentId: agentId, PlaceId: placeId };
}

/** The ReasonInfo attributes of a request. */
export function reasonOf(a: Readonly<Record<string, AttrValue>>): Attrs {
  const out: Attrs = {};
  for (const k of ['Reason', 'ReasonDescription', 'ReasonSystemName'] as const) if (a[k] !== undefined) out[k] = a[k];
  if (out.ReasonDescription !== undefined || out.ReasonSystemName !== undefined) out.Reason ??= 0;
  return out;
}

export function reasonText(r: Attrs): string | undefined {
  return (r.ReasonSystemName ?? r.ReasonDescription) as string | undefined;
}

/** EventAttachedDataChanged (T-Library facade) for a change of an interaction's user data. */
export function attachedDataChanged(
  ix: Interaction,
  ref: AttrValue | undefined,
  added: KvList,
  changed: KvList,
  deleted: KvList,
  thisDN: string,
): Message {
  return tlibMsg('EventAttachedDataChanged', {
    ReferenceId: ref,
    ConnId: ix.id,
    ThisDN: thisDN,
    UserData: ix.userData,
    ...(added.length ? { AddedProperties: added } : {}),
    ...(changed.length ? { ChangedProperties: changed } : {}),
    ...(deleted.length ? { DeletedProperties: deleted } : {}),
    Version: ix.version,
  });
}

/** EventRouteUsed: how a routing engine's RequestRouteCall ended (`thisDN`: the strategy it was routed from). */
export function routeUsed(
  ix: Interaction,
  ref: AttrValue | undefined,
  otherDN: string,
  result: string,
  thisDN: string,
): Message {
  return tlibMsg('EventRouteUsed', {
    ReferenceId: ref,
    ConnId: ix.id,
    ThisDN: thisDN,
    OtherDN: otherDN,
    Result: result,
  });
}

/**
 * Which interaction, and which hand-off of it, a message to a routing engine is about: what its binary T-Library form
 * (see {@link tlibWireForm}) is built from. `connId` is the hand-off's ConnID (undefined: the engine never had one).
 */
export interface RouterTopic {
  readonly ix: Interaction;
  readonly connId: string | undefined;
}

/** The topic of a message about an interaction's current hand-off (its ConnID while a routing engine holds it). */
export function handOff(ix: Interaction): RouterTopic {
  return { ix, connId: connIdOf(ix) };
}

/** T-Library CallType of an interaction type: Internal 1, Inbound 2, Outbound 3, any other 0 (Unknown). */
function callTypeOf(type: string): number {
  return type === 'Internal' ? 1 : type === 'Inbound' ? 2 : type === 'Outbound' ? 3 : 0;
}

/**
 * A T-Library facade message as a routing engine on the binary T-Library dialect gets it: only the attributes the
 * T-Library message has, the interaction named by its hand-off's ConnID (with CallID, CallType and ThisQueue), its
 * user data with `InteractionId` added, and for EventRouteRequest the system properties in Extensions. The facade's
 * own additions (Version, Result, the interaction's properties, the change lists) are left out.
 */
export function tlibWireForm(m: Message, about: RouterTopic): Message {
  const def = tlibWireMessageByName(m.name);
  if (!def) return m;
  const { ix, connId } = about;
  const has = new Set(def.attrs);
  const out: Record<string, AttrValue> = {};
  for (const k of def.attrs) {
    const v = m.attrs[k];
    if (v !== undefined) out[k] = v;
  }
  delete out.ConnId;
  if (has.has('ConnId') && connId !== undefined) {
    out.ConnId = connId;
    if (has.has('CallID')) out.CallID = Number.parseInt(connId.slice(-8), 16) & 0x7fffffff;
  }
  if (has.has('CallType')) out.CallType = callTypeOf(ix.type);
  if (has.has('ThisQueue')) out.ThisQueue ??= (m.attrs.ThisDN as string | undefined) ?? ix.queue;
  if (has.has('UserData') && (out.UserData !== undefined || m.name !== 'EventRouteUsed')) {
    const ud = ix.userData;
    out.UserData = ud.some((p) => p.key === 'InteractionId') ? ud : [...ud, { key: 'InteractionId', value: ix.id }];
  }
  // A route to an agent that did not end with the agent taking it says why (§9.8 F: Reasons {Result}).
  const result = m.attrs.Result;
  if (m.name === 'EventRouteUsed' && (result === 'rejected' || result === 'timeout')) {
    out.Reasons = [{ key: 'Result', value: result }];
  }
  if (m.name === 'EventRouteRequest') {
    const ext: KvPair[] = [
      { key: 'InteractionId', value: ix.id },
      { key: 'InteractionType', value: ix.type },
      { key: 'InteractionSubtype', value: ix.subtype },
      { key: 'MediaType', value: ix.mediaType },
      { key: 'Queue', value: ix.queue },
      { key: 'TenantId', value: ix.tenantId },
      { key: 'SubmittedBy', value: ix.submittedBy },
    ];
    if (ix.parentId !== undefined) ext.push({ key: 'ParentId', value: ix.parentId });
    out.Extensions = ext;
  }
  return tlibMsg(m.name, out);
}
