/**
 * The message catalogue: the single source of truth for both codecs (binary TCP and JSON), request validation and
 * the generated docs/protocol.md. Built from the Interaction Server message rows (is-message-rows.ts), the embedded
 * structures of §3.2, the attribute types confirmed by test/fixtures/vectors, the T-Library facade of spec §3.2 and the
 * IXS additions of spec §2 (version / expected version, carried in Extension keys on the binary wire).
 */
import type { EnumName } from './enums.ts';
import type { KvList } from './kv.ts';
import { IS_MESSAGE_ROWS } from './is-message-rows.ts';

/** Value types of attributes. */
export type AttrType = 'int' | 'long' | 'string' | 'bool' | 'date' | 'enum' | 'kvlist' | 'stringList';

/** One attribute of a message. */
export interface AttrDef {
  /** Catalogue (PSDK) name, PascalCase: the key in decoded messages. */
  readonly name: string;
  /** JSON name: the catalogue name with its first letter lower-cased. */
  readonly jsonName: string;
  /** Binary wire id, when the attribute is a wire attribute. */
  readonly wireId?: number;
  /** Genesys log name (attr_*). */
  readonly wireName?: string;
  /** When set, the attribute travels on the binary wire as this key of the Extension KV list. */
  readonly extensionKey?: string;
  readonly type: AttrType;
  readonly enumName?: EnumName;
  /** Embedded structure it was flattened from (Interaction, Actor, Party, ...). */
  readonly group?: string;
}

/** One message of the catalogue. */
export interface MessageDef {
  readonly protocol: 'is' | 'tlib';
  readonly id: number;
  readonly name: string;
  /** PSDK class name when it differs (EventInteractionSubmited). */
  readonly psdkName?: string;
  readonly kind: 'request' | 'event';
  readonly purpose: string;
  readonly usedBy: string;
  readonly attrs: readonly AttrDef[];
  readonly byName: ReadonlyMap<string, AttrDef>;
  readonly byJsonName: ReadonlyMap<string, AttrDef>;
  readonly byWireId: ReadonlyMap<number, AttrDef>;
  readonly byExtensionKey: ReadonlyMap<string, AttrDef>;
  /** True when the server implements the request (otherwise EventError 4). */
  readonly supported: boolean;
}

const KVLIST_NAMES = [
  'UserData',
  'Extension',
  'AddedProperties',
  'ChangedProperties',
  'DeletedProperties',
  'MediaList',
  'Interactions',
  'PullParameters',
  'InteractionUserData',
  'TenantList',
  'MediaStateList',
  'MediaCapacityList',
  'MediaListEx',
  'WorkbinTypes',
  'WorkbinStatistic',
  'QueuesConfiguration',
  'ViewsConfiguration',
  'EspRequestEnvelope',
  'Request',
  'PsTopicList',
  'PsEventContent',
  'MovedInteractions',
  'InteractionsInFocus',
  'InteractionsOutOfFocus',
  'Parties',
  'InQueues',
  'OutQueues',
  'EventContent',
  'CustomMessageData',
  'PingInfo',
  'Hint',
] as const;
const KVLISTS: ReadonlySet<string> = new Set(KVLIST_NAMES);
const BOOL_NAMES = [
  'IsOnline',
  'InteractionIsOnline',
  'InteractionIsLocked',
  'InteractionIsHeld',
  'Lock',
  'Hold',
  'IgnoreHold',
  'GetIdsOnly',
  'SearchByExternalId',
  'FindIdsOnly',
  'NotifyPropertyChanges',
  'IdsOnlyInTakenOutNotification',
  'HaveMoreInteractions',
  'CheckInteractionsState',
  'GetIdentifierOnly',
  'DistributeToOriginator',
  'Monitored',
  'ConditionStarting',
] as const;
const BOOLS: ReadonlySet<string> = new Set(BOOL_NAMES);
const INT_NAMES = [
  'ReferenceId',
  'ProxyClientId',
  'TenantId',
  'ErrorCode',
  'TicketId',
  'Reason',
  'Count',
  'ActorTenantId',
  'InteractionTenantId',
  'PlaceDbId',
  'AgentDbId',
  'ActorPlaceDbId',
  'ActorAgentDbId',
  'NumberOfInteractions',
  'StartFrom',
  'SnapshotMaxInteractions',
  'FindMaxInteractions',
  'CustomEventId',
  'WorkbinOwnerType',
  'CustomMessageType',
  'MediaTypeState',
  'DonotDisturb',
  'DoNotDisturb',
  'InitialInFocusState',
  'EspResponseType',
  'EspClientRefid',
  'EspServerRefid',
  'SnapshotId',
] as const;
const INTS: ReadonlySet<string> = new Set(INT_NAMES);
const ENUM_ATTRS = {
  ClientType: 'ClientType',
  InteractionState: 'InteractionState',
  Operation: 'Operation',
  WorkbinContentOperation: 'WorkbinContentOperation',
  AgentStateChangeOperation: 'AgentStateChangeOperation',
  PartyType: 'PartyType',
  ActorType: 'ActorType',
  TargetType: 'TargetType',
  VisibilityMode: 'VisibilityMode',
} as const satisfies Record<string, EnumName>;

