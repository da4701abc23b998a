/**
 * Place/agent state reporting registrations (lifecycle §7; reference "Reporting registration"). A reporting engine
 * asks for one place (RequestStartPlaceAgentStateReporting {PlaceId, TenantId?}) or for the places of the tenants its
 * TenantList names (RequestStartPlaceAgentStateReportingAll) and gets EventAck, then one EventPlaceAgentState per such
 * place where an agent is logged in: the snapshot it counts from. A place without an agent gets no event (the EventAck
 * alone says so). What changes afterwards every reporting engine hears as before, from the agent reporting events
 * (EventAgentLogin, EventNotReadyForMedia, ...), so a registration keeps no state: the Stop requests are checked like
 * the Start ones and acknowledged. Reads only: nothing is stored, nobody else gets anything.
 */
import { ProtocolError } from '../protocol/errors.ts';
import { isKvList, Utf16, type KvList, type KvPair, type KvValue } from '../protocol/kv.ts';
import { isMsg, type Message } from '../protocol/message.ts';
import { checkTenantConfigured, type Ctx } from './context.ts';
import type { Directory } from './directory.ts';
import type { AgentState } from './model/session.ts';
import { agentActor, propertiesList } from './render.ts';

type OnePlace = 'RequestStartPlaceAgentStateReporting' | 'RequestStopPlaceAgentStateReporting';
type AllPlaces = 'RequestStartPlaceAgentStateReportingAll' | 'RequestStopPlaceAgentStateReportingAll';

/** RequestStartPlaceAgentStateReporting {PlaceId, TenantId?}: EventAck, then the place's EventPlaceAgentState. */
export function startPlaceReporting(ctx: Ctx<'RequestStartPlaceAgentStateReporting'>): void {
  const place = placeOf(ctx);
  ack(ctx);
  snapshot(ctx, place);
}

/** RequestStopPlaceAgentStateReporting {PlaceId, TenantId?}: EventAck (after the same checks as the Start). */
export function stopPlaceReporting(ctx: Ctx<'RequestStopPlaceAgentStateReporting'>): void {
  placeOf(ctx);
  ack(ctx);
}

/** RequestStartPlaceAgentStateReportingAll {TenantList}: EventAck, then an EventPlaceAgentState per occupied place. */
export function startAllReporting(ctx: Ctx<'RequestStartPlaceAgentStateReportingAll'>): void {
  const selection = selectionOf(ctx);
  ack(ctx);
  const seen = new Set<string>();
  for (const place of placesOf(ctx.core.dir, selection)) {
    if (seen.has(place)) continue;
    seen.add(place);
    snapshot(ctx, place);
  }
}

/** RequestStopPlaceAgentStateReportingAll {TenantList}: EventAck (after the same checks as the Start). */
export function stopAllReporting(ctx: Ctx<'RequestStopPlaceAgentStateReportingAll'>): void {
  selectionOf(ctx);
  ack(ctx);
}

function ack(ctx: Ctx): void {
  ctx.tx.send(ctx.s.id, isMsg('EventAck', { ReferenceId: ctx.m.attrs.ReferenceId }));
}

/** The configured place a one-place request names (of its TenantId, when it gives one). */
function placeOf(ctx: Ctx<OnePlace>): string {
  const { a, m, core } = ctx;
  const place = a.PlaceId;
  if (typeof place !== 'string' || place === '') {
    throw new ProtocolError('Error_place_not_specified', `${m.name} needs PlaceId`);
  }
  const tenant = a.TenantId;
  if (tenant !== undefined) checkTenantConfigured(ctx, tenant);
  const of = core.dir.places.get(place);
  if (of === undefined || (tenant !== undefined && of !== tenant)) {
    throw new ProtocolError(
      'Error_unknown_place_in_request',
      tenant === undefined
        ? `PlaceId '${place}' is not a configured place`
        : `PlaceId '${place}' is not a configured place of tenant ${String(tenant)}`,
    );
  }
  return place;
}

/** The places a TenantList asks for: every place, or per tenant all its places or the named ones. */
type Selection = 'everything' | readonly { readonly tenant: number; readonly places: 'all' | readonly string[] }[];

/** Whether a KV value is empty (`""` or an empty list): "all" in a TenantList. */
function isEmpty(v: KvValue): boolean {
  return v === '' || (v instanceof Utf16 && v.value === '') || (isKvList(v) && v.length === 0);
}

/** A KV value in an error description. */
function describe(v: KvValue): string {
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'number' || typeof v === 'bigint') return String(v);
  return v instanceof Utf16 ? JSON.stringify(v.value) : 'a value of another type';
}

/** Object kinds of a tenant's entry that IXS accepts and ignores (it reports places only). */
const IGNORED_KINDS = new Set(['Queues', 'Strategies', 'Workbins']);

