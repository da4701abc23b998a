/**
 * The error registry: every EventError code of the Genesys Interaction Server (reference Appendix B), its stable
 * PSDK name and what it means to a person. docs/errors.md is generated from this table and a test fails when the two
 * drift. Descriptions sent to clients are built by the code that detects the problem and always name what is wrong.
 */

export interface ErrorDef {
  readonly code: number;
  readonly name: string;
  readonly meaning: string;
}

/** code -> [PSDK name, meaning] */
const TABLE = [
  [0, 'NoError', 'No error.'],
  [
    1,
    'ErrorNotRegistered',
    'A request arrived before RequestRegisterClient succeeded; the connection is closed shortly after.',
  ],
  [2, 'ErrorUnknownClientType', 'ClientType is missing, unknown, or not the type configured for this application.'],
  [3, 'ErrorUnknownClientId', 'The client (application name or ProxyClientId) is not known or not allowed.'],
  [4, 'ErrorUnsupportedProtocolElement', 'Unknown or unsupported message or attribute.'],
  [5, 'Error_proxy_through_proxy', 'A proxy tried to register through a proxy.'],
  [6, 'Error_tenant_not_specified', 'TenantId is missing.'],
  [7, 'Error_unknown_tenant_in_request', 'TenantId names no configured tenant.'],
  [8, 'Error_place_not_specified', 'PlaceId is missing.'],
  [9, 'Error_unknown_place_in_request', 'PlaceId names no configured place of the tenant.'],
  [10, 'Error_unknown_agent_in_request', 'AgentId names no configured agent of the tenant.'],
  [11, 'Error_place_disabled', 'The place is disabled.'],
  [12, 'Error_place_occupied', 'Another agent is logged in at the place.'],
  [13, 'Error_agent_disabled', 'The agent is disabled.'],
  [14, 'Error_already_logged_in', 'The agent (or this connection) is already logged in.'],
  [15, 'Error_place_not_occupied', 'No agent is logged in at the place.'],
  [16, 'Error_place_not_occupied_by_agent', 'The place is not occupied by this agent.'],
  [17, 'Error_incorrect_media_list', 'MediaList is malformed (values must be integers).'],
  [18, 'Error_unsupported_media_type', 'The media type is not configured.'],
  [19, 'Error_interaction_id_not_specified', 'InteractionId is missing.'],
  [20, 'Error_queue_not_specified', 'Queue is missing.'],
  [21, 'Error_unknown_queue_in_request', 'Queue names no configured queue of the tenant.'],
  [22, 'Error_media_type_not_specified', 'MediaType is missing.'],
  [23, 'Error_interaction_type_not_specified', 'InteractionType is missing.'],
  [24, 'Error_interaction_subtype_not_specified', 'InteractionSubtype is missing.'],
  [25, 'Error_unsupported_interaction_type', 'InteractionType is not configured.'],
  [26, 'Error_unsupported_interaction_subtype', 'InteractionSubtype is not configured for the interaction type.'],
  [27, 'Error_dbmanager_failed', 'The database manager failed.'],
  [28, 'Error_database_failed', 'The database failed; the request was not applied.'],
  [29, 'Error_view_id_not_specified', 'ViewId is missing.'],
  [30, 'Error_pull_failed', 'The pull failed.'],
  [31, 'Error_invalid_time_format', 'A date attribute is not an ISO-8601 UTC time.'],
  [32, 'Error_wrong_tenant', 'The tenant does not match.'],
  [33, 'Error_workbin_not_specified', 'The workbin is missing.'],
  [34, 'Error_client_not_logged_in', 'The agent application must log an agent in first.'],
  [
    35,
    'Error_not_an_owner',
    'The requester does not own the interaction (agent: handles it; routing engine: holds it; media server: submitted it).',
  ],
  [36, 'Error_tenancy_violation', 'The request crosses tenants.'],
  [37, 'Error_itx_manager_internal', 'Internal error of the interaction manager.'],
  [38, 'Error_agent_not_specified', 'AgentId is missing.'],
  [39, 'Error_place_group_not_specified', 'The place group is missing.'],
  [40, 'Error_agent_group_not_specified', 'The agent group is missing.'],
  [41, 'Error_workbin_inaccessible', 'The workbin cannot be accessed.'],
  [42, 'Error_unknown_view_in_request', 'ViewId names no configured view.'],
  [43, 'Error_unknown_interaction', 'No interaction has this id.'],
  [44, 'Error_target_is_not_specified', 'The routing target is missing.'],
  [45, 'Error_ambiguous_target_specified', 'The routing target is ambiguous.'],
  [46, 'Error_party_unavailable', 'The target party is not available.'],
  [47, 'Error_not_invited', 'The requester holds no invitation with this TicketId for the interaction.'],
  [48, 'Error_pull_parameter_absent', 'A pull parameter is missing.'],
  [49, 'Error_pull_parameter_invalid', 'A pull parameter is invalid.'],
  [50, 'Error_routing_target_invalid', 'The routing target is invalid (unknown, not logged in, or not of the tenant).'],
  [51, 'Error_transfer_target_invalid', 'The transfer target is invalid.'],
  [52, 'Error_already_participating', 'The party already takes part in the interaction.'],
  [53, 'Error_snapshot_view_failed', 'The snapshot view failed.'],
  [54, 'Error_snapshot_dbrequest_failed', 'The snapshot database request failed.'],
  [55, 'Error_snapshot_dbrequest_error', 'The snapshot database request returned an error.'],
  [56, 'Error_snapshot_getparam_invalid', 'A snapshot parameter is invalid.'],
  [57, 'Error_snapshot_posparam_invalid', 'The snapshot position is invalid.'],
  [58, 'Error_snapshot_countparam_invalid', 'The snapshot count is invalid.'],
  [59, 'Error_snapshot_no_interaction_id', 'The snapshot entry has no interaction id.'],
  [60, 'Error_snapshot_no_record', 'The snapshot has no such record.'],
  [61, 'Error_snapshot_limit_reached', 'Too many snapshots.'],
  [62, 'Error_snapshot_can_not_lock_interaction', 'The interaction cannot be locked.'],
  [63, 'Error_snapshot_interaction_locked', 'The interaction is locked.'],
  [64, 'Error_snapshot_interaction_unlocked', 'The interaction is not locked.'],
  [
    65,
    'Error_invalid_property_type',
    'An attribute or property value has a type that is not allowed (the description names it).',
  ],
  [66, 'Error_read_only_property', 'A system property other than ExternalId or ParentId was to be changed or added.'],
  [67, 'Error_duplicate_media_types', 'A media type appears twice.'],
  [68, 'Error_license_unavailable', 'No license is available.'],
  [69, 'Error_do_not_have_media', 'The agent does not have this media.'],
  [70, 'Error_already_have_media', 'The agent already has this media.'],
  [71, 'Error_dnd_already_on', 'Do-not-disturb is already on.'],
  [72, 'Error_dnd_already_off', 'Do-not-disturb is already off.'],
  [73, 'Error_already_ready_for_media', 'The media is already ready.'],
  [74, 'Error_already_not_ready_for_media', 'The media is already not ready.'],
  [75, 'Error_have_to_contact_primary', 'Contact the primary server.'],
  [76, 'Error_have_to_contact_secondary', 'Contact the secondary server.'],
  [77, 'Error_invalid_interaction_identifier', 'The interaction id is malformed.'],
  [78, 'Error_transfer_in_progress', 'A transfer is already in progress.'],
  [
    79,
    'Error_invalid_protocol_message',
    'The message is malformed (bad JSON, oversize frame, missing required attribute).',
  ],
  [80, 'Error_invalid_interaction_data', 'The interaction data is invalid (for example user data over the size cap).'],
  [81, 'Error_duplicated_interaction_id', 'An interaction with this id already exists.'],
  [82, 'Error_dbmanager_no_dbconnections', 'No database connection is available.'],
  [83, 'Error_view_definition_invalid', 'The view definition is invalid.'],
  [84, 'Error_not_implemented', 'Not implemented.'],
  [
    85,
    'Error_duplicated_properties',
    'A key appears in more than one property list, twice in one list, or is added although it exists.',
  ],
  [86, 'Error_limit_proxy_clients_reached', 'The proxy has too many clients.'],
  [87, 'Error_dnd_on', 'Do-not-disturb is on.'],
  [88, 'Error_snapshot_releasing', 'The snapshot is being released.'],
  [
    89,
    'Error_invalid_interaction_state',
    'The interaction is not in a state that allows the request (also: expected version mismatch).',
  ],
  [90, 'Error_conditional_stop_failed', 'The conditional stop failed.'],
  [91, 'Error_cannot_resolve_queue', 'The queue cannot be resolved.'],
  [92, 'Error_cannot_resolve_tenant', 'The tenant cannot be resolved.'],
  [93, 'Error_already_held', 'The interaction is already held.'],
  [94, 'Error_not_held', 'The interaction is not held.'],
  [95, 'Error_locked_by_snapshot', 'The interaction is locked by a snapshot.'],
  [96, 'Error_find_dbrequest_failed', 'The find request failed.'],
  [97, 'Error_find_condition_or_order_failed', 'The find condition or order is invalid.'],
  [98, 'Error_custom_eventid_out_of_range', 'The custom event id is out of range.'],
  [99, 'Error_interaction_cached_not_available', 'The cached interaction is not available.'],
  [100, 'Error_already_in_the_same_queue', 'The interaction is already in that queue.'],
] as const satisfies readonly (readonly [number, string, string])[];

