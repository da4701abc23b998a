/**
 * Supervisor requests (lifecycle.md §6): snapshots of a view or of a condition, with locks and paging; lock and unlock
 * of one interaction; moving a snapshot's interactions to a queue. A snapshot belongs to the session that took it and
 * ends with it (its locks are released then); a locked interaction is never offered, pulled, shown in a view or moved
 * by anyone else (Error_locked_by_snapshot).
 *
 * Decided where the contract is silent: a snapshot names a view (read through the view's ordered index, bounded by
 * the snapshot size) or a condition that names its queues like RequestFindInteractions (read through those queues'
 * interactions), never every interaction; with both, the condition narrows the view. Paging returns the interactions
 * as they are now, leaving out those stopped since. A move takes the lock off what it moves.
 */
import { ConditionParseError } from '../condition/index.ts';
import { ProtocolError } from '../protocol/errors.ts';
import type { KvPair } from '../protocol/kv.ts';
import { isMsg } from '../protocol/message.ts';
import { actor, agentOf, checkQueueOfTenant, show, type Ctx } from './context.ts';
import { placeInQueue, setLock } from './interaction-machine.ts';
import { inQueueFree, type Interaction } from './model/interaction.ts';
import type { Session, Snapshot } from './model/session.ts';
import type { Attrs, Draft, PlanBuilder } from './plan.ts';
import { actorOf, propertiesList, reasonOf } from './render.ts';
import type { CoreState } from './state.ts';
import { byOrderThenId, compileQuery, matchingIn, NAME_THE_QUEUES, type Query } from './query.ts';

/** Open snapshots one session may hold at once (each holds up to maxInteractionsPerSnapshot ids). */
export const MAX_SNAPSHOTS_PER_SESSION = 32;
/** At most this many interactions in one EventSnapshotInteractions. */
export const MAX_SNAPSHOT_PAGE = 500;
/** The order of a snapshot taken by condition without one (reference: ReceivedAt, then the id). */
const DEFAULT_SNAPSHOT_ORDER = 'ReceivedAt ASC';

/** The snapshot a request names, if it is one of the requester's. */
function ownSnapshot(
  ctx: Ctx,
  id: number | undefined,
  error: 'Error_snapshot_getparam_invalid' | 'Error_snapshot_releasing' = 'Error_snapshot_getparam_invalid',
): Snapshot {
  if (id === undefined) throw new ProtocolError(error, `${ctx.m.name} needs SnapshotId`);
  const sn = ctx.core.state.snapshot(id);
  if (!sn || sn.sessionId !== ctx.s.id)
    throw new ProtocolError(error, `snapshot ${String(id)} is not an open snapshot of this session`);
  return sn;
}

/** What a snapshot selects, before its size cap. */
interface Selection {
  readonly tenantId: number;
  readonly list: Interaction[];
  readonly more: boolean;
}

/**
 * RequestTakeSnapshot {ViewId | Condition [+ Order], Lock?, CheckInteractionsState?, SnapshotId?,
 * SnapshotMaxInteractions?} → EventSnapshotTaken {SnapshotId, NumberOfInteractions, HaveMoreInteractions}. With Lock,
 * every listed interaction that is free in its queue and not locked by another snapshot is locked (reporting
 * EventLocked). With SnapshotId, the new snapshot replaces that one of the requester's: the locks of interactions it
 * lists again are kept (inherited, no new report), the others are released (EventUnlocked).
 */
