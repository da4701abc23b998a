/**
 * The T-Library messages routing engines (URS and Platform SDK T-Library clients) send and receive on the binary door,
 * as facts: message ids, attribute ids, wire tags. Recorded from the Genesys Platform SDK 9.0 T-Library metadata and
 * confirmed byte for byte by test/fixtures/vectors/tlib.json (the SDK's own encoder for requests, and events the SDK
 * decoded back). The id spaces are T-Library's own, separate from the Interaction Server protocol's: the same numbers
 * mean other messages there.
 *
 * Attribute names are T-Library's, except the two the JSON facade (catalogue.ts, buildTlib) already names:
 * ReferenceId (T-Library ReferenceID) and ConnId (ConnID), so that a message reads the same whichever door it came
 * through. A ConnID travels as a 64-bit integer and is shown, as the SDK shows it, as 16 lower-case hex digits.
 */
import type { ErrorName } from './errors.ts';

/** How an attribute's value travels: int32 ('i'), string ('s'), ConnID (int64 'l'), KV list ('b'). */
export type TlibWireType = 'int' | 'string' | 'connid' | 'kvlist';

/** One T-Library attribute. */
export interface TlibWireAttr {
  readonly id: number;
  readonly name: string;
  readonly type: TlibWireType;
}

/** One T-Library message: its id, name, direction and the attributes it is known to carry. */
export interface TlibWireMessage {
  readonly id: number;
  readonly name: string;
  readonly kind: 'request' | 'event';
  /** Attribute names, in the order the SDK writes them (requests) or ascending ids (events). */
  readonly attrs: readonly string[];
}

/** Every attribute the codec knows (ids and wire types of the SDK's T-Library metadata). */
// prettier-ignore
export const TLIB_WIRE_ATTRS: readonly TlibWireAttr[] = [
  { id: 0, name: 'ProtocolVersion', type: 'string' },
  { id: 1, name: 'ErrorMessage', type: 'string' },
  { id: 2, name: 'ReferenceId', type: 'int' },
  { id: 3, name: 'CallID', type: 'int' },
  { id: 9, name: 'ConnId', type: 'connid' },
  { id: 14, name: 'AgentID', type: 'string' },
  { id: 17, name: 'Reasons', type: 'kvlist' },
  { id: 18, name: 'DNIS', type: 'string' },
  { id: 20, name: 'ThisDN', type: 'string' },
  { id: 21, name: 'ThisQueue', type: 'string' },
  { id: 24, name: 'OtherDN', type: 'string' },
  { id: 42, name: 'Timeout', type: 'int' },
  { id: 46, name: 'ErrorCode', type: 'int' },
  { id: 47, name: 'AddressType', type: 'int' },
  { id: 49, name: 'RegisterMode', type: 'int' },
  { id: 50, name: 'ControlMode', type: 'int' },
  { id: 51, name: 'UserData', type: 'kvlist' },
  { id: 52, name: 'DataKey', type: 'string' },
  { id: 53, name: 'Extensions', type: 'kvlist' },
  { id: 54, name: 'CallType', type: 'int' },
  { id: 60, name: 'RouteType', type: 'int' },
  { id: 61, name: 'ServerVersion', type: 'string' },
  { id: 62, name: 'ServerRole', type: 'int' },
  { id: 64, name: 'ApplicationName', type: 'string' },
  { id: 69, name: 'Location', type: 'string' },
  { id: 86, name: 'TimeinSecs', type: 'int' },
  { id: 87, name: 'TimeinuSecs', type: 'int' },
  { id: 92, name: 'Place', type: 'string' },
  { id: 93, name: 'Priority', type: 'int' },
  { id: 95, name: 'RegistrationCode', type: 'int' },
  { id: 105, name: 'PrivateMsgID', type: 'int' },
  { id: 108, name: 'SessionID', type: 'int' },
];

