/**
 * Change Properties (the seed scenario) and its T-Library twins RequestUpdateUserData / RequestDeleteUserData, and
 * RequestGetInteractionProperties.
 */
import { ProtocolError } from '../protocol/errors.ts';
import { kvGet, type KvList, type KvPair, type KvValue } from '../protocol/kv.ts';
import { isMsg } from '../protocol/message.ts';
import {
  actor,
  checkTenant,
  checkUserDataSize,
  checkVersion,
  checkWritable,
  firstDuplicateKey,
  owned,
  type Ctx,
} from './context.ts';
import { routerOf, type Interaction } from './model/interaction.ts';
import type { Session } from './model/session.ts';
import type { Draft } from './plan.ts';
import { attachedDataChanged, handOff, itxAttrs } from './render.ts';
import { Audience } from './audience.ts';
import { touched, workbinChanged } from './interaction-machine.ts';
import { SYSTEM_PROPERTIES } from './system-properties.ts';

export function changeProperties(ctx: Ctx<'RequestChangeProperties'>): void {
  const a = ctx.a;
  const d = owned(ctx, a.InteractionId);
  checkVersion(d, a.ExpectedVersion);
  const added = a.AddedProperties ?? [];
  const changed = a.ChangedProperties ?? [];
  const deleted = a.DeletedProperties ?? [];
  checkDelta(d, added, changed, deleted, ctx.s);
  applyChange(
    ctx,
    d,
    added,
    changed,
    deleted.map((p) => p.key),
  );
}

/**
 * The rules of a change of properties (lifecycle and seed contract): no key twice, no read-only system property (but
 * IsOnline changed by a media server, see {@link checkOnline}), an added key must be new and a deleted one must exist.
 * `requester`: who asks (absent: IsOnline is read-only too).
 */
export function checkDelta(d: Interaction, added: KvList, changed: KvList, deleted: KvList, requester?: Session): void {
  const seen = new Map<string, string>();
  for (const [list, label] of [
    [added, 'AddedProperties'],
    [changed, 'ChangedProperties'],
    [deleted, 'DeletedProperties'],
  ] as const) {
    for (const p of list) {
      const prev = seen.get(p.key);
      if (prev !== undefined) {
        throw new ProtocolError(
          'Error_duplicated_properties',
          prev === label
            ? `key '${p.key}' appears twice in ${label}`
            : `key '${p.key}' appears in both ${prev} and ${label}`,
        );
      }
      seen.set(p.key, label);
    }
  }
  for (const p of added) checkKey(p.key, 'AddedProperties', requester);
  for (const p of changed) {
    if (p.key === IS_ONLINE) checkOnline(p.value, requester);
    else checkWritable(p.key);
  }
  for (const p of deleted) checkKey(p.key, 'DeletedProperties', requester);
  for (const p of added) {
    if (kvGet(d.userData, p.key) !== undefined) {
      throw new ProtocolError(
        'Error_duplicated_properties',
        `AddedProperties key '${p.key}' already exists; use ChangedProperties to replace it`,
      );
    }
  }
  for (const p of deleted) {
    if (kvGet(d.userData, p.key) === undefined) {
      throw new ProtocolError(
        'Error_invalid_interaction_data',
        `DeletedProperties key '${p.key}' does not exist in interaction '${d.id}'`,
      );
    }
  }
}

/** The system property a media server may change (reference §3.4: "the media server may change it later"). */
export const IS_ONLINE = 'IsOnline';

/** A key added or deleted: never a system property; IsOnline is always there, so it can only be changed. */
function checkKey(key: string, list: 'AddedProperties' | 'DeletedProperties', requester: Session | undefined): void {
  if (key === IS_ONLINE && requester?.clientType === 'MediaServer') {
    throw new ProtocolError(
      'Error_read_only_property',
      `property 'IsOnline' cannot be in ${list}: a media server changes it with ChangedProperties (0 or 1)`,
    );
  }
  checkWritable(key);
}

/**
 * IsOnline in ChangedProperties: only a media server may change it (the submitter, or a write token of the HTTP door
 * acting as one; every other client gets 66 as for any system property), and only to the integer 0 or 1 (65).
 */
function checkOnline(value: KvValue, requester: Session | undefined): void {
  if (requester?.clientType !== 'MediaServer') checkWritable(IS_ONLINE);
  if (onlineValue(value) === undefined) {
    const got =
      typeof value === 'string'
        ? `the string '${value}'`
        : typeof value === 'number' || typeof value === 'bigint'
          ? String(value)
          : 'a value of another type';
    throw new ProtocolError(
      'Error_invalid_property_type',
      `property 'IsOnline' must be the integer 0 or 1, got ${got}`,
    );
  }
}