export function takeSnapshot(ctx: Ctx<'RequestTakeSnapshot'>): void {
  const { s, tx, core, a } = ctx;
  const old = a.SnapshotId === undefined ? undefined : ownSnapshot(ctx, a.SnapshotId);
  if (!old && core.state.snapshotsOf(s.id).size >= MAX_SNAPSHOTS_PER_SESSION) {
    throw new ProtocolError(
      'Error_snapshot_limit_reached',
      `this session already has ${String(MAX_SNAPSHOTS_PER_SESSION)} open snapshots: release one first`,
    );
  }
  const cap = core.dir.config.settings.maxInteractionsPerSnapshot;
  const asked = a.SnapshotMaxInteractions;
  if (asked !== undefined && asked < 1)
    throw new ProtocolError('Error_snapshot_countparam_invalid', `SnapshotMaxInteractions ${String(asked)} is below 1`);
  const limit = Math.min(asked ?? cap, cap);
  const onlyQueued = a.CheckInteractionsState !== false;
  const inherited = old ? [...core.state.lockedBy(old.id)].map((id) => tx.get(id)).filter(isDefined) : [];
  // (A view lists only what is free in its queue, so CheckInteractionsState matters to a condition only.)
  const sel = a.ViewId !== undefined ? byView(ctx, a.ViewId, limit, inherited) : byCondition(ctx, limit, onlyQueued);

  const id = old?.id ?? core.nextSnapshotId();
  const ids = sel.list.map((ix) => ix.id);
  const members = new Set(ids);
  tx.send(
    s.id,
    isMsg('EventSnapshotTaken', {
      ReferenceId: a.ReferenceId,
      SnapshotId: id,
      NumberOfInteractions: ids.length,
      HaveMoreInteractions: sel.more,
    }),
  );
  // Locks of the replaced snapshot that the new one does not list are released; the others are kept.
  if (old) for (const ix of inherited) if (!members.has(ix.id)) unlock(ctx, ix, {});
  if (a.Lock === true) {
    for (const ix of sel.list) {
      if (ix.lockedBy !== undefined || !inQueueFree(ix)) continue;
      const d = tx.draft(ix.id);
      if (!d) continue;
      setLock(tx, d, id, actor(ctx, d), {});
      tx.put(d);
    }
  }
  // Session state, changed after every check passed (nothing durable: a snapshot ends with its session).
  core.state.addSnapshot({ id, sessionId: s.id, tenantId: sel.tenantId, ids, members });
}

function isDefined<T>(x: T | undefined): x is T {
  return x !== undefined;
}

/** The tenant a snapshot works in: the logged-in agent's, else the one of the queues it reads. */
function snapshotTenant(ctx: Ctx, queues: Iterable<string>): number {
  const agent = agentOf(ctx);
  if (agent) return agent.tenantId;
  const tenants = new Set<number>();
  for (const q of queues) {
    const t = ctx.core.dir.queues.get(q)?.tenant;
    if (t !== undefined) tenants.add(t);
  }
  if (tenants.size === 1) return [...tenants][0] as number;
  throw new ProtocolError(
    tenants.size === 0 ? 'Error_view_definition_invalid' : 'Error_tenancy_violation',
    tenants.size === 0
      ? 'the snapshot names no configured queue'
      : 'the snapshot names queues of several tenants: log an agent in to pick one',
  );
}

/** A snapshot of a view: its index in its order, narrowed by Condition when one is given. */
function byView(
  ctx: Ctx<'RequestTakeSnapshot'>,
  viewId: string,
  limit: number,
  inherited: readonly Interaction[],
): Selection {
  const { core, tx, a } = ctx;
  const queue = core.state.views.queueOf(viewId);
  if (queue === undefined)
    throw new ProtocolError('Error_snapshot_view_failed', `ViewId '${viewId}' is not a configured view`);
  const tenantId = snapshotTenant(ctx, [queue]);
  if (core.dir.queues.get(queue)?.tenant !== tenantId)
    throw new ProtocolError(
      'Error_snapshot_view_failed',
      `view '${viewId}' is not a view of tenant ${String(tenantId)}`,
    );
  const now = tx.nowMs;
  const narrow = a.Condition === undefined ? undefined : compiled(a.Condition, DEFAULT_SNAPSHOT_ORDER, now).matches;
  const picked = core.state.views.pick(
    viewId,
    now,
    limit,
    // The view lists what is free in its queue and unlocked; the locks this snapshot inherits are listed with it.
    inherited.filter((ix) => inQueueFree(ix)),
    narrow,
  );
  if (!picked) throw new ProtocolError('Error_snapshot_view_failed', `ViewId '${viewId}' is not a configured view`);
  return { tenantId, list: picked.interactions, more: picked.more };
}

/** A compiled snapshot query; a condition or order that does not parse is Error_view_definition_invalid. */
function compiled(condition: string, order: string, now: number): Query {
  try {
    return compileQuery(condition, order, now);
  } catch (e) {
    if (e instanceof ConditionParseError) throw new ProtocolError('Error_view_definition_invalid', e.message);
    throw e;
  }
}

