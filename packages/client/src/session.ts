/**
 * A JSON-protocol session that stays up (the client library's entry point for every client role): it registers,
 * sends requests and resolves each with its answer (an EventError becomes a rejected `RequestError` with the
 * registry's code), delivers events to typed listeners, and when the connection drops it reconnects with jittered
 * exponential back-off, registers again and runs `onRegistered` again (an agent desktop logs its agent in there).
 */
import type { IsMessageName } from '../../../src/protocol/message.ts';
import type { Json } from './reply-matcher.ts';
import { JsonClient } from './ws-client.ts';

/** An EventError answer to a request. */
export class RequestError extends Error {
  constructor(
    readonly errorCode: number,
    readonly description: string,
    readonly reply: Json,
  ) {
    super(`EventError ${String(errorCode)}: ${description}`);
  }
}

export interface SessionOptions {
  /** `ws://host:7121/`. */
  readonly url: string;
  readonly clientType: string;
  readonly clientName: string;
  /** More RequestRegisterClient attributes (`extension`, `mediaType`, ...). */
  readonly register?: Json;
  /** Runs after every registration, the first and each one after a reconnect (e.g. RequestAgentLogin). */
  readonly onRegistered?: (s: Session) => Promise<void>;
  /** First back-off delay and its ceiling (ms); each delay is drawn at random between half and all of the current one. */
  readonly backoffMs?: number;
  readonly maxBackoffMs?: number;
  /** How long one request may wait for its answer (ms). */
  readonly timeoutMs?: number;
}

type Listener = (event: Json) => void;

/** A registered JSON-protocol session with reconnects. */
export class Session {
  private client: JsonClient | undefined;
  private readonly listeners = new Map<string, Set<Listener>>();
  private closed = false;
  private attempt = 0;
  /** Registrations made so far (1 after the first; one more after each reconnect). */
  registrations = 0;
  /** Resolves once the session is registered (again, after a reconnect). */
  private ready: Promise<void>;

  private constructor(private readonly opts: SessionOptions) {
    this.ready = this.connect();
  }

  /** Opens a session and waits for its first registration. */
  static async open(opts: SessionOptions): Promise<Session> {
    const s = new Session(opts);
    await s.ready;
    return s;
  }

  /** Listens to one event by its catalogue name (`'*'`: every event). Returns the function that stops listening. */
  on(name: IsMessageName | '*' | (string & {}), listener: Listener): () => void {
    let set = this.listeners.get(name);
    if (!set) this.listeners.set(name, (set = new Set()));
    set.add(listener);
    return () => set.delete(listener);
  }

  /**
   * Sends a request and resolves with its answer (EventAck or the request's own reply event); an EventError rejects
   * with a RequestError. While reconnecting, it waits for the new registration first.
   */
  async request(msg: Json): Promise<Json> {
    // (onRegistered's own requests go at once: the client is set before it runs.)
    if (!this.client) await this.ready;
    const c = this.client;
    if (!c) throw new Error('the session is closed');
    const r = await c.request(msg, this.opts.timeoutMs ?? 5000);
    if (r.message === 'EventError')
      throw new RequestError(Number(r.errorCode), typeof r.errorDescription === 'string' ? r.errorDescription : '', r);
    return r;
  }

  /** Ends the session for good (no reconnect). */
  close(): void {
    this.closed = true;
    this.client?.close();
  }

  private async connect(): Promise<void> {
    for (;;) {
      try {
        const c = await JsonClient.connect(this.opts.url);
        const r = await c.request(
          {
            message: 'RequestRegisterClient',
            clientType: this.opts.clientType,
            clientName: this.opts.clientName,
            ...(this.opts.register ?? {}),
          },
          this.opts.timeoutMs ?? 5000,
        );
        if (r.message !== 'EventAck') {
          c.close();
          throw new RequestError(
            Number(r.errorCode),
            typeof r.errorDescription === 'string' ? r.errorDescription : '',
            r,
          );
        }
        this.client = c;
        this.attempt = 0;
        this.registrations++;
        c.onEvent((e) => {
          this.emit(e);
        });
        c.ws.once('close', () => {
          this.client = undefined;
          if (!this.closed) this.ready = this.reconnect();
        });
        await this.opts.onRegistered?.(this);
        return;
      } catch (e) {
        // A refused registration is the caller's mistake: no retry.
        if (e instanceof RequestError || this.closed) throw e;
        await this.pause();
      }
    }
  }

  private async reconnect(): Promise<void> {
    await this.pause();
    await this.connect();
  }

  /** Waits the next back-off delay: exponential, capped, with jitter (half to all of it). */
  private pause(): Promise<void> {
    const base = this.opts.backoffMs ?? 200;
    const cap = this.opts.maxBackoffMs ?? 10_000;
    const d = Math.min(cap, base * 2 ** this.attempt++);
    return new Promise((r) => setTimeout(r, d / 2 + (Math.random() * d) / 2));
  }

  private emit(e: Json): void {
    for (const key of [String(e.message), '*'])
      for (const l of this.listeners.get(key) ?? []) {
        try {
          l(e);
        } catch {
          // A listener's failure is its own.
        }
      }
  }
}
