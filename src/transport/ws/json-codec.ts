/**
 * The JSON codec (spec §3.2): one JSON object per WebSocket text frame, `"message"` naming a catalogue message and
 * every other member an attribute under its JSON name. Sans-IO: text in, a validated Message or a ProtocolError out.
 */
import { messageByName, type MessageDef } from '../../protocol/catalogue.ts';
import { ProtocolError } from '../../protocol/errors.ts';
import { attrFromJson, jsonText } from '../../protocol/json-form.ts';
import { memo, type AttrValue, type Message } from '../../protocol/message.ts';

/** Result of decoding one frame. */
export type JsonDecodeResult =
  | { readonly ok: true; readonly message: Message }
  | { readonly ok: false; readonly error: ProtocolError; readonly referenceId?: number };

/** Decodes one JSON frame into a request. */
export function decodeJsonRequest(text: string): JsonDecodeResult {
  let obj: unknown;
  try {
    obj = JSON.parse(text);
  } catch (e) {
    return fail(new ProtocolError('Error_invalid_protocol_message', `malformed JSON: ${(e as Error).message}`));
  }
  if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) {
    return fail(new ProtocolError('Error_invalid_protocol_message', 'a frame must be one JSON object'));
  }
  const o = obj as Record<string, unknown>;
  const rawRef = o.referenceId;
  const referenceId = typeof rawRef === 'number' && Number.isInteger(rawRef) ? rawRef : undefined;
  const name = o.message;
  if (typeof name !== 'string') {
    return fail(
      new ProtocolError(
        'Error_invalid_protocol_message',
        'the "message" member (the message name) is missing or not a string',
      ),
      referenceId,
    );
  }
  const def = messageByName(name);
  if (!def || def.kind !== 'request') {
    const why = def ? `${name} is an event, not a request a client may send` : `unknown message '${name}'`;
    return fail(new ProtocolError('ErrorUnsupportedProtocolElement', why), referenceId);
  }
  try {
    return { ok: true, message: { protocol: def.protocol, name: def.name, attrs: decodeAttrs(def, o) } };
  } catch (e) {
    if (e instanceof ProtocolError) return fail(e, referenceId);
    throw e;
  }
}

/**
 * A message of any kind (an event too) from its JSON form, as the event log keeps it (`jsonText`): how a reporting
 * engine that fell behind is served from the log. Throws ProtocolError on what is not a catalogue message.
 */
export function decodeJsonMessage(o: Record<string, unknown>): Message {
  const def = typeof o.message === 'string' ? messageByName(o.message) : undefined;
  if (!def) throw new ProtocolError('ErrorUnsupportedProtocolElement', `unknown message '${String(o.message)}'`);
  return { protocol: def.protocol, name: def.name, attrs: decodeAttrs(def, o) };
}

function decodeAttrs(def: MessageDef, o: Record<string, unknown>): Record<string, AttrValue> {
  const attrs: Record<string, AttrValue> = {};
  for (const [k, v] of Object.entries(o)) {
    if (k === 'message') continue;
    const a = def.byJsonName.get(k);
    if (!a) {
      throw new ProtocolError('ErrorUnsupportedProtocolElement', `unknown attribute '${k}' for ${def.name}`);
    }
    if (v === null || v === undefined) continue;
    attrs[a.name] = attrFromJson(def, a, v);
  }
  return attrs;
}

function fail(error: ProtocolError, referenceId?: number): JsonDecodeResult {
  return referenceId === undefined ? { ok: false, error } : { ok: false, error, referenceId };
}

/** Encodes a message as one JSON text frame. */
export function encodeJson(m: Message): string {
  return jsonText(m);
}

const JSON_BYTES = Symbol('jsonBytes');

/** The UTF-8 bytes of a message's JSON text frame, computed once per message object. */
export function encodeJsonBytes(m: Message): Buffer {
  return memo(m, JSON_BYTES, (x) => Buffer.from(jsonText(x), 'utf8'));
}