/** A snapshot of a condition that names its queues, in Order (default ReceivedAt, then the id). */
function byCondition(ctx: Ctx<'RequestTakeSnapshot'>, limit: number, onlyQueued: boolean): Selection {
  const { core, tx, a } = ctx;
  if (a.Condition === undefined)
    throw new ProtocolError('Error_view_definition_invalid', 'RequestTakeSnapshot needs a ViewId or a Condition');
  const q = compiled(a.Condition, a.Order ?? DEFAULT_SNAPSHOT_ORDER, tx.nowMs);
  if (q.queues === undefined) throw new ProtocolError('Error_view_definition_invalid', NAME_THE_QUEUES);
  const tenantId = snapshotTenant(ctx, q.queues);
  const found = matchingIn(
    core.state,
    q.queues,
    q,
    (ix) => ix.tenantId === tenantId && (!onlyQueued || inQueueFree(ix)),
  );
  found.sort(byOrderThenId(q));
  return { tenantId, list: found.slice(0, limit), more: found.length > limit };
}

/**
 * RequestGetSnapshotInteractions {SnapshotId, StartFrom, NumberOfInteractions, GetIdentifierOnly?} →
 * EventSnapshotInteractions {SnapshotId, Interactions}: the snapshot's entries from StartFrom (counted from 0) as
 * they are now (ids only with GetIdentifierOnly); those stopped since are left out.
 */
export function getSnapshotInteractions(ctx: Ctx<'RequestGetSnapshotInteractions'>): void {
  const { s, tx, a } = ctx;
  const sn = ownSnapshot(ctx, a.SnapshotId);
  const from = a.StartFrom ?? 0;
  if (from < 0 || from > sn.ids.length)
    throw new ProtocolError(
      'Error_snapshot_posparam_invalid',
      `StartFrom ${String(from)} is outside snapshot ${String(sn.id)} (0 to ${String(sn.ids.length)})`,
    );
  const count = a.NumberOfInteractions;
  if (count === undefined || count < 1 || count > MAX_SNAPSHOT_PAGE)
    throw new ProtocolError(
      'Error_snapshot_countparam_invalid',
      `NumberOfInteractions ${count === undefined ? '(missing)' : show(count)} is not between 1 and ${String(MAX_SNAPSHOT_PAGE)}`,
    );
  const list: KvPair[] = [];
  for (const id of sn.ids.slice(from, from + count)) {
    const ix = tx.get(id);
    if (ix) list.push({ key: id, value: a.GetIdentifierOnly === true ? [] : propertiesList(ix) });
  }
  tx.send(
    s.id,
    isMsg('EventSnapshotInteractions', { ReferenceId: a.ReferenceId, SnapshotId: sn.id, Interactions: list }),
  );
}

/** The interaction a lock request names, listed by the snapshot. */
function listed(ctx: Ctx<'RequestLockInteraction' | 'RequestUnlockInteraction'>, sn: Snapshot): Interaction {
  const id = ctx.a.InteractionId;
  if (!id) throw new ProtocolError('Error_interaction_id_not_specified', `${ctx.m.name} needs InteractionId`);
  const ix = ctx.tx.get(id);
  if (!ix) throw new ProtocolError('Error_unknown_interaction', `there is no interaction '${id}'`);
  if (!sn.members.has(id))
    throw new ProtocolError('Error_snapshot_no_interaction_id', `snapshot ${String(sn.id)} does not list '${id}'`);
  return ix;
}

/**
 * RequestLockInteraction {InteractionId, SnapshotId, Reason?}: EventAck; reporting EventLocked. The interaction must be
 * listed by the snapshot, free in its queue and not locked.
 */
export function lockInteraction(ctx: Ctx<'RequestLockInteraction'>): void {
  const { s, tx, a } = ctx;
  const sn = ownSnapshot(ctx, a.SnapshotId);
  const ix = listed(ctx, sn);
  if (ix.lockedBy !== undefined) {
    throw new ProtocolError(
      'Error_snapshot_interaction_locked',
      ix.lockedBy === sn.id
        ? `interaction '${ix.id}' is already locked by snapshot ${String(sn.id)}`
        : `interaction '${ix.id}' is locked by another snapshot`,
    );
  }
  if (!inQueueFree(ix)) {
    throw new ProtocolError(
      'Error_snapshot_can_not_lock_interaction',
      `interaction '${ix.id}' is not waiting in a queue (only queued interactions with no invitation can be locked)`,
    );
  }
  tx.send(s.id, isMsg('EventAck', { ReferenceId: a.ReferenceId }));
  const d = tx.draft(ix.id);
  if (!d) return;
  setLock(tx, d, sn.id, actor(ctx, d), reasonOf(a));
  tx.put(d);
}

