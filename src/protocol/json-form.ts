/**
 * The JSON form of attribute values (spec §3.2): enums as names, dates as ISO-8601 UTC strings, KV lists as objects
 * (string -> string, int -> integer, nested list -> object, binary -> {"$binary": base64}). Shared by the WebSocket
 * codec, the HTTP API and the CLI.
 */
import { ENUMS, enumValueByName, enumValueName } from './enums.ts';
import { messageByName, type AttrDef, type MessageDef } from './catalogue.ts';
import { ProtocolError } from './errors.ts';
import { Float32, Utf16, isKvList, type KvList, type KvPair, type KvValue } from './kv.ts';
import { DATE_RE, memo, type AttrValue, type Message } from './message.ts';

/** Deepest nesting of KV lists accepted (the binary parser has the same bound): no recursion without limit. */
export const MAX_KV_DEPTH = 64;

const INT32_MIN = -2147483648;
const INT32_MAX = 2147483647;

/** KV list -> plain JSON object. Repeated keys keep the last value (JSON objects cannot repeat keys). */
export function kvToJson(list: KvList): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const p of list) {
    // defineProperty: a key named "__proto__" must become an own property, never the object's prototype.
    Object.defineProperty(out, p.key, {
      value: kvValueToJson(p.value),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return out;
}

function kvValueToJson(v: KvValue): unknown {
  if (typeof v === 'string' || typeof v === 'number') return v;
  if (typeof v === 'bigint') return Number.isSafeInteger(Number(v)) ? Number(v) : v.toString();
  if (v instanceof Uint8Array) return { $binary: Buffer.from(v).toString('base64') };
  if (v instanceof Utf16) return v.value;
  if (v instanceof Float32) return v.value;
  return kvToJson(v);
}

/** JSON object -> KV list, refusing values the store cannot hold (error 65 naming the key). */
export function kvFromJson(obj: unknown, path: string, depth = 0): KvList {
  if (depth > MAX_KV_DEPTH) {
    throw new ProtocolError(
      'Error_invalid_property_type',
      `${path.slice(0, 200)}: KV lists may be nested at most ${String(MAX_KV_DEPTH)} levels deep`,
    );
  }
  if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) {
    throw new ProtocolError('Error_invalid_property_type', `${path} must be a JSON object (a KV list)`);
  }
  const out: KvPair[] = [];
  for (const [key, v] of Object.entries(obj as Record<string, unknown>)) {
    out.push({ key, value: kvValueFromJson(v, `${path}.${key}`, key, depth) });
  }
  return out;
}

function kvValueFromJson(v: unknown, path: string, key: string, depth: number): KvValue {
  if (typeof v === 'string') return v;
  if (typeof v === 'number') {
    if (!Number.isInteger(v)) {
      throw new ProtocolError(
        'Error_invalid_property_type',
        `property '${key}' (${path}): ${String(v)} is not an integer; only strings, integers, binaries and nested lists are allowed`,
      );
    }
    if (v >= INT32_MIN && v <= INT32_MAX) return v;
    if (!Number.isSafeInteger(v)) {
      throw new ProtocolError(
        'Error_invalid_property_type',
        `property '${key}' (${path}): ${String(v)} is outside the exact 64-bit integer range of JSON numbers`,
      );
    }
    return BigInt(v);
  }
  if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
    const o = v as Record<string, unknown>;
    const keys = Object.keys(o);
    if (keys.length === 1 && keys[0] === '$binary') {
      const b64 = o.$binary;
      if (typeof b64 !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(b64)) {
        throw new ProtocolError(
          'Error_invalid_property_type',
          `property '${key}' (${path}): $binary must be a base64 string`,
        );
      }
      return new Uint8Array(Buffer.from(b64, 'base64'));
    }
    return kvFromJson(o, path, depth + 1);
  }
  const what = v === null ? 'null' : Array.isArray(v) ? 'an array' : typeof v;
  throw new ProtocolError(
    'Error_invalid_property_type',
    `property '${key}' (${path}) has a value of type ${what}; only strings, integers, binaries and nested lists are allowed`,
  );
}