/**
 * The TenantList of a request, checked: absent or empty means every place; `ESP` is ignored; every other key is a
 * configured tenant's id whose value is empty (all its places) or a list of kinds (`Places`: empty for all of them, or
 * a list whose keys name places of that tenant; `Queues`, `Strategies`, `Workbins` ignored; no `Places`: none).
 */
function selectionOf(ctx: Ctx<AllPlaces>): Selection {
  const list = ctx.a.TenantList ?? [];
  if (list.length === 0) return 'everything';
  const dir = ctx.core.dir;
  const out: { tenant: number; places: 'all' | string[] }[] = [];
  for (const { key, value } of list) {
    if (key === 'ESP') continue;
    const tenant = /^\d{1,9}$/.test(key) ? Number(key) : undefined;
    if (tenant === undefined || !dir.tenants.has(tenant)) {
      throw new ProtocolError(
        'Error_unknown_tenant_in_request',
        `TenantList key '${key}' is not a configured tenant's id (nor ESP)`,
      );
    }
    if (isEmpty(value)) {
      out.push({ tenant, places: 'all' });
      continue;
    }
    if (!isKvList(value)) {
      throw new ProtocolError(
        'Error_invalid_protocol_message',
        `TenantList value of tenant ${key} must be empty or a list of Places, Queues, Strategies, Workbins; got ${describe(value)}`,
      );
    }
    const places = placesOfTenant(dir, tenant, value, key);
    if (places !== undefined) out.push({ tenant, places });
  }
  return out;
}

/** The `Places` of one tenant's entry (undefined: the entry names none), checked. */
function placesOfTenant(dir: Directory, tenant: number, kinds: KvList, key: string): 'all' | string[] | undefined {
  let places: 'all' | string[] | undefined;
  for (const p of kinds) {
    if (IGNORED_KINDS.has(p.key)) continue;
    if (p.key !== 'Places') {
      throw new ProtocolError(
        'Error_invalid_protocol_message',
        `TenantList of tenant ${key} names '${p.key}'; the kinds are Places, Queues, Strategies, Workbins`,
      );
    }
    if (isEmpty(p.value)) {
      places = 'all';
      continue;
    }
    if (!isKvList(p.value)) {
      throw new ProtocolError(
        'Error_invalid_protocol_message',
        `TenantList Places of tenant ${key} must be empty or a list whose keys are place ids`,
      );
    }
    for (const named of p.value) {
      if (dir.places.get(named.key) !== tenant) {
        throw new ProtocolError(
          'Error_unknown_place_in_request',
          `TenantList names place '${named.key}', which is not a configured place of tenant ${key}`,
        );
      }
    }
    if (places !== 'all') places = [...(places ?? []), ...p.value.map((n) => n.key)];
  }
  return places;
}

/** The places a selection names, in its order (tenants as listed, places in configuration order or as named). */
function* placesOf(dir: Directory, selection: Selection): IterableIterator<string> {
  if (selection === 'everything') {
    yield* dir.places.keys();
    return;
  }
  for (const { tenant, places } of selection) {
    yield* places === 'all' ? (dir.placesOfTenant.get(tenant) ?? []) : places;
  }
}

/** EventPlaceAgentState of a place to the requester, when an agent is logged in there. */
function snapshot(ctx: Ctx, place: string): void {
  const agentId = ctx.core.state.placeOccupant.get(place);
  const agent = agentId === undefined ? undefined : ctx.tx.agent(agentId);
  if (!agent) return;
  ctx.tx.send(ctx.s.id, placeAgentState(ctx, agent));
}

/**
 * An agent's state at its place: do-not-disturb and since when, each media's readiness (MediaList) and since when it
 * was added and last changed (MediaListEx), the interactions it handles (Interactions: id -> properties), when it
 * logged in, and the agent, its place and tenant as the actor.
 */
function placeAgentState(ctx: Ctx, agent: AgentState): Message {
  const mediaList: KvPair[] = [];
  const mediaListEx: KvPair[] = [];
  for (const [media, ready] of agent.media) {
    const times = agent.mediaTimes?.get(media);
    mediaList.push({ key: media, value: ready ? 1 : 0 });
    mediaListEx.push({
      key: media,
      value: [
        { key: 'MediaAddedAt', value: times?.addedAt ?? agent.loggedInAt },
        { key: 'MediaStateChangedAt', value: times?.stateChangedAt ?? agent.loggedInAt },
      ],
    });
  }
  const interactions: KvPair[] = [];
  for (const id of ctx.core.state.handledBy(agent.id)) {
    const ix = ctx.tx.get(id);
    if (ix) interactions.push({ key: id, value: propertiesList(ix) });
  }
  return isMsg('EventPlaceAgentState', {
    DoNotDisturb: agent.dnd ? 1 : 0,
    DndChangedAt: agent.dndChangedAt ?? agent.loggedInAt,
    MediaList: mediaList,
    MediaListEx: mediaListEx,
    Interactions: interactions,
    ...agentActor(agent),
    LoggedInAt: agent.loggedInAt,
    EventTime: ctx.tx.now,
  });
}
