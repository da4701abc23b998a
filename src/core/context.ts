/**
 * What a command handler works with: the state (read through its plan's overlay), the compiled configuration, the
 * requester and its request, and the core's counters. Also the checks several families share.
 */
import { ProtocolError } from '../protocol/errors.ts';
import { kvWireSize, type KvList } from '../protocol/kv.ts';
import type { AttrsOf, AttrValue, Message, RequestName } from '../protocol/message.ts';
import type { Directory } from './directory.ts';
import type { AgentState, Session } from './model/session.ts';
import { isHandledBy, routerOf, type Interaction } from './model/interaction.ts';
import type { Draft, PlanBuilder } from './plan.ts';
import { ActorType } from '../protocol/enums.ts';
import { actorOf, agentActor } from './render.ts';
import type { EspRelay } from './esp-relay.ts';
import type { ParkedPulls } from './parked-pulls.ts';
import type { AgentReservations } from './reservations.ts';
import type { SubmissionScheduler } from './scheduler.ts';
import type { CoreState } from './state.ts';
import { SYSTEM_PROPERTIES } from './system-properties.ts';

/** The core's services a handler may use. */
export interface Services {
  readonly dir: Directory;
  readonly state: CoreState;
  /** The routing engines' submission caps. */
  readonly scheduler: SubmissionScheduler;
  /** Requests relayed to third-party (ESP) servers. */
  readonly esp: EspRelay;
  /** Routing engines' pulls waiting for work. */
  readonly parked: ParkedPulls;
  /** Agents reserved for routing engines. */
  readonly reservations: AgentReservations;
  readonly serverVersion: string;
  /** A fresh interaction id (RequestSubmit without InteractionId). */
  newInteractionId(): string;
  /** A fresh TicketId for an invitation. */
  nextTicketId(): number;
  /** A fresh ConnID for a hand-off to a routing engine (16 hex digits, never given twice). */
  nextConnId(): string;
  /** A fresh snapshot id (RequestTakeSnapshot). */
  nextSnapshotId(): number;
  /** The next turn of the routing-engine round-robin. */
  nextRouterTurn(): number;
}

/** One request being handled; `N`: the requests a handler serves (its attributes typed from the catalogue). */
export interface Ctx<N extends RequestName = RequestName> {
  readonly core: Services;
  readonly tx: PlanBuilder;
  readonly s: Session;
  readonly m: Message;
  /** The request's attributes (`m.attrs`), typed by the catalogue: the codecs validated them against it. */
  readonly a: AttrsOf<N>;
}

/** The agent logged in on the requester's session, as this command sees it. */
export function agentOf(ctx: Pick<Ctx, 's' | 'tx'>): AgentState | undefined {
  return ctx.s.agentId === undefined ? undefined : ctx.tx.agent(ctx.s.agentId);
}

/** The requester's ActorInfo for an interaction. */
export function actor(ctx: Pick<Ctx, 's' | 'tx'>, ix: Interaction): Record<string, AttrValue | undefined> {
  return actorOf(ctx.s, ix.tenantId, ctx.tx.strategyOf(ix.queue), agentOf(ctx));
}

/** An attribute value in an error description. */
export function show(v: AttrValue): string {
  return typeof v === 'object' ? JSON.stringify(v) : String(v);
}

export function notAllowed(m: Message, s: Session): ProtocolError {
  return new ProtocolError('ErrorUnsupportedProtocolElement', `${m.name} is not allowed for a ${s.clientType} client`);
}

/** A string attribute that must be present and non-empty. */
export function requiredString(
  m: Message,
  name: string,
  error: ConstructorParameters<typeof ProtocolError>[0],
  label = name,
): string {
  const v = m.attrs[name];
  if (typeof v !== 'string' || v === '') throw new ProtocolError(error, `${m.name} needs ${label}`);
  return v;
}

/** The interaction a request names, if the requester may act on it (ownership rules of the seed contract). */
export function owned(ctx: Ctx, idAttr: AttrValue | undefined): Draft {
  const { s, m, tx } = ctx;
  const label = m.protocol === 'tlib' ? 'connId' : 'InteractionId';
  if (typeof idAttr !== 'string' || idAttr === '') {
    throw new ProtocolError('Error_interaction_id_not_specified', `${m.name} needs ${label}`);
  }
  const ix = tx.draft(idAttr);
  if (!ix) throw new ProtocolError('Error_unknown_interaction', `there is no interaction '${idAttr}'`);
  checkTenant(ctx, ix);
  // The HTTP door's write-token sessions act on any interaction (the door checks the token's tenants).
  if (s.supervisor === true) return ix;
  switch (s.clientType) {
    case 'MediaServer':
      if (ix.submittedBy !== s.clientName) {
        throw new ProtocolError(
          'Error_not_an_owner',
          `media server '${s.clientName}' did not submit interaction '${ix.id}' (submitted by '${ix.submittedBy}')`,
        );
      }
      break;
    case 'AgentApplication': {
      if (s.agentId === undefined)
        throw new ProtocolError(
          'Error_client_not_logged_in',
          `${m.name} from an agent application needs RequestAgentLogin first`,
        );
      if (!isHandledBy(ix, s.agentId)) {
        throw new ProtocolError('Error_not_an_owner', `agent '${s.agentId}' does not handle interaction '${ix.id}'`);
      }
      break;
    }
    case 'RoutingEngine':
      if (routerOf(ix) !== s.clientName) {
        throw new ProtocolError(
          'Error_not_an_owner',
          `routing engine '${s.clientName}' does not hold interaction '${ix.id}'`,
        );
      }
      break;
    default:
      throw new ProtocolError(
        'Error_not_an_owner',
        `a ${s.clientType} client cannot use ${m.name} on interaction '${ix.id}'`,
      );
  }
  return ix;
}