/** Every error, in code order. */
export const ERRORS: readonly ErrorDef[] = TABLE.map(([code, name, meaning]) => ({ code, name, meaning }));

const byName = new Map(ERRORS.map((e) => [e.name, e.code]));

const byCode = new Map(ERRORS.map((e) => [e.code, e.name as ErrorName]));

/** The registered name of an error code, if it is one. */
export function errorNameOf(code: number): ErrorName | undefined {
  return byCode.get(code);
}

/** The numeric code of a registered error name. */
export function errorCode(name: ErrorName): number {
  const c = byName.get(name);
  if (c === undefined) throw new Error(`unregistered error ${name}`);
  return c;
}

/** Every registered error name (a typo is a compile error). */
export type ErrorName = (typeof TABLE)[number][1];

/** A protocol error raised by validation or by a core command: becomes one EventError. */
export class ProtocolError extends Error {
  readonly code: number;
  /**
   * `tlibCode`: the T-Library error code a T-Library client gets for this refusal when it is more precise than the one
   * of the same meaning as `errorName` (e.g. TERR_TARG_NOT_AGENT for an agent who cannot take the interaction).
   */
  constructor(
    readonly errorName: ErrorName,
    description: string,
    readonly tlibCode?: number,
  ) {
    super(description);
    this.code = errorCode(errorName);
  }
}