function typeOf(name: string): { type: AttrType; enumName?: EnumName } {
  const e = (ENUM_ATTRS as Record<string, EnumName | undefined>)[name];
  if (e) return { type: 'enum', enumName: e };
  if (KVLISTS.has(name)) return { type: 'kvlist' };
  if (BOOLS.has(name)) return { type: 'bool' };
  if (INTS.has(name)) return { type: 'int' };
  if (name.endsWith('At') || name === 'EventTime') return { type: 'date' };
  return { type: 'string' };
}

/** A raw attribute: [name, wire id, wire name]. */
type Raw = readonly [string, number, string];

/** Embedded structures of reference §3.2, flattened into messages on the wire. */
export const STRUCTURES = {
  InteractionProperties: [
    ['InteractionId', 3, 'attr_itx_id'],
    ['InteractionParentInteractionId', 72, 'attr_itx_prnt_itx_id'],
    ['InteractionType', 4, 'attr_itx_type'],
    ['InteractionSubtype', 5, 'attr_itx_subtype'],
    ['InteractionMediatype', 74, 'attr_itx_media_type'],
    ['InteractionTenantId', 76, 'attr_itx_tenant_id'],
    ['InteractionState', 77, 'attr_itx_state'],
    ['InteractionQueue', 73, 'attr_itx_queue'],
    ['InteractionAgentId', 78, 'attr_itx_agent_id'],
    ['InteractionGroupId', 79, 'attr_itx_group_id'],
    ['InteractionPlaceId', 80, 'attr_itx_place_id'],
    ['InteractionPlaceGroupId', 81, 'attr_itx_place_group_id'],
    ['InteractionReceivedAt', 82, 'attr_itx_received_at'],
    ['InteractionSubmittedAt', 83, 'attr_itx_submitted_at'],
    ['InteractionDeliveredAt', 84, 'attr_itx_delivered_at'],
    ['InteractionPlacedInQueueAt', 85, 'attr_itx_placed_in_queue_at'],
    ['InteractionMovedToQueueAt', 102, 'attr_itx_moved_to_queue_at'],
    ['InteractionAbandonedAt', 117, 'attr_abandoned_at'],
    ['InteractionSubmittedBy', 86, 'attr_itx_submitted_by'],
    ['InteractionIsOnline', 87, 'attr_itx_is_online'],
    ['InteractionIsLocked', 88, 'attr_itx_is_locked'],
    ['InteractionWorkbinTypeId', 101, 'attr_itx_workbin_type_id'],
    ['InteractionUserData', 75, 'attr_itx_user_data'],
    ['InteractionSubmitSeq', 135, 'attr_itx_submit_seq'],
    ['InteractionPlaceInQueueSeq', 136, 'attr_itx_place_in_queue_seq'],
    ['InteractionCompletedAt', 153, 'attr_itx_completed_at'],
    ['InteractionAssignedTo', 150, 'attr_itx_assigned_to'],
    ['InteractionAssignedAt', 146, 'attr_itx_assigned_at'],
    ['InteractionIsHeld', 144, 'attr_itx_is_held'],
    ['InteractionHeldAt', 145, 'attr_itx_held_at'],
  ],
  PartyInfo: [
    ['PartyType', 54, 'attr_party_type'],
    ['TenantId', 12, 'attr_tenant_id'],
    ['StrategyId', 15, 'attr_strategy_id'],
    ['RouterId', 14, 'attr_router_id'],
    ['PlaceId', 11, 'attr_place_id'],
    ['AgentId', 13, 'attr_agent_id'],
    ['PlaceDbId', 165, 'attr_place_dbid'],
    ['AgentDbId', 166, 'attr_agent_dbid'],
    ['TargetType', 122, 'attr_target_type'],
    ['TargetQueue', 123, 'attr_target_queue'],
    ['TargetWorkbin', 124, 'attr_target_workbin'],
    ['TargetPlace', 125, 'attr_target_place'],
    ['TargetAgent', 126, 'attr_target_agent'],
    ['TargetPlaceGroup', 127, 'attr_target_place_group'],
    ['TargetAgentGroup', 128, 'attr_target_agent_group'],
    ['VisibilityMode', 46, 'attr_visibility_mode'],
  ],
  ActorInfo: [
    ['ActorType', 52, 'attr_actor_type'],
    ['ActorMediaServerId', 60, 'attr_actor_media_server_id'],
    ['ActorTenantId', 56, 'attr_actor_tenant_id'],
    ['ActorStrategyId', 59, 'attr_actor_strategy_id'],
    ['ActorRouterId', 58, 'attr_actor_router_id'],
    ['ActorPlaceId', 55, 'attr_actor_place_id'],
    ['ActorAgentId', 57, 'attr_actor_agent_id'],
    ['ActorPlaceDbId', 167, 'attr_actor_place_dbid'],
    ['ActorAgentDbId', 168, 'attr_actor_agent_dbid'],
    ['AgentLoginSessionId', 118, 'attr_agent_login_session_id'],
    ['LoggedInAt', 119, 'attr_logged_in_at'],
  ],
  ReasonInfo: [
    ['Reason', 17, 'attr_reason'],
    ['ReasonDescription', 18, 'attr_reason_desc'],
    ['ReasonSystemName', 95, 'attr_reason_system_name'],
  ],
  WorkbinInfo: [
    ['WorkbinTypeId', 19, 'attr_workbin_type_id'],
    ['WorkbinAgentId', 20, 'attr_workbin_agent_id'],
    ['WorkbinGroupId', 21, 'attr_workbin_group_id'],
    ['WorkbinPlaceId', 62, 'attr_workbin_place_id'],
    ['WorkbinPlaceGroupId', 63, 'attr_workbin_place_group_id'],
  ],
  OldWorkbinInfo: [
    ['OldWorkbinTypeId', 139, 'attr_old_workbin_type_id'],
    ['OldWorkbinAgentId', 140, 'attr_old_workbin_agent_id'],
    ['OldWorkbinGroupId', 141, 'attr_old_workbin_group_id'],
    ['OldWorkbinPlaceId', 142, 'attr_old_workbin_place_id'],
    ['OldWorkbinPlaceGroupId', 143, 'attr_old_workbin_place_group_id'],
  ],
  AgentDescription: [
    ['TenantId', 12, 'attr_tenant_id'],
    ['PlaceId', 11, 'attr_place_id'],
    ['AgentId', 13, 'attr_agent_id'],
    ['PlaceDbId', 165, 'attr_place_dbid'],
    ['AgentDbId', 166, 'attr_agent_dbid'],
  ],
} as const satisfies Record<string, readonly Raw[]>;

