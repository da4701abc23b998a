/**
 * Every transition of an interaction's placement, parties and invitations, each with the reporting events and the
 * notices it implies (lifecycle §4–§5, reference §2). Handlers validate a request and answer it; the move itself is
 * made here, so the rules of "where an interaction is" live in one file and no other module writes `placement`,
 * `parties` or `invitations` (test/unit/layers.test.ts checks that).
 *
 *   created ──> queued ──offerToEngine──> routing ──placeInQueue / placeInWorkbin──> queued / workbin
 *                 │  ^                      │
 *              invite│ endInvitation     invite (RequestRouteCall to an agent)
 *                 v  │                      v
 *            queued + invitation ──accept──> handled ──(stop: the row is deleted)
 */
import { Operation, PartyType, WorkbinContentOperation } from '../protocol/enums.ts';
import { errorCode } from '../protocol/errors.ts';
import { kvGet, type KvValue } from '../protocol/kv.ts';
import { isMsg, tlibMsg } from '../protocol/message.ts';
import type { Ctx } from './context.ts';
import type { Directory } from './directory.ts';
import {
  HANDLED,
  NO_INVITATIONS,
  NO_PARTIES,
  QUEUED,
  isHandledBy,
  type Interaction,
  type Invitation,
  type Inviter,
  type Party,
  type Placement,
  type Visibility,
} from './model/interaction.ts';
import { unpacked } from './model/packed.ts';
import type { AgentState, Session } from './model/session.ts';
import type { Attrs, Draft, PlanBuilder } from './plan.ts';
import { workbinOwnerOf, type TimerEntry, type WorkbinOwner } from './state.ts';
import { agentParty, handOff, itxAttrs, routeUsed, strategyParty } from './render.ts';

// ------------------------------------------------------------------------------------------------ deadlines

/**
 * When a handling agent's timer runs out if it does nothing more: the user-data key `handling-timeout` (seconds)
 * overrides the queue's value, which overrides the global one. Undefined for an interaction without a queue (an agent
 * submitted it without one): there is nowhere to return it to.
 */
export function handlingDeadline(
  dir: Directory,
  ix: Pick<Interaction, 'queue' | 'userData'>,
  nowMs: number,
): number | undefined {
  if (ix.queue === '') return undefined;
  const own = secondsOf(kvGet(ix.userData, 'handling-timeout'));
  const ms = own === undefined ? (dir.queues.get(ix.queue)?.handlingMs ?? dir.handlingMs) : own * 1000;
  return nowMs + ms;
}

/** When an invitation to this interaction is revoked: its queue's delivering timeout, or the global one. */
export function deliveringDeadline(dir: Directory, ix: Pick<Interaction, 'queue'>, nowMs: number): number {
  return nowMs + (dir.queues.get(ix.queue)?.deliveringMs ?? dir.deliveringMs);
}

function secondsOf(v: KvValue | undefined): number | undefined {
  const n = typeof v === 'string' && v.trim() !== '' ? Number(v) : v;
  return typeof n === 'number' && Number.isFinite(n) && n > 0 ? n : undefined;
}

// ------------------------------------------------------------------------------------------------ transitions

/** Where a new interaction starts: handled by the agent that submitted it (its timer running), or queued. */
export function created(
  dir: Directory,
  ix: Pick<Interaction, 'queue' | 'userData'>,
  agent: AgentState | undefined,
  nowMs: number,
): Pick<Interaction, 'placement' | 'parties' | 'invitations'> {
  return agent
    ? {
        placement: HANDLED,
        parties: [partyOf(agent, handlingDeadline(dir, ix, nowMs))],
        invitations: NO_INVITATIONS,
      }
    : { placement: QUEUED, parties: NO_PARTIES, invitations: NO_INVITATIONS };
}

function partyOf(agent: AgentState, deadline: number | undefined): Party {
  return deadline === undefined
    ? { agentId: agent.id, placeId: agent.placeId, visibility: 'conference' }
    : { agentId: agent.id, placeId: agent.placeId, visibility: 'conference', deadline };
}

