/**
 * Sans-IO reader of the Genesys binary stream (vectors README §1-§3): bytes in, frames and ADDP packets out. It
 * handles plain frames, the extended (chunked) layout and 6-byte ADDP packets mixed into the stream, at any TCP
 * fragmentation. It never throws from {@link FrameParser.push}, never buffers more than one frame body, and checks
 * every declared length against the cap before allocating for it. Undecodable framing is reported once as a
 * `fatal` event; after it the parser stays failed.
 */
import { Float32, Utf16, type KvList, type KvPair, type KvValue } from '../../protocol/kv.ts';
import {
  ADDP_2,
  ADDP_BYTES,
  ADDP_P,
  EXT_HEADER_LENGTH,
  EXT_MARKER,
  EXT_MARKER_PREFIX,
  KV_BINARY,
  KV_FLOAT,
  KV_HUGE_FLAG,
  KV_INT,
  KV_INT64,
  KV_LIST,
  KV_SELF_LENGTH,
  KV_STRING,
  KV_UTF16,
  LENGTH_BYTES,
  MAX_U16,
  MIN_BODY_BYTES,
  TAG_INT,
  TAG_KV,
  TAG_LONG,
  TAG_LONG_KV,
  TAG_LONG_STRING,
  TAG_STRING,
  type WireAttr,
} from './wire.ts';

export type { WireAttr, WireTag } from './wire.ts';

/** What the parser reports for the bytes pushed so far. */
export type ParseEvent =
  | { readonly kind: 'frame'; readonly messageId: number; readonly attrs: readonly WireAttr[] }
  | { readonly kind: 'addp'; readonly command: string; readonly data: Uint8Array }
  | { readonly kind: 'fatal'; readonly reason: string };

/** Options of {@link FrameParser}. */
export interface FrameParserOptions {
  /** Largest frame body accepted (the length field of a plain frame, the body length of an extended one). */
  readonly maxFrameBytes: number;
}

/** Nested KV lists deeper than this are refused (protects the stack; real lists nest a few levels). */
const MAX_KV_DEPTH = 64;

/** Bytes of a KV int (int32), int64 and float32 value. */
const INT32_BYTES = 4;
const INT64_BYTES = 8;
const FLOAT32_BYTES = 4;

/** Offset of the u32 body length inside the 28-byte extended header body (right after the 24-byte marker). */
const EXT_BODY_LENGTH_OFFSET = EXT_MARKER.length;

const MARKER_BYTES = new TextEncoder().encode(EXT_MARKER);
const MARKER_PREFIX_BYTES = new TextEncoder().encode(EXT_MARKER_PREFIX);
const utf8 = new TextDecoder('utf-8');

/** Undecodable input; caught inside the parser and turned into a `fatal` event. */
class Malformed extends Error {}

type State =
  /** Collecting a frame length (or an ADDP packet). */
  | 'head'
  /** Filling a plain frame body (or the 28-byte extended header). */
  | 'plain'
  /** Collecting a chunk length of an extended frame (or an ADDP packet between chunks). */
  | 'chunkHead'
  /** Filling the extended body with chunk bytes. */
  | 'chunk';

/** Incremental parser for one connection. */
export class FrameParser {
  private readonly maxFrameBytes: number;
  private state: State = 'head';
  private failed = false;
  /** Header bytes collected so far (a length prefix, a chunk length or an ADDP packet). */
  private readonly head = new Uint8Array(ADDP_BYTES);
  private headLen = 0;
  /** The body being filled (plain body, extended header or extended body) and how much of it is filled. */
  private body: Uint8Array | undefined;
  private bodyPos = 0;
  /** Bytes left in the current chunk of an extended frame. */
  private chunkLeft = 0;

  /** @param options.maxFrameBytes the cap on one frame body; must be a positive integer. */
  constructor(options: FrameParserOptions) {
    if (!Number.isSafeInteger(options.maxFrameBytes) || options.maxFrameBytes < MIN_BODY_BYTES) {
      throw new RangeError(`maxFrameBytes must be an integer >= ${MIN_BODY_BYTES}, got ${options.maxFrameBytes}`);
    }
    this.maxFrameBytes = options.maxFrameBytes;
  }

