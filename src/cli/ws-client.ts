/** A small JSON-over-WebSocket client: used by the CLI verbs, the benchmark and the tests. */
import WebSocket from 'ws';
import { ReplyMatcher, type Json } from './reply-matcher.ts';

export type { Json };

/** A connected JSON client with request/response matching by referenceId and an event queue. */
export class JsonClient {
  private readonly matcher = new ReplyMatcher();
  /** Every message received, in order (replies included). */
  readonly received = this.matcher.received;
  closed = false;

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      const buf = Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as ArrayBuffer);
      this.matcher.dispatch(JSON.parse(buf.toString('utf8')) as Json);
    });
    ws.on('close', () => {
      this.closed = true;
      this.matcher.failAll('connection closed');
    });
  }

  /** Opens a connection. */
  static async connect(url: string): Promise<JsonClient> {
    const ws = new WebSocket(url);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => {
        resolve();
      });
      ws.once('error', reject);
    });
    return new JsonClient(ws);
  }

  /** Sends a request (referenceId added unless given) and waits for its reply. */
  request(msg: Json, timeoutMs = 5000): Promise<Json> {
    return this.matcher.request(
      msg,
      (full) => {
        this.ws.send(JSON.stringify(full));
      },
      timeoutMs,
    );
  }

  /** Sends raw text (for bad-input tests). */
  sendRaw(text: string): void {
    this.ws.send(text);
  }

  /** Registers; throws on EventError. */
  async register(clientType: string, clientName: string, extra: Json = {}): Promise<Json> {
    const r = await this.request({ message: 'RequestRegisterClient', clientType, clientName, ...extra });
    if (r.message !== 'EventAck') throw new Error(`registration failed: ${JSON.stringify(r)}`);
    return r;
  }

  /** The next unsolicited message (waits up to timeoutMs). */
  nextEvent(timeoutMs = 5000): Promise<Json> {
    return this.matcher.nextEvent(timeoutMs);
  }

  /** Unsolicited messages received and not yet taken. */
  pendingEvents(): Json[] {
    return this.matcher.pendingEvents();
  }

  close(): void {
    this.ws.close();
  }
}