/**
 * A handling agent acted on the interaction (any request that changes it): its handling timer starts again. Nothing
 * for a requester that is not one of its parties.
 */
export function touched(dir: Directory, d: Draft, agentId: string, nowMs: number): void {
  if (!isHandledBy(d, agentId)) return;
  const deadline = handlingDeadline(dir, d, nowMs);
  d.parties = d.parties.map((p) => {
    if (p.agentId !== agentId) return p;
    const { deadline: _old, ...rest } = p;
    return deadline === undefined ? rest : { ...rest, deadline };
  });
}

/** Invites an agent (its first session gets EventInvite; its delivering timer starts) and reports EventAgentInvited. */
export function invite(
  tx: PlanBuilder,
  ctx: Pick<Ctx, 'core'>,
  d: Draft,
  agent: AgentState,
  ticketId: number,
  actorAttrs: Attrs,
  via: { routerName?: string; routeReferenceId?: number; routeConnId?: string },
): void {
  delete d.lastRejectedBy;
  addInvitation(tx, ctx, d, agent, ticketId, { operation: 'deliver', ...via }, actorAttrs);
}

/** The InteractionOperation each kind of invitation is reported with. */
const OPERATION_OF: Readonly<Record<Invitation['operation'], number>> = {
  deliver: Operation.Route,
  transfer: Operation.Transfer,
  conference: Operation.Conference,
};

/**
 * Adds an invitation for an agent (its delivering timer starts): EventInvite to its first session (with the
 * visibility mode of a conference), EventAgentInvited to reporting.
 */
function addInvitation(
  tx: PlanBuilder,
  ctx: Pick<Ctx, 'core'>,
  d: Draft,
  agent: AgentState,
  ticketId: number,
  what: Pick<Invitation, 'operation' | 'inviter' | 'visibility' | 'routerName' | 'routeReferenceId' | 'routeConnId'>,
  actorAttrs: Attrs,
): void {
  const sessionId = agent.sessions[0] as number;
  const inv: Invitation = {
    ticketId,
    agentId: agent.id,
    placeId: agent.placeId,
    sessionId,
    ...what,
    deadline: deliveringDeadline(ctx.core.dir, d, tx.nowMs),
  };
  d.invitations = [...d.invitations, inv];
  tx.send(
    sessionId,
    isMsg('EventInvite', {
      ...itxAttrs(d),
      TicketId: ticketId,
      SubmittedToRouterAt: d.submittedToRouterAt,
      ...(what.visibility === undefined ? {} : { VisibilityMode: VISIBILITY_MODE[what.visibility] }),
    }),
  );
  tx.report(d, 'EventAgentInvited', {
    ...actorAttrs,
    ...agentParty(d.tenantId, agent.id, agent.placeId),
    TicketId: ticketId,
    Operation: OPERATION_OF[what.operation],
  });
}

/**
 * The invited agent accepted: it becomes the interaction's party (placement `handled`), reported as EventPartyAdded;
 * the routing engine that asked for the delivery gets EventRouteUsed.
 */
export function accept(
  tx: PlanBuilder,
  ctx: Pick<Ctx, 'core'>,
  d: Draft,
  inv: Invitation,
  agent: AgentState,
  actorAttrs: Attrs,
): void {
  d.invitations = without(d.invitations, inv);
  const deadline = handlingDeadline(ctx.core.dir, d, tx.nowMs);
  if (inv.operation !== 'deliver') {
    acceptInvitation(tx, ctx, d, inv, agent, deadline, actorAttrs);
    return;
  }
  d.placement = HANDLED;
  d.parties = [partyOf(agent, deadline)];
  d.deliveredAt ??= tx.now;
  tx.report(d, 'EventPartyAdded', {
    ...actorAttrs,
    ...agentParty(d.tenantId, agent.id, agent.placeId),
    Operation: Operation.Route,
  });
  if (inv.routerName && ctx.core.dir.routeUsedOn === 'answer') {
    for (const rs of ctx.core.state.sessionsNamed('RoutingEngine', inv.routerName)) {
      tx.send(rs.id, routeUsed(d, inv.routeReferenceId, inv.placeId, 'accepted', tx.strategyOf(d.queue)), {
        ix: d,
        connId: inv.routeConnId,
      });
    }
  }
}

