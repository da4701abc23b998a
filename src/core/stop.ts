/** RequestStopProcessing (and RequestRouteCall to "stop"): the interaction ends; every party that must know is told. */
import { InteractionState, Operation } from '../protocol/enums.ts';
import { isMsg, tlibMsg, type AttrValue } from '../protocol/message.ts';
import { actor, owned, requesterAndReporting, type Ctx } from './context.ts';
import type { Attrs, Draft } from './plan.ts';
import { agentParty, itxAttrs, reasonOf, reasonText, strategyParty } from './render.ts';

export function stopProcessing(ctx: Ctx): void {
  const d = owned(ctx, ctx.m.attrs.InteractionId);
  ctx.tx.send(ctx.s.id, isMsg('EventAck', { ReferenceId: ctx.m.attrs.ReferenceId }));
  stop(ctx, d, reasonOf(ctx.m.attrs), null);
}

/**
 * Stops an interaction: parties removed, revoked or told, reporting, row deleted (reference §2.13). `routeRef` is the
 * ReferenceId of the RequestRouteCall that asked for it (EventRouteUsed stands in for the ack), null otherwise.
 */
export function stop(ctx: Ctx, d: Draft, reason: Attrs, routeRef: AttrValue | undefined | null): void {
  const { tx, s, core } = ctx;
  const state = core.state;
  const act = actor(ctx, d);
  if (d.invite) {
    const inv = d.invite;
    if (inv.sessionId !== s.id && state.sessions.has(inv.sessionId)) {
      tx.send(
        inv.sessionId,
        isMsg('EventRevoked', {
          ...itxAttrs(d),
          EventTime: tx.now,
          ...act,
          AgentId: inv.agentId,
          PlaceId: inv.placeId,
          Operation: Operation.Stop,
          ...reason,
        }),
      );
    }
  }
  if (d.state === InteractionState.Handling) {
    for (const agentId of d.agents) {
      tx.report(d, 'EventPartyRemoved', {
        ...act,
        ...agentParty(d.tenantId, agentId, tx.agent(agentId)?.placeId),
        Operation: Operation.Stop,
        ...reason,
      });
    }
  } else if (d.state === InteractionState.Routing && d.routerName && !d.invite) {
    // (With an invitation pending, the strategy party was already removed when it routed to the agent.)
    tx.report(d, 'EventPartyRemoved', {
      ...act,
      ...strategyParty(d, d.routerName),
      Operation: Operation.Stop,
      ...reason,
    });
  }
  tx.report(d, 'EventProcessingStopped', { ...act, ...reason });
  const told = requesterAndReporting(ctx);
  if (d.state === InteractionState.Handling) {
    const revoked = isMsg('EventRevoked', {
      ...itxAttrs(d),
      EventTime: tx.now,
      ...act,
      Operation: Operation.Stop,
      ...reason,
    });
    for (const agentId of d.agents) {
      for (const sid of tx.agent(agentId)?.sessions ?? []) {
        if (!told.has(sid)) tx.send(sid, revoked);
        told.add(sid);
      }
    }
  }
  if (d.routerName) {
    for (const rs of state.sessionsNamed('RoutingEngine', d.routerName)) {
      if (rs.id === s.id) {
        if (routeRef === null) continue; // RequestStopProcessing: its EventAck was the answer.
        tx.send(
          rs.id,
          tlibMsg('EventRouteUsed', { ReferenceId: routeRef, ConnId: d.id, ThisDN: d.queue, Result: 'stopped' }),
        );
      } else if (!told.has(rs.id)) {
        tx.send(rs.id, tlibMsg('EventAbandoned', { ConnId: d.id, ThisDN: d.queue, Reason: reasonText(reason) }));
      }
      told.add(rs.id);
    }
  }
  const stopped = isMsg('EventProcessingStopped', { ...itxAttrs(d), EventTime: tx.now, ...act, ...reason });
  for (const ms of state.sessionsNamed('MediaServer', d.submittedBy)) {
    if (ms.wantsProcessingStopped && !told.has(ms.id)) tx.send(ms.id, stopped);
    told.add(ms.id);
  }
  tx.remove(d.id);
}
