/**
 * Constants, types and small helpers of the Genesys binary wire format shared by the frame parser, the frame encoder
 * and the two codecs (Interaction Server and T-Library). Every number here is confirmed by test/fixtures/vectors
 * (README §1 frame layout, §2 KV lists, §3 ADDP).
 */
import type { KvList } from '../../protocol/kv.ts';

/** Wire type tag of one attribute: int32, int64, short/long string, short/long KV list. */
export type WireTag = 'i' | 'l' | 's' | 'S' | 'b' | 'B';

/** One attribute as it travels on the wire (flattened, untyped by the catalogue). */
export interface WireAttr {
  /** Wire attribute id (u32). */
  readonly id: number;
  /** Wire type tag. The encoder picks 's'/'S' and 'b'/'B' by size, so either tag of a pair is accepted there. */
  readonly tag: WireTag;
  /** 'i' -> number (int32), 'l' -> bigint (int64), 's'/'S' -> string, 'b'/'B' -> KV list. */
  readonly value: number | bigint | string | KvList;
}

/** Byte values of the tags. */
export const TAG_INT = 0x69; // 'i'
export const TAG_LONG = 0x6c; // 'l'
export const TAG_STRING = 0x73; // 's'
export const TAG_LONG_STRING = 0x53; // 'S'
export const TAG_KV = 0x62; // 'b'
export const TAG_LONG_KV = 0x42; // 'B'

/** The frame length prefix is a u32. */
export const LENGTH_BYTES = 4;
/** Smallest frame body: u8 attribute count + u32 message id. */
export const MIN_BODY_BYTES = 5;
/** At most 255 attributes: the attribute count is one byte. */
export const MAX_ATTRS = 0xff;
/**
 * Largest length field of a plain frame (a whole frame of 16 384 bytes minus its 4-byte length prefix). The SDK reader
 * rejects plain frames above it, so bigger bodies use the extended layout, cut into chunks of exactly this size.
 */
export const MAX_PLAIN_LENGTH = 16380;
/** The marker that opens an extended (chunked) frame: 24 ASCII bytes. */
export const EXT_MARKER = '$PACKET EXTENSION V1.00$';
/** The version-independent start of the marker, to tell a bad version from an ordinary frame. */
export const EXT_MARKER_PREFIX = '$PACKET EXTENSION';
/** Length field of the extended header: the 24-byte marker plus the u32 body length. */
export const EXT_HEADER_LENGTH = 28;

/** Largest u16 value: the limit of 's' strings, u16 KV lengths and nested-list size fields. */
export const MAX_U16 = 0xffff;
/** Largest KV list (L) written as 'b': its u16 length field counts its own 2 bytes (65 533 + 2 = 65 535). */
export const MAX_SHORT_KV = MAX_U16 - 2;
/** The u16 length field of 'b' and the size prefix of nested lists count their own 2 bytes. */
export const KV_SELF_LENGTH = 2;
/** KV pair type flag: the value length is a u32 instead of a u16 (values above 65 535 bytes). */
export const KV_HUGE_FLAG = 0x80;

/** KV pair value types (README §2). */
export const KV_STRING = 0;
export const KV_INT = 1;
export const KV_BINARY = 2;
export const KV_LIST = 3;
export const KV_UTF16 = 4;
export const KV_INT64 = 6;
export const KV_FLOAT = 7;

/** ADDP keep-alive packets: 'p' '2' <command> <3 data bytes>. */
export const ADDP_BYTES = 6;
/** 'p': first byte of an ADDP packet; a frame length starts with 0x00 (frames are far below 1.8 GB). */
export const ADDP_P = 0x70;
/** '2': second byte of an ADDP packet. */
export const ADDP_2 = 0x32;
/** Data bytes of an ADDP packet. */
export const ADDP_DATA_BYTES = 3;

/** Range of an 'i' attribute and a KV int (int32). */
export const INT32_MIN = -0x80000000;
/** Range of an 'i' attribute and a KV int (int32). */
export const INT32_MAX = 0x7fffffff;

/** Wire id of ReferenceId (Interaction Server attr_ref_id, T-Library ReferenceID: the same id in both protocols). */
export const REFERENCE_ID = 2;

/** A frame's ReferenceId, when it carries a readable one (echoed in an EventError even for a refused frame). */
export function referenceIdOf(attrs: readonly WireAttr[], id: number = REFERENCE_ID): number | undefined {
  const ref = attrs.find((a) => a.id === id && a.tag === 'i')?.value;
  return typeof ref === 'number' ? ref : undefined;
}

/**
 * Sorts attributes in place into wire order: the ids named in `order` first, in that order, then the others by
 * ascending id (the SDK's own order, to compare bytes, or plain ascending order with `order` empty).
 */
export function sortWireAttrs(attrs: WireAttr[], order: readonly number[]): WireAttr[] {
  const rank = new Map(order.map((id, i) => [id, i]));
  const key = (id: number): number => rank.get(id) ?? order.length;
  return attrs.sort((x, y) => key(x.id) - key(y.id) || x.id - y.id);
}