/**
 * A transfer or conference invitation accepted (lifecycle §5): the invitee becomes a party — in place of the inviter
 * for a transfer (reported EventPartyAdded then EventPartyRemoved of the inviter), beside the others for a conference
 * (EventPartyAdded, also sent to every other party's desktops); the inviter's pending request gets its EventAck.
 */
function acceptInvitation(
  tx: PlanBuilder,
  ctx: Pick<Ctx, 'core'>,
  d: Draft,
  inv: Invitation,
  agent: AgentState,
  deadline: number | undefined,
  actorAttrs: Attrs,
): void {
  const transfer = inv.operation === 'transfer';
  const op = OPERATION_OF[inv.operation];
  const joined: Party = { ...partyOf(agent, deadline), visibility: inv.visibility ?? 'conference' };
  const stays = transfer ? d.parties.filter((p) => p.agentId !== inv.inviter?.agentId) : d.parties;
  const left = transfer ? d.parties.filter((p) => p.agentId === inv.inviter?.agentId) : [];
  d.placement = HANDLED;
  d.parties = [...stays, joined];
  const added = tx.report(d, 'EventPartyAdded', {
    ...actorAttrs,
    ...agentParty(d.tenantId, agent.id, agent.placeId),
    Operation: op,
  });
  for (const p of left) {
    tx.report(d, 'EventPartyRemoved', {
      ...actorAttrs,
      ...agentParty(d.tenantId, p.agentId, p.placeId ?? tx.agent(p.agentId)?.placeId),
      Operation: op,
    });
  }
  if (!transfer) for (const p of stays) for (const sid of tx.agent(p.agentId)?.sessions ?? []) tx.send(sid, added);
  answerInviter(tx, ctx, inv, undefined);
}

/**
 * A supervisor joins a handled interaction by itself (RequestIntrude) with a visibility mode: reported as
 * EventPartyAdded (Operation Intrude), also sent to every other party's desktops; its handling timer starts.
 */
export function intrude(
  tx: PlanBuilder,
  ctx: Pick<Ctx, 'core'>,
  d: Draft,
  agent: AgentState,
  visibility: Visibility,
  actorAttrs: Attrs,
): void {
  const others = d.parties;
  d.parties = [...others, { ...partyOf(agent, handlingDeadline(ctx.core.dir, d, tx.nowMs)), visibility }];
  const added = tx.report(d, 'EventPartyAdded', {
    ...actorAttrs,
    ...agentParty(d.tenantId, agent.id, agent.placeId),
    Operation: Operation.Intrude,
  });
  for (const p of others) for (const sid of tx.agent(p.agentId)?.sessions ?? []) tx.send(sid, added);
}

/**
 * Answers the inviter's pending RequestTransfer / RequestConference when its invitation ends: EventAck when accepted,
 * EventError (`Error_party_unavailable`, saying why) otherwise. Nothing when its session is gone.
 */
export function answerInviter(tx: PlanBuilder, ctx: Pick<Ctx, 'core'>, inv: Invitation, why: string | undefined): void {
  const inviter = inv.inviter;
  if (!inviter || !ctx.core.state.sessions.has(inviter.sessionId)) return;
  tx.send(
    inviter.sessionId,
    why === undefined
      ? isMsg('EventAck', { ReferenceId: inviter.referenceId })
      : isMsg('EventError', {
          ReferenceId: inviter.referenceId,
          ErrorCode: errorCode('Error_party_unavailable'),
          ErrorDescription: `agent '${inv.agentId}' ${why} (ticket ${String(inv.ticketId)})`,
        }),
  );
}

/** Invites a logged-in agent to take over (transfer) or join (conference) a handled interaction. */
export function inviteParty(
  tx: PlanBuilder,
  ctx: Pick<Ctx, 'core'>,
  d: Draft,
  invitee: AgentState,
  operation: 'transfer' | 'conference',
  inviter: Inviter,
  visibility: Visibility | undefined,
  actorAttrs: Attrs,
): void {
  const what = { operation, inviter, ...(visibility === undefined ? {} : { visibility }) };
  addInvitation(tx, ctx, d, invitee, ctx.core.nextTicketId(), what, actorAttrs);
}