/** Attributes every message may carry (reference §1.4). */
const ENVELOPE = [
  ['ReferenceId', 2, 'attr_ref_id'],
  ['ProxyClientId', 51, 'attr_prxy_client_id'],
  ['Extension', 89, 'attr_extension'],
] as const satisfies readonly Raw[];

/** IXS additions carried in Extension keys on the binary wire (spec §2). */
const ADDITIONS = {
  RequestChangeProperties: [['ExpectedVersion', 'ixs-expected-version', 'int']],
  EventAck: [
    ['Version', 'ixs-version', 'int'],
    ['InteractionId', 'InteractionId', 'string'],
  ],
  EventPropertiesChanged: [['Version', 'ixs-version', 'int']],
  EventInteractionProperties: [['Version', 'ixs-version', 'int']],
} as const satisfies Record<string, readonly (readonly [name: string, extensionKey: string, type: AttrType])[]>;

function lowerFirst(s: string): string {
  return s.charAt(0).toLowerCase() + s.slice(1);
}

function attr(name: string, wireId: number | undefined, wireName: string | undefined, group?: string): AttrDef {
  const t = typeOf(name);
  return {
    name,
    jsonName: lowerFirst(name),
    ...(wireId === undefined ? {} : { wireId }),
    ...(wireName === undefined ? {} : { wireName }),
    ...t,
    ...(group === undefined ? {} : { group }),
  };
}

