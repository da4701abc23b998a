/**
 * RequestPull (lifecycle.md §5): an agent takes waiting work itself — from a configured view (in the view's order), from
 * one owner's workbin (oldest placement first), or one interaction by id from `_system_`. Pulled interactions are
 * handled by the puller, which needs capacity for them; held ones are skipped unless IgnoreHold. The reads go through
 * the views' and workbins' ordered indexes and look at a bounded number of entries, never at every interaction.
 *
 * A routing engine pulls too (urs-routing §9.8 H, ORS-style): what it pulls it holds, as after a hand-off (state
 * Routing, strategy party, routing timeout), without capacity limits; a workbin pull names the tenant (TenantId). Its
 * pull of a view marked with Extension `pull-for-strategy` = 1 that finds nothing is parked (parked-pulls.ts) and
 * answered when work enters the view's queue, or with nothing after `settings.pullHoldTimeout`.
 */
import { ProtocolError } from '../protocol/errors.ts';
import { kvGet, type KvPair } from '../protocol/kv.ts';
import { isMsg } from '../protocol/message.ts';
import { actor, agentOf, checkTenant, checkUnlocked, show, type Ctx } from './context.ts';
import { pulled, pulledByRouter } from './interaction-machine.ts';
import type { Interaction } from './model/interaction.ts';
import type { AgentState } from './model/session.ts';
import { propertiesList } from './render.ts';

/** At most this many interactions per pull. */
export const MAX_PULL = 100;
/** Entries of a view or workbin a pull looks at, at most (held ones or media without capacity are skipped). */
const SCAN_LIMIT = 1000;

const OWNER_KEYS = ['AgentId', 'PlaceId', 'AgentGroupId', 'PlaceGroupId'] as const;

/** Why an interaction cannot be pulled now (undefined: it can). */
function notPullable(ix: Interaction, ignoreHold: boolean): string | undefined {
  if (ix.placement.kind !== 'queued' && ix.placement.kind !== 'workbin')
    return 'it is not waiting in a queue or workbin';
  if (ix.invitations.length) return `it is being offered to agent '${ix.invitations[0]?.agentId ?? ''}'`;
  if (ix.held === true && !ignoreHold) return 'it is held (pull with IgnoreHold to take it anyway)';
  return undefined;
}

/** Extension `pull-for-strategy` = 1: a routing client's pull, parked while its view is empty. */
function forStrategy(ctx: Ctx<'RequestPull'>): boolean {
  const v = kvGet(ctx.a.Extension, 'pull-for-strategy');
  return v === 1 || v === '1' || v === 1n;
}

export function pull(ctx: Ctx<'RequestPull'>): void {
  if (tryPull(ctx)) return;
  const queue = ctx.core.state.views.queueOf(ctx.a.ViewId as string) as string;
  ctx.core.parked.park(ctx.s.id, ctx.m, queue, ctx.tx.nowMs + ctx.core.dir.pullHoldMs);
}

/**
 * Takes what the pull can and answers it (true); a routing engine's `pull-for-strategy` pull of a view that takes
 * nothing is left unanswered (false: the caller parks it, or keeps it parked).
 */
