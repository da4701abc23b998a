/**
 * Workbins (lifecycle.md §5): the content of an agent's or a place's workbin (RequestGetWorkbinContent, with an optional
 * condition and order), notifications of its changes (RequestWorkbinNotifications / RequestCancelWorkbinNotifications
 * → EventWorkbinContentChanged), the configured workbin types (RequestWorkbinTypesInfo) and counts per owner
 * (RequestWorkbinStatistic, RequestAgentWorkbinStats). Reads go through the per-owner workbin index.
 */
import { ConditionParseError, compileCondition, compileOrder, parseCondition, parseOrder } from '../condition/index.ts';
import type { Config } from '../config/schema.ts';
import { ProtocolError } from '../protocol/errors.ts';
import type { KvList, KvPair } from '../protocol/kv.ts';
import { isMsg } from '../protocol/message.ts';
import { agentOf, type Ctx } from './context.ts';
import type { Interaction } from './model/interaction.ts';
import { propertiesList } from './render.ts';
import type { SortedSet } from './sorted-set.ts';
import type { WorkbinOwner } from './state.ts';
import { interactionRecord } from './views.ts';

type Workbin = Config['workbins'][number];

/** The WorkbinInfo attributes a request may carry. */
interface WorkbinAttrs {
  readonly WorkbinTypeId?: string;
  readonly WorkbinAgentId?: string;
  readonly WorkbinPlaceId?: string;
  readonly WorkbinGroupId?: string;
  readonly WorkbinPlaceGroupId?: string;
}

/** Workbin type numbers of WorkbinTypes and WorkbinStatistic (reference §3.6). */
const TYPE_NUMBER: Readonly<Record<Workbin['type'], number>> = { agent: 1, place: 2, placeGroup: 3, agentGroup: 4 };

/** The configured workbin a request names (`WorkbinTypeId`) for a tenant. */
export function workbinNamed(ctx: Pick<Ctx, 'core' | 'm'>, name: string | undefined, tenantId: number): Workbin {
  if (!name) throw new ProtocolError('Error_workbin_not_specified', `${ctx.m.name} needs WorkbinTypeId`);
  const wb = ctx.core.dir.workbin(name, tenantId);
  if (!wb) {
    throw new ProtocolError(
      'Error_workbin_inaccessible',
      `WorkbinTypeId '${name}' is not a configured workbin of tenant ${String(tenantId)}`,
    );
  }
  return wb;
}

/**
 * The owner a request names for a workbin, by the workbin's type (WorkbinAgentId, WorkbinPlaceId, WorkbinGroupId,
 * WorkbinPlaceGroupId), checked against the configuration; for an agent or place workbin the requesting agent (or its
 * place) when none is named.
 */
export function ownerNamed(ctx: Ctx, wb: Workbin, a: WorkbinAttrs, tenantId: number): WorkbinOwner {
  const { core } = ctx;
  const agent = agentOf(ctx);
  switch (wb.type) {
    case 'agent': {
      const id = a.WorkbinAgentId ?? agent?.id;
      if (!id) throw new ProtocolError('Error_agent_not_specified', `agent workbin '${wb.name}' needs WorkbinAgentId`);
      if (core.dir.agents.get(id)?.tenant !== tenantId)
        throw new ProtocolError('Error_unknown_agent_in_request', `WorkbinAgentId '${id}' is not a configured agent`);
      return { kind: 'agent', id };
    }
    case 'place': {
      const id = a.WorkbinPlaceId ?? agent?.placeId;
      if (!id) throw new ProtocolError('Error_place_not_specified', `place workbin '${wb.name}' needs WorkbinPlaceId`);
      if (core.dir.places.get(id) !== tenantId)
        throw new ProtocolError('Error_unknown_place_in_request', `WorkbinPlaceId '${id}' is not a configured place`);
      return { kind: 'place', id };
    }
    case 'agentGroup': {
      const id = a.WorkbinGroupId;
      if (!id)
        throw new ProtocolError(
          'Error_agent_group_not_specified',
          `agent group workbin '${wb.name}' needs WorkbinGroupId`,
        );
      if (!core.dir.config.agentGroups.some((g) => g.name === id && g.tenant === tenantId))
        throw new ProtocolError('Error_workbin_inaccessible', `WorkbinGroupId '${id}' is not a configured agent group`);
      return { kind: 'agentGroup', id };
    }
    case 'placeGroup': {
      const id = a.WorkbinPlaceGroupId;
      if (!id) {
        throw new ProtocolError(
          'Error_place_group_not_specified',
          `place group workbin '${wb.name}' needs WorkbinPlaceGroupId`,
        );
      }
      if (!core.dir.config.placeGroups.some((g) => g.name === id && g.tenant === tenantId))
        throw new ProtocolError(
          'Error_workbin_inaccessible',
          `WorkbinPlaceGroupId '${id}' is not a configured place group`,
        );
      return { kind: 'placeGroup', id };
    }
  }
}