function finish(
  protocol: 'is' | 'tlib',
  id: number,
  name: string,
  kind: 'request' | 'event',
  purpose: string,
  usedBy: string,
  attrs: AttrDef[],
  supported: boolean,
  psdkName?: string,
): MessageDef {
  const byName = new Map<string, AttrDef>();
  for (const a of attrs) if (!byName.has(a.name)) byName.set(a.name, a);
  const list = [...byName.values()];
  return {
    protocol,
    id,
    name,
    ...(psdkName ? { psdkName } : {}),
    kind,
    purpose,
    usedBy,
    attrs: list,
    byName,
    byJsonName: new Map(list.map((a) => [a.jsonName, a])),
    byWireId: new Map(list.filter((a) => a.wireId !== undefined).map((a) => [a.wireId as number, a])),
    byExtensionKey: new Map(list.filter((a) => a.extensionKey).map((a) => [a.extensionKey as string, a])),
    supported,
  };
}

/**
 * The ESP messages (ids 500-502): attribute ids of their own (ReferenceId 0, Request 1, UserData 2; PSDK names
 * EspReferenceId, EspRequest, EspUserData; wire names ReferenceId, Request, UserData) and no envelope. A third-party server sends the two Event3rdServer answers,
 * so all three are requests a client may send.
 */
export const ESP_MESSAGE_NAMES: ReadonlySet<string> = new Set([
  'Request3rdServer',
  'Event3rdServerResponse',
  'Event3rdServerFault',
]);

/** Requests the server implements; every other request is answered with EventError 4. */
export const SUPPORTED_REQUESTS = new Set([
  'RequestRegisterClient',
  'RequestSubscribe',
  'RequestUnsubscribe',
  'RequestPublish',
  'RequestDistributeEvent',
  'RequestStartPlaceAgentStateReporting',
  'RequestStartPlaceAgentStateReportingAll',
  'RequestStopPlaceAgentStateReporting',
  'RequestStopPlaceAgentStateReportingAll',
  'RequestUnregisterClient',
  'Request3rdServer',
  'Event3rdServerResponse',
  'Event3rdServerFault',
  'RequestSubmit',
  'RequestStopProcessing',
  'RequestChangeProperties',
  'RequestGetInteractionProperties',
  'RequestAgentLogin',
  'RequestAgentLogout',
  'RequestAccept',
  'RequestReject',
  'RequestRouteCall',
  'RequestPlaceInQueue',
  'RequestPlaceInWorkbin',
  'RequestLeaveInteraction',
  'RequestHold',
  'RequestResume',
  'RequestTransfer',
  'RequestConference',
  'RequestCancelInvite',
  'RequestIntrude',
  'RequestPull',
  'RequestGetWorkbinContent',
  'RequestWorkbinNotifications',
  'RequestCancelWorkbinNotifications',
  'RequestWorkbinTypesInfo',
  'RequestWorkbinStatistic',
  'RequestAgentWorkbinStats',
  'RequestFindInteractions',
  'RequestTakeSnapshot',
  'RequestGetSnapshotInteractions',
  'RequestLockInteraction',
  'RequestUnlockInteraction',
  'RequestReleaseSnapshot',
  'RequestMoveInteractions',
  'RequestUpdateUserData',
  'RequestDeleteUserData',
  'RequestNotReadyForMedia',
  'RequestCancelNotReadyForMedia',
  'RequestDoNotDisturbOn',
  'RequestDoNotDisturbOff',
  'RequestAddMedia',
  'RequestRemoveMedia',
  'RequestChangeMediaStateReason',
  'RequestChangeAgentStateReason',
]);