/** VisibilityMode numbers (reference enums). */
export const VISIBILITY_MODE: Readonly<Record<Visibility, number>> = { conference: 1, monitor: 2, coach: 3 };

/**
 * Ends a pending invitation: `rejected` (RequestReject), `withdrawn` (the invited agent left, or the interaction
 * moved), `expired` (its delivering timeout passed) or `cancelled` (RequestCancelInvite by the inviter). Reporting gets
 * EventRejected when rejected or withdrawn, EventPartyRemoved of the invitee when expired, nothing when cancelled; the
 * routing engine that asked for it EventRouteUsed; a still-connected invited desktop EventRevoked (unless it rejected);
 * the inviter of a transfer or conference EventError to its pending request. A delivery goes back to its queue with
 * its age (the router offers it again); a transferred or conferenced interaction stays with its parties.
 */
export function endInvitation(
  tx: PlanBuilder,
  ctx: Pick<Ctx, 'core'>,
  d: Draft,
  inv: Invitation,
  result: 'rejected' | 'withdrawn' | 'expired' | 'cancelled',
  actorAttrs: Attrs = {},
  reason: Attrs = {},
): void {
  d.invitations = without(d.invitations, inv);
  if (result === 'cancelled') {
    // (The contract reports nothing for a cancelled invitation.)
  } else if (result === 'expired') {
    tx.report(d, 'EventPartyRemoved', {
      ...agentParty(d.tenantId, inv.agentId, inv.placeId),
      Operation: Operation.Timeout,
    });
  } else {
    tx.report(d, 'EventRejected', {
      ...actorAttrs,
      ...reason,
      AgentId: inv.agentId,
      PlaceId: inv.placeId,
      TenantId: d.tenantId,
      PartyType: PartyType.ResourceParty,
      TicketId: inv.ticketId,
    });
  }
  const state = ctx.core.state;
  if (inv.routerName && ctx.core.dir.routeUsedOn === 'answer') {
    for (const rs of state.sessionsNamed('RoutingEngine', inv.routerName)) {
      const used = routeUsed(
        d,
        inv.routeReferenceId,
        inv.placeId,
        result === 'rejected' ? 'rejected' : 'timeout',
        tx.strategyOf(d.queue),
      );
      tx.send(rs.id, used, { ix: d, connId: inv.routeConnId });
    }
  }
  if (result !== 'rejected' && state.sessions.has(inv.sessionId)) {
    tx.send(
      inv.sessionId,
      isMsg('EventRevoked', {
        ...itxAttrs(d),
        EventTime: tx.now,
        Operation: result === 'cancelled' ? OPERATION_OF[inv.operation] : Operation.Timeout,
      }),
    );
  }
  if (inv.operation !== 'deliver') {
    const why = {
      rejected: 'rejected the invitation',
      withdrawn: 'is no longer available',
      expired: 'did not answer in time',
      cancelled: 'was not invited after all: the invitation was cancelled',
    }[result];
    answerInviter(tx, ctx, inv, why);
    return;
  }
  // Back in its queue (also when a routing engine had asked for the delivery: it is no longer held).
  d.placement = QUEUED;
}

/**
 * Hands a waiting interaction to a routing engine (its routing timer starts): EventPartyAdded (strategy party),
 * EventRouteRequest.
 */
export function offerToEngine(tx: PlanBuilder, ctx: Pick<Ctx, 'core'>, d: Draft, engine: Session): void {
  const connId = holdFor(tx, ctx, d, engine);
  tx.report(d, 'EventPartyAdded', {
    ...strategyParty(d, engine.clientName, tx.strategyOf(d.queue)),
    Operation: Operation.Route,
  });
  const { InteractionUserData: _u, ...props } = itxAttrs(d);
  tx.send(
    engine.id,
    tlibMsg('EventRouteRequest', {
      ConnId: d.id,
      ThisDN: tx.strategyOf(d.queue),
      ThisQueue: tx.strategyOf(d.queue),
      UserData: d.userData,
      ...props,
      SubmittedToRouterAt: d.submittedToRouterAt,
    }),
    { ix: d, connId },
  );
}

