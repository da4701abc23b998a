/**
 * The routing-engine hand-off over the T-Library facade: interactions of `routing: "external"` queues go to a
 * registered routing engine (EventRouteRequest, round-robin); RequestRouteCall sends them to an agent, a queue, a
 * workbin, or stops them.
 */
import { Operation } from '../protocol/enums.ts';
import { ProtocolError } from '../protocol/errors.ts';
import { TLIB_ERRORS } from '../protocol/tlib-wire.ts';
import { actor, checkQueueOfTenant, owned, type Ctx } from './context.ts';
import { invite, placeInQueue, placeInWorkbin, routerLeft } from './interaction-machine.ts';
import type { AgentState, Session } from './model/session.ts';
import type { Attrs, Draft, PlanBuilder } from './plan.ts';
import { handOff, routeUsed, strategyParty } from './render.ts';
import { checkReservation } from './reservations.ts';
import { stop } from './stop.ts';

/**
 * Routing engines that can be handed the interactions of a queue: those on the JSON door (the T-Library facade) and,
 * on the binary T-Library dialect, those that registered the queue's name as a strategy DN.
 */
export function routableEngines(ctx: Pick<Ctx, 'core'>, queue: string): Session[] {
  const out: Session[] = [];
  const strategy = ctx.core.dir.strategyOf(queue);
  for (const s of ctx.core.state.sessionsOfType('RoutingEngine')) {
    if (s.dialect === 'is+tlib' || (s.dialect === 'tlib' && s.strategies?.has(strategy) === true)) out.push(s);
  }
  return out;
}

export function routeCall(ctx: Ctx<'RequestRouteCall'>): void {
  const { s, tx, core, a } = ctx;
  const d = owned(ctx, a.ConnId);
  // The hand-off this request ends (EventRouteUsed names it on the binary T-Library dialect).
  const about = handOff(d);
  const pending = d.invitations[0];
  if (pending) {
    throw new ProtocolError(
      'Error_invalid_interaction_state',
      `interaction '${d.id}' is already being delivered to agent '${pending.agentId}' (ticket ${String(pending.ticketId)})`,
    );
  }
  const act = actor(ctx, d);
  const routerName = s.clientName;
  const partyRemoved = (op: number): void => {
    tx.report(d, 'EventPartyRemoved', {
      ...act,
      ...strategyParty(d, routerName, tx.strategyOf(d.queue)),
      Operation: op,
    });
  };
  switch (a.TargetType) {
    case 1: {
      const agent = targetAgent(ctx, d, a.TargetAgent, a.TargetPlace);
      partyRemoved(Operation.Route);
      invite(tx, ctx, d, agent, core.nextTicketId(), act, {
        routerName,
        ...(a.ReferenceId !== undefined ? { routeReferenceId: a.ReferenceId } : {}),
        ...(about.connId !== undefined ? { routeConnId: about.connId } : {}),
      });
      // settings.routeUsedOn 'invite': the route is used once the agent is invited (else when the agent answers).
      if (core.dir.routeUsedOn === 'invite') {
        tx.send(s.id, routeUsed(d, a.ReferenceId, agent.placeId, 'invited', tx.strategyOf(d.queue)), about);
      }
      tx.put(d);
      return;
    }
    case 2: {
      const queue = a.TargetQueue;
      if (!queue) throw new ProtocolError('Error_queue_not_specified', 'RequestRouteCall to a queue needs targetQueue');
      checkQueueOfTenant(ctx, queue, d.tenantId, 'targetQueue');
      partyRemoved(Operation.PlaceInQueue);
      const old = d.queue;
      placeInQueue(tx, d, queue, { ctx, actorAttrs: act });
      tx.report(d, 'EventPlacedInQueue', { ...act, OldQueue: old });
      tx.send(s.id, routeUsed(d, a.ReferenceId, queue, 'queued', tx.strategyOf(old)), about);
      tx.put(d);
      return;
    }
    case 3: {
      const wb = a.TargetWorkbin;
      if (!wb)
        throw new ProtocolError('Error_workbin_not_specified', 'RequestRouteCall to a workbin needs targetWorkbin');
      if (!core.dir.workbin(wb, d.tenantId))
        throw new ProtocolError(
          'Error_routing_target_invalid',
          `targetWorkbin '${wb}' is not a configured workbin of tenant ${String(d.tenantId)}`,
        );
      const owner = a.TargetAgent ?? a.TargetPlace;
      if (!owner)
        throw new ProtocolError(
          'Error_target_is_not_specified',
          `workbin '${wb}' needs its owner: targetAgent or targetPlace`,
        );
      partyRemoved(Operation.PlaceInWorkbin);
      const old = d.queue;
      placeInWorkbin(tx, d, wb, a.TargetAgent ? { agentId: a.TargetAgent } : { placeId: owner }, {
        ctx,
        actorAttrs: act,
      });
      tx.report(d, 'EventPlacedInQueue', { ...act, OldQueue: old });
      tx.report(d, 'EventPlacedInWorkbin', {
        ...act,
        OldQueue: old,
        WorkbinTypeId: wb,
        ...(a.TargetAgent ? { WorkbinAgentId: a.TargetAgent } : { WorkbinPlaceId: owner }),
      });
      tx.send(s.id, routeUsed(d, a.ReferenceId, wb, 'workbin', tx.strategyOf(old)), about);
      tx.put(d);
      return;
    }
    case 4: {
      const reason: Attrs = typeof a.Reason === 'string' ? { Reason: 0, ReasonSystemName: a.Reason } : {};
      stop(ctx, d, reason, a.ReferenceId);
      return;
    }
    default:
      throw new ProtocolError(
        'Error_target_is_not_specified',
        'RequestRouteCall needs targetType: agent, queue, workbin or stop',
      );
  }
}

