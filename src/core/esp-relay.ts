/**
 * The ESP requests in flight (see esp.ts): by the ReferenceId their third-party server was sent, and per session (as
 * server or requester), so that a session that ends costs its own requests only. Session state: not durable.
 */
import type { KvList } from '../protocol/kv.ts';
import type { Attrs } from './plan.ts';
import { setIndex } from './set-index.ts';

/** One relayed request, until its answer. */
export interface InFlight {
  readonly serverRef: number;
  readonly server: number;
  readonly requester: number;
  readonly clientRef: number | undefined;
  readonly envelope: KvList;
  readonly userData: KvList | undefined;
  readonly requestId: string;
  readonly actor: Attrs;
  /**
   * A routing engine on the binary T-Library dialect asked with RequestPrivateService: its answer is EventPrivateInfo
   * echoing these (the envelope in Extensions `Envelope3rdServer`).
   */
  readonly tlib?: { readonly connId?: string; readonly thisDN?: string; readonly privateMsgId?: number };
  /** The requester's session ended: the answer is still reported, but goes to nobody. */
  requesterGone?: boolean;
}

/** The requests in flight, by the ReferenceId the server was sent, with each session's. */
export class EspRelay {
  private readonly byRef = new Map<number, InFlight>();
  private readonly ofSession = new Map<number, Set<number>>();
  private nextRef = 1;
  private turn = 0;

  /** A fresh ReferenceId for the third-party server (31 bits, skipping any still in flight). */
  newRef(): number {
    do this.nextRef = this.nextRef >= 0x7fffffff ? 1 : this.nextRef + 1;
    while (this.byRef.has(this.nextRef));
    return this.nextRef;
  }

  nextTurn(): number {
    return this.turn++;
  }

  add(f: InFlight): void {
    this.byRef.set(f.serverRef, f);
    for (const sid of [f.server, f.requester]) setIndex(this.ofSession, sid, f.serverRef, 1);
  }

  get(serverRef: number): InFlight | undefined {
    return this.byRef.get(serverRef);
  }

  remove(f: InFlight): void {
    this.byRef.delete(f.serverRef);
    for (const sid of f.requesterGone === true ? [f.server] : [f.server, f.requester]) {
      setIndex(this.ofSession, sid, f.serverRef, -1);
    }
  }

  /** The requester went away: the request stays until its server answers (or goes away too). */
  detachRequester(f: InFlight): void {
    f.requesterGone = true;
    setIndex(this.ofSession, f.requester, f.serverRef, -1);
  }

  /** The requests a session takes part in (as server or requester). */
  of(sessionId: number): InFlight[] {
    return [...(this.ofSession.get(sessionId) ?? [])].map((r) => this.byRef.get(r) as InFlight);
  }

  get size(): number {
    return this.byRef.size;
  }
}
