/**
 * The catalogue-driven mapping between Interaction Server wire frames and {@link Message}s. Decoding checks every
 * attribute against the message's catalogue entry and returns a ProtocolError (for an EventError) instead of
 * throwing; encoding trusts the server's own messages and throws on a value that does not fit (a server bug).
 *
 * Catalogue attributes with an `extensionKey` (IXS additions such as ExpectedVersion, and EventAck's InteractionId)
 * travel as keys of the Extension KV list (wire id 89): they are lifted out of Extension on decode and put back,
 * after any other Extension pairs, on encode.
 */
import { isMessageById, messageByName, type AttrDef, type MessageDef } from '../../protocol/catalogue.ts';
import { ProtocolError } from '../../protocol/errors.ts';
import { Utf16, isKvList, type KvPair, type KvValue } from '../../protocol/kv.ts';
import { DATE_RE, memo, type AttrValue, type Message } from '../../protocol/message.ts';
import { encodeFrame } from './frame-encoder.ts';
import { INT32_MAX, INT32_MIN, referenceIdOf, sortWireAttrs, type WireAttr } from './wire.ts';

/** Catalogue name of the envelope KV list that carries extension-key attributes. */
const EXTENSION = 'Extension';

/** Result of decoding one IS frame. */
export type IsDecodeResult =
  | { readonly ok: true; readonly message: Message }
  | { readonly ok: false; readonly error: ProtocolError; readonly referenceId?: number };

/**
 * Maps a parsed frame to an IS message, checked against the catalogue: an unknown message id or an attribute id
 * outside the message's entry gives ErrorUnsupportedProtocolElement (4), a wire tag that does not fit the
 * attribute's type Error_invalid_property_type (65), a malformed date Error_invalid_time_format (31), an attribute
 * sent twice Error_invalid_protocol_message (79). The frame's ReferenceId, when readable, comes with the error.
 * Events decode too (the codec serves both directions); whether a message may be sent is the caller's check.
 */
export function decodeIsFrame(messageId: number, attrs: readonly WireAttr[]): IsDecodeResult {
  const def = isMessageById(messageId);
  // ESP messages carry their ReferenceId as attribute 0.
  const referenceId = referenceIdOf(attrs, def?.byName.get('ReferenceId')?.wireId);
  if (!def) {
    return fail(new ProtocolError('ErrorUnsupportedProtocolElement', `unknown message id ${messageId}`), referenceId);
  }
  try {
    return { ok: true, message: { protocol: 'is', name: def.name, attrs: decodeAttrs(def, attrs) } };
  } catch (e) {
    if (e instanceof ProtocolError) return fail(e, referenceId);
    throw e;
  }
}

function fail(error: ProtocolError, referenceId: number | undefined): IsDecodeResult {
  return referenceId === undefined ? { ok: false, error } : { ok: false, error, referenceId };
}

function decodeAttrs(def: MessageDef, wire: readonly WireAttr[]): Record<string, AttrValue> {
  const out: Record<string, AttrValue> = {};
  for (const w of wire) {
    const a = def.byWireId.get(w.id);
    if (!a) {
      throw new ProtocolError(
        'ErrorUnsupportedProtocolElement',
        `attribute id ${w.id} is not an attribute of ${def.name} (${def.id})`,
      );
    }
    if (Object.hasOwn(out, a.name)) {
      throw new ProtocolError(
        'Error_invalid_protocol_message',
        `attribute ${a.name} (${w.id}) of ${def.name} appears more than once`,
      );
    }
    out[a.name] = fromWire(def, a, w);
  }
  liftExtension(def, out);
  return out;
}

function fromWire(def: MessageDef, a: AttrDef, w: WireAttr): AttrValue {
  const bad = (want: string): ProtocolError =>
    new ProtocolError(
      'Error_invalid_property_type',
      `attribute ${a.name} (${w.id}) of ${def.name} must be ${want}, got wire type '${w.tag}'`,
    );
  const v = w.value;
  switch (a.type) {
    case 'int':
    case 'enum':
      if (w.tag !== 'i' || typeof v !== 'number') throw bad("an integer (wire type 'i')");
      return v;
    case 'bool':
      if (w.tag !== 'i' || typeof v !== 'number') throw bad("a boolean (wire type 'i', 0 or 1)");
      if (v !== 0 && v !== 1) {
        throw new ProtocolError(
          'Error_invalid_property_type',
          `attribute ${a.name} (${w.id}) of ${def.name} is a boolean and must be 0 or 1, got ${v}`,
        );
      }
      return v === 1;
    case 'long':
      if (w.tag !== 'l' || typeof v !== 'bigint') throw bad("a 64-bit integer (wire type 'l')");
      return v;
    case 'string':
      if ((w.tag !== 's' && w.tag !== 'S') || typeof v !== 'string') throw bad("a string (wire type 's')");
      return v;
    case 'date':
      if ((w.tag !== 's' && w.tag !== 'S') || typeof v !== 'string') throw bad("a date string (wire type 's')");
      return checkDate(def, a, v);
    case 'kvlist':
      if ((w.tag !== 'b' && w.tag !== 'B') || !isKvList(v)) throw bad("a KV list (wire type 'b')");
      return v;
    case 'stringList':
      throw bad('a string list, which the binary protocol cannot carry');
  }
}

