/** Enumerations of the protocol (reference §1.2, §3.3); values are the numbers on the wire. */

export const ClientType = {
  Unknown: 0,
  Proxy: 1,
  AgentApplication: 2,
  MediaServer: 3,
  ReportingEngine: 4,
  RoutingEngine: 5,
  ThirdPartyServer: 6,
  UniversalRouter: 7,
  ThirdPartyClient: 8,
} as const;
export type ClientTypeName = keyof typeof ClientType;

export const InteractionState = { Queued: 0, Cached: 1, Routing: 2, Handling: 3 } as const;
export type InteractionStateName = keyof typeof InteractionState;

export const Operation = {
  Unknown: 0,
  Transfer: 1,
  Conference: 2,
  Intrude: 3,
  Route: 4,
  Pull: 5,
  Create: 6,
  Reject: 7,
  Timeout: 8,
  Leave: 9,
  Stop: 10,
  PlaceInWorkbin: 11,
  PlaceInQueue: 12,
  PartyDisconnect: 13,
} as const;

export const WorkbinContentOperation = { Unknown: 0, TakenOut: 1, PlacedIn: 2, PropertiesChanged: 3 } as const;

export const AgentStateChangeOperation = {
  Reserved: 0,
  NotReadyForMedia: 1,
  ReadyForMedia: 2,
  MediaRemoved: 3,
  MediaAdded: 4,
  LoggedOut: 5,
} as const;

export const PartyType = { Unknown: 0, StrategyParty: 1, ResourceParty: 2 } as const;
export const ActorType = { Unknown: 0, Strategy: 1, Agent: 2, MediaServer: 3 } as const;
export const TargetType = { None: 0, Agent: 1, Queue: 2, Workbin: 3, Stop: 4 } as const;
export const VisibilityMode = { Unknown: 0, Conference: 1, Monitor: 2, Coach: 3 } as const;

/** RequestRouteCall target kinds of the JSON T-Library facade (spec §3.2: lower-case names). */
export const RouteTarget = { agent: 1, queue: 2, workbin: 3, stop: 4 } as const;
export type RouteTargetName = keyof typeof RouteTarget;

/** Every enum by the name the catalogue uses for it. */
export const ENUMS = {
  ClientType,
  InteractionState,
  Operation,
  WorkbinContentOperation,
  AgentStateChangeOperation,
  PartyType,
  ActorType,
  TargetType,
  VisibilityMode,
  RouteTarget,
} as const satisfies Record<string, Record<string, number>>;
export type EnumName = keyof typeof ENUMS;

/** Name of an enum value, or undefined when the number is not a member. */
export function enumValueName(e: EnumName, value: number): string | undefined {
  for (const [k, v] of Object.entries(ENUMS[e])) if (v === value) return k;
  return undefined;
}

/** Number of an enum member by name (case-insensitive), or undefined. */
export function enumValueByName(e: EnumName, name: string): number | undefined {
  const lower = name.toLowerCase();
  for (const [k, v] of Object.entries(ENUMS[e])) if (k.toLowerCase() === lower) return v;
  return undefined;
}
