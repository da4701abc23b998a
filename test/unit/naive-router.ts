/**
 * A deliberately naive reference for the built-in router (lifecycle §3–§4), written from the rules with plain scans
 * over everything: after every command, repeatedly offer the first waiting interaction (Priority DESC, SubmittedAt
 * ASC, id) that has an available candidate, to the candidate idle longest (the agent that last rejected it only if no
 * other is available). Idle-since is observed the naive way too: after each step, every agent and media is compared
 * with the previous step (load dropped, or became ready) — agents in id order, media in name order.
 * Obviously correct and O(everything) per step: the model-based test checks the indexed router against it.
 */
import { compileSkillExpression } from '../../src/condition/index.ts';
import type { Config } from '../../src/config/schema.ts';
import type { Ctx } from '../../src/core/context.ts';
import { invite } from '../../src/core/interaction-machine.ts';
import type { AgentState } from '../../src/core/model/session.ts';
import type { Interaction } from '../../src/core/model/interaction.ts';
import type { PlanBuilder } from '../../src/core/plan.ts';
import type { CoreState } from '../../src/core/state.ts';
import { unpacked } from '../../src/core/model/packed.ts';

type Route = (tx: PlanBuilder, ctx: Pick<Ctx, 'core'>) => void;

function priority(ix: Interaction): number | undefined {
  const p = ix.userData.find((x) => x.key === 'Priority')?.value;
  if (typeof p === 'number') return p;
  if (typeof p === 'string' && p.trim() !== '' && Number.isFinite(Number(p))) return Number(p);
  return undefined;
}

function before(a: Interaction, b: Interaction): number {
  const pa = priority(a);
  const pb = priority(b);
  if (pa !== pb) {
    if (pa === undefined) return 1;
    if (pb === undefined) return -1;
    return pb - pa;
  }
  if (a.submittedAt !== b.submittedAt) return a.submittedAt < b.submittedAt ? -1 : 1;
  return a.id < b.id ? -1 : 1;
}

/** A naive router for `config` (built-in routed queues only). */
export function naiveRouter(config: Config): Route {
  const stamps = new Map<string, number>();
  let clock = 0;
  let seen = new Map<string, { load: number; ready: boolean }>();
  const key = (agent: string, media: string): string => `${agent}\u0000${media}`;

  const candidates = (queueName: string): string[] => {
    const q = config.queues.find((x) => x.name === queueName);
    if (!q?.routing || q.routing === 'external') return [];
    const routing = q.routing;
    const skill = routing.skill === undefined ? undefined : compileSkillExpression(routing.skill);
    const names = [
      ...routing.agents,
      ...config.agentGroups.filter((g) => routing.agentGroups.includes(g.name)).flatMap((g) => g.agents),
    ];
    return config.agents
      .filter((a) => names.includes(a.id) && a.tenant === q.tenant)
      .filter((a) => !skill || skill({ get: (n) => (Object.hasOwn(a.skills, n) ? a.skills[n] : undefined) }))
      .map((a) => a.id);
  };
  const loadOf = (state: CoreState, agentId: string, media: string): number => {
    let n = 0;
    for (const ix of state.interactions.values()) {
      if (ix.mediaType !== media) continue;
      n += ix.invitations.filter((i) => i.agentId === agentId).length;
      if (ix.placement.kind === 'handled') n += ix.parties.filter((p) => p.agentId === agentId).length;
    }
    return n;
  };
  const readyOf = (a: AgentState | undefined, media: string): boolean =>
    a !== undefined && !a.dnd && a.media.get(media) === true;

  const observe = (state: CoreState): void => {
    const next = new Map<string, { load: number; ready: boolean }>();
    for (const agent of [...config.agents].sort((x, y) => (x.id < y.id ? -1 : 1))) {
      for (const media of [...config.mediaTypes].sort()) {
        const k = key(agent.id, media);
        const a = state.agents.get(agent.id);
        const cur = { load: loadOf(state, agent.id, media), ready: readyOf(a, media) };
        next.set(k, cur);
        if (!a) {
          stamps.delete(k);
          continue;
        }
        const prev = seen.get(k);
        const becameReady = cur.ready && !(prev?.ready ?? false);
        const dropped = prev !== undefined && cur.load < prev.load;
        if (becameReady || dropped) stamps.set(k, ++clock);
      }
    }
    seen = next;
  };

  return (tx, ctx) => {
    const state = ctx.core.state;
    for (;;) {
      observe(state);
      const waiting = [...state.interactions.values()]
        .filter((ix) => ix.placement.kind === 'queued' && ix.invitations.length === 0 && ix.held !== true)
        .sort(before);
      let offered = false;
      for (const ix of waiting) {
        const available = candidates(ix.queue)
          .filter((id) => {
            const a = state.agents.get(id);
            const cap = config.agents.find((x) => x.id === id)?.media[ix.mediaType] ?? 0;
            return readyOf(a, ix.mediaType) && loadOf(state, id, ix.mediaType) < cap;
          })
          .sort((x, y) => {
            const d = (stamps.get(key(x, ix.mediaType)) ?? 0) - (stamps.get(key(y, ix.mediaType)) ?? 0);
            return d || (x < y ? -1 : 1);
          });
        const pick = available.find((id) => id !== ix.lastRejectedBy) ?? available.find(() => true);
        if (pick === undefined) continue;
        const d = unpacked(ix);
        invite(tx, ctx, d, state.agents.get(pick) as AgentState, ctx.core.nextTicketId(), {}, {});
        tx.put(d);
        state.apply(tx.takeChanges());
        offered = true;
        break;
      }
      if (!offered) break;
    }
    state.dirty.clear();
  };
}