/** One attribute value -> JSON. */
export function attrToJson(a: AttrDef, v: AttrValue): unknown {
  switch (a.type) {
    case 'enum':
      return typeof v === 'number' && a.enumName ? (enumValueName(a.enumName, v) ?? v) : v;
    case 'kvlist':
      return isKvList(v) ? kvToJson(v) : v;
    case 'long':
      return typeof v === 'bigint' ? (Number.isSafeInteger(Number(v)) ? Number(v) : v.toString()) : v;
    default:
      return v;
  }
}

/** One attribute value from JSON, checked against its catalogue type (error 65 naming the attribute). */
export function attrFromJson(m: MessageDef, a: AttrDef, v: unknown): AttrValue {
  const bad = (want: string): ProtocolError =>
    new ProtocolError(
      'Error_invalid_property_type',
      `attribute '${a.jsonName}' of ${m.name} must be ${want}, got ${v === null ? 'null' : Array.isArray(v) ? 'an array' : typeof v}`,
    );
  switch (a.type) {
    case 'int':
      if (typeof v !== 'number' || !Number.isInteger(v) || v < INT32_MIN || v > INT32_MAX)
        throw bad('a 32-bit integer');
      return v;
    case 'long':
      if (typeof v === 'number' && Number.isSafeInteger(v)) return BigInt(v);
      if (typeof v === 'string' && /^-?\d{1,19}$/.test(v)) return BigInt(v);
      throw bad('a 64-bit integer');
    case 'string':
      if (typeof v !== 'string') throw bad('a string');
      return v;
    case 'bool':
      if (typeof v === 'boolean') return v;
      if (v === 0 || v === 1) return v === 1;
      throw bad('a boolean');
    case 'date':
      if (typeof v !== 'string') throw bad('an ISO-8601 UTC date string');
      if (!DATE_RE.test(v) || Number.isNaN(Date.parse(v))) {
        throw new ProtocolError(
          'Error_invalid_time_format',
          `attribute '${a.jsonName}' of ${m.name}: '${v}' is not an ISO-8601 UTC time like 2026-01-31T12:00:00Z`,
        );
      }
      return v;
    case 'enum': {
      if (!a.enumName) throw bad('a number');
      if (typeof v === 'string') {
        const n = enumValueByName(a.enumName, v);
        if (n === undefined) throw bad(`one of ${enumNames(a)}`);
        return n;
      }
      if (typeof v === 'number' && enumValueName(a.enumName, v) !== undefined) return v;
      throw bad(`one of ${enumNames(a)}`);
    }
    case 'kvlist':
      return kvFromJson(v, a.jsonName);
    case 'stringList':
      if (!Array.isArray(v) || !v.every((x) => typeof x === 'string')) throw bad('an array of strings');
      return v;
  }
}

function enumNames(a: AttrDef): string {
  return a.enumName ? Object.keys(enumTable(a)).join(', ') : '';
}

function enumTable(a: AttrDef): Record<string, number> {
  return a.enumName ? ENUMS[a.enumName] : {};
}

/** A message as its JSON object (WebSocket codec, HTTP API, CLI and the durable event log). */
export function toJsonObject(m: Message): Record<string, unknown> {
  const def = messageByName(m.name, m.protocol);
  const out: Record<string, unknown> = { message: m.name };
  for (const [k, v] of Object.entries(m.attrs)) {
    const a = def?.byName.get(k);
    out[a ? a.jsonName : k.charAt(0).toLowerCase() + k.slice(1)] = a ? attrToJson(a, v) : v;
  }
  return out;
}

const JSON_TEXT = Symbol('jsonText');

/**
 * The JSON text of a message, computed once per message object: the same event goes to every reporting engine, to
 * other parties and into the durable event log, and is serialised only once.
 */
export function jsonText(m: Message): string {
  return memo(m, JSON_TEXT, (x) => JSON.stringify(toJsonObject(x)));
}
