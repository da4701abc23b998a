/**
 * The load generator's view of one client connection. The bench drives every target (IXS, the floor) through this
 * interface only, so a TCP (Genesys binary) client can be plugged in beside the WebSocket one: implement
 * {@link LoadClient} and add it to {@link clientFactory}.
 *
 * Two phases: during setup every frame is parsed and requests are matched to their replies (slow, simple); after
 * {@link LoadClient.startLoad} the hot path reads only the few fields it needs straight from the frame bytes, because
 * the client shares a 2-core machine with the server and must not become the bottleneck.
 */
import WebSocket from 'ws';
import { ReplyMatcher, TcpClient } from '@ixs/client';
import { isMessageById } from '../src/protocol/catalogue.ts';
import { encodeFrame } from '../src/transport/tcp/frame-encoder.ts';
import { FrameParser } from '../src/transport/tcp/frame-parser.ts';

export type Json = Record<string, unknown>;

/** A property-change event as the hot path sees it. */
export interface ChangeEvent {
  /** Message name (EventPropertiesChanged, ...). */
  readonly name: string;
  readonly interactionId: string | undefined;
  /** The `Counter` user-data value the change carried (the bench's request number). */
  readonly counter: number | undefined;
  /** Frame size in bytes. */
  readonly bytes: number;
}

/** Reply to a hot-path request: EventAck (ok) or EventError (error holds the parsed frame). */
export interface AckInfo {
  readonly referenceId: number;
  readonly ok: boolean;
  readonly bytes: number;
  readonly error?: Json;
}

/** One connection of the load generator. */
export interface LoadClient {
  connect(): Promise<void>;
  /** RequestRegisterClient; rejects on EventError. */
  register(clientType: string, clientName: string, extra?: Json): Promise<Json>;
  /** Setup only: a request in its JSON form (referenceId added) and its reply. */
  request(msg: Json, timeoutMs?: number): Promise<Json>;
  /** Setup only: the next unsolicited message. */
  nextEvent(timeoutMs?: number): Promise<Json>;
  /** Setup only: drops the unsolicited messages received so far; returns them. */
  takeEvents(): Json[];
  /** Switches to the hot path: no more parsing of whole frames; replies and events go to the callbacks. */
  startLoad(): void;
  /** Hot path: RequestChangeProperties {Counter: counter, Payload: payload} with referenceId = counter. */
  sendChange(interactionId: string, counter: number, payload: string): void;
  onAck(cb: (ack: AckInfo) => void): void;
  onEvent(cb: (ev: ChangeEvent) => void): void;
  close(): Promise<void>;
}

/** The client implementation for a URL: `tcp://` speaks the Genesys binary protocol, `ws://` JSON. */
export function clientFactory(mode: string): ((url: string) => LoadClient) | undefined {
  if (mode !== 'ws' && mode !== 'tcp') return undefined;
  return (url) => (url.startsWith('tcp:') ? new TcpLoadClient(url) : new WsLoadClient(url));
}

const MESSAGE_TOKEN = Buffer.from('"message":"');
const REF_TOKEN = Buffer.from('"referenceId":');
const IXN_TOKEN = Buffer.from('"interactionId":"');
const COUNTER_TOKEN = Buffer.from('"Counter":');
const ACK = Buffer.from('EventAck"');
const ERROR = Buffer.from('EventError"');
const QUOTE = 0x22;

/** The integer after `token` in `buf`, or undefined. */
function intAfter(buf: Buffer, token: Buffer): number | undefined {
  const at = buf.indexOf(token);
  if (at < 0) return undefined;
  let i = at + token.length;
  while (buf[i] === 0x20) i++;
  let n = 0;
  let digits = 0;
  for (let c = buf[i]; c !== undefined && c >= 0x30 && c <= 0x39; c = buf[++i]) {
    n = n * 10 + (c - 0x30);
    digits++;
  }
  return digits ? n : undefined;
}