/** The logged-in agent a RequestRouteCall names (by agent, place or both), if it can take the interaction. */
function targetAgent(ctx: Ctx, d: Draft, agentId: string | undefined, placeId: string | undefined): AgentState {
  const { tx, core } = ctx;
  if (!agentId && !placeId)
    throw new ProtocolError(
      'Error_target_is_not_specified',
      'RequestRouteCall to an agent needs targetAgent or targetPlace',
    );
  const id = agentId ?? (placeId === undefined ? undefined : core.state.placeOccupant.get(placeId));
  const agent = id === undefined ? undefined : tx.agent(id);
  // On the binary T-Library dialect an agent who cannot take it is TERR_TARG_NOT_AGENT (§9.8 E), not a bad target.
  if (!agent || agent.tenantId !== d.tenantId || (placeId !== undefined && agent.placeId !== placeId)) {
    throw new ProtocolError(
      'Error_routing_target_invalid',
      `no agent ${agentId ? `'${agentId}' ` : ''}${placeId ? `at place '${placeId}' ` : ''}is logged in for tenant ${String(d.tenantId)}`,
      TLIB_ERRORS.TERR_TARG_NOT_AGENT,
    );
  }
  if (agent.media.get(d.mediaType) !== true) {
    throw new ProtocolError(
      'Error_routing_target_invalid',
      `agent '${agent.id}' is not ready for media '${d.mediaType}'`,
      TLIB_ERRORS.TERR_TARG_NOT_AGENT,
    );
  }
  // Reserved for another routing engine: refused; reserved for this one: the route uses the reservation up.
  checkReservation(ctx.s, ctx.core.reservations, agent.id);
  return agent;
}

/**
 * A routing engine's last session ended: the interactions it held go back to their queues and are offered again;
 * invitations it asked for stay with the agent (without the engine to tell).
 */
export function routingEngineLeft(tx: PlanBuilder, ctx: Pick<Ctx, 'core'>, engine: Session): void {
  const state = ctx.core.state;
  // On the JSON door and the IS protocol an engine's sessions share what it holds (they name interactions by id): it
  // goes back when the last of them ends. On the binary T-Library dialect only the session that got the ConnIDs can
  // act on them: what that session holds goes back when it ends.
  const binary = engine.dialect === 'tlib';
  if (!binary) {
    for (const other of state.sessionsNamed('RoutingEngine', engine.clientName)) if (other.dialect !== 'tlib') return;
  }
  for (const id of state.heldBy(engine.clientName)) {
    const d = tx.draft(id);
    if (!d) continue;
    const holder = d.placement.kind === 'routing' ? d.placement.session : undefined;
    if (binary ? holder !== engine.id : holder !== undefined) continue;
    routerLeft(tx, d, engine.clientName);
    tx.put(d);
  }
}