export function tryPull(ctx: Ctx<'RequestPull'>): boolean {
  const { s, tx, core, a } = ctx;
  // The puller: a logged-in agent, or a routing engine (no capacity limits; its tenant is the request's or the view's).
  const agent = s.clientType === 'AgentApplication' ? (agentOf(ctx) as AgentState) : undefined;
  const viewId = a.ViewId;
  if (!viewId) throw new ProtocolError('Error_pull_parameter_absent', 'RequestPull needs ViewId');
  const count = a.Count ?? 1;
  if (!Number.isInteger(count) || count < 1 || count > MAX_PULL)
    throw new ProtocolError(
      'Error_pull_parameter_invalid',
      `Count ${show(count)} is not between 1 and ${String(MAX_PULL)}`,
    );
  const params = a.PullParameters ?? [];
  const ignoreHold = a.IgnoreHold === true;
  // Capacity left per media, spent as interactions are taken.
  const left = new Map<string, number>();
  const room = (media: string): number => {
    if (!agent) return Infinity;
    let n = left.get(media);
    if (n === undefined) {
      n = (core.dir.agents.get(agent.id)?.capacity.get(media) ?? 0) - core.state.loadOf(agent.id, media);
      left.set(media, n);
    }
    return n;
  };
  const who = agent ? `agent '${agent.id}'` : `routing engine '${s.clientName}'`;
  const taken: Interaction[] = [];

  if (viewId === '_system_') {
    const id = kvGet(params, 'InteractionId');
    if (typeof id !== 'string' || id === '')
      throw new ProtocolError('Error_pull_parameter_absent', 'a pull from _system_ needs PullParameters InteractionId');
    const ix = tx.get(id);
    if (!ix) throw new ProtocolError('Error_unknown_interaction', `there is no interaction '${id}'`);
    checkTenant(ctx, ix);
    checkUnlocked(ix);
    const why = notPullable(ix, ignoreHold);
    if (why) throw new ProtocolError('Error_pull_failed', `interaction '${id}' cannot be pulled: ${why}`);
    if (room(ix.mediaType) <= 0)
      throw new ProtocolError('Error_pull_failed', `${who} has no capacity left for media '${ix.mediaType}'`);
    taken.push(ix);
  } else {
    const queue = core.state.views.queueOf(viewId);
    const tenant =
      agent?.tenantId ?? a.TenantId ?? (queue === undefined ? undefined : core.dir.queues.get(queue)?.tenant);
    let candidates: Iterable<Interaction>;
    let view = false;
    if (queue !== undefined && core.dir.queues.get(queue)?.tenant === tenant) {
      view = true;
      candidates = core.state.views.content(viewId, tx.nowMs, SCAN_LIMIT)?.interactions ?? [];
    } else {
      const owners = OWNER_KEYS.filter((k) => kvGet(params, k) !== undefined);
      if (tenant === undefined)
        throw new ProtocolError(
          'Error_pull_parameter_absent',
          `a routing engine's pull from workbin '${viewId}' needs TenantId`,
        );
      const wb = core.dir.workbin(viewId, tenant);
      if (!wb) {
        throw owners.length
          ? new ProtocolError('Error_workbin_inaccessible', `'${viewId}' is not a workbin of tenant ${String(tenant)}`)
          : new ProtocolError(
              'Error_pull_parameter_invalid',
              `ViewId '${viewId}' is neither a view, a workbin nor _system_`,
            );
      }
      const ownerKey = { agent: 'AgentId', place: 'PlaceId', agentGroup: 'AgentGroupId', placeGroup: 'PlaceGroupId' }[
        wb.type
      ] as (typeof OWNER_KEYS)[number];
      const owner = kvGet(params, ownerKey);
      if (typeof owner !== 'string' || owner === '')
        throw new ProtocolError(
          'Error_pull_parameter_absent',
          `a pull from ${wb.type} workbin '${viewId}' needs PullParameters ${ownerKey}`,
        );
      candidates = core.state.inWorkbin(viewId, { kind: wb.type, id: owner });
    }
    let seen = 0;
    let full = false;
    for (const ix of candidates) {
      if (taken.length >= count || ++seen > SCAN_LIMIT) break;
      if (notPullable(ix, ignoreHold)) continue;
      if (room(ix.mediaType) <= 0) {
        full = true;
        continue;
      }
      left.set(ix.mediaType, room(ix.mediaType) - 1);
      taken.push(ix);
    }
    if (taken.length === 0 && full)
      throw new ProtocolError('Error_pull_failed', `${who} has no capacity left for what waits in '${viewId}'`);
    if (taken.length === 0 && view && !agent && forStrategy(ctx)) return false;
  }

  const list: KvPair[] = [];
  for (const ix of taken) {
    const d = tx.draft(ix.id);
    if (!d) continue;
    if (agent) pulled(tx, ctx, d, agent, actor(ctx, d));
    else pulledByRouter(tx, ctx, d, s, actor(ctx, d));
    tx.put(d);
    list.push({ key: d.id, value: a.GetIdsOnly === true ? [] : propertiesList(d) });
  }
  tx.send(s.id, isMsg('EventPulledInteractions', { ReferenceId: a.ReferenceId, Interactions: list }));
  return true;
}