function checkDate(def: MessageDef, a: AttrDef, v: string): string {
  if (!DATE_RE.test(v) || Number.isNaN(Date.parse(v))) {
    throw new ProtocolError(
      'Error_invalid_time_format',
      `attribute ${a.name} of ${def.name}: '${v}' is not a UTC time like 2023-11-14T22:13:20Z`,
    );
  }
  return v;
}

/** Moves extension-key pairs out of Extension into their own attributes; drops Extension when it becomes empty. */
function liftExtension(def: MessageDef, out: Record<string, AttrValue>): void {
  const ext = out[EXTENSION];
  if (def.byExtensionKey.size === 0 || !isKvList(ext)) return;
  const rest: KvPair[] = [];
  for (const p of ext) {
    const a = def.byExtensionKey.get(p.key);
    if (a && !Object.hasOwn(out, a.name)) out[a.name] = fromKv(def, a, p.key, p.value);
    else rest.push(p);
  }
  if (rest.length === ext.length) return;
  if (rest.length === 0) delete out.Extension;
  else out[EXTENSION] = rest;
}

/** Integer text as clients that only write KV strings send it. */
const INT_TEXT = /^-?\d{1,19}$/;

function fromKv(def: MessageDef, a: AttrDef, key: string, v: KvValue): AttrValue {
  const bad = (want: string): ProtocolError =>
    new ProtocolError(
      'Error_invalid_property_type',
      `Extension key '${key}' (${a.name}) of ${def.name} must be ${want}`,
    );
  switch (a.type) {
    case 'int':
    case 'enum': {
      const n =
        typeof v === 'number'
          ? v
          : typeof v === 'bigint'
            ? Number(v)
            : typeof v === 'string' && INT_TEXT.test(v)
              ? Number(v)
              : NaN;
      if (!Number.isInteger(n) || n < INT32_MIN || n > INT32_MAX) throw bad('a 32-bit integer');
      return n;
    }
    case 'long':
      if (typeof v === 'bigint') return v;
      if (typeof v === 'number') return BigInt(v);
      if (typeof v === 'string' && INT_TEXT.test(v) && BigInt.asIntN(64, BigInt(v)) === BigInt(v)) return BigInt(v);
      throw bad('a 64-bit integer');
    case 'bool':
      if (v === 0 || v === 1) return v === 1;
      throw bad('an integer 0 or 1');
    case 'string':
    case 'date': {
      const s = typeof v === 'string' ? v : v instanceof Utf16 ? v.value : undefined;
      if (s === undefined) throw bad('a string');
      return a.type === 'date' ? checkDate(def, a, s) : s;
    }
    case 'kvlist':
      if (isKvList(v)) return v;
      throw bad('a nested KV list');
    case 'stringList':
      throw bad('a string list, which the binary protocol cannot carry');
  }
}

/**
 * Maps an IS message to its wire attributes, in ascending wire-id order except for the ids named in `order`, which
 * come first in that order. Extension-key attributes are appended to Extension in catalogue order. Throws for a
 * T-Library message, a name missing from the IS catalogue or a value that does not fit its attribute (server bugs).
 */