/** Moves an interaction into a queue (waiting there; the router offers it if the queue is routed). */
export function placeInQueue(tx: PlanBuilder, d: Draft, queue: string, notify?: Notify): void {
  moveTo(tx, d, queue, QUEUED, notify);
}

/** Who to tell of workbin content changes a move makes (subscribers of the workbins it leaves and enters). */
export interface Notify {
  readonly ctx: Pick<Ctx, 'core'>;
  readonly actorAttrs: Attrs;
}

/** Parks an interaction in a workbin of an agent or a place (`queue` names the workbin, as Genesys reports it). */
export function placeInWorkbin(
  tx: PlanBuilder,
  d: Draft,
  workbin: string,
  owner: { agentId: string } | { placeId: string } | { agentGroupId: string } | { placeGroupId: string },
  notify?: Notify,
): void {
  moveTo(tx, d, workbin, { kind: 'workbin', workbin, ...owner }, notify);
}

function moveTo(tx: PlanBuilder, d: Draft, queue: string, placement: Placement, notify?: Notify): void {
  if (notify) workbinChanged(tx, notify, d, 'TakenOut');
  if (queue !== d.queue) d.movedToQueueAt = tx.now;
  d.queue = queue;
  d.placedInQueueAt = tx.now;
  d.placement = placement;
  d.parties = NO_PARTIES;
  if (notify) workbinChanged(tx, notify, d, 'PlacedIn');
}

/**
 * Tells the sessions subscribed to the workbin an interaction is in (RequestWorkbinNotifications) that it was placed
 * in, taken out, or changed (only those that asked for property changes): EventWorkbinContentChanged. Nothing when
 * it is not in a workbin.
 */
export function workbinChanged(
  tx: PlanBuilder,
  notify: Notify,
  d: Interaction,
  op: 'PlacedIn' | 'TakenOut' | 'PropertiesChanged',
): void {
  const p = d.placement;
  if (p.kind !== 'workbin') return;
  const owner = workbinOwnerOf(p);
  const subscribers = notify.ctx.core.state.subscribers(p.workbin, owner);
  if (subscribers.size === 0) return;
  // (The catalogue's EventWorkbinContentChanged has no EventTime.)
  const message = isMsg('EventWorkbinContentChanged', {
    ...itxAttrs(d),
    ...notify.actorAttrs,
    WorkbinContentOperation: WorkbinContentOperation[op],
    WorkbinTypeId: p.workbin,
    ...WORKBIN_OWNER_ATTR[owner.kind](owner.id),
  });
  for (const [sid, wantsChanges] of subscribers) if (op !== 'PropertiesChanged' || wantsChanges) tx.send(sid, message);
}

/** The WorkbinInfo attribute naming an owner of each kind. */
export const WORKBIN_OWNER_ATTR: Readonly<Record<WorkbinOwner['kind'], (id: string) => Attrs>> = {
  agent: (id) => ({ WorkbinAgentId: id }),
  place: (id) => ({ WorkbinPlaceId: id }),
  agentGroup: (id) => ({ WorkbinGroupId: id }),
  placeGroup: (id) => ({ WorkbinPlaceGroupId: id }),
};

/**
 * An agent pulled the interaction (RequestPull) from a queue's view, a workbin or `_system_`: reported as
 * EventTakenFromQueue (and EventTakenFromWorkbin when it was parked), then EventPartyAdded (Operation Pull); the agent
 * handles it, its handling timer running.
 */
