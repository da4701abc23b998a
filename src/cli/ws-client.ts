/** A small JSON-over-WebSocket client: used by the CLI verbs, the benchmark and the tests. */
import WebSocket from 'ws';

export type Json = Record<string, unknown>;

/** A connected JSON client with request/response matching by referenceId and an event queue. */
export class JsonClient {
  private nextRef = 1;
  private readonly waiting = new Map<number, (m: Json) => void>();
  private readonly failures = new Map<number, (e: Error) => void>();
  private readonly events: Json[] = [];
  private readonly eventWaiters: ((m: Json) => void)[] = [];
  /** Every message received, in order (replies included). */
  readonly received: Json[] = [];
  closed = false;

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      const m = JSON.parse(
        (Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as ArrayBuffer)).toString('utf8'),
      ) as Json;
      this.received.push(m);
      const ref = m.referenceId;
      if (
        typeof ref === 'number' &&
        this.waiting.has(ref) &&
        (m.message === 'EventAck' || m.message === 'EventError' || this.isReplyTo(m))
      ) {
        const w = this.waiting.get(ref);
        this.waiting.delete(ref);
        w?.(m);
        return;
      }
      const ew = this.eventWaiters.shift();
      if (ew) ew(m);
      else this.events.push(m);
    });
    ws.on('close', () => {
      this.closed = true;
      // Requests still waiting will never be answered.
      for (const fail of this.failures.values()) fail(new Error('connection closed'));
      this.failures.clear();
    });
  }

  private isReplyTo(m: Json): boolean {
    return typeof m.referenceId === 'number';
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
    const referenceId = typeof msg.referenceId === 'number' ? msg.referenceId : this.nextRef++;
    const full = { ...msg, referenceId };
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => {
        this.waiting.delete(referenceId);
        this.failures.delete(referenceId);
        reject(
          new Error(
            `no reply to ${String(msg.message)} (referenceId ${String(referenceId)}) within ${String(timeoutMs)} ms`,
          ),
        );
      }, timeoutMs);
      this.waiting.set(referenceId, (m) => {
        clearTimeout(t);
        this.failures.delete(referenceId);
        resolve(m);
      });
      this.failures.set(referenceId, (e) => {
        clearTimeout(t);
        this.waiting.delete(referenceId);
        reject(e);
      });
      this.ws.send(JSON.stringify(full));
    });
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
    const e = this.events.shift();
    if (e) return Promise.resolve(e);
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => {
        const i = this.eventWaiters.indexOf(w);
        if (i >= 0) this.eventWaiters.splice(i, 1);
        reject(new Error(`no event within ${String(timeoutMs)} ms`));
      }, timeoutMs);
      const w = (m: Json): void => {
        clearTimeout(t);
        resolve(m);
      };
      this.eventWaiters.push(w);
    });
  }

  /** Unsolicited messages received and not yet taken. */
  pendingEvents(): Json[] {
    return this.events.splice(0);
  }

  close(): void {
    this.ws.close();
  }
}
