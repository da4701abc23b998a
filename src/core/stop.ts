/** RequestStopProcessing (and RequestRouteCall to "stop"): the interaction ends; every party that must know is told. */
import { Operation } from '../protocol/enums.ts';
import { isMsg, tlibMsg, type AttrValue } from '../protocol/message.ts';
import { Audience } from './audience.ts';
import { actor, owned, type Ctx } from './context.ts';
import { answerInviter, workbinChanged } from './interaction-machine.ts';
import { routerOf } from './model/interaction.ts';
import type { Attrs, Draft } from './plan.ts';
import { agentParty, handOff, itxAttrs, reasonOf, reasonText, strategyParty } from './render.ts';

export function stopProcessing(ctx: Ctx<'RequestStopProcessing'>): void {
  const d = owned(ctx, ctx.a.InteractionId);
  ctx.tx.send(ctx.s.id, isMsg('EventAck', { ReferenceId: ctx.a.ReferenceId }));
  stop(ctx, d, reasonOf(ctx.m.attrs), null);
}

/**
 * Stops an interaction: parties removed, revoked or told, reporting, row deleted (reference §2.13). `routeRef` is the
 * ReferenceId of the RequestRouteCall that asked for it (EventRouteUsed stands in for the ack), null otherwise.
 * `ctx.s` is who stops it (the actor, never told twice): the requester, or a media server whose session ended (its
 * online interactions, online.ts).
 */
export function stop(
  ctx: Pick<Ctx, 'core' | 'tx' | 's'>,
  d: Draft,
  reason: Attrs,
  routeRef: AttrValue | undefined | null,
): void {
  const { tx, s, core } = ctx;
  const state = core.state;
  const act = actor(ctx, d);
  for (const inv of d.invitations) {
    answerInviter(tx, ctx, inv, 'cannot join: the interaction was stopped');
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
  const router = routerOf(d);
  if (d.placement.kind === 'handled') {
    for (const p of d.parties) {
      tx.report(d, 'EventPartyRemoved', {
        ...act,
        ...agentParty(d.tenantId, p.agentId, p.placeId ?? tx.agent(p.agentId)?.placeId),
        Operation: Operation.Stop,
        ...reason,
      });
    }
  } else if (router !== undefined && d.invitations.length === 0) {
    // (With an invitation pending, the strategy party was already removed when it routed to the agent.)
    tx.report(d, 'EventPartyRemoved', {
      ...act,
      ...strategyParty(d, router, tx.strategyOf(d.queue)),
      Operation: Operation.Stop,
      ...reason,
    });
  }
  tx.report(d, 'EventProcessingStopped', { ...act, ...reason });
  workbinChanged(tx, { ctx, actorAttrs: act }, d, 'TakenOut');
  const audience = new Audience(ctx);
  audience.handlers(
    d,
    isMsg('EventRevoked', { ...itxAttrs(d), EventTime: tx.now, ...act, Operation: Operation.Stop, ...reason }),
  );
  // A routing engine that asked for the stop (RequestRouteCall) gets EventRouteUsed in place of an ack; its other
  // sessions, or the engine holding it when someone else stops it, EventAbandoned.
  if (router !== undefined && routeRef !== null && s.clientType === 'RoutingEngine' && s.clientName === router) {
    tx.send(
      s.id,
      tlibMsg('EventRouteUsed', {
        ReferenceId: routeRef,
        ConnId: d.id,
        ThisDN: tx.strategyOf(d.queue),
        Result: 'stopped',
      }),
      handOff(d),
    );
  }
  audience.router(
    d,
    tlibMsg('EventAbandoned', { ConnId: d.id, ThisDN: tx.strategyOf(d.queue), Reason: reasonText(reason) }),
  );
  audience.submitter(
    d,
    (ms) => ms.wantsProcessingStopped,
    isMsg('EventProcessingStopped', { ...itxAttrs(d), EventTime: tx.now, ...act, ...reason }),
  );
  tx.remove(d.id);
}
