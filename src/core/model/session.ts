/** Sessions (registered logical clients) and logged-in agents. */
import type { ClientTypeName } from '../../protocol/enums.ts';

/**
 * What a session's door can carry, fixed at registration: the binary and the JSON door carry the Interaction Server
 * messages; only the JSON door carries IXS's T-Library facade (EventRouteRequest, EventRouteUsed, ...) that routing
 * engines use; a binary connection that opened with a T-Library registration carries T-Library only ('tlib': a
 * routing engine whose link is served, see tlib-link.ts).
 */
export type Dialect = 'is' | 'is+tlib' | 'tlib';

/** A registered logical client (a connection, or one client behind a proxy). */
export interface Session {
  /** Server-assigned id, returned as ProxyClientId. */
  readonly id: number;
  readonly clientType: ClientTypeName;
  readonly clientName: string;
  readonly dialect: Dialect;
  readonly mediaType?: string;
  /** Extension event_properties_changed non-zero. */
  readonly wantsPropertiesChanged: boolean;
  /** Extension event_processing_stopped non-zero. */
  readonly wantsProcessingStopped: boolean;
  /**
   * A session of the HTTP door acting for a write token: it may act on any interaction (of the token's tenants, which
   * the HTTP door checks), like a supervisor, and is reported as a media server of its name.
   */
  readonly supervisor?: boolean;
  /** The agent logged in on this session (changed only by the core's apply). */
  agentId?: string;
  /**
   * A routing engine on the binary T-Library dialect: the strategy DNs it registered (RequestRegisterAddress); it is
   * handed the interactions of those strategies only.
   */
  readonly strategies?: Set<string>;
}

/** A logged-in agent: its place, sessions and per-media state. Replaced whole on every change. */
export interface AgentState {
  readonly id: string;
  readonly tenantId: number;
  readonly placeId: string;
  /** Sessions logged in as this agent, oldest first; invitations go to the first. */
  readonly sessions: readonly number[];
  /** Media in the agent's list -> ready (login value non-zero and not NotReadyForMedia). */
  readonly media: ReadonlyMap<string, boolean>;
  readonly dnd: boolean;
  readonly loggedInAt: string;
  /** When do-not-disturb last changed (RequestDoNotDisturbOn/Off); absent: not since the login. */
  readonly dndChangedAt?: string;
  /** Per media, when it was added and its readiness last changed; a media without an entry: both at the login. */
  readonly mediaTimes?: ReadonlyMap<string, MediaTimes>;
}

/** When a media of a logged-in agent was added (login or RequestAddMedia) and its readiness last changed. */
export interface MediaTimes {
  readonly addedAt: string;
  readonly stateChangedAt: string;
}

/**
 * A snapshot (RequestTakeSnapshot): the interactions it listed, in its order, owned by the session that took it and
 * released with it. Which interactions it has locked is read from the interactions (`lockedBy`), through the state's
 * lock index.
 */
export interface Snapshot {
  readonly id: number;
  readonly sessionId: number;
  readonly tenantId: number;
  /** The listed interaction ids, in the snapshot's order (paged by RequestGetSnapshotInteractions). */
  readonly ids: readonly string[];
  readonly members: ReadonlySet<string>;
}
