/**
 * The Store interface: durable interactions and the reporting event log. One commit is one transaction: every
 * operation of a group-committed batch becomes durable together, or none does. Adapters: SQLite (embedded, default);
 * PostgreSQL slots in behind the same interface and runs the same conformance suite (test/store).
 */
import type { Interaction, StoreOp } from './types.ts';

/** An event read back from the durable event log. */
export interface StoredEvent {
  /** Global position in the log (strictly increasing). */
  readonly seq: number;
  readonly interactionId: string | null;
  /** Number within its interaction (1, 2, ...); null for agent events. */
  readonly ixnSeq: number | null;
  readonly name: string;
  readonly time: string;
  /** The event in its JSON form (docs/protocol.md). */
  readonly payload: Record<string, unknown>;
}

/** Filter for reading the event log. */
export interface EventQuery {
  /** Only events with seq > afterSeq. */
  readonly afterSeq?: number;
  readonly interactionId?: string;
  /** At most this many (default 1000). */
  readonly limit?: number;
}

/** Durable storage behind the core. */
export interface Store {
  /** Every live interaction, as last committed. */
  loadInteractions(): Promise<Interaction[]>;
  /**
   * Applies the operations in one transaction; resolves once they are durable. A caller may issue the next commit
   * before this one resolves: commits are applied, and resolve, in the order they were issued (an adapter may make
   * several of them durable in one transaction).
   */
  commit(ops: readonly StoreOp[]): Promise<void>;
  readEvents(q?: EventQuery): Promise<StoredEvent[]>;
  /** The seq of the last event in the log (0 when it is empty). */
  lastEventSeq(): Promise<number>;
  close(): Promise<void>;
}