  /** True once a fatal event was reported; the parser then ignores all input. */
  get isFailed(): boolean {
    return this.failed;
  }

  /** True between frames: no header or body bytes are waiting for the rest of their frame. */
  get idle(): boolean {
    return !this.failed && this.state === 'head' && this.headLen === 0;
  }

  /** Bytes currently allocated for the frame being assembled (at most maxFrameBytes). */
  get bufferedBytes(): number {
    return this.body?.length ?? 0;
  }

  /**
   * Feeds the next bytes of the stream. Returns the frames and ADDP packets completed by them, in stream order, and
   * at most one final `fatal` event. The chunk is not retained after the call returns.
   */
  push(chunk: Uint8Array): ParseEvent[] {
    const events: ParseEvent[] = [];
    if (this.failed) return events;
    try {
      this.consume(chunk, events);
    } catch (e) {
      const reason =
        e instanceof Malformed ? e.message : `internal parser error: ${e instanceof Error ? e.message : String(e)}`;
      this.fail(events, reason);
    }
    return events;
  }

  private fail(events: ParseEvent[], reason: string): void {
    this.failed = true;
    this.body = undefined;
    events.push({ kind: 'fatal', reason });
  }

  private consume(chunk: Uint8Array, events: ParseEvent[]): void {
    let off = 0;
    while (off < chunk.length) {
      if (this.state === 'head' || this.state === 'chunkHead') {
        this.head[this.headLen++] = chunk[off++]!;
        if (this.headLen >= 2 && this.head[0] === ADDP_P && this.head[1] === ADDP_2) {
          if (this.headLen === ADDP_BYTES) {
            events.push({
              kind: 'addp',
              command: String.fromCharCode(this.head[2]!),
              data: this.head.slice(3, ADDP_BYTES),
            });
            this.headLen = 0;
          }
        } else if (this.headLen === LENGTH_BYTES) {
          const n = readU32(this.head, 0);
          this.headLen = 0;
          if (this.state === 'head') this.startPlain(n);
          else this.startChunk(n);
        }
        continue;
      }
      const body = this.body!;
      const want = this.state === 'chunk' ? this.chunkLeft : body.length - this.bodyPos;
      const n = Math.min(want, chunk.length - off);
      body.set(chunk.subarray(off, off + n), this.bodyPos);
      this.bodyPos += n;
      off += n;
      if (this.state === 'chunk') {
        this.chunkLeft -= n;
        if (this.chunkLeft > 0) continue;
        if (this.bodyPos < body.length) {
          this.state = 'chunkHead';
          continue;
        }
      } else if (this.bodyPos < body.length) {
        continue;
      } else if (isExtendedHeader(body)) {
        this.startExtended(body);
        continue;
      }
      this.body = undefined;
      this.state = 'head';
      events.push(decodeBody(body));
    }
  }

  private startPlain(length: number): void {
    if (length < MIN_BODY_BYTES)
      throw new Malformed(`bad frame length ${length} (a frame has at least ${MIN_BODY_BYTES} bytes)`);
    if (length > this.maxFrameBytes) {
      throw new Malformed(`frame length ${length} is over the limit of ${this.maxFrameBytes} bytes`);
    }
    this.body = new Uint8Array(length);
    this.bodyPos = 0;
    this.state = 'plain';
  }

  private startExtended(header: Uint8Array): void {
    if (!startsWith(header, MARKER_BYTES)) {
      throw new Malformed(`bad extended header: unsupported marker '${latin1(header.subarray(0, EXT_MARKER.length))}'`);
    }
    const length = readU32(header, EXT_BODY_LENGTH_OFFSET);
    if (length < MIN_BODY_BYTES) throw new Malformed(`bad extended header: body length ${length}`);
    if (length > this.maxFrameBytes) {
      throw new Malformed(`extended frame length ${length} is over the limit of ${this.maxFrameBytes} bytes`);
    }
    this.body = new Uint8Array(length);
    this.bodyPos = 0;
    this.state = 'chunkHead';
  }