/** A workbin owner as a workbin placement names it. */
export function placementOwner(
  o: WorkbinOwner,
): { agentId: string } | { placeId: string } | { agentGroupId: string } | { placeGroupId: string } {
  switch (o.kind) {
    case 'agent':
      return { agentId: o.id };
    case 'place':
      return { placeId: o.id };
    case 'agentGroup':
      return { agentGroupId: o.id };
    case 'placeGroup':
      return { placeGroupId: o.id };
  }
}

/** The tenant of the requesting agent (these requests come from logged-in agent applications). */
function tenantOf(ctx: Ctx): number {
  return (agentOf(ctx) as NonNullable<ReturnType<typeof agentOf>>).tenantId;
}

/** Agent and place workbins list their content and notify; group workbins are only pulled from. */
function listable(wb: Workbin): void {
  if (wb.type !== 'agent' && wb.type !== 'place') {
    throw new ProtocolError(
      'Error_workbin_inaccessible',
      `workbin '${wb.name}' is a ${wb.type} workbin: only agent and place workbins list their content (pull from it)`,
    );
  }
}

/** At most this many interactions in one EventWorkbinContent unless FindMaxInteractions says fewer. */
const MAX_CONTENT = 500;

/**
 * RequestGetWorkbinContent {WorkbinTypeId, owner, Condition?, Order?, FindMaxInteractions?} → EventWorkbinContent
 * {Interactions}: the owner's workbin, oldest placement first (or in `Order`), filtered by `Condition`.
 */
export function getWorkbinContent(ctx: Ctx<'RequestGetWorkbinContent'>): void {
  const { s, tx, core, a } = ctx;
  const tenantId = tenantOf(ctx);
  const wb = workbinNamed(ctx, a.WorkbinTypeId, tenantId);
  listable(wb);
  const owner = ownerNamed(ctx, wb, a, tenantId);
  let matches: ((ix: Interaction) => boolean) | undefined;
  let sort: ((x: Interaction, y: Interaction) => number) | undefined;
  try {
    if (a.Condition) {
      const test = compileCondition(parseCondition(a.Condition));
      matches = (ix) => test(interactionRecord(ix, tx.nowMs));
    }
    if (a.Order) {
      const compare = compileOrder(parseOrder(a.Order));
      sort = (x, y) => compare(interactionRecord(x, tx.nowMs), interactionRecord(y, tx.nowMs));
    }
  } catch (e) {
    if (e instanceof ConditionParseError) throw new ProtocolError('Error_find_condition_or_order_failed', e.message);
    throw e;
  }
  const max = Math.min(a.FindMaxInteractions ?? MAX_CONTENT, MAX_CONTENT);
  let list = [...core.state.inWorkbin(wb.name, owner)];
  if (matches) list = list.filter(matches);
  if (sort) list.sort(sort);
  const interactions: KvPair[] = list
    .slice(0, Math.max(0, max))
    .map((ix) => ({ key: ix.id, value: propertiesList(ix) }));
  tx.send(s.id, isMsg('EventWorkbinContent', { ReferenceId: a.ReferenceId, Interactions: interactions }));
}

/**
 * RequestWorkbinNotifications / RequestCancelWorkbinNotifications {WorkbinTypeId, owner, NotifyPropertyChanges?}:
 * EventAck; while subscribed, the session gets EventWorkbinContentChanged when an interaction is placed in the
 * owner's workbin or taken out (and, with NotifyPropertyChanges, when one there changes). A subscription ends with the
 * session.
 */
export function workbinNotifications(
  on: boolean,
): (ctx: Ctx<'RequestWorkbinNotifications' | 'RequestCancelWorkbinNotifications'>) => void {
  return (ctx) => {
    const { s, tx, core, a } = ctx;
    const tenantId = tenantOf(ctx);
    const wb = workbinNamed(ctx, a.WorkbinTypeId, tenantId);
    listable(wb);
    const owner = ownerNamed(ctx, wb, a, tenantId);
    if (!on && !core.state.subscribers(wb.name, owner).has(s.id)) {
      throw new ProtocolError(
        'Error_invalid_interaction_state',
        `this session has no notifications of workbin '${wb.name}' of ${owner.kind} '${owner.id}' to cancel`,
      );
    }
    tx.send(s.id, isMsg('EventAck', { ReferenceId: a.ReferenceId }));
    // Session state, changed after every check passed (nothing durable: subscriptions end with the session).
    if (on) {
      const propertyChanges = (ctx.a as { NotifyPropertyChanges?: boolean }).NotifyPropertyChanges === true;
      core.state.subscribe(s.id, wb.name, owner, propertyChanges);
    } else {
      core.state.unsubscribe(s.id, wb.name, owner);
    }
  };
}