export function pulled(tx: PlanBuilder, ctx: Pick<Ctx, 'core'>, d: Draft, agent: AgentState, actorAttrs: Attrs): void {
  const party = { ...actorAttrs, ...agentParty(d.tenantId, agent.id, agent.placeId), Operation: Operation.Pull };
  const parked = d.placement.kind === 'workbin';
  tx.report(d, 'EventTakenFromQueue', party);
  if (parked) {
    tx.report(d, 'EventTakenFromWorkbin', party);
    workbinChanged(tx, { ctx, actorAttrs }, d, 'TakenOut');
  }
  d.placement = HANDLED;
  d.parties = [partyOf(agent, handlingDeadline(ctx.core.dir, d, tx.nowMs))];
  d.deliveredAt ??= tx.now;
  tx.report(d, 'EventPartyAdded', party);
}

/**
 * A routing engine pulled a waiting interaction (urs-routing §9.8 H): it holds it as after a hand-off (state Routing,
 * its routing timer starts, SubmittedToRouterAt set if empty) but gets no EventRouteRequest; reporting
 * EventTakenFromQueue (and EventTakenFromWorkbin) and EventPartyAdded with the strategy party (Operation Pull).
 */
export function pulledByRouter(
  tx: PlanBuilder,
  ctx: Pick<Ctx, 'core'>,
  d: Draft,
  engine: Session,
  actorAttrs: Attrs,
): void {
  const party = {
    ...actorAttrs,
    ...strategyParty(d, engine.clientName, tx.strategyOf(d.queue)),
    Operation: Operation.Pull,
  };
  tx.report(d, 'EventTakenFromQueue', party);
  if (d.placement.kind === 'workbin') {
    tx.report(d, 'EventTakenFromWorkbin', party);
    workbinChanged(tx, { ctx, actorAttrs }, d, 'TakenOut');
  }
  holdFor(tx, ctx, d, engine);
  tx.report(d, 'EventPartyAdded', party);
}

/**
 * A routing engine holds the interaction from now (a hand-off or its own pull): placement Routing under a fresh ConnID
 * (bound to the engine's session on the binary T-Library dialect, the only one that knows it), its routing timer
 * running, SubmittedToRouterAt set if empty. Returns the ConnID.
 */
function holdFor(tx: PlanBuilder, ctx: Pick<Ctx, 'core'>, d: Draft, engine: Session): string {
  const connId = ctx.core.nextConnId();
  d.placement = {
    kind: 'routing',
    router: engine.clientName,
    deadline: tx.nowMs + ctx.core.dir.routingMs,
    connId,
    ...(engine.dialect === 'tlib' ? { session: engine.id } : {}),
  };
  d.submittedToRouterAt ??= tx.now;
  return connId;
}

/**
 * Takes an interaction away from whoever has it before it moves (RequestPlaceInQueue, RequestPlaceInWorkbin): every
 * handling party is reported removed (EventPartyRemoved, Operation `op`) and its desktops, other than the requester's
 * session, get EventRevoked; a routing engine holding it is reported removed and gets EventAbandoned.
 */
export function detach(
  tx: PlanBuilder,
  ctx: Pick<Ctx, 'core'>,
  d: Draft,
  op: number,
  actorAttrs: Attrs,
  reason: Attrs,
  requester: number,
): void {
  if (d.placement.kind === 'handled') {
    for (const p of d.parties) {
      const placeId = p.placeId ?? tx.agent(p.agentId)?.placeId;
      tx.report(d, 'EventPartyRemoved', {
        ...actorAttrs,
        ...agentParty(d.tenantId, p.agentId, placeId),
        Operation: op,
        ...reason,
      });
      const revoked = isMsg('EventRevoked', {
        ...itxAttrs(d),
        EventTime: tx.now,
        ...actorAttrs,
        AgentId: p.agentId,
        PlaceId: placeId,
        Operation: op,
        ...reason,
      });
      for (const sid of tx.agent(p.agentId)?.sessions ?? []) if (sid !== requester) tx.send(sid, revoked);
    }
  } else if (d.placement.kind === 'routing') {
    const router = d.placement.router;
    tx.report(d, 'EventPartyRemoved', {
      ...actorAttrs,
      ...strategyParty(d, router, tx.strategyOf(d.queue)),
      Operation: op,
      ...reason,
    });
    const abandoned = tlibMsg('EventAbandoned', { ConnId: d.id, ThisDN: tx.strategyOf(d.queue) });
    const about = handOff(d);
    for (const rs of ctx.core.state.sessionsNamed('RoutingEngine', router)) {
      if (rs.id !== requester) tx.send(rs.id, abandoned, about);
    }
  }
  d.parties = NO_PARTIES;
}

