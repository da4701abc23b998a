/**
 * Parked pulls (urs-routing §9.8 H): a routing engine's RequestPull marked `pull-for-strategy` that found its view empty
 * waits here until an interaction enters that view's queue (the state marks the queue, see CoreState.pullTouched) or
 * until its hold timeout, then is answered. Indexed by queue (oldest first), by session (they end with it) and by
 * deadline (one lookup for the core's next deadline). Session state: not durable.
 */
import type { Message } from '../protocol/message.ts';
import { setIndex } from './set-index.ts';
import { SortedSet } from './sorted-set.ts';

/** One parked RequestPull. */
export interface ParkedPull {
  readonly session: number;
  /** The request as it came (answered with its ReferenceId, taken again with its parameters). */
  readonly message: Message;
  /** The queue of the pull's view. */
  readonly queue: string;
  /** When it is answered with nothing (ms since the epoch). */
  readonly deadline: number;
  readonly seq: number;
}

export class ParkedPulls {
  private readonly byQueue = new Map<string, Set<ParkedPull>>();
  private readonly bySession = new Map<number, Set<ParkedPull>>();
  private readonly byDeadline = new SortedSet<ParkedPull>((a, b) => a.deadline - b.deadline || a.seq - b.seq);
  /** The queues with parked pulls (the state marks them when an interaction enters their views). */
  readonly watched = new Set<string>();
  private seq = 0;

  park(session: number, message: Message, queue: string, deadline: number): ParkedPull {
    const p: ParkedPull = { session, message, queue, deadline, seq: this.seq++ };
    setIndex(this.byQueue, queue, p, 1);
    setIndex(this.bySession, session, p, 1);
    this.byDeadline.add(p);
    this.watched.add(queue);
    return p;
  }

  remove(p: ParkedPull): void {
    if (!this.byDeadline.delete(p)) return;
    setIndex(this.byQueue, p.queue, p, -1);
    setIndex(this.bySession, p.session, p, -1);
    if (!this.byQueue.has(p.queue)) this.watched.delete(p.queue);
  }

  /** The pulls parked on a queue's views, oldest first. */
  inQueue(queue: string): ParkedPull[] {
    return [...(this.byQueue.get(queue) ?? [])];
  }

  /** A session ended: its parked pulls end with it (unanswered). */
  sessionEnded(session: number): void {
    for (const p of [...(this.bySession.get(session) ?? [])]) this.remove(p);
  }

  /** Those whose hold timeout has passed at `now`, soonest first. */
  due(now: number): ParkedPull[] {
    const out: ParkedPull[] = [];
    for (const p of this.byDeadline) {
      if (p.deadline > now) break;
      out.push(p);
    }
    return out;
  }

  nextDeadline(): number | undefined {
    return this.byDeadline.first()?.deadline;
  }

  get size(): number {
    return this.byDeadline.size;
  }
}
