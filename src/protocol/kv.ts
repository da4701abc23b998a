/**
 * Key-value lists (Genesys "KV lists"): ordered pairs, the value typed as on the wire.
 * JS representation: string -> string (type 0), integer number -> int32 (type 1), Uint8Array -> binary (type 2),
 * KvList -> nested list (type 3), Utf16 -> UTF-16BE string (type 4), bigint -> int64 (type 6), Float32 -> float (type 7).
 */

/** A UTF-16 string pair value (KV type 4); only when a client asked for it explicitly. */
export class Utf16 {
  constructor(readonly value: string) {}
}

/** A float pair value (KV type 7). */
export class Float32 {
  constructor(readonly value: number) {}
}

/** The value of one KV pair. */
export type KvValue = string | number | bigint | Uint8Array | KvList | Utf16 | Float32;

/** One KV pair. */
export interface KvPair {
  readonly key: string;
  readonly value: KvValue;
}

/** A KV list: pairs in wire order (keys may repeat on the wire). */
export type KvList = readonly KvPair[];

/** True for a nested KV list value. */
export function isKvList(v: unknown): v is KvList {
  return Array.isArray(v);
}

/** Builds a KV list from a plain object (string, integer, nested object values). */
export function kv(obj: Record<string, unknown>): KvList {
  return Object.entries(obj).map(([key, value]) => ({ key, value: toKvValue(value) }));
}

function toKvValue(v: unknown): KvValue {
  if (typeof v === 'string' || typeof v === 'number' || typeof v === 'bigint') return v;
  if (v instanceof Uint8Array || v instanceof Utf16 || v instanceof Float32) return v;
  if (Array.isArray(v)) return v as KvList;
  if (v !== null && typeof v === 'object') return kv(v as Record<string, unknown>);
  throw new TypeError(`not a KV value: ${String(v)}`);
}

/** First value for a key, or undefined. */
export function kvGet(list: KvList | undefined, key: string): KvValue | undefined {
  if (!list) return undefined;
  for (const p of list) if (p.key === key) return p.value;
  return undefined;
}

/** Structural equality of two KV values (used by tests and the no-op detection). */
export function kvValueEquals(a: KvValue, b: KvValue): boolean {
  if (typeof a !== 'object' || typeof b !== 'object') return a === b;
  if (a instanceof Uint8Array && b instanceof Uint8Array) {
    return a.length === b.length && a.every((x, i) => x === b[i]);
  }
  if (a instanceof Utf16 && b instanceof Utf16) return a.value === b.value;
  if (a instanceof Float32 && b instanceof Float32) return Object.is(a.value, b.value);
  if (isKvList(a) && isKvList(b)) {
    return a.length === b.length && a.every((p, i) => p.key === b[i]?.key && kvValueEquals(p.value, b[i].value));
  }
  return false;
}

/** Tagged JSON form used for durable storage: keeps every wire type exactly. */
export type StoredKv = [key: string, type: number, value: unknown][];

/** Serialises a KV list to a storable JSON-safe form (types kept). */
export function kvToStored(list: KvList): StoredKv {
  return list.map((p) => {
    const v = p.value;
    if (typeof v === 'string') return [p.key, 0, v];
    if (typeof v === 'number') return [p.key, 1, v];
    if (typeof v === 'bigint') return [p.key, 6, v.toString()];
    if (v instanceof Uint8Array) return [p.key, 2, Buffer.from(v).toString('base64')];
    if (v instanceof Utf16) return [p.key, 4, v.value];
    if (v instanceof Float32) return [p.key, 7, v.value];
    return [p.key, 3, kvToStored(v)];
  });
}

/** Inverse of {@link kvToStored}. */
export function kvFromStored(stored: StoredKv): KvList {
  return stored.map(([key, type, value]) => {
    switch (type) {
      case 0:
        return { key, value: value as string };
      case 1:
        return { key, value: value as number };
      case 6:
        return { key, value: BigInt(value as string) };
      case 2:
        return { key, value: new Uint8Array(Buffer.from(value as string, 'base64')) };
      case 4:
        return { key, value: new Utf16(value as string) };
      case 7:
        return { key, value: new Float32(value as number) };
      default:
        return { key, value: kvFromStored(value as StoredKv) };
    }
  });
}

const utf8 = new TextEncoder();

/**
 * Size of a KV list in its binary wire encoding (u16 pair count; per pair: type, key length, key, value length,
 * value): the measure of the per-interaction user-data cap. Computed without allocating the encoding.
 */
export function kvWireSize(list: KvList): number {
  let n = 2;
  for (const p of list) {
    n += 5 + byteLength(p.key);
    const v = p.value;
    if (typeof v === 'string') n += byteLength(v);
    else if (typeof v === 'number') n += 4;
    else if (typeof v === 'bigint') n += 8;
    else if (v instanceof Uint8Array) n += v.length;
    else if (v instanceof Utf16) n += v.value.length * 2;
    else if (v instanceof Float32) n += 4;
    else n += 2 + kvWireSize(v);
  }
  return n;
}

function byteLength(s: string): number {
  // ASCII fast path: one byte per UTF-16 unit when no unit is above 0x7f.
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 0x7f) return utf8.encode(s).length;
  return s.length;
}