  private startChunk(length: number): void {
    const left = this.body!.length - this.bodyPos;
    if (length === 0 || length > left) {
      throw new Malformed(`bad extended frame chunk length ${length} (${left} body bytes outstanding)`);
    }
    this.chunkLeft = length;
    this.state = 'chunk';
  }
}

/** A 28-byte body that opens with "$PACKET EXTENSION" is an extended header (valid or not). */
function isExtendedHeader(body: Uint8Array): boolean {
  return body.length === EXT_HEADER_LENGTH && startsWith(body, MARKER_PREFIX_BYTES);
}

function startsWith(b: Uint8Array, prefix: Uint8Array): boolean {
  if (b.length < prefix.length) return false;
  for (let i = 0; i < prefix.length; i++) if (b[i] !== prefix[i]) return false;
  return true;
}

function latin1(b: Uint8Array): string {
  return String.fromCharCode(...b).replace(/[^\x20-\x7e]/g, '?');
}

function readU32(b: Uint8Array, at: number): number {
  return ((b[at]! << 24) >>> 0) + (b[at + 1]! << 16) + (b[at + 2]! << 8) + b[at + 3]!;
}

/** Bounds-checked big-endian reader over one byte range. */
class Reader {
  pos = 0;
  private readonly view: DataView;
  constructor(
    private readonly buf: Uint8Array,
    private readonly what: string,
  ) {
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }
  get left(): number {
    return this.buf.length - this.pos;
  }
  private need(n: number, field: string): void {
    if (this.left < n) {
      throw new Malformed(`truncated ${this.what}: ${field} needs ${n} bytes, ${this.left} left`);
    }
  }
  u8(field: string): number {
    this.need(1, field);
    return this.view.getUint8(this.pos++);
  }
  u16(field: string): number {
    this.need(2, field);
    const v = this.view.getUint16(this.pos);
    this.pos += 2;
    return v;
  }
  u32(field: string): number {
    this.need(4, field);
    const v = this.view.getUint32(this.pos);
    this.pos += 4;
    return v;
  }
  i32(field: string): number {
    this.need(4, field);
    const v = this.view.getInt32(this.pos);
    this.pos += 4;
    return v;
  }
  i64(field: string): bigint {
    this.need(8, field);
    const v = this.view.getBigInt64(this.pos);
    this.pos += 8;
    return v;
  }
  bytes(n: number, field: string): Uint8Array {
    this.need(n, field);
    const v = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return v;
  }
  end(): void {
    if (this.left !== 0) throw new Malformed(`${this.left} trailing bytes after the ${this.what}`);
  }
}

/** Decodes one complete frame body: attribute count, message id, attributes. */
function decodeBody(body: Uint8Array): ParseEvent {
  const r = new Reader(body, 'frame');
  const count = r.u8('attribute count');
  const messageId = r.u32('message id');
  const attrs: WireAttr[] = [];
  for (let i = 0; i < count; i++) {
    const id = r.u32('attribute id');
    const tag = r.u8(`type tag of attribute ${id}`);
    switch (tag) {
      case TAG_INT:
        attrs.push({ id, tag: 'i', value: r.i32(`int attribute ${id}`) });
        break;
      case TAG_LONG:
        attrs.push({ id, tag: 'l', value: r.i64(`int64 attribute ${id}`) });
        break;
      case TAG_STRING: {
        const n = r.u16(`length of string attribute ${id}`);
        attrs.push({ id, tag: 's', value: utf8.decode(r.bytes(n, `string attribute ${id}`)) });
        break;
      }
      case TAG_LONG_STRING: {
        const n = r.u32(`length of string attribute ${id}`);
        attrs.push({ id, tag: 'S', value: utf8.decode(r.bytes(n, `string attribute ${id}`)) });
        break;
      }
      case TAG_KV: {
        // The u16 length counts its own 2 bytes.
        const n = r.u16(`length of KV attribute ${id}`);
        if (n < KV_SELF_LENGTH) throw new Malformed(`bad length ${n} of KV attribute ${id}`);
        const list = r.bytes(n - KV_SELF_LENGTH, `KV attribute ${id}`);
        attrs.push({ id, tag: 'b', value: decodeKvList(list, `KV attribute ${id}`, 0) });
        break;
      }
      case TAG_LONG_KV: {
        const n = r.u32(`length of KV attribute ${id}`);
        const raw = r.bytes(n, `KV attribute ${id}`);
        // A 'B' payload above 65 535 bytes starts with 2 bytes the SDK skips (a u16 size field that does not fit).
        const list = n > MAX_U16 ? raw.subarray(KV_SELF_LENGTH) : raw;
        attrs.push({ id, tag: 'B', value: decodeKvList(list, `KV attribute ${id}`, 0) });
        break;
      }
      default:
        throw new Malformed(`unknown type tag 0x${tag.toString(16).padStart(2, '0')} of attribute ${id}`);
    }
  }
  r.end();
  return { kind: 'frame', messageId, attrs };
}