function buildIs(): MessageDef[] {
  return IS_MESSAGE_ROWS.map((row) => {
    const attrs: AttrDef[] = [];
    // ESP messages carry attribute ids of their own (ReferenceId is 0 there), not the envelope's.
    if (row.group !== 'esp') for (const [n, id, wn] of ENVELOPE) attrs.push(attr(n, id, wn));
    for (const [n, id, wn] of row.attrs) attrs.push(attr(n, id, wn));
    for (const [group, struct] of row.groups) {
      for (const [n, id, wn] of (STRUCTURES as Record<string, readonly Raw[] | undefined>)[struct] ?? [])
        attrs.push(attr(n, id, wn, group));
    }
    for (const [n, key, type] of (
      ADDITIONS as Record<string, readonly (readonly [string, string, AttrType])[] | undefined>
    )[row.name] ?? []) {
      attrs.push({ name: n, jsonName: lowerFirst(n), extensionKey: key, type });
    }
    const kind = row.dir.startsWith('C->S') ? 'request' : 'event';
    const name = row.name === 'EventInteractionSubmited' ? 'EventInteractionSubmitted' : row.name;
    return finish(
      'is',
      row.id,
      name,
      kind,
      row.purpose,
      row.usedBy,
      attrs,
      kind === 'request' ? SUPPORTED_REQUESTS.has(name) : true,
      name === row.name ? undefined : row.name,
    );
  });
}

/**
 * The T-Library facade for routing engines (spec §3.2). Ids and attribute ids are the T-Library ones of
 * test/fixtures/vectors/tlib.json; the JSON names are the spec's. The interaction id travels as connId.
 */