/** The string after `token` (which ends with the opening quote) up to the closing quote. */
function stringAfter(buf: Buffer, token: Buffer): string | undefined {
  const at = buf.indexOf(token);
  if (at < 0) return undefined;
  const start = at + token.length;
  const end = buf.indexOf(QUOTE, start);
  return end < 0 ? undefined : buf.toString('latin1', start, end);
}

function startsAt(buf: Buffer, at: number, what: Buffer): boolean {
  return buf.compare(what, 0, what.length, at, at + what.length) === 0;
}

/** JSON over WebSocket (spec §3.2), raw `ws`. */
export class WsLoadClient implements LoadClient {
  private ws: WebSocket | undefined;
  private loading = false;
  private readonly matcher = new ReplyMatcher();
  private ackCb: (ack: AckInfo) => void = () => undefined;
  private eventCb: (ev: ChangeEvent) => void = () => undefined;

  constructor(private readonly url: string) {}

  async connect(): Promise<void> {
    const ws = new WebSocket(this.url, { perMessageDeflate: false });
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => {
        resolve();
      });
      ws.once('error', reject);
    });
    ws.on('message', (data: Buffer) => {
      if (this.loading) this.hot(data);
      else this.slow(data);
    });
    this.ws = ws;
  }

  private slow(data: Buffer): void {
    this.matcher.dispatch(JSON.parse(data.toString('utf8')) as Json);
  }

  private hot(buf: Buffer): void {
    const at = buf.indexOf(MESSAGE_TOKEN);
    const nameAt = at + MESSAGE_TOKEN.length;
    if (at >= 0 && startsAt(buf, nameAt, ACK)) {
      this.ackCb({ referenceId: intAfter(buf, REF_TOKEN) ?? -1, ok: true, bytes: buf.length });
      return;
    }
    if (at >= 0 && startsAt(buf, nameAt, ERROR)) {
      const error = JSON.parse(buf.toString('utf8')) as Json;
      this.ackCb({
        referenceId: typeof error.referenceId === 'number' ? error.referenceId : -1,
        ok: false,
        bytes: buf.length,
        error,
      });
      return;
    }
    const end = at >= 0 ? buf.indexOf(QUOTE, nameAt) : -1;
    this.eventCb({
      name: end >= 0 ? buf.toString('latin1', nameAt, end) : '?',
      interactionId: stringAfter(buf, IXN_TOKEN),
      counter: intAfter(buf, COUNTER_TOKEN),
      bytes: buf.length,
    });
  }

  private socket(): WebSocket {
    if (!this.ws) throw new Error('not connected');
    return this.ws;
  }

  async register(clientType: string, clientName: string, extra: Json = {}): Promise<Json> {
    const r = await this.request({ message: 'RequestRegisterClient', clientType, clientName, ...extra });
    if (r.message !== 'EventAck') throw new Error(`registration of ${clientName} failed: ${JSON.stringify(r)}`);
    return r;
  }

  request(msg: Json, timeoutMs = 5000): Promise<Json> {
    return this.matcher.request(
      msg,
      (full) => {
        this.socket().send(JSON.stringify(full));
      },
      timeoutMs,
    );
  }

  nextEvent(timeoutMs = 5000): Promise<Json> {
    return this.matcher.nextEvent(timeoutMs);
  }

  takeEvents(): Json[] {
    return this.matcher.pendingEvents();
  }

  startLoad(): void {
    this.loading = true;
  }

  sendChange(interactionId: string, counter: number, payload: string): void {
    // Built by hand: the same bytes JSON.stringify would give (payload and id are plain ASCII), at a fraction of
    // the cost.
    this.socket().send(
      `{"message":"RequestChangeProperties","referenceId":${String(counter)},"interactionId":"${interactionId}","changedProperties":{"Counter":${String(counter)},"Payload":"${payload}"}}`,
    );
  }

  onAck(cb: (ack: AckInfo) => void): void {
    this.ackCb = cb;
  }

  onEvent(cb: (ev: ChangeEvent) => void): void {
    this.eventCb = cb;
  }

  close(): Promise<void> {
    return this.ws ? closeWebSocket(this.ws) : Promise.resolve();
  }
}