/**
 * A handling party leaves (RequestLeaveInteraction): reported as EventPartyRemoved (Operation Leave); the parties that
 * stay get EventPartyRemoved on their desktops; when nobody is left the interaction goes back to its queue
 * (EventPlacedInQueue) and is offered again.
 */
export function leave(tx: PlanBuilder, d: Draft, party: Party, actorAttrs: Attrs, reason: Attrs): void {
  const placeId = party.placeId ?? tx.agent(party.agentId)?.placeId;
  const removed = tx.report(d, 'EventPartyRemoved', {
    ...actorAttrs,
    ...agentParty(d.tenantId, party.agentId, placeId),
    Operation: Operation.Leave,
    ...reason,
  });
  d.parties = d.parties.filter((p) => p !== party);
  for (const p of d.parties) for (const sid of tx.agent(p.agentId)?.sessions ?? []) tx.send(sid, removed);
  if (d.parties.length === 0) {
    d.parties = NO_PARTIES;
    const old = d.queue;
    placeInQueue(tx, d, d.queue);
    tx.report(d, 'EventPlacedInQueue', { ...actorAttrs, OldQueue: old, ...reason });
  }
}

/** Puts an interaction on hold (never offered while held) or takes it off, reporting EventHeld / EventResumed. */
export function setHeld(tx: PlanBuilder, d: Draft, held: boolean, actorAttrs: Attrs): void {
  if (held) {
    d.held = true;
    d.heldAt = tx.now;
  } else {
    delete d.held;
    delete d.heldAt;
  }
  // (The catalogue's EventHeld and EventResumed carry no ReasonInfo.)
  tx.report(d, held ? 'EventHeld' : 'EventResumed', actorAttrs);
}

/**
 * Locks an interaction for a snapshot, or releases its lock (`snapshotId` undefined): reporting EventLocked /
 * EventUnlocked. A locked interaction leaves the waiting sets and the views (see isWaiting).
 */
export function setLock(
  tx: PlanBuilder,
  d: Draft,
  snapshotId: number | undefined,
  actorAttrs: Attrs,
  reason: Attrs,
): void {
  if (snapshotId === undefined) delete d.lockedBy;
  else d.lockedBy = snapshotId;
  tx.report(d, snapshotId === undefined ? 'EventUnlocked' : 'EventLocked', { ...actorAttrs, ...reason });
}

/**
 * The routing engine holding (or delivering) an interaction is gone: a held interaction goes back to its queue
 * (EventPartyRemoved of the strategy party) to be offered again; an invitation it asked for stays with the agent,
 * with nobody to tell how it ends.
 */
export function routerLeft(tx: PlanBuilder, d: Draft, router: string): void {
  if (d.invitations.some((i) => i.routerName === router)) {
    d.invitations = d.invitations.map((i) => {
      if (i.routerName !== router) return i;
      const { routerName: _r, routeReferenceId: _ref, ...rest } = i;
      return rest;
    });
    if (d.placement.kind === 'routing') d.placement = QUEUED;
  } else if (d.placement.kind === 'routing') {
    tx.report(d, 'EventPartyRemoved', {
      ...strategyParty(d, router, tx.strategyOf(d.queue)),
      Operation: Operation.PartyDisconnect,
    });
    d.placement = QUEUED;
  }
}

/**
 * The handling timeout of one party passed: reporting EventPartyRemoved, the agent's desktops EventRevoked; when no
 * party is left the interaction goes back to its queue (age kept) and is offered again.
 */