function buildTlib(): MessageDef[] {
  const t = (name: string, wireId: number | undefined, type: AttrType, extra: Partial<AttrDef> = {}): AttrDef => ({
    name,
    jsonName: lowerFirst(name),
    ...(wireId === undefined ? {} : { wireId }),
    type,
    ...extra,
  });
  const ref = t('ReferenceId', 2, 'int');
  const conn = t('ConnId', 9, 'string');
  const thisDn = t('ThisDN', 20, 'string');
  const userData = t('UserData', 51, 'kvlist');
  const ext = t('Extensions', 53, 'kvlist');
  const version = t('Version', undefined, 'int', { extensionKey: 'ixs-version' });
  const expected = t('ExpectedVersion', undefined, 'int', { extensionKey: 'ixs-expected-version' });
  const itx = STRUCTURES.InteractionProperties.filter(([n]) => n !== 'InteractionUserData');
  const itxAttrs = itx.map(([n]) => t(n, undefined, typeOf(n).type, { group: 'Interaction', ...typeOf(n) }));
  return [
    finish(
      'tlib',
      71,
      'EventRouteRequest',
      'event',
      'IS hands an interaction to a routing engine',
      'routing engine',
      [
        conn,
        thisDn,
        t('ThisQueue', 21, 'string'),
        userData,
        ext,
        ...itxAttrs,
        t('SubmittedToRouterAt', undefined, 'date'),
      ],
      true,
    ),
    finish(
      'tlib',
      36,
      'RequestRouteCall',
      'request',
      'Route the interaction to an agent, a queue, a workbin or stop it',
      'routing engine',
      [
        ref,
        conn,
        thisDn,
        ext,
        t('TargetType', undefined, 'enum', { enumName: 'RouteTarget' }),
        t('TargetAgent', undefined, 'string'),
        t('TargetPlace', undefined, 'string'),
        t('TargetQueue', undefined, 'string'),
        t('TargetWorkbin', undefined, 'string'),
        t('Reason', undefined, 'string'),
        t('OtherDN', 24, 'string'),
      ],
      true,
    ),
    finish(
      'tlib',
      72,
      'EventRouteUsed',
      'event',
      'The route requested by RequestRouteCall is done',
      'routing engine',
      [ref, conn, thisDn, t('OtherDN', 24, 'string'), t('Result', undefined, 'string')],
      true,
    ),
    finish(
      'tlib',
      31,
      'RequestUpdateUserData',
      'request',
      'Merge user data into the interaction (existing keys replaced, new keys added)',
      'routing engine',
      [ref, conn, thisDn, userData, expected],
      true,
    ),
    finish(
      'tlib',
      32,
      'RequestDeleteUserData',
      'request',
      'Delete user-data keys of the interaction',
      'routing engine',
      [ref, conn, thisDn, t('Keys', undefined, 'stringList'), expected],
      true,
    ),
    finish(
      'tlib',
      85,
      'EventAttachedDataChanged',
      'event',
      "User data changed (reply to the engine's own change, or another party's change)",
      'routing engine',
      [
        ref,
        conn,
        thisDn,
        userData,
        t('AddedProperties', undefined, 'kvlist'),
        t('ChangedProperties', undefined, 'kvlist'),
        t('DeletedProperties', undefined, 'kvlist'),
        version,
      ],
      true,
    ),
    finish(
      'tlib',
      59,
      'EventAbandoned',
      'event',
      'Another party stopped an interaction the engine holds',
      'routing engine',
      [conn, thisDn, t('Reason', undefined, 'string')],
      true,
    ),
  ];
}

const IS_MESSAGES = buildIs();
const TLIB_MESSAGES = buildTlib();

/** Every message of the Interaction Server protocol. */
export const IS_CATALOGUE: readonly MessageDef[] = IS_MESSAGES;
/** The T-Library facade messages. */
export const TLIB_CATALOGUE: readonly MessageDef[] = TLIB_MESSAGES;

const isById = new Map(IS_MESSAGES.map((m) => [m.id, m]));
const isByName = new Map<string, MessageDef>();
for (const m of IS_MESSAGES) {
  isByName.set(m.name, m);
  if (m.psdkName) isByName.set(m.psdkName, m);
}
const tlibByName = new Map(TLIB_MESSAGES.map((m) => [m.name, m]));
const tlibById = new Map(TLIB_MESSAGES.map((m) => [m.id, m]));

/** IS message by numeric id. */
export function isMessageById(id: number): MessageDef | undefined {
  return isById.get(id);
}
/** T-Library facade message by numeric id. */
export function tlibMessageById(id: number): MessageDef | undefined {
  return tlibById.get(id);
}

/**
 * Message by name, for JSON. Requests: IS first, then the T-Library facade. Events are looked up with their protocol
 * because EventAbandoned exists in both (IS reporting 215, T-Library 59).
 */
export function messageByName(name: string, protocol?: 'is' | 'tlib'): MessageDef | undefined {
  if (protocol === 'tlib') return tlibByName.get(name);
  if (protocol === 'is') return isByName.get(name);
  return isByName.get(name) ?? tlibByName.get(name);
}

/** Requested message def; throws for a name missing from the catalogue (a server bug, never client input). */
export function def(name: string, protocol: 'is' | 'tlib' = 'is'): MessageDef {
  const m = messageByName(name, protocol);
  if (!m) throw new Error(`message ${name} is not in the ${protocol} catalogue`);
  return m;
}

// ---------------------------------------------------------------------------------------------------------------
// Message types derived from the catalogue: the attribute names of a message and their value types come from the same
// rows, structures and type lists that the codecs and the validation read, so a handler that reads an attribute the
// catalogue does not give its message, or reads it as the wrong type, does not compile.