/** An IsOnline value as a flag (0 or 1, as a 32- or 64-bit integer); undefined for anything else. */
function onlineValue(v: KvValue): boolean | undefined {
  if (v === 0 || v === 0n) return false;
  if (v === 1 || v === 1n) return true;
  return undefined;
}

/** T-Library RequestUpdateUserData: merges user data (existing keys replaced, new keys added). */
export function updateUserData(ctx: Ctx<'RequestUpdateUserData'>): void {
  const a = ctx.a;
  const d = owned(ctx, a.ConnId);
  checkVersion(d, a.ExpectedVersion);
  const ud = a.UserData;
  if (!ud) throw new ProtocolError('Error_invalid_protocol_message', 'RequestUpdateUserData needs userData');
  const dupe = firstDuplicateKey(ud);
  if (dupe !== undefined) throw new ProtocolError('Error_duplicated_properties', `userData has key '${dupe}' twice`);
  for (const p of ud) checkWritable(p.key);
  applyChange(ctx, d, [], ud, []);
}

/** T-Library RequestDeleteUserData: deletes the named keys, or every key but the system properties. */
export function deleteUserData(ctx: Ctx<'RequestDeleteUserData'>): void {
  const a = ctx.a;
  const d = owned(ctx, a.ConnId);
  checkVersion(d, a.ExpectedVersion);
  const keys = a.Keys;
  let del: string[];
  if (keys === undefined) {
    del = d.userData.map((p) => p.key).filter((k) => !SYSTEM_PROPERTIES.has(k));
  } else {
    const dupe = keys.find((k, i) => keys.indexOf(k) !== i);
    if (dupe !== undefined) throw new ProtocolError('Error_duplicated_properties', `keys names '${dupe}' twice`);
    for (const k of keys) checkWritable(k);
    for (const k of keys) {
      if (kvGet(d.userData, k) === undefined) {
        throw new ProtocolError('Error_invalid_interaction_data', `key '${k}' does not exist in interaction '${d.id}'`);
      }
    }
    del = [...keys];
  }
  applyChange(ctx, d, [], [], del);
}

/**
 * Applies a validated change and plans its fan-out: the requester's ack, EventPropertiesChanged to reporting engines,
 * the handling agents and an opted-in submitting media server, EventAttachedDataChanged to the routing engine holding
 * it. Nobody gets its own change echoed, and nobody gets it twice.
 */
function applyChange(ctx: Ctx, d: Draft, added: KvList, changed: KvList, deleted: readonly string[]): void {
  const { tx, s, m } = ctx;
  const wasOnline = d.isOnline;
  const { evAdded, evChanged, evDeleted, noChange } = mergeDelta(ctx, d, added, changed, deleted);
  // A handling agent acting on its interaction starts its handling timer again (with the new user data's
  // `handling-timeout`, if it changed).
  if (s.agentId !== undefined) touched(ctx.core.dir, d, s.agentId, tx.nowMs);
  // The requester: its ack (EventAttachedDataChanged stands in for EventAck on the T-Library facade).
  // With settings.noUserdataChangedResponseToUrs the routing engine gets no reply at all (Genesys' option).
  if (m.protocol === 'tlib') {
    if (!ctx.core.dir.config.settings.noUserdataChangedResponseToUrs) {
      const ack = attachedDataChanged(d, m.attrs.ReferenceId, evAdded, evChanged, evDeleted, tx.strategyOf(d.queue));
      tx.send(s.id, ack, handOff(d));
    }
  } else {
    tx.send(s.id, isMsg('EventAck', { ReferenceId: m.attrs.ReferenceId, Version: d.version }));
  }
  if (noChange) return;
  // The same message object for reporting engines, agents and the media server: it is encoded only once.
  const pc = tx.report(d, 'EventPropertiesChanged', {
    ...actor(ctx, d),
    ...deltaAttrs(evAdded, evChanged, evDeleted),
    Version: d.version,
  });
  const audience = new Audience(ctx);
  audience.handlers(d, pc);
  if (routerOf(d) !== undefined)
    audience.router(d, attachedDataChanged(d, undefined, evAdded, evChanged, evDeleted, tx.strategyOf(d.queue)));
  audience.submitter(d, (ms) => ms.wantsPropertiesChanged, pc);
  if (d.placement.kind === 'workbin') workbinChanged(tx, { ctx, actorAttrs: actor(ctx, d) }, d, 'PropertiesChanged');
  // IsOnline is a field of the record (and an index: online interactions by submitter), not only its properties.
  tx.put(d, d.isOnline === wasOnline);
}

