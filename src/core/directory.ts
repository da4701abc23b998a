/**
 * The configuration compiled once into lookups: tenants, media, queues with their built-in routing (candidates after
 * groups and skill expressions are resolved), agents with capacities, places, workbins. Nothing here changes while
 * the server runs, so the router reads it without scans.
 */
import type { Config } from '../config/schema.ts';
import { compileSkillExpression, type ConditionRecord } from '../condition/index.ts';

/** A configured agent. */
export interface AgentConfig {
  readonly id: string;
  readonly tenant: number;
  /** media -> capacity. */
  readonly capacity: ReadonlyMap<string, number>;
  readonly skills: Readonly<Record<string, number>>;
}

/** A configured queue. */
export interface QueueConfig {
  readonly name: string;
  readonly tenant: number;
  /** How its waiting interactions move: a routing engine, the built-in router, or nothing (they wait). */
  readonly routing: 'external' | 'builtin' | 'none';
  /** Built-in routing: the candidate agents (listed, group members, filtered by the skill expression). */
  readonly candidates: ReadonlySet<string>;
  /** How long an invitation to one of its interactions waits for an answer (ms). */
  readonly deliveringMs: number;
  /** How long a handling agent may leave one of its interactions alone (ms). */
  readonly handlingMs: number;
  /** A routing-engine queue: the most of its interactions routing engines may hold at once (undefined: no cap). */
  readonly maxSubmitted: number | undefined;
  /** The strategy routing engines know it by (its name unless configured). */
  readonly strategy: string;
}

/** The submission caps of one routing engine (undefined: no cap). */
export interface RouterLimits {
  /** Interactions it may hold at once. */
  readonly maxSubmitted: number | undefined;
  /** Interactions handed to it per second. */
  readonly ratePerSecond: number | undefined;
}

/** The compiled configuration. */
export class Directory {
  readonly tenants: ReadonlySet<number>;
  readonly mediaTypes: ReadonlySet<string>;
  readonly queues: ReadonlyMap<string, QueueConfig>;
  readonly agents: ReadonlyMap<string, AgentConfig>;
  /** place id -> tenant. */
  readonly places: ReadonlyMap<string, number>;
  /** tenant -> its places, in configuration order. */
  readonly placesOfTenant: ReadonlyMap<number, readonly string[]>;
  /** agent -> the built-in-routed queues it is a candidate of. */
  readonly queuesOfAgent: ReadonlyMap<string, readonly QueueConfig[]>;
  readonly applications: ReadonlyMap<string, Config['applications'][number]>;
  /** The global timeouts (ms), for interactions without a configured queue. */
  readonly deliveringMs: number;
  readonly handlingMs: number;
  readonly routingMs: number;
  /** How long a routing engine's parked pull waits for work (ms). */
  readonly pullHoldMs: number;
  /** When a routing engine hears that its route to an agent is used: at the invitation or at the agent's answer. */
  readonly routeUsedOn: 'invite' | 'answer';
  private readonly routerLimitsByName: ReadonlyMap<string, RouterLimits>;
  /** The caps of routing engines without an application entry of their own (the settings' defaults). */
  private readonly defaultRouterLimits: RouterLimits;

  constructor(readonly config: Config) {
    const s = config.settings;
    this.deliveringMs = s.deliveringTimeout * 1000;
    this.handlingMs = s.handlingTimeout * 1000;
    this.routingMs = s.routingTimeout * 1000;
    this.pullHoldMs = s.pullHoldTimeout * 1000;
    this.routeUsedOn = s.routeUsedOn;
    this.tenants = new Set(config.tenants.map((t) => t.id));
    this.mediaTypes = new Set(config.mediaTypes);
    this.places = new Map(config.places.map((p) => [p.id, p.tenant]));
    const placesOfTenant = new Map<number, string[]>();
    for (const p of config.places) {
      let list = placesOfTenant.get(p.tenant);
      if (!list) placesOfTenant.set(p.tenant, (list = []));
      list.push(p.id);
    }
    this.placesOfTenant = placesOfTenant;
    this.applications = new Map(config.applications.map((a) => [a.name, a]));
    this.defaultRouterLimits = {
      maxSubmitted: s.defaultMaxSubmittedPerRouter,
      ratePerSecond: s.defaultMaxSubmissionRate,
    };
    this.routerLimitsByName = new Map(
      config.applications
        .filter((a) => a.type === 'RoutingEngine')
        .map((a) => [
          a.name,
          {
            maxSubmitted: a.maxSubmittedInteractions ?? s.defaultMaxSubmittedPerRouter,
            ratePerSecond: a.maxSubmissionRate ?? s.defaultMaxSubmissionRate,
          },
        ]),
    );
    this.agents = new Map(
      config.agents.map((a) => [
        a.id,
        { id: a.id, tenant: a.tenant, capacity: new Map(Object.entries(a.media)), skills: a.skills },
      ]),
    );
    const groups = new Map(config.agentGroups.map((g) => [g.name, g.agents]));
    const queues = new Map<string, QueueConfig>();
    const queuesOfAgent = new Map<string, QueueConfig[]>();
    for (const q of config.queues) {
      const candidates = new Set<string>();
      let routing: QueueConfig['routing'] = 'none';
      if (q.routing === 'external') routing = 'external';
      else if (q.routing) {
        routing = 'builtin';
        const skill = q.routing.skill === undefined ? undefined : compileSkillExpression(q.routing.skill);
        const listed = [...q.routing.agents, ...q.routing.agentGroups.flatMap((g) => groups.get(g) ?? [])];
        for (const id of listed) {
          const agent = this.agents.get(id);
          if (!agent || agent.tenant !== q.tenant) continue;
          if (skill && !skill(skillRecord(agent.skills))) continue;
          candidates.add(id);
        }
      }
      const qc: QueueConfig = {
        name: q.name,
        tenant: q.tenant,
        routing,
        candidates,
        deliveringMs: (q.timeouts?.delivering ?? s.deliveringTimeout) * 1000,
        handlingMs: (q.timeouts?.handling ?? s.handlingTimeout) * 1000,
        maxSubmitted: routing === 'external' ? (q.maxSubmitted ?? s.defaultMaxSubmittedPerStrategy) : undefined,
        strategy: q.strategy ?? q.name,
      };
      queues.set(q.name, qc);
      for (const id of candidates) {
        let list = queuesOfAgent.get(id);
        if (!list) queuesOfAgent.set(id, (list = []));
        list.push(qc);
      }
    }
    this.queues = queues;
    this.queuesOfAgent = queuesOfAgent;
  }

  /** The strategy of a queue (T-Library ThisDN, StrategyId): the configured one, else the queue's name. */
  strategyOf(queue: string): string {
    return this.queues.get(queue)?.strategy ?? queue;
  }

  /** The submission caps of a routing engine (by application name). */
  routerLimits(name: string): RouterLimits {
    return this.routerLimitsByName.get(name) ?? this.defaultRouterLimits;
  }

  /** A workbin of a tenant, if configured. */
  workbin(name: string, tenant: number): Config['workbins'][number] | undefined {
    return this.config.workbins.find((w) => w.name === name && w.tenant === tenant);
  }
}

/** An agent's skills as a condition record (a missing skill is missing, so any comparison on it is false). */
function skillRecord(skills: Readonly<Record<string, number>>): ConditionRecord {
  return { get: (name) => (Object.hasOwn(skills, name) ? skills[name] : undefined) };
}