/** The catalogue row of an IS message (by the name IXS uses). */
type RowOf<N extends string> = Extract<
  (typeof IS_MESSAGE_ROWS)[number],
  { readonly name: N extends 'EventInteractionSubmitted' ? 'EventInteractionSubmited' : N }
>;
type StructureName = keyof typeof STRUCTURES;
/** The attributes of the structures a message embeds (flattened, as on the wire). */
type StructureAttrName<N extends string> = (typeof STRUCTURES)[Extract<
  RowOf<N>['groups'][number][1],
  StructureName
>][number][0];

/** The value a decoded attribute of a catalogue type has (see AttrValue). */
export type ValueOfType<T extends AttrType> = T extends 'int' | 'enum'
  ? number
  : T extends 'long'
    ? bigint
    : T extends 'bool'
      ? boolean
      : T extends 'kvlist'
        ? KvList
        : T extends 'stringList'
          ? readonly string[]
          : string;

/** The value type of an IS attribute, by its name (what `typeOf` decides at run time). */
export type IsAttrValue<A extends string> = A extends keyof typeof ENUM_ATTRS
  ? number
  : A extends (typeof KVLIST_NAMES)[number]
    ? KvList
    : A extends (typeof BOOL_NAMES)[number]
      ? boolean
      : A extends (typeof INT_NAMES)[number]
        ? number
        : string;

/** The IXS additions of a message, with their declared types. */
type AdditionAttrs<N extends string> = N extends keyof typeof ADDITIONS
  ? { readonly [E in (typeof ADDITIONS)[N][number] as E[0]]?: ValueOfType<E[2]> }
  : unknown;

/** Every attribute an IS message of the catalogue may carry, typed: the envelope, its own, its structures'. */
export type IsAttrs<N extends string> = {
  readonly [K in (typeof ENVELOPE)[number][0] | RowOf<N>['attrs'][number][0] | StructureAttrName<N>]?: IsAttrValue<K>;
} & AdditionAttrs<N>;

/**
 * The attributes of the T-Library facade's requests (defined in buildTlib; `test/unit/catalogue.test.ts` checks that
 * these names are exactly the catalogue's).
 */
export interface TlibRequestAttrs {
  readonly RequestRouteCall: {
    readonly ReferenceId?: number;
    readonly ConnId?: string;
    readonly ThisDN?: string;
    readonly Extensions?: KvList;
    readonly TargetType?: number;
    readonly TargetAgent?: string;
    readonly TargetPlace?: string;
    readonly TargetQueue?: string;
    readonly TargetWorkbin?: string;
    readonly Reason?: string;
    readonly OtherDN?: string;
  };
  readonly RequestUpdateUserData: {
    readonly ReferenceId?: number;
    readonly ConnId?: string;
    readonly ThisDN?: string;
    readonly UserData?: KvList;
    readonly ExpectedVersion?: number;
  };
  readonly RequestDeleteUserData: {
    readonly ReferenceId?: number;
    readonly ConnId?: string;
    readonly ThisDN?: string;
    readonly Keys?: readonly string[];
    readonly ExpectedVersion?: number;
  };
}

/** Key names of {@link TlibRequestAttrs}, as a value for the test that compares them with the catalogue. */
export const TLIB_REQUEST_ATTR_NAMES: {
  readonly [N in keyof TlibRequestAttrs]: readonly (keyof TlibRequestAttrs[N])[];
} = {
  RequestRouteCall: [
    'ReferenceId',
    'ConnId',
    'ThisDN',
    'Extensions',
    'TargetType',
    'TargetAgent',
    'TargetPlace',
    'TargetQueue',
    'TargetWorkbin',
    'Reason',
    'OtherDN',
  ],
  RequestUpdateUserData: ['ReferenceId', 'ConnId', 'ThisDN', 'UserData', 'ExpectedVersion'],
  RequestDeleteUserData: ['ReferenceId', 'ConnId', 'ThisDN', 'Keys', 'ExpectedVersion'],
};
