/** Messages as data: a catalogue name plus attributes keyed by their catalogue (PSDK) names. */
import type { IsAttrs, TlibRequestAttrs } from './catalogue.ts';
import type { IS_MESSAGE_ROWS } from './is-message-rows.ts';
import type { KvList } from './kv.ts';

/** Every Interaction Server message name of the catalogue (derived from its rows: a misspelt name does not compile). */
export type IsMessageName = CatalogueName<(typeof IS_MESSAGE_ROWS)[number]['name']>;

/** The name a row is known by (the Platform SDK's spelling EventInteractionSubmited is corrected, as in catalogue.ts). */
type CatalogueName<N extends string> = N extends 'EventInteractionSubmited' ? 'EventInteractionSubmitted' : N;

/** The attributes a catalogue message lists (its embedded structures, such as InteractionProperties, come flattened). */
export type IsAttrName<N extends IsMessageName> = Extract<
  (typeof IS_MESSAGE_ROWS)[number],
  { readonly name: N extends 'EventInteractionSubmitted' ? 'EventInteractionSubmited' : N }
>['attrs'][number][0];

/** A decoded attribute value: int/enum -> number, long -> bigint, bool -> boolean, date -> ISO string. */
export type AttrValue = string | number | bigint | boolean | KvList | readonly string[];

/** One protocol message. */
export interface Message {
  readonly protocol: 'is' | 'tlib';
  readonly name: string;
  readonly attrs: Readonly<Record<string, AttrValue>>;
}

/** Builds an IS message of the catalogue. */
export function isMsg(name: IsMessageName, attrs: Record<string, AttrValue | undefined>): Message {
  return { protocol: 'is', name, attrs: compact(attrs) };
}

/** Builds a T-Library facade message. */
export function tlibMsg(name: string, attrs: Record<string, AttrValue | undefined>): Message {
  return { protocol: 'tlib', name, attrs: compact(attrs) };
}

/** A T-Library EventError: the refusal of request `ref` with a T-Library error code and a description. */
export function tlibError(ref: AttrValue | undefined, code: number, description: string): Message {
  return tlibMsg('EventError', { ReferenceId: ref, ErrorCode: code, ErrorMessage: description });
}

function compact(attrs: Record<string, AttrValue | undefined>): Record<string, AttrValue> {
  const out: Record<string, AttrValue> = {};
  for (const [k, v] of Object.entries(attrs)) if (v !== undefined) out[k] = v;
  return out;
}

/**
 * A value derived from a message (its JSON text, its binary frame), computed once per message object: one event goes
 * to several parties and into the event log. Kept in a non-enumerable property, so spreads, equality checks and JSON
 * never see it (a spread copy, such as a proxied copy with another ProxyClientId, computes its own).
 */
export function memo<T>(m: Message, key: symbol, make: (m: Message) => T): T {
  const kept = (m as unknown as Record<symbol, T | undefined>)[key];
  if (kept !== undefined) return kept;
  const v = make(m);
  Object.defineProperty(m, key, { value: v });
  return v;
}

let lastSecond = NaN;
let lastText = '';

/** Formats a time as the protocol's UTC date text (yyyy-MM-ddTHH:mm:ssZ, milliseconds dropped as the SDK does). */
export function formatDate(ms: number): string {
  const second = Math.floor(ms / 1000);
  if (second !== lastSecond) {
    lastText = new Date(second * 1000).toISOString().replace('.000Z', 'Z');
    lastSecond = second;
  }
  return lastText;
}

/** Accepted date forms: yyyy-MM-ddTHH:mm:ssZ with optional fraction. */
export const DATE_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?Z$/;

/** The requests of IXS's T-Library facade (JSON door), beside the catalogue's IS requests. */
export type TlibRequestName = keyof TlibRequestAttrs;

/** Every message name a client may send (IS catalogue names and the T-Library facade's requests). */
export type RequestName = IsMessageName | TlibRequestName;

/** The typed attributes of a message of the catalogue (validated against the catalogue before a handler reads them). */
export type AttrsOf<N extends RequestName> = N extends TlibRequestName ? TlibRequestAttrs[N] : IsAttrs<N>;
