/**
 * What every client of IXS does with what it receives, whatever the front door: a message echoing the ReferenceId of
 * a waiting request is that request's reply; everything else is an unsolicited event, queued in order.
 */
export type Json = Record<string, unknown>;

/** Request/reply matching by referenceId plus an ordered event queue. */
export class ReplyMatcher {
  private nextRef = 1;
  private readonly waiting = new Map<number, { resolve: (m: Json) => void; reject: (e: Error) => void }>();
  private readonly events: Json[] = [];
  private readonly eventWaiters: ((m: Json) => void)[] = [];
  /** Every message received, in order (replies included); not kept once a sink takes the events. */
  readonly received: Json[] = [];
  /** Where unsolicited events go instead of the queue (a long-lived session keeps nothing). */
  sink: ((m: Json) => void) | undefined;

  /** Routes one received message. */
  dispatch(m: Json): void {
    if (!this.sink) this.received.push(m);
    const ref = m.referenceId;
    const w = typeof ref === 'number' ? this.waiting.get(ref) : undefined;
    if (w && typeof ref === 'number') {
      this.waiting.delete(ref);
      w.resolve(m);
      return;
    }
    if (this.sink) {
      this.sink(m);
      return;
    }
    const ew = this.eventWaiters.shift();
    if (ew) ew(m);
    else this.events.push(m);
  }

  /** Sends a request through `send` (referenceId added unless given) and waits for its reply. */
  request(msg: Json, send: (full: Json) => void, timeoutMs: number): Promise<Json> {
    const referenceId = typeof msg.referenceId === 'number' ? msg.referenceId : this.nextRef++;
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => {
        this.waiting.delete(referenceId);
        reject(
          new Error(
            `no reply to ${String(msg.message)} (referenceId ${String(referenceId)}) within ${String(timeoutMs)} ms`,
          ),
        );
      }, timeoutMs);
      this.waiting.set(referenceId, {
        resolve: (m) => {
          clearTimeout(t);
          resolve(m);
        },
        reject: (e) => {
          clearTimeout(t);
          reject(e);
        },
      });
      try {
        send({ ...msg, referenceId });
      } catch (e) {
        this.waiting.delete(referenceId);
        clearTimeout(t);
        reject(e instanceof Error ? e : new Error(String(e)));
      }
    });
  }

  /** The next unsolicited message (waits up to timeoutMs). */
  nextEvent(timeoutMs: number): Promise<Json> {
    const e = this.events.shift();
    if (e) return Promise.resolve(e);
    return new Promise((resolve, reject) => {
      const w = (m: Json): void => {
        clearTimeout(t);
        resolve(m);
      };
      const t = setTimeout(() => {
        const i = this.eventWaiters.indexOf(w);
        if (i >= 0) this.eventWaiters.splice(i, 1);
        reject(new Error(`no event within ${String(timeoutMs)} ms`));
      }, timeoutMs);
      this.eventWaiters.push(w);
    });
  }

  /** Unsolicited messages received and not yet taken. */
  pendingEvents(): Json[] {
    return this.events.splice(0);
  }

  /** The connection is gone: every waiting request fails at once. */
  failAll(why: string): void {
    for (const w of this.waiting.values()) w.reject(new Error(why));
    this.waiting.clear();
  }
}

/** What the JSON and the binary client share: requests matched to replies, events queued, registration. */
export abstract class MatchingClient {
  protected readonly matcher = new ReplyMatcher();
  /** Every message received, in order (replies included). */
  readonly received: Json[] = this.matcher.received;

  /** Writes one request (its JSON form, referenceId included) in the client's encoding. */
  protected abstract write(full: Json): void;

  /** Sends a request (referenceId added unless given) and waits for its reply. */
  request(msg: Json, timeoutMs = 5000): Promise<Json> {
    return this.matcher.request(
      msg,
      (full) => {
        this.write(full);
      },
      timeoutMs,
    );
  }

  /**
   * Sends a message that gets no reply, as given (referenceId included): a third-party server's answer to a relayed
   * Request3rdServer (Event3rdServerResponse / Event3rdServerFault, with the referenceId the request came with).
   */
  send(msg: Json): void {
    this.write(msg);
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

  /** Hands every unsolicited message to `fn` as it arrives, instead of queueing it (nothing is kept). */
  onEvent(fn: (m: Json) => void): void {
    for (const e of this.matcher.pendingEvents()) fn(e);
    this.matcher.sink = fn;
  }
}
