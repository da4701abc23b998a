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

const SCRATCH_START_BYTES = 16 * 1024;
const SCRATCH_KEEP_BYTES = 1024 * 1024;

/**
 * An append-only byte writer over one growable buffer. Length fields are reserved and patched once their content is
 * written, so a frame is built in place with no intermediate buffer per string, list or pair.
 */
class Writer {
  buf = Buffer.allocUnsafe(SCRATCH_START_BYTES);
  length = 0;
  /** Makes room for n more bytes and returns where they start. */
  room(n: number): number {
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
  /** Writes a string's UTF-8 bytes and returns their number. */
  utf8(s: string): number {
    const at = this.length;
    // At most 3 bytes per UTF-16 unit; exact size only for very long strings.
    const max = s.length <= 0x5555 ? s.length * 3 : Buffer.byteLength(s, 'utf8');
    this.room(max);
    const n = this.buf.write(s, at, 'utf8');
    this.length = at + n;
    return n;
  }
  /** Moves the bytes from `from` to the end `by` bytes further (to widen a length field already written). */
  shift(from: number, by: number): void {
    const end = this.length;
    this.room(by);
    this.buf.copyWithin(from + by, from, end);
  }
  copyOut(from: number): Buffer {
    const out = Buffer.allocUnsafe(this.length - from);
    this.buf.copy(out, 0, from, this.length);
    return out;
  }
}

/** The writer every encode call uses (encoding is synchronous, so one is enough); reset at the start of each call. */
const scratch = new Writer();

/**
 * Encodes one frame. Attributes are written in the given order. Strings are 's' up to 65 535 UTF-8 bytes, else 'S';
 * KV lists are 'b' up to 65 533 bytes of list, else 'B' (README §2 table), whatever tag of the pair the attribute
 * names. A body whose length field would exceed 16 380 is sent in the extended layout, in 16 380-byte chunks.
 */
export function encodeFrame(messageId: number, attrs: readonly WireAttr[]): Buffer {
  if (attrs.length > MAX_ATTRS)
    throw new RangeError(`a frame holds at most ${MAX_ATTRS} attributes, got ${attrs.length}`);
  checkU32(messageId, 'message id');
  const w = scratch;
  w.length = 0;
  w.u32(0); // the plain frame's length, patched below
  w.u8(attrs.length);
  w.u32(messageId);
  for (const a of attrs) writeAttr(w, a);
  const body = w.length - 4;
  let out: Buffer;
  if (body <= MAX_PLAIN_LENGTH) {
    w.buf.writeUInt32BE(body, 0);
    out = w.copyOut(0);
  } else {
    out = extendedFrame(w.buf.subarray(4, w.length));
  }
  // Do not keep the memory of one exceptionally large frame.
  if (w.buf.length > SCRATCH_KEEP_BYTES) w.buf = Buffer.allocUnsafe(SCRATCH_START_BYTES);
  return out;
}

/** The extended chunked layout for a body over 16 380 bytes: u32 28 | marker | u32 body length | chunks. */
function extendedFrame(body: Buffer): Buffer {
  const chunks = Math.ceil(body.length / MAX_PLAIN_LENGTH);
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
      // 's' with a u16 length; widened to 'S' with a u32 length when the bytes do not fit.
      const tagAt = w.room(3);
      w.buf[tagAt] = TAG_STRING;
      const n = w.utf8(v);
      if (n <= MAX_U16) {
        w.buf.writeUInt16BE(n, tagAt + 1);
      } else {
        checkU32(n, `length of string attribute ${a.id}`);
        w.shift(tagAt + 3, 2);
        w.buf[tagAt] = TAG_LONG_STRING;
        w.buf.writeUInt32BE(n, tagAt + 1);
      }
      return;
    }
    case 'b':
    case 'B': {
      if (!Array.isArray(v)) throw new TypeError(`attribute ${a.id}: '${a.tag}' needs a KV list, got ${describe(v)}`);
      const tagAt = w.room(3);
      writeKvList(w, v as KvList, `attribute ${a.id}`);
      const n = w.length - tagAt - 3;
      if (n <= MAX_SHORT_KV) {
        // 'b': the u16 length counts its own 2 bytes.
        w.buf[tagAt] = TAG_KV;
        w.buf.writeUInt16BE(n + KV_SELF_LENGTH, tagAt + 1);
      } else if (n <= MAX_U16) {
        // 65 534 and 65 535: 'B' with the plain list length and no size prefix.
        w.shift(tagAt + 3, 2);
        w.buf[tagAt] = TAG_LONG_KV;
        w.buf.writeUInt32BE(n, tagAt + 1);
      } else {
        // Above 65 535: 'B' counting a u16 size prefix of 0 (the size does not fit), which the reader skips.
        checkU32(n + KV_SELF_LENGTH, `length of KV attribute ${a.id}`);
        w.shift(tagAt + 3, 4);
        w.buf[tagAt] = TAG_LONG_KV;
        w.buf.writeUInt32BE(n + KV_SELF_LENGTH, tagAt + 1);
        w.buf.writeUInt16BE(0, tagAt + 5);
      }
      return;
    }
  }
}