/** Decodes a KV list (L = u16 pair count, pairs) that must fill `bytes` exactly. */
function decodeKvList(bytes: Uint8Array, what: string, depth: number): KvList {
  if (depth > MAX_KV_DEPTH) throw new Malformed(`${what}: KV lists nested deeper than ${MAX_KV_DEPTH} levels`);
  const r = new Reader(bytes, what);
  const count = r.u16('pair count');
  const pairs: KvPair[] = [];
  for (let i = 0; i < count; i++) {
    const rawType = r.u8('pair type');
    const key = utf8.decode(r.bytes(r.u16('key length'), 'key'));
    const huge = (rawType & KV_HUGE_FLAG) !== 0;
    const type = rawType & ~KV_HUGE_FLAG;
    const n = huge ? r.u32(`value length of '${key}'`) : r.u16(`value length of '${key}'`);
    const v = r.bytes(n, `value of '${key}'`);
    pairs.push({ key, value: decodeKvValue(type, v, key, what, depth) });
  }
  r.end();
  return pairs;
}

function decodeKvValue(type: number, v: Uint8Array, key: string, what: string, depth: number): KvValue {
  const fixed = (size: number, name: string): DataView => {
    if (v.length !== size) throw new Malformed(`${what}: ${name} value of '${key}' has ${v.length} bytes, not ${size}`);
    return new DataView(v.buffer, v.byteOffset, v.byteLength);
  };
  switch (type) {
    case KV_STRING:
      return utf8.decode(v);
    case KV_INT:
      return fixed(INT32_BYTES, 'int').getInt32(0);
    case KV_BINARY:
      return v.slice();
    case KV_LIST:
      // u16 size prefix (len(L)+2, or 0 when that does not fit), then L; the pair's value length bounds L.
      if (v.length < KV_SELF_LENGTH) throw new Malformed(`${what}: nested list '${key}' has no size prefix`);
      return decodeKvList(v.subarray(KV_SELF_LENGTH), `${what}.${key}`, depth + 1);
    case KV_UTF16:
      if (v.length % 2 !== 0) throw new Malformed(`${what}: UTF-16 value of '${key}' has an odd length ${v.length}`);
      return new Utf16(utf16be(v));
    case KV_INT64:
      return fixed(INT64_BYTES, 'int64').getBigInt64(0);
    case KV_FLOAT:
      return new Float32(fixed(FLOAT32_BYTES, 'float').getFloat32(0));
    default:
      throw new Malformed(`${what}: unknown KV type ${type} of '${key}'`);
  }
}

function utf16be(v: Uint8Array): string {
  const swapped = new Uint8Array(v.length);
  for (let i = 0; i < v.length; i += 2) {
    swapped[i] = v[i + 1]!;
    swapped[i + 1] = v[i]!;
  }
  return Buffer.from(swapped.buffer, swapped.byteOffset, swapped.byteLength).toString('utf16le');
}