export function isMessageToWire(m: Message, order: readonly number[] = []): { messageId: number; attrs: WireAttr[] } {
  if (m.protocol !== 'is') throw new Error(`the IS binary codec cannot encode ${m.protocol} message ${m.name}`);
  const def = messageByName(m.name, 'is');
  if (!def) throw new Error(`message ${m.name} is not in the IS catalogue`);
  const layout = layoutOf(def);
  const wire: WireAttr[] = [];
  let used = 0;
  let extra: KvPair[] | undefined;
  for (const a of layout.extensionKeys) {
    const v = m.attrs[a.name];
    if (v === undefined) continue;
    used++;
    (extra ??= []).push({ key: a.extensionKey ?? a.name, value: toKv(def, a, v) });
  }
  for (const a of layout.wire) {
    const v = m.attrs[a.name];
    if (a.name === EXTENSION) {
      if (v === undefined && !extra) continue;
      if (v !== undefined) used++;
      if (v !== undefined && !isKvList(v)) throw new TypeError(`${EXTENSION} of ${def.name} must be a KV list`);
      wire.push({ id: a.wireId ?? 0, tag: 'b', value: extra ? [...(v ?? []), ...extra] : (v ?? []) });
      extra = undefined;
      continue;
    }
    if (v === undefined) continue;
    used++;
    wire.push(toWire(def, a, a.wireId ?? 0, v));
  }
  if (extra) throw new Error(`${def.name} has no ${EXTENSION} attribute`);
  if (used !== Object.keys(m.attrs).length) {
    for (const name of Object.keys(m.attrs)) {
      const a = def.byName.get(name);
      if (!a) throw new Error(`attribute ${name} is not an attribute of ${def.name}`);
      if (a.wireId === undefined && a.extensionKey === undefined) {
        throw new Error(`attribute ${name} of ${def.name} has no wire id`);
      }
    }
  }
  if (order.length) sortWireAttrs(wire, order);
  return { messageId: def.id, attrs: wire };
}

/** A message's attributes in wire order: the wire attributes by ascending id, and the extension-key ones. */
interface Layout {
  readonly wire: readonly AttrDef[];
  readonly extensionKeys: readonly AttrDef[];
}

const layouts = new WeakMap<MessageDef, Layout>();

function layoutOf(def: MessageDef): Layout {
  let l = layouts.get(def);
  if (!l) {
    l = {
      wire: def.attrs
        .filter((a) => a.extensionKey === undefined && a.wireId !== undefined)
        .sort((x, y) => (x.wireId ?? 0) - (y.wireId ?? 0)),
      extensionKeys: def.attrs.filter((a) => a.extensionKey !== undefined),
    };
    layouts.set(def, l);
  }
  return l;
}

function toWire(def: MessageDef, a: AttrDef, id: number, v: AttrValue): WireAttr {
  const bad = (): TypeError =>
    new TypeError(`attribute ${a.name} of ${def.name} (type ${a.type}) cannot hold ${describe(v)}`);
  switch (a.type) {
    case 'int':
    case 'enum':
      if (typeof v !== 'number') throw bad();
      return { id, tag: 'i', value: v };
    case 'bool':
      if (typeof v !== 'boolean') throw bad();
      return { id, tag: 'i', value: v ? 1 : 0 };
    case 'long':
      if (typeof v === 'bigint') return { id, tag: 'l', value: v };
      if (typeof v === 'number' && Number.isSafeInteger(v)) return { id, tag: 'l', value: BigInt(v) };
      throw bad();
    case 'string':
    case 'date':
      if (typeof v !== 'string') throw bad();
      return { id, tag: 's', value: v };
    case 'kvlist':
      if (!isKvList(v)) throw bad();
      return { id, tag: 'b', value: v };
    case 'stringList':
      throw bad();
  }
}

function toKv(def: MessageDef, a: AttrDef, v: AttrValue): KvValue {
  switch (a.type) {
    case 'bool':
      if (typeof v === 'boolean') return v ? 1 : 0;
      break;
    case 'int':
    case 'enum':
    case 'long':
      if (typeof v === 'number' || typeof v === 'bigint') return v;
      break;
    case 'string':
    case 'date':
      if (typeof v === 'string') return v;
      break;
    case 'kvlist':
      if (isKvList(v)) return v;
      break;
    case 'stringList':
      break;
  }
  throw new TypeError(`attribute ${a.name} of ${def.name} (type ${a.type}) cannot hold ${describe(v)}`);
}

/**
 * Encodes an IS message in the wire-id order given (ids not listed follow in ascending order). Used to reproduce the
 * SDK's attribute order byte for byte; the SDK decoder accepts any order.
 */
export function encodeIsMessageOrdered(m: Message, order: readonly number[]): Buffer {
  const { messageId, attrs } = isMessageToWire(m, order);
  return encodeFrame(messageId, attrs);
}

const FRAME = Symbol('isFrame');

/**
 * Encodes an IS message with its attributes in ascending wire-id order. The bytes are kept per message object: one
 * event sent to several parties (reporting engines, agents, a media server) is encoded once.
 */
export function encodeIsMessage(m: Message): Buffer {
  return memo(m, FRAME, (x) => encodeIsMessageOrdered(x, []));
}

function describe(v: AttrValue): string {
  return typeof v === 'object' ? 'a list' : `${typeof v} ${String(v)}`;
}
