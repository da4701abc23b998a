/**
 * Encoder of the Genesys binary stream (vectors README §1-§3): frames and ADDP packets to exact bytes. The size rules
 * ('s'/'S', 'b'/'B', plain/extended frames) are the SDK's, so frames re-encode byte for byte. Values that cannot be
 * written (a wrong JS type for the tag, an int out of range, more than 255 attributes) are caller bugs and throw.
 */
import { Float32, Utf16, type KvList, type KvValue } from '../../protocol/kv.ts';
import {
  ADDP_2,
  ADDP_DATA_BYTES,
  ADDP_P,
  EXT_HEADER_LENGTH,
  EXT_MARKER,
  INT32_MAX,
  INT32_MIN,
  KV_BINARY,
  KV_FLOAT,
  KV_HUGE_FLAG,
  KV_INT,
  KV_INT64,
  KV_LIST,
  KV_SELF_LENGTH,
  KV_STRING,
  KV_UTF16,
  MAX_ATTRS,
  MAX_PLAIN_LENGTH,
  MAX_SHORT_KV,
  MAX_U16,
  TAG_INT,
  TAG_KV,
  TAG_LONG,
  TAG_LONG_KV,
  TAG_LONG_STRING,
  TAG_STRING,
  type WireAttr,
} from './wire.ts';

/** Largest value of a u32 length field. */
const MAX_U32 = 0xffffffff;

/** Collects big-endian fields and byte runs, then joins them once. */
/** An append-only byte writer over one growable buffer (no allocation per field). */
class Writer {
  /** Starts at 1 KiB, the size of a typical event; doubles as needed. */
  private buf = Buffer.allocUnsafe(1024);
  length = 0;
  private room(n: number): number {
    const at = this.length;
    if (at + n > this.buf.length) {
      const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, at + n));
      this.buf.copy(next, 0, 0, at);
      this.buf = next;
    }
    this.length = at + n;
    return at;
  }
  // Each method reserves room first: room() may replace this.buf.
  u8(v: number): void {
    const at = this.room(1);
    this.buf[at] = v;
  }
  u16(v: number): void {
    const at = this.room(2);
    this.buf.writeUInt16BE(v, at);
  }
  u32(v: number): void {
    const at = this.room(4);
    this.buf.writeUInt32BE(v, at);
  }
  i32(v: number): void {
    const at = this.room(4);
    this.buf.writeInt32BE(v, at);
  }
  i64(v: bigint): void {
    const at = this.room(8);
    this.buf.writeBigInt64BE(v, at);
  }
  bytes(b: Uint8Array): void {
    const at = this.room(b.length);
    this.buf.set(b, at);
  }
  toBuffer(): Buffer {
    return this.buf.subarray(0, this.length);
  }
}

/**
 * Encodes one frame. Attributes are written in the given order. Strings are 's' up to 65 535 UTF-8 bytes, else 'S';
 * KV lists are 'b' up to 65 533 bytes of list, else 'B' (README §2 table), whatever tag of the pair the attribute
 * names. A body whose length field would exceed 16 380 is sent in the extended layout, in 16 380-byte chunks.
 */
export function encodeFrame(messageId: number, attrs: readonly WireAttr[]): Buffer {
  if (attrs.length > MAX_ATTRS)
    throw new RangeError(`a frame holds at most ${MAX_ATTRS} attributes, got ${attrs.length}`);
  checkU32(messageId, 'message id');
  const w = new Writer();
  w.u8(attrs.length);
  w.u32(messageId);
  for (const a of attrs) writeAttr(w, a);
  return frameBody(w.toBuffer());
}

/** Wraps a frame body: plain when it fits one 16 384-byte frame, else the extended chunked layout. */
function frameBody(body: Buffer): Buffer {
  if (body.length <= MAX_PLAIN_LENGTH) {
    const out = Buffer.allocUnsafe(4 + body.length);
    out.writeUInt32BE(body.length, 0);
    body.copy(out, 4);
    return out;
  }
  const chunks = Math.ceil(body.length / MAX_PLAIN_LENGTH);
  // u32 28 | 24-byte marker | u32 body length, then per chunk a u32 length and the bytes.
  const out = Buffer.allocUnsafe(4 + EXT_HEADER_LENGTH + chunks * 4 + body.length);
  let at = out.writeUInt32BE(EXT_HEADER_LENGTH, 0);
  at += out.write(EXT_MARKER, at, 'latin1');
  at = out.writeUInt32BE(body.length, at);
  for (let from = 0; from < body.length; from += MAX_PLAIN_LENGTH) {
    const n = Math.min(MAX_PLAIN_LENGTH, body.length - from);
    at = out.writeUInt32BE(n, at);
    at += body.copy(out, at, from, from + n);
  }
  return out;
}

