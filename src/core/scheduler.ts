/**
 * The submission scheduler's caps (routing engines, urs-routing §9.8 G): how many interactions one routing engine may
 * hold at once, how many it is handed per second, and how many of one queue (strategy) routing engines hold together.
 * Work a cap holds back stays waiting in its queue, in its order, and is handed over as soon as the cap allows: when a
 * hand-off ends (the state marks the routing-engine pairs again) or when the engine's rate has earned the next
 * interaction (a wake-up the core's timer loop fires). Nothing here is durable: like sessions, it starts afresh.
 */
import type { Directory } from './directory.ts';
import type { Session } from './model/session.ts';
import type { CoreState } from './state.ts';

/** A routing engine's submission rate as a token bucket: one second's worth (at least one) may go at once. */
interface Bucket {
  tokens: number;
  /** When `tokens` was last brought up to date (ms). */
  at: number;
}

export class SubmissionScheduler {
  private readonly buckets = new Map<string, Bucket>();
  /** When a rate-capped engine next earns an interaction while work waits for it (ms), if one does. */
  private wakeAt: number | undefined;

  constructor(
    private readonly dir: Directory,
    private readonly state: CoreState,
  ) {}

  /** The soonest wake-up, if a rate cap holds work back. */
  nextWake(): number | undefined {
    return this.wakeAt;
  }

  /** At `now`, whether a wake-up is due; if so it is used up (the caller offers the routing-engine pairs again). */
  wakeDue(now: number): boolean {
    if (this.wakeAt === undefined || this.wakeAt > now) return false;
    this.wakeAt = undefined;
    return true;
  }

  /**
   * The engines of `engines` that may be handed one more interaction of `queue` at `now` (none when the queue's cap is
   * reached). Leaving one out for a cap arms what brings the work back: the state's mark, or a wake-up.
   */
  eligible(engines: readonly Session[], queue: string, now: number): Session[] {
    if (engines.length === 0) return [];
    const strategyCap = this.dir.queues.get(queue)?.maxSubmitted;
    if (strategyCap !== undefined && this.state.handedFromCount(queue) >= strategyCap) {
      this.state.capBlocked = true;
      return [];
    }
    const out: Session[] = [];
    for (const e of engines) {
      const limits = this.dir.routerLimits(e.clientName);
      if (limits.maxSubmitted !== undefined && this.state.handedToCount(e.clientName) >= limits.maxSubmitted) {
        this.state.capBlocked = true;
        continue;
      }
      if (limits.ratePerSecond !== undefined) {
        const wait = this.waitFor(e.clientName, limits.ratePerSecond, now);
        if (wait > 0) {
          const at = now + wait;
          if (this.wakeAt === undefined || at < this.wakeAt) this.wakeAt = at;
          continue;
        }
      }
      out.push(e);
    }
    return out;
  }

  /** An interaction was handed to the engine at `now`: it spends one of its rate's tokens. */
  handedTo(engine: Session, now: number): void {
    const rate = this.dir.routerLimits(engine.clientName).ratePerSecond;
    if (rate === undefined) return;
    this.waitFor(engine.clientName, rate, now);
    const b = this.buckets.get(engine.clientName);
    if (b) b.tokens -= 1;
  }

  /** Brings the engine's bucket up to `now`; ms until it holds a whole token (0: it does). */
  private waitFor(name: string, rate: number, now: number): number {
    const size = Math.max(1, rate);
    let b = this.buckets.get(name);
    if (!b) this.buckets.set(name, (b = { tokens: size, at: now }));
    if (now > b.at) {
      b.tokens = Math.min(size, b.tokens + ((now - b.at) * rate) / 1000);
      b.at = now;
    }
    return b.tokens >= 1 ? 0 : Math.ceil(((1 - b.tokens) * 1000) / rate);
  }
}