/** Message ids of the IS binary protocol the hot path looks at (reference §3.1). */
const ID_ACK = 125;
const ID_ERROR = 126;
/** Wire attribute ids (reference Appendix A): ReferenceId, InteractionId, ChangedProperties, AddedProperties. */
const ATTR_REF = 2;
const ATTR_IXN = 3;
const ATTR_CHANGED = 23;
const ATTR_ADDED = 22;

/**
 * The Genesys binary protocol over TCP (`tcp://host:port`), through IXS's own catalogue-driven codec (the one the
 * vectors verify). Setup requests are given in their JSON form and replies come back in it; the hot path reads the
 * decoded wire attributes directly.
 */
export class TcpLoadClient implements LoadClient {
  private client: TcpClient | undefined;
  private ackCb: (ack: AckInfo) => void = () => undefined;
  private eventCb: (ev: ChangeEvent) => void = () => undefined;

  constructor(private readonly url: string) {}

  async connect(): Promise<void> {
    const u = new URL(this.url);
    this.client = await TcpClient.connect(u.hostname, Number(u.port));
  }

  private c(): TcpClient {
    if (!this.client) throw new Error('not connected');
    return this.client;
  }

  register(clientType: string, clientName: string, extra: Json = {}): Promise<Json> {
    return this.c().register(clientType, clientName, extra);
  }

  request(msg: Json, timeoutMs = 5000): Promise<Json> {
    return this.c().request(msg, timeoutMs);
  }

  nextEvent(timeoutMs = 5000): Promise<Json> {
    return this.c().nextEvent(timeoutMs);
  }

  takeEvents(): Json[] {
    return this.c().pendingEvents();
  }

  startLoad(): void {
    const socket = this.c().socket;
    socket.removeAllListeners('data');
    // Setup ends with every reply received in full: the hot path starts at a frame boundary.
    let pending: Buffer | undefined;
    socket.on('data', (chunk: Buffer) => {
      const buf = pending ? Buffer.concat([pending, chunk]) : chunk;
      let at = 0;
      while (buf.length - at >= 4) {
        const len = buf.readUInt32BE(at);
        if (len === EXT_HEADER) throw new Error('bench: an extended frame on the hot path (events are ~1 KB)');
        if (buf.length - at - 4 < len) break;
        this.hotFrame(buf, at + 4, at + 4 + len);
        at += 4 + len;
      }
      pending = at < buf.length ? buf.subarray(at) : undefined;
    });
  }

