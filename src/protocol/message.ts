/** Messages as data: a catalogue name plus attributes keyed by their catalogue (PSDK) names. */
import type { KvList } from './kv.ts';

/** A decoded attribute value: int/enum -> number, long -> bigint, bool -> boolean, date -> ISO string. */
export type AttrValue = string | number | bigint | boolean | KvList | readonly string[];

/** One protocol message. */
export interface Message {
  readonly protocol: 'is' | 'tlib';
  readonly name: string;
  readonly attrs: Readonly<Record<string, AttrValue>>;
}

/** Builds an IS message. */
export function isMsg(name: string, attrs: Record<string, AttrValue | undefined>): Message {
  return { protocol: 'is', name, attrs: compact(attrs) };
}

/** Builds a T-Library facade message. */
export function tlibMsg(name: string, attrs: Record<string, AttrValue | undefined>): Message {
  return { protocol: 'tlib', name, attrs: compact(attrs) };
}

function compact(attrs: Record<string, AttrValue | undefined>): Record<string, AttrValue> {
  const out: Record<string, AttrValue> = {};
  for (const [k, v] of Object.entries(attrs)) if (v !== undefined) out[k] = v;
  return out;
}

/** Formats a time as the protocol's UTC date text (yyyy-MM-ddTHH:mm:ssZ, milliseconds dropped as the SDK does). */
export function formatDate(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

/** Accepted date forms: yyyy-MM-ddTHH:mm:ssZ with optional fraction. */
export const DATE_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?Z$/;
