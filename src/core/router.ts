/**
 * Offering: where work and takers may meet, match them. The state's `apply` marks the (queue, media) pairs where an
 * interaction started waiting or a candidate agent became available; only those are looked at. Among them, the first
 * waiting interaction (default order) of the pair whose head comes first is offered: to the available candidate idle
 * longest (built-in router: EventInvite), or to the next routing engine (EventRouteRequest). Each offer is applied
 * before the next is chosen, so the result is the same as the naive rule "repeatedly offer the globally first
 * waiting interaction that has a taker" (test/unit/router-model.test.ts checks exactly that).
 */
import { unpacked } from './model/packed.ts';
import type { Ctx } from './context.ts';
import { invite, offerToEngine } from './interaction-machine.ts';
import type { AgentState } from './model/session.ts';
import type { Interaction } from './model/interaction.ts';
import type { PlanBuilder } from './plan.ts';
import { routableEngines } from './routing-engine.ts';
import { compareWaiting, type PairKey } from './state.ts';

/** Offers until no dirty pair has both waiting work and a taker. */
export function route(tx: PlanBuilder, ctx: Pick<Ctx, 'core'>): void {
  const { state, dir } = ctx.core;
  const dirty = state.dirty;
  for (;;) {
    let best: Interaction | undefined;
    let bestKey: PairKey | undefined;
    /**
     * Per queue, the routing engines that may be handed its interactions now, within the submission caps (looked up
     * once per offer).
     */
    const engines = new Map<string, ReturnType<typeof routableEngines>>();
    const enginesFor = (queue: string): ReturnType<typeof routableEngines> => {
      let list = engines.get(queue);
      if (!list) engines.set(queue, (list = ctx.core.scheduler.eligible(routableEngines(ctx, queue), queue, tx.nowMs)));
      return list;
    };
    for (const key of dirty) {
      const head = state.waitingIn(key)?.first();
      const q = head && dir.queues.get(head.queue);
      let takers = false;
      if (q?.routing === 'builtin') takers = firstOf(state.availableIn(key)) !== undefined;
      else if (q?.routing === 'external') takers = enginesFor(q.name).length > 0;
      if (!head || !takers) {
        dirty.delete(key);
        continue;
      }
      if (!best || compareWaiting(head, best) < 0) {
        best = head;
        bestKey = key;
      }
    }
    if (!best || bestKey === undefined) return;
    const d = unpacked(best);
    if (dir.queues.get(best.queue)?.routing === 'external') {
      const list = enginesFor(best.queue);
      const engine = list[ctx.core.nextRouterTurn() % list.length] as (typeof list)[number];
      offerToEngine(tx, ctx, d, engine);
      ctx.core.scheduler.handedTo(engine, tx.nowMs);
    } else {
      const agent = pickAgent(tx, state.availableIn(bestKey), best.lastRejectedBy);
      invite(tx, ctx, d, agent, ctx.core.nextTicketId(), {}, {});
    }
    tx.put(d);
    state.apply(tx.takeChanges());
  }
}

/** The available candidate idle longest; the agent that last rejected the interaction only if nobody else is. */
function pickAgent(
  tx: PlanBuilder,
  available: Iterable<{ readonly agentId: string }>,
  rejectedBy?: string,
): AgentState {
  let fallback: string | undefined;
  for (const e of available) {
    if (e.agentId === rejectedBy) {
      fallback = e.agentId;
      continue;
    }
    return tx.agent(e.agentId) as AgentState;
  }
  return tx.agent(fallback as string) as AgentState;
}

function firstOf<T>(it: Iterable<T>): T | undefined {
  for (const x of it) return x;
  return undefined;
}