/** The messages of the routing-engine hand-off (urs-routing §9.8), requests and events. */
// prettier-ignore
export const TLIB_WIRE_MESSAGES: readonly TlibWireMessage[] = [
  { id: 0, name: 'RequestRegisterClient', kind: 'request', attrs: ['ProtocolVersion', 'SessionID', 'ApplicationName'] },
  { id: 1, name: 'RequestQueryServer', kind: 'request', attrs: ['ReferenceId'] },
  { id: 3, name: 'RequestRegisterAddress', kind: 'request', attrs: ['ReferenceId', 'RegisterMode', 'ControlMode', 'ThisDN', 'AddressType'] },
  { id: 4, name: 'RequestUnregisterAddress', kind: 'request', attrs: ['ReferenceId', 'ControlMode', 'ThisDN', 'Extensions'] },
  { id: 30, name: 'RequestAttachUserData', kind: 'request', attrs: ['ConnId', 'ReferenceId', 'UserData', 'ThisDN'] },
  { id: 31, name: 'RequestUpdateUserData', kind: 'request', attrs: ['ConnId', 'ReferenceId', 'UserData', 'ThisDN'] },
  { id: 32, name: 'RequestDeleteUserData', kind: 'request', attrs: ['ConnId', 'ReferenceId', 'ThisDN'] },
  { id: 33, name: 'RequestDeletePair', kind: 'request', attrs: ['ConnId', 'ReferenceId', 'DataKey', 'ThisDN'] },
  { id: 36, name: 'RequestRouteCall', kind: 'request', attrs: ['ConnId', 'RouteType', 'DNIS', 'ReferenceId', 'ThisDN', 'Reasons', 'Extensions', 'OtherDN', 'Location', 'UserData'] },
  { id: 127, name: 'RequestReserveAgent', kind: 'request', attrs: ['ReferenceId', 'ThisDN', 'Priority', 'AgentID', 'Place', 'Timeout', 'Reasons', 'Extensions'] },
  { id: 149, name: 'RequestPrivateService', kind: 'request', attrs: ['ConnId', 'ReferenceId', 'UserData', 'ThisDN', 'Reasons', 'Extensions', 'PrivateMsgID'] },
  { id: 52, name: 'EventError', kind: 'event', attrs: ['ErrorMessage', 'ReferenceId', 'ConnId', 'ThisDN', 'ErrorCode', 'TimeinSecs', 'TimeinuSecs'] },
  { id: 53, name: 'EventRegistered', kind: 'event', attrs: ['ReferenceId', 'ThisDN', 'AddressType', 'TimeinSecs', 'TimeinuSecs'] },
  { id: 54, name: 'EventUnregistered', kind: 'event', attrs: ['ReferenceId', 'ThisDN', 'TimeinSecs', 'TimeinuSecs'] },
  { id: 59, name: 'EventAbandoned', kind: 'event', attrs: ['CallID', 'ConnId', 'ThisDN', 'ThisQueue', 'UserData', 'CallType', 'TimeinSecs', 'TimeinuSecs'] },
  { id: 71, name: 'EventRouteRequest', kind: 'event', attrs: ['CallID', 'ConnId', 'ThisDN', 'ThisQueue', 'OtherDN', 'UserData', 'Extensions', 'CallType', 'TimeinSecs', 'TimeinuSecs'] },
  { id: 72, name: 'EventRouteUsed', kind: 'event', attrs: ['ReferenceId', 'CallID', 'ConnId', 'ThisDN', 'ThisQueue', 'OtherDN', 'UserData', 'CallType', 'Reasons', 'TimeinSecs', 'TimeinuSecs'] },
  { id: 85, name: 'EventAttachedDataChanged', kind: 'event', attrs: ['ReferenceId', 'ConnId', 'ThisDN', 'UserData', 'CallType', 'TimeinSecs', 'TimeinuSecs'] },
  { id: 93, name: 'EventServerInfo', kind: 'event', attrs: ['ReferenceId', 'ServerVersion', 'ServerRole', 'TimeinSecs', 'TimeinuSecs'] },
  { id: 95, name: 'EventLinkConnected', kind: 'event', attrs: ['ServerVersion', 'ServerRole', 'TimeinSecs', 'TimeinuSecs', 'RegistrationCode', 'SessionID'] },
  { id: 128, name: 'EventAgentReserved', kind: 'event', attrs: ['ReferenceId', 'ThisDN', 'AgentID', 'Place', 'TimeinSecs', 'TimeinuSecs'] },
  { id: 138, name: 'EventACK', kind: 'event', attrs: ['ReferenceId', 'ConnId', 'ThisDN', 'TimeinSecs', 'TimeinuSecs'] },
  { id: 150, name: 'EventPrivateInfo', kind: 'event', attrs: ['ReferenceId', 'ConnId', 'ThisDN', 'UserData', 'Extensions', 'TimeinSecs', 'TimeinuSecs', 'PrivateMsgID'] },
];