/** RequestUnlockInteraction {InteractionId, SnapshotId, Reason?}: EventAck; reporting EventUnlocked. */
export function unlockInteraction(ctx: Ctx<'RequestUnlockInteraction'>): void {
  const { s, tx, a } = ctx;
  const sn = ownSnapshot(ctx, a.SnapshotId);
  const ix = listed(ctx, sn);
  if (ix.lockedBy !== sn.id) {
    throw new ProtocolError(
      'Error_snapshot_interaction_unlocked',
      `interaction '${ix.id}' is not locked by snapshot ${String(sn.id)}`,
    );
  }
  tx.send(s.id, isMsg('EventAck', { ReferenceId: a.ReferenceId }));
  unlock(ctx, ix, reasonOf(a));
}

function unlock(ctx: Ctx, ix: Interaction, reason: Attrs): void {
  const d = ctx.tx.draft(ix.id);
  if (!d) return;
  setLock(ctx.tx, d, undefined, actor(ctx, d), reason);
  ctx.tx.put(d);
}

/** RequestReleaseSnapshot {SnapshotId}: EventAck; its locks are released (reporting EventUnlocked for each). */
export function releaseSnapshot(ctx: Ctx<'RequestReleaseSnapshot'>): void {
  const { s, tx, core, a } = ctx;
  const sn = ownSnapshot(ctx, a.SnapshotId, 'Error_snapshot_releasing');
  tx.send(s.id, isMsg('EventAck', { ReferenceId: a.ReferenceId }));
  releaseLocks(tx, core.state, sn, (ix) => actor(ctx, ix));
  core.state.removeSnapshot(sn.id);
}

/** Releases every lock a snapshot holds, in id order (EventUnlocked for each). */
function releaseLocks(tx: PlanBuilder, state: CoreState, sn: Snapshot, act: (ix: Interaction) => Attrs): void {
  for (const id of [...state.lockedBy(sn.id)].sort()) {
    const d = tx.draft(id);
    if (!d || d.lockedBy !== sn.id) continue;
    setLock(tx, d, undefined, act(d), {});
    tx.put(d);
  }
}

/** A session ended: its snapshots end with it, their locks released (EventUnlocked, the session as the actor). */
export function snapshotsSessionEnded(tx: PlanBuilder, state: CoreState, s: Session): void {
  for (const id of [...state.snapshotsOf(s.id)]) {
    const sn = state.snapshot(id);
    if (!sn) continue;
    const agent = s.agentId === undefined ? undefined : tx.agent(s.agentId);
    releaseLocks(tx, state, sn, (ix) => actorOf(s, ix.tenantId, tx.strategyOf(ix.queue), agent));
    state.removeSnapshot(id);
  }
}

/**
 * RequestMoveInteractions {SnapshotId, Queue} → EventInteractionsMoved {SnapshotId, MovedInteractions: id → 1 moved,
 * 0 not}: every listed interaction waiting in a queue (not the target) or in a workbin, with no invitation and not
 * locked by another snapshot, is placed in Queue (reporting EventPlacedInQueue; its lock by this snapshot released
 * first with EventUnlocked). Those handled, being routed or offered, locked by others or stopped are not moved.
 */
export function moveInteractions(ctx: Ctx<'RequestMoveInteractions'>): void {
  const { s, tx, a } = ctx;
  const sn = ownSnapshot(ctx, a.SnapshotId);
  const queue = a.Queue;
  if (!queue) throw new ProtocolError('Error_queue_not_specified', 'RequestMoveInteractions needs Queue');
  checkQueueOfTenant(ctx, queue, sn.tenantId);
  const moved: KvPair[] = [];
  const drafts: Draft[] = [];
  for (const id of sn.ids) {
    const d = tx.draft(id);
    const ok =
      d !== undefined &&
      d.tenantId === sn.tenantId &&
      d.invitations.length === 0 &&
      (d.lockedBy === undefined || d.lockedBy === sn.id) &&
      ((d.placement.kind === 'queued' && d.queue !== queue) || d.placement.kind === 'workbin');
    moved.push({ key: id, value: ok ? 1 : 0 });
    if (ok) drafts.push(d);
  }
  tx.send(
    s.id,
    isMsg('EventInteractionsMoved', { ReferenceId: a.ReferenceId, SnapshotId: sn.id, MovedInteractions: moved }),
  );
  for (const d of drafts) {
    const act = actor(ctx, d);
    if (d.lockedBy !== undefined) setLock(tx, d, undefined, act, {});
    const old = d.queue;
    placeInQueue(tx, d, queue, { ctx, actorAttrs: act });
    tx.report(d, 'EventPlacedInQueue', { ...act, OldQueue: old });
    tx.put(d);
  }
}