function writeAttr(w: Writer, a: WireAttr): void {
  checkU32(a.id, 'attribute id');
  w.u32(a.id);
  const v = a.value;
  switch (a.tag) {
    case 'i':
      if (typeof v !== 'number' || !Number.isInteger(v) || v < INT32_MIN || v > INT32_MAX) {
        throw new RangeError(`attribute ${a.id}: 'i' needs an int32, got ${describe(v)}`);
      }
      w.u8(TAG_INT);
      w.i32(v);
      return;
    case 'l':
      if (typeof v !== 'bigint' || BigInt.asIntN(64, v) !== v) {
        throw new RangeError(`attribute ${a.id}: 'l' needs an int64 bigint, got ${describe(v)}`);
      }
      w.u8(TAG_LONG);
      w.i64(v);
      return;
    case 's':
    case 'S': {
      if (typeof v !== 'string')
        throw new TypeError(`attribute ${a.id}: '${a.tag}' needs a string, got ${describe(v)}`);
      const b = Buffer.from(v, 'utf8');
      if (b.length <= MAX_U16) {
        w.u8(TAG_STRING);
        w.u16(b.length);
      } else {
        checkU32(b.length, `length of string attribute ${a.id}`);
        w.u8(TAG_LONG_STRING);
        w.u32(b.length);
      }
      w.bytes(b);
      return;
    }
    case 'b':
    case 'B': {
      if (!Array.isArray(v)) throw new TypeError(`attribute ${a.id}: '${a.tag}' needs a KV list, got ${describe(v)}`);
      const list = encodeKvList(v as KvList, `attribute ${a.id}`);
      if (list.length <= MAX_SHORT_KV) {
        // 'b': the u16 length counts its own 2 bytes.
        w.u8(TAG_KV);
        w.u16(list.length + KV_SELF_LENGTH);
      } else if (list.length <= MAX_U16) {
        // 65 534 and 65 535: 'B' with the plain list length and no size prefix.
        w.u8(TAG_LONG_KV);
        w.u32(list.length);
      } else {
        // Above 65 535: 'B' counting a u16 size prefix of 0 (the size does not fit), which the reader skips.
        checkU32(list.length + KV_SELF_LENGTH, `length of KV attribute ${a.id}`);
        w.u8(TAG_LONG_KV);
        w.u32(list.length + KV_SELF_LENGTH);
        w.u16(0);
      }
      w.bytes(list);
      return;
    }
  }
}

/** Encodes a KV list body L: u16 pair count, then the pairs. */
export function encodeKvList(list: KvList, what = 'KV list'): Buffer {
  if (list.length > MAX_U16) throw new RangeError(`${what}: at most ${MAX_U16} pairs, got ${list.length}`);
  const w = new Writer();
  w.u16(list.length);
  for (const p of list) {
    const key = Buffer.from(p.key, 'utf8');
    if (key.length > MAX_U16) throw new RangeError(`${what}: key of ${key.length} bytes is too long`);
    const [type, value] = encodeKvValue(p.value, `${what}.${p.key}`);
    const huge = value.length > MAX_U16;
    w.u8(huge ? type | KV_HUGE_FLAG : type);
    w.u16(key.length);
    w.bytes(key);
    if (huge) {
      checkU32(value.length, `${what}.${p.key} value length`);
      w.u32(value.length);
    } else {
      w.u16(value.length);
    }
    w.bytes(value);
  }
  return w.toBuffer();
}

function encodeKvValue(v: KvValue, what: string): [type: number, bytes: Uint8Array] {
  if (typeof v === 'string') return [KV_STRING, Buffer.from(v, 'utf8')];
  if (typeof v === 'number') {
    if (Number.isInteger(v) && v >= INT32_MIN && v <= INT32_MAX) {
      const b = Buffer.allocUnsafe(4);
      b.writeInt32BE(v);
      return [KV_INT, b];
    }
    // Integers beyond int32 keep their exact value as int64 (they decode back as bigint).
    if (Number.isSafeInteger(v)) return encodeKvValue(BigInt(v), what);
    throw new RangeError(`${what}: ${v} is not an integer (use Float32 for a float value)`);
  }
  if (typeof v === 'bigint') {
    if (BigInt.asIntN(64, v) !== v) throw new RangeError(`${what}: ${v} is outside int64`);
    const b = Buffer.allocUnsafe(8);
    b.writeBigInt64BE(v);
    return [KV_INT64, b];
  }
  if (v instanceof Uint8Array) return [KV_BINARY, v];
  if (v instanceof Utf16) return [KV_UTF16, Buffer.from(v.value, 'utf16le').swap16()];
  if (v instanceof Float32) {
    const b = Buffer.allocUnsafe(4);
    b.writeFloatBE(v.value);
    return [KV_FLOAT, b];
  }
  if (!Array.isArray(v)) throw new TypeError(`${what}: not a KV value: ${describe(v)}`);
  // Nested list: u16 size (len(L)+2, or 0 when that does not fit in a u16), then L.
  const list = encodeKvList(v, what);
  const size = list.length + KV_SELF_LENGTH;
  const out = Buffer.allocUnsafe(size);
  out.writeUInt16BE(size <= MAX_U16 ? size : 0, 0);
  list.copy(out, KV_SELF_LENGTH);
  return [KV_LIST, out];
}

/**
 * Encodes one ADDP packet: 'p' '2', the one-character command and exactly 3 data bytes.
 */
export function encodeAddp(command: string, data: Uint8Array): Buffer {
  const code = command.charCodeAt(0);
  if (command.length !== 1 || code > 0xff)
    throw new RangeError(`ADDP command must be one byte character, got '${command}'`);
  if (data.length !== ADDP_DATA_BYTES)
    throw new RangeError(`ADDP data must be ${ADDP_DATA_BYTES} bytes, got ${data.length}`);
  return Buffer.from([ADDP_P, ADDP_2, code, ...data]);
}

function checkU32(n: number, what: string): void {
  if (!Number.isInteger(n) || n < 0 || n > MAX_U32) throw new RangeError(`${what} ${n} does not fit a u32`);
}

function describe(v: unknown): string {
  if (Array.isArray(v)) return 'a KV list';
  if (typeof v === 'string') return v.length > 40 ? `a string of ${v.length} characters` : `'${v}'`;
  return `${typeof v} ${String(v)}`;
}