const attrById = new Map(TLIB_WIRE_ATTRS.map((a) => [a.id, a]));
const attrByName = new Map(TLIB_WIRE_ATTRS.map((a) => [a.name, a]));
const messageById = new Map(TLIB_WIRE_MESSAGES.map((m) => [m.id, m]));
const messageByName = new Map(TLIB_WIRE_MESSAGES.map((m) => [m.name, m]));

/** The attribute with this T-Library id, if the codec knows it. */
export function tlibWireAttrById(id: number): TlibWireAttr | undefined {
  return attrById.get(id);
}

/** The attribute with this name, if the codec knows it. */
export function tlibWireAttrByName(name: string): TlibWireAttr | undefined {
  return attrByName.get(name);
}

/** The message with this T-Library id, if the codec knows it. */
export function tlibWireMessageById(id: number): TlibWireMessage | undefined {
  return messageById.get(id);
}

/** The message with this name, if the codec knows it. */
export function tlibWireMessageByName(name: string): TlibWireMessage | undefined {
  return messageByName.get(name);
}

/**
 * T-Library error codes (EventError's ErrorCode) the routing-engine interfaces answer with (urs-routing §9.8 E–F;
 * the numbers are T-Library's TERR_ codes).
 */
export const TLIB_ERRORS = {
  TERR_NOT_REGISTERED: 41,
  TERR_UNKNOWN_ERROR: 50,
  TERR_UNSUP_OPER: 51,
  TERR_INTERNAL: 52,
  TERR_INVALID_ATTR: 53,
  TERR_INV_CONNID: 56,
  TERR_NOT_CONFIGURED: 59,
  TERR_TARG_DN_INV: 177,
  TERR_TARG_NOT_AGENT: 182,
  TERR_AGENT_ALREADY_RESERVED: 1700,
} as const;

/** The name of a T-Library error code. */
export type TlibErrorName = keyof typeof TLIB_ERRORS;

/**
 * The T-Library code of an Interaction Server error, for a refusal sent to a T-Library client: the IS error names the
 * core and the server raise, mapped to the T-Library code that means the same; any other is TERR_UNKNOWN_ERROR (the
 * description still names what is wrong).
 */
const TLIB_CODE_OF: Readonly<Partial<Record<ErrorName, TlibErrorName>>> = {
  ErrorNotRegistered: 'TERR_NOT_REGISTERED',
  ErrorUnsupportedProtocolElement: 'TERR_UNSUP_OPER',
  Error_invalid_protocol_message: 'TERR_INVALID_ATTR',
  ErrorUnknownClientId: 'TERR_NOT_CONFIGURED',
  ErrorUnknownClientType: 'TERR_NOT_CONFIGURED',
  Error_itx_manager_internal: 'TERR_INTERNAL',
  Error_database_failed: 'TERR_INTERNAL',
  Error_unknown_interaction: 'TERR_INV_CONNID',
  Error_not_an_owner: 'TERR_INV_CONNID',
  Error_routing_target_invalid: 'TERR_TARG_DN_INV',
  Error_target_is_not_specified: 'TERR_TARG_DN_INV',
  Error_queue_not_specified: 'TERR_TARG_DN_INV',
  Error_workbin_not_specified: 'TERR_TARG_DN_INV',
  Error_unknown_queue_in_request: 'TERR_TARG_DN_INV',
};

/** The T-Library error code for an Interaction Server error name (see TLIB_CODE_OF). */
export function tlibErrorCodeOf(name: ErrorName): number {
  return TLIB_ERRORS[TLIB_CODE_OF[name] ?? 'TERR_UNKNOWN_ERROR'];
}