export function handlingExpired(tx: PlanBuilder, d: Draft, party: Party): void {
  const placeId = party.placeId ?? tx.agent(party.agentId)?.placeId;
  tx.report(d, 'EventPartyRemoved', {
    ...agentParty(d.tenantId, party.agentId, placeId),
    Operation: Operation.Timeout,
  });
  const revoked = isMsg('EventRevoked', {
    ...itxAttrs(d),
    EventTime: tx.now,
    AgentId: party.agentId,
    PlaceId: placeId,
    Operation: Operation.Timeout,
  });
  for (const sid of tx.agent(party.agentId)?.sessions ?? []) tx.send(sid, revoked);
  d.parties = d.parties.filter((p) => p !== party);
  if (d.parties.length === 0) {
    d.parties = NO_PARTIES;
    d.placement = QUEUED;
    d.placedInQueueAt = tx.now;
  }
}

/**
 * The routing timeout passed: the routing engine loses the interaction (EventAbandoned; reporting EventPartyRemoved of
 * the strategy party) and it is queued again in the same queue, to be offered again.
 */
export function routingExpired(tx: PlanBuilder, ctx: Pick<Ctx, 'core'>, d: Draft, router: string): void {
  tx.report(d, 'EventPartyRemoved', {
    ...strategyParty(d, router, tx.strategyOf(d.queue)),
    Operation: Operation.Timeout,
  });
  const abandoned = tlibMsg('EventAbandoned', {
    ConnId: d.id,
    ThisDN: tx.strategyOf(d.queue),
    Reason: 'routing timeout',
  });
  const about = handOff(d);
  for (const rs of ctx.core.state.sessionsNamed('RoutingEngine', router)) tx.send(rs.id, abandoned, about);
  d.placement = QUEUED;
}

/** A timer ran out (CoreState.timers): the transition it stands for, if the interaction still has that deadline. */
export function expire(tx: PlanBuilder, ctx: Pick<Ctx, 'core'>, d: Draft, timer: TimerEntry): void {
  switch (timer.kind) {
    case 'delivering': {
      const inv = d.invitations.find((i) => i.agentId === timer.who && i.deadline === timer.at);
      if (inv) endInvitation(tx, ctx, d, inv, 'expired');
      return;
    }
    case 'handling': {
      const party = d.parties.find((p) => p.agentId === timer.who && p.deadline === timer.at);
      if (party && d.placement.kind === 'handled') handlingExpired(tx, d, party);
      return;
    }
    case 'routing':
      if (d.placement.kind === 'routing' && d.placement.router === timer.who) routingExpired(tx, ctx, d, timer.who);
      return;
  }
}

/**
 * After a restart no session survives. An interaction held by a routing engine is queued again (offered again once a
 * taker registers). A pending invitation stays until its original deadline (then it is revoked as if unanswered; the
 * agent may still accept it after logging in again); it no longer names a session or a routing engine to tell.
 * Invitations stored without a deadline end at once. A snapshot lock is released (its snapshot ended with its session;
 * no EventUnlocked is reported for it). Handled and parked interactions stay where they are; their timers keep their
 * deadlines.
 */
export function restored(ix: Interaction): Interaction {
  if (ix.placement.kind !== 'routing' && ix.invitations.length === 0 && ix.lockedBy === undefined) return ix;
  const invitations = ix.invitations
    .filter((i) => i.deadline !== undefined)
    .map((i): Invitation => {
      const { routerName: _r, routeReferenceId: _ref, ...rest } = i;
      return {
        ...rest,
        sessionId: NO_SESSION,
        ...(rest.inviter ? { inviter: { ...rest.inviter, sessionId: NO_SESSION } } : {}),
      };
    });
  // Snapshots end with their sessions, and no session outlives a restart: every lock is released.
  const { lockedBy: _lock, ...rest } = unpacked(ix);
  return {
    ...rest,
    placement: ix.placement.kind === 'routing' ? QUEUED : ix.placement,
    invitations: invitations.length ? invitations : NO_INVITATIONS,
  };
}

/** The session id of an invitation whose desktop is gone (session ids start at 1001). */
const NO_SESSION = 0;

function without<T>(list: readonly T[], item: T): readonly T[] {
  const out = list.filter((x) => x !== item);
  return out.length === 0 ? (NO_INVITATIONS as readonly T[]) : out;
}