/** A change as reported: what was added (including changed keys that were new), changed and deleted. */
export interface Delta {
  readonly evAdded: KvList;
  readonly evChanged: KvList;
  readonly evDeleted: KvList;
  /** Nothing changed (every changed value was the same, nothing added or deleted). */
  readonly noChange: boolean;
}

/** The attributes of EventPropertiesChanged for a change (empty lists left out). */
export function deltaAttrs(evAdded: KvList, evChanged: KvList, evDeleted: KvList): Record<string, KvList> {
  return {
    ...(evAdded.length ? { AddedProperties: evAdded } : {}),
    ...(evChanged.length ? { ChangedProperties: evChanged } : {}),
    ...(evDeleted.length ? { DeletedProperties: evDeleted } : {}),
  };
}

/**
 * Applies a checked change to the draft's user data (a new version when anything changed). IsOnline (checked: only a
 * media server's change gets here) is not user data: it sets the interaction's flag, and AbandonedAt when it turns
 * from 1 to 0 (removed when it turns 1 again: unset while online).
 */
export function mergeDelta(
  ctx: Pick<Ctx, 'core' | 'tx'>,
  d: Draft,
  added: KvList,
  changed: KvList,
  deleted: readonly string[],
): Delta {
  const next = new Map<string, KvValue>(d.userData.map((p) => [p.key, p.value]));
  const evAdded: KvPair[] = [...added];
  const evChanged: KvPair[] = [];
  let online: boolean | undefined;
  for (const p of changed) {
    if (p.key === IS_ONLINE) {
      online = onlineValue(p.value) === true;
      evChanged.push({ key: IS_ONLINE, value: online ? 1 : 0 });
    } else if (next.has(p.key)) evChanged.push(p);
    else evAdded.push(p);
  }
  for (const p of added) next.set(p.key, p.value);
  for (const p of changed) if (p.key !== IS_ONLINE) next.set(p.key, p.value);
  for (const k of deleted) next.delete(k);
  const userData: KvList = [...next].map(([key, value]) => ({ key, value }));
  const evDeleted: KvPair[] = deleted.map((key) => ({ key, value: '' }));
  const noChange = evAdded.length + evChanged.length + evDeleted.length === 0;
  if (!noChange) {
    checkUserDataSize(ctx, userData, `the user data of interaction '${d.id}' after this change`);
    d.userData = userData;
    d.version += 1;
    const pk = userData.find((p) => p.key === 'ParentId');
    if (pk && typeof pk.value === 'string') d.parentId = pk.value;
    if (online === true) delete d.abandonedAt;
    else if (online === false && d.isOnline) d.abandonedAt = ctx.tx.now;
    if (online !== undefined) d.isOnline = online;
  }
  return { evAdded, evChanged, evDeleted, noChange };
}

export function getProperties(ctx: Ctx<'RequestGetInteractionProperties'>): void {
  const { a, tx, core } = ctx;
  const key = a.InteractionId;
  if (typeof key !== 'string' || !key) {
    throw new ProtocolError(
      'Error_interaction_id_not_specified',
      'RequestGetInteractionProperties needs InteractionId',
    );
  }
  let ix: Interaction | undefined;
  if (a.SearchByExternalId === true) {
    // The most recently created of those carrying it (ExternalId is not required to be unique).
    for (const id of core.state.withExternalId(key)) {
      const x = tx.get(id);
      if (x && (!ix || x.submittedAt >= ix.submittedAt)) ix = x;
    }
  } else {
    ix = tx.get(key);
  }
  if (!ix) {
    const what = a.SearchByExternalId === true ? `with ExternalId '${key}'` : `'${key}'`;
    throw new ProtocolError('Error_unknown_interaction', `there is no interaction ${what}`);
  }
  checkTenant(ctx, ix);
  tx.send(
    ctx.s.id,
    isMsg('EventInteractionProperties', {
      ReferenceId: a.ReferenceId,
      ...itxAttrs(ix),
      SubmittedToRouterAt: ix.submittedToRouterAt,
      Version: ix.version,
    }),
  );
}