/**
 * ActorInfo of the requester itself, for an event about no interaction (a publication, an ESP request): a media
 * server, a routing engine, or the agent logged in on the session.
 */
export function requesterActor(ctx: Pick<Ctx, 's' | 'tx'>): Record<string, AttrValue | undefined> {
  const s = ctx.s;
  if (s.clientType === 'MediaServer') return { ActorType: ActorType.MediaServer, ActorMediaServerId: s.clientName };
  if (s.clientType === 'RoutingEngine') return { ActorType: ActorType.Strategy, ActorRouterId: s.clientName };
  const agent = s.agentId === undefined ? undefined : ctx.tx.agent(s.agentId);
  return agent ? agentActor(agent) : {};
}

/** A request that would move an interaction locked by a snapshot is refused (Error_locked_by_snapshot). */
export function checkUnlocked(ix: Interaction): void {
  if (ix.lockedBy !== undefined)
    throw new ProtocolError(
      'Error_locked_by_snapshot',
      `interaction '${ix.id}' is locked by snapshot ${String(ix.lockedBy)}: it cannot be moved until it is unlocked`,
    );
}

export function checkTenant(ctx: Ctx, ix: Interaction): void {
  const agent = agentOf(ctx);
  if (agent && agent.tenantId !== ix.tenantId) {
    throw new ProtocolError(
      'Error_tenancy_violation',
      `interaction '${ix.id}' belongs to tenant ${String(ix.tenantId)}, agent '${agent.id}' to tenant ${String(agent.tenantId)}`,
    );
  }
}

export function checkVersion(ix: Interaction, expected: AttrValue | undefined): void {
  if (expected !== undefined && expected !== ix.version) {
    throw new ProtocolError(
      'Error_invalid_interaction_state',
      `version mismatch on interaction '${ix.id}': expected version ${show(expected)}, current version ${String(ix.version)}`,
    );
  }
}

export function checkUserDataSize(ctx: Pick<Ctx, 'core'>, ud: KvList, what: string): void {
  const bytes = kvWireSize(ud);
  const cap = ctx.core.dir.config.limits.maxUserDataBytes;
  if (bytes > cap) {
    throw new ProtocolError(
      'Error_invalid_interaction_data',
      `${what} would be ${String(bytes)} bytes, over the limit of ${String(cap)} bytes per interaction`,
    );
  }
}

export function checkWritable(key: string): void {
  if (SYSTEM_PROPERTIES.has(key)) {
    throw new ProtocolError(
      'Error_read_only_property',
      `property '${key}' is a read-only system property (only ExternalId and ParentId may be changed)`,
    );
  }
}

export function firstDuplicateKey(list: KvList): string | undefined {
  const seen = new Set<string>();
  for (const p of list) {
    if (seen.has(p.key)) return p.key;
    seen.add(p.key);
  }
  return undefined;
}

/** A configured tenant named by a request's TenantId. */
export function requiredTenant(m: Message): number {
  const t = m.attrs.TenantId;
  if (t === undefined) throw new ProtocolError('Error_tenant_not_specified', `${m.name} needs TenantId`);
  return t as number;
}

/** A queue a request names (`label`: the attribute that named it) must be a configured queue of the tenant. */
export function checkQueueOfTenant(ctx: Pick<Ctx, 'core'>, queue: string, tenantId: number, label = 'Queue'): void {
  if (ctx.core.dir.queues.get(queue)?.tenant !== tenantId) {
    throw new ProtocolError(
      'Error_unknown_queue_in_request',
      `${label} '${queue}' is not a configured queue of tenant ${String(tenantId)}`,
    );
  }
}

export function checkTenantConfigured(ctx: Ctx, tenantId: number): void {
  if (!ctx.core.dir.tenants.has(tenantId)) {
    throw new ProtocolError(
      'Error_unknown_tenant_in_request',
      `TenantId ${String(tenantId)} is not a configured tenant`,
    );
  }
}