  /**
   * Reads the few fields the bench needs straight from a plain frame's bytes (vectors README §1-§3: u8 attribute
   * count, u32 message id, then u32 id | tag | value per attribute), skipping everything else, as the WebSocket client
   * does with its JSON text. An EventError is decoded in full.
   */
  private hotFrame(b: Buffer, start: number, end: number): void {
    const count = b[start] ?? 0;
    const messageId = b.readUInt32BE(start + 1);
    if (messageId === ID_ERROR) {
      const ev = [...new FrameParser({ maxFrameBytes: 1 << 24 }).push(b.subarray(start - 4, end))][0];
      const attrs = ev?.kind === 'frame' ? ev.attrs : [];
      const attr = (id: number): unknown => attrs.find((a) => a.id === id)?.value;
      const ref = attr(ATTR_REF);
      this.ackCb({
        referenceId: typeof ref === 'number' ? ref : -1,
        ok: false,
        bytes: end - start + 4,
        error: { errorCode: attr(32), errorDescription: attr(33) },
      });
      return;
    }
    let p = start + 5;
    let ref = -1;
    let interactionId: string | undefined;
    let counter: number | undefined;
    for (let i = 0; i < count && p < end; i++) {
      const id = b.readUInt32BE(p);
      const tag = b[p + 4];
      p += 5;
      switch (tag) {
        case 0x69: // 'i'
          if (id === ATTR_REF) ref = b.readInt32BE(p);
          p += 4;
          break;
        case 0x6c: // 'l'
          p += 8;
          break;
        case 0x73: {
          // 's'
          const n = b.readUInt16BE(p);
          if (id === ATTR_IXN) interactionId = b.toString('utf8', p + 2, p + 2 + n);
          p += 2 + n;
          break;
        }
        case 0x53: // 'S'
          p += 4 + b.readUInt32BE(p);
          break;
        case 0x62: {
          // 'b': the u16 length counts itself
          const n = b.readUInt16BE(p);
          if (id === ATTR_CHANGED || id === ATTR_ADDED) counter ??= kvInt(b, p + 2, p + n, COUNTER_KEY);
          p += n;
          break;
        }
        default:
          throw new Error(`bench: unexpected tag ${String(tag)} on the hot path`);
      }
    }
    if (messageId === ID_ACK) {
      this.ackCb({ referenceId: ref, ok: true, bytes: end - start + 4 });
      return;
    }
    this.eventCb({
      name: isMessageById(messageId)?.name ?? String(messageId),
      interactionId,
      counter,
      bytes: end - start + 4,
    });
  }

  sendChange(interactionId: string, counter: number, payload: string): void {
    this.c().sendRaw(
      encodeFrame(103, [
        { id: ATTR_REF, tag: 'i', value: counter },
        { id: ATTR_IXN, tag: 's', value: interactionId },
        {
          id: ATTR_CHANGED,
          tag: 'b',
          value: [
            { key: 'Counter', value: counter },
            { key: 'Payload', value: payload },
          ],
        },
      ]),
    );
  }

  onAck(cb: (ack: AckInfo) => void): void {
    this.ackCb = cb;
  }

  onEvent(cb: (ev: ChangeEvent) => void): void {
    this.eventCb = cb;
  }

  close(): Promise<void> {
    const c = this.client;
    if (!c || c.closed) return Promise.resolve();
    return new Promise((resolve) => {
      c.socket.once('close', () => {
        resolve();
      });
      c.close();
      setTimeout(() => {
        c.socket.destroy();
      }, 1000).unref();
    });
  }
}

/** Length field of an extended frame (its 28-byte header follows). */
const EXT_HEADER = 28;
const COUNTER_KEY = Buffer.from('Counter');

/** The int value of one key of a KV list body [from, to), without decoding the rest. */
function kvInt(b: Buffer, from: number, to: number, key: Buffer): number | undefined {
  const pairs = b.readUInt16BE(from);
  let p = from + 2;
  for (let i = 0; i < pairs && p < to; i++) {
    const type = b[p] ?? 0;
    const keyLen = b.readUInt16BE(p + 1);
    const keyAt = p + 3;
    p = keyAt + keyLen;
    const huge = (type & 0x80) !== 0;
    const valLen = huge ? b.readUInt32BE(p) : b.readUInt16BE(p);
    p += huge ? 4 : 2;
    if ((type & 0x7f) === 1 && keyLen === key.length && b.compare(key, 0, key.length, keyAt, keyAt + keyLen) === 0) {
      return b.readInt32BE(p);
    }
    p += valLen;
  }
  return undefined;
}

/** Closes a WebSocket with the close handshake; a peer that does not answer it within 1 s is cut off. */
export function closeWebSocket(ws: WebSocket): Promise<void> {
  if (ws.readyState === ws.CLOSED) return Promise.resolve();
  return new Promise((resolve) => {
    ws.once('close', () => {
      resolve();
    });
    ws.close();
    setTimeout(() => {
      ws.terminate();
    }, 1000).unref();
  });
}
