/**
 * The mapping between T-Library wire frames and {@link Message}s (protocol 'tlib'), driven by the T-Library table of
 * protocol/tlib-wire.ts. The framing, the attribute layout and the KV lists are the Interaction Server protocol's
 * (frame-parser.ts, frame-encoder.ts); only the ids differ. Decoding checks every attribute and returns a T-Library
 * error (the ErrorCode of an EventError, with a description that names what is wrong) instead of throwing; encoding
 * trusts the server's own messages and throws on a value that does not fit (a server bug).
 *
 * A ConnID is a 64-bit integer on the wire ('l') and 16 lower-case hex digits in a message, as the SDK shows it.
 * Attributes the table knows but does not list for the message are decoded too (a URS may add envelope attributes
 * IXS has no use for); an attribute id the table does not know is refused.
 */
import { isKvList } from '../../protocol/kv.ts';
import type { AttrValue, Message } from '../../protocol/message.ts';
import {
  TLIB_ERRORS,
  tlibWireAttrById,
  tlibWireAttrByName,
  tlibWireMessageById,
  tlibWireMessageByName,
  type TlibWireAttr,
} from '../../protocol/tlib-wire.ts';
import { encodeFrame } from './frame-encoder.ts';
import { INT32_MAX, INT32_MIN, referenceIdOf, sortWireAttrs, type WireAttr } from './wire.ts';

/** A ConnID as a message carries it. */
const CONN_ID_TEXT = /^[0-9a-f]{16}$/;

/** Result of decoding one T-Library frame. */
export type TlibDecodeResult =
  | { readonly ok: true; readonly message: Message }
  | {
      readonly ok: false;
      /** T-Library error code for the EventError (TLIB_ERRORS). */
      readonly errorCode: number;
      readonly description: string;
      readonly referenceId?: number;
    };

/**
 * Maps a parsed frame to a T-Library message: an unknown message id gives TERR_UNSUP_OPER (51); an unknown attribute
 * id, a wire tag that does not fit the attribute, or an attribute sent twice gives TERR_INVALID_ATTR (53). The frame's
 * ReferenceID, when readable, comes with the error. Events decode too (the codec serves both directions).
 */
export function decodeTlibFrame(messageId: number, attrs: readonly WireAttr[]): TlibDecodeResult {
  const referenceId = referenceIdOf(attrs);
  const fail = (errorCode: number, description: string): TlibDecodeResult =>
    referenceId === undefined
      ? { ok: false, errorCode, description }
      : { ok: false, errorCode, description, referenceId };
  const def = tlibWireMessageById(messageId);
  if (!def) return fail(TLIB_ERRORS.TERR_UNSUP_OPER, `T-Library message id ${messageId} is not supported`);
  const out: Record<string, AttrValue> = {};
  for (const w of attrs) {
    const a = tlibWireAttrById(w.id);
    if (!a) return fail(TLIB_ERRORS.TERR_INVALID_ATTR, `attribute id ${w.id} of ${def.name} is not supported`);
    if (Object.hasOwn(out, a.name)) {
      return fail(TLIB_ERRORS.TERR_INVALID_ATTR, `attribute ${a.name} (${w.id}) of ${def.name} appears more than once`);
    }
    const v = fromWire(a, w);
    if (v === undefined) {
      return fail(
        TLIB_ERRORS.TERR_INVALID_ATTR,
        `attribute ${a.name} (${w.id}) of ${def.name} must be ${WANT[a.type]}, got wire type '${w.tag}'`,
      );
    }
    out[a.name] = v;
  }
  return { ok: true, message: { protocol: 'tlib', name: def.name, attrs: out } };
}

/** What each type must be on the wire, for error descriptions. */
const WANT: Readonly<Record<TlibWireAttr['type'], string>> = {
  int: "an integer (wire type 'i')",
  string: "a string (wire type 's')",
  connid: "a 64-bit ConnID (wire type 'l')",
  kvlist: "a KV list (wire type 'b')",
};

function fromWire(a: TlibWireAttr, w: WireAttr): AttrValue | undefined {
  const v = w.value;
  switch (a.type) {
    case 'int':
      return w.tag === 'i' && typeof v === 'number' ? v : undefined;
    case 'string':
      return (w.tag === 's' || w.tag === 'S') && typeof v === 'string' ? v : undefined;
    case 'connid':
      return w.tag === 'l' && typeof v === 'bigint' ? connIdText(v) : undefined;
    case 'kvlist':
      return (w.tag === 'b' || w.tag === 'B') && isKvList(v) ? v : undefined;
  }
}

/** A ConnID as 16 lower-case hex digits (the 64 bits read as unsigned). */
export function connIdText(v: bigint): string {
  return BigInt.asUintN(64, v).toString(16).padStart(16, '0');
}

/** The wire value of a ConnID text (16 hex digits), as the signed int64 the frame carries. */
export function connIdWire(text: string): bigint {
  if (!CONN_ID_TEXT.test(text)) throw new RangeError(`ConnID '${text}' is not 16 lower-case hex digits`);
  return BigInt.asIntN(64, BigInt(`0x${text}`));
}

/**
 * Maps a T-Library message to its wire attributes, in ascending id order except for the ids named in `order`, which
 * come first in that order (the SDK's own order, for byte-exact comparisons). Throws for a message or an attribute
 * the table does not know, or a value that does not fit its attribute.
 */
export function tlibMessageToWire(m: Message, order: readonly number[] = []): { messageId: number; attrs: WireAttr[] } {
  if (m.protocol !== 'tlib')
    throw new Error(`the T-Library binary codec cannot encode ${m.protocol} message ${m.name}`);
  const def = tlibWireMessageByName(m.name);
  if (!def) throw new Error(`message ${m.name} is not in the T-Library table`);
  const wire: WireAttr[] = [];
  for (const [name, v] of Object.entries(m.attrs)) {
    const a = tlibWireAttrByName(name);
    if (!a) throw new Error(`attribute ${name} of ${m.name} is not in the T-Library table`);
    wire.push(toWire(m.name, a, v));
  }
  return { messageId: def.id, attrs: sortWireAttrs(wire, order) };
}

function toWire(message: string, a: TlibWireAttr, v: AttrValue): WireAttr {
  const bad = (): Error =>
    new RangeError(`attribute ${a.name} of ${message}: ${JSON.stringify(v, bigText)} does not fit ${a.type}`);
  switch (a.type) {
    case 'int':
      if (typeof v !== 'number' || !Number.isInteger(v) || v < INT32_MIN || v > INT32_MAX) throw bad();
      return { id: a.id, tag: 'i', value: v };
    case 'string':
      if (typeof v !== 'string') throw bad();
      return { id: a.id, tag: 's', value: v };
    case 'connid':
      if (typeof v !== 'string') throw bad();
      return { id: a.id, tag: 'l', value: connIdWire(v) };
    case 'kvlist':
      if (!isKvList(v)) throw bad();
      return { id: a.id, tag: 'b', value: v };
  }
}

/** JSON.stringify replacer for error texts: a bigint as its digits. */
function bigText(_key: string, v: unknown): unknown {
  return typeof v === 'bigint' ? v.toString() : v;
}

/** The bytes of a T-Library message (see {@link tlibMessageToWire} for the attribute order). */
export function encodeTlibMessage(m: Message, order: readonly number[] = []): Buffer {
  const { messageId, attrs } = tlibMessageToWire(m, order);
  return encodeFrame(messageId, attrs);
}