/** RequestWorkbinTypesInfo {TenantId?} → EventWorkbinTypesInfo {WorkbinTypes: name → {WorkbinType, View, Active}}. */
export function workbinTypesInfo(ctx: Ctx<'RequestWorkbinTypesInfo'>): void {
  const { s, tx, core, a } = ctx;
  const tenantId = a.TenantId ?? agentOf(ctx)?.tenantId ?? 1;
  const types: KvPair[] = core.dir.config.workbins
    .filter((w) => w.tenant === tenantId)
    .map((w) => ({
      key: w.name,
      value: [
        { key: 'WorkbinType', value: TYPE_NUMBER[w.type] },
        { key: 'View', value: w.name },
        { key: 'Active', value: 1 },
      ],
    }));
  tx.send(s.id, isMsg('EventWorkbinTypesInfo', { ReferenceId: a.ReferenceId, WorkbinTypes: types }));
}

/** Per owner: NumberOfInteractions, MinMovedToQueueAt, MaxMovedToQueueAt (the oldest and newest placement). */
function ownerStats(content: SortedSet<Interaction>): KvList {
  const first = content.first();
  const last = content.last();
  return [
    { key: 'NumberOfInteractions', value: content.size },
    ...(first?.placedInQueueAt ? [{ key: 'MinMovedToQueueAt', value: first.placedInQueueAt }] : []),
    ...(last?.placedInQueueAt ? [{ key: 'MaxMovedToQueueAt', value: last.placedInQueueAt }] : []),
  ];
}

/**
 * RequestWorkbinStatistic {WorkbinTypeId, TenantId?} → EventWorkbinStatistic {WorkbinTypeId, WorkbinOwnerType,
 * WorkbinStatistic: owner id → counts}, for every owner that has interactions in that workbin.
 */
export function workbinStatistic(ctx: Ctx<'RequestWorkbinStatistic'>): void {
  const { s, tx, core, a } = ctx;
  const tenantId = a.TenantId ?? agentOf(ctx)?.tenantId ?? 1;
  const wb = workbinNamed(ctx, a.WorkbinTypeId, tenantId);
  const stats: KvPair[] = [];
  // One entry per owner (its size and the two ends of its ordered set): no interaction is walked.
  for (const { owner, content } of core.state.workbinOwners(wb.name))
    stats.push({ key: owner.id, value: ownerStats(content) });
  tx.send(
    s.id,
    isMsg('EventWorkbinStatistic', {
      ReferenceId: a.ReferenceId,
      WorkbinTypeId: wb.name,
      WorkbinOwnerType: TYPE_NUMBER[wb.type],
      WorkbinStatistic: stats,
    }),
  );
}

/**
 * RequestAgentWorkbinStats {WorkbinAgentId | WorkbinPlaceId | WorkbinGroupId | WorkbinPlaceGroupId} →
 * EventAgentWorkbinStats {WorkbinStatistic: workbin name → {Type, Count}} for the workbins of that owner's kind.
 */
export function agentWorkbinStats(ctx: Ctx<'RequestAgentWorkbinStats'>): void {
  const { s, tx, core, a } = ctx;
  const tenantId = a.TenantId ?? tenantOf(ctx);
  const agent = agentOf(ctx);
  const owner: WorkbinOwner | undefined =
    a.WorkbinAgentId !== undefined
      ? { kind: 'agent', id: a.WorkbinAgentId }
      : a.WorkbinPlaceId !== undefined
        ? { kind: 'place', id: a.WorkbinPlaceId }
        : a.WorkbinGroupId !== undefined
          ? { kind: 'agentGroup', id: a.WorkbinGroupId }
          : a.WorkbinPlaceGroupId !== undefined
            ? { kind: 'placeGroup', id: a.WorkbinPlaceGroupId }
            : agent && { kind: 'agent', id: agent.id };
  if (!owner) throw new ProtocolError('Error_agent_not_specified', 'RequestAgentWorkbinStats needs a workbin owner');
  const stats: KvPair[] = core.dir.config.workbins
    .filter((w) => w.tenant === tenantId && w.type === owner.kind)
    .map((w) => ({
      key: w.name,
      value: [
        { key: 'Type', value: TYPE_NUMBER[w.type] },
        { key: 'Count', value: core.state.workbinSize(w.name, owner) },
      ],
    }));
  tx.send(s.id, isMsg('EventAgentWorkbinStats', { ReferenceId: a.ReferenceId, WorkbinStatistic: stats }));
}