/** Encodes a KV list body L: u16 pair count, then the pairs. */
export function encodeKvList(list: KvList, what = 'KV list'): Buffer {
  const w = new Writer();
  writeKvList(w, list, what);
  return w.copyOut(0);
}

function writeKvList(w: Writer, list: KvList, what: string): void {
  if (list.length > MAX_U16) throw new RangeError(`${what}: at most ${MAX_U16} pairs, got ${list.length}`);
  w.u16(list.length);
  for (const p of list) {
    // type | u16 key length | key | u16 value length (u32 with the huge flag) | value
    const typeAt = w.room(3);
    const keyBytes = w.utf8(p.key);
    if (keyBytes > MAX_U16) throw new RangeError(`${what}: key of ${keyBytes} bytes is too long`);
    w.buf.writeUInt16BE(keyBytes, typeAt + 1);
    const lenAt = w.room(2);
    const type = writeKvValue(w, p.value, what, p.key);
    const n = w.length - lenAt - 2;
    if (n > MAX_U16) {
      checkU32(n, `${what}.${p.key} value length`);
      w.shift(lenAt + 2, 2);
      w.buf[typeAt] = type | KV_HUGE_FLAG;
      w.buf.writeUInt32BE(n, lenAt);
    } else {
      w.buf[typeAt] = type;
      w.buf.writeUInt16BE(n, lenAt);
    }
  }
}

/** Writes one KV value's bytes and returns its type. */
function writeKvValue(w: Writer, v: KvValue, what: string, key: string): number {
  if (typeof v === 'string') {
    w.utf8(v);
    return KV_STRING;
  }
  if (typeof v === 'number') {
    if (Number.isInteger(v) && v >= INT32_MIN && v <= INT32_MAX) {
      w.i32(v);
      return KV_INT;
    }
    // Integers beyond int32 keep their exact value as int64 (they decode back as bigint).
    if (Number.isSafeInteger(v)) return writeKvValue(w, BigInt(v), what, key);
    throw new RangeError(`${what}.${key}: ${v} is not an integer (use Float32 for a float value)`);
  }
  if (typeof v === 'bigint') {
    if (BigInt.asIntN(64, v) !== v) throw new RangeError(`${what}.${key}: ${v} is outside int64`);
    w.i64(v);
    return KV_INT64;
  }
  if (v instanceof Uint8Array) {
    w.bytes(v);
    return KV_BINARY;
  }
  if (v instanceof Utf16) {
    w.bytes(Buffer.from(v.value, 'utf16le').swap16());
    return KV_UTF16;
  }
  if (v instanceof Float32) {
    const at = w.room(4);
    w.buf.writeFloatBE(v.value, at);
    return KV_FLOAT;
  }
  if (!Array.isArray(v)) throw new TypeError(`${what}.${key}: not a KV value: ${describe(v)}`);
  // Nested list: u16 size (len(L)+2, or 0 when that does not fit in a u16), then L.
  const sizeAt = w.room(2);
  writeKvList(w, v, `${what}.${key}`);
  const size = w.length - sizeAt;
  w.buf.writeUInt16BE(size <= MAX_U16 ? size : 0, sizeAt);
  return KV_LIST;
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
