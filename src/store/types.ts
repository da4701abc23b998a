/** The durable records the store keeps: interactions (the core's model) and the reporting event log. */
import type { Interaction } from '../core/model/interaction.ts';
import type { Message } from '../protocol/message.ts';

export type { Interaction } from '../core/model/interaction.ts';

/** A reporting event to append to the durable event log. */
export interface EventRecord {
  /** Global sequence number, assigned by the store. */
  seq?: number;
  readonly interactionId: string | null;
  /** Number of the event within its interaction (null for agent events). */
  readonly ixnSeq: number | null;
  readonly time: string;
  readonly message: Message;
}

/** Durable operations of one request, applied in one store transaction. */
export type StoreOp =
  | {
      readonly op: 'upsert';
      readonly interaction: Interaction;
      /**
       * Only user data and version changed, and the plan holds this change's reporting event: an adapter may keep the
       * new state with that event (an append) instead of rewriting the interaction's row, as long as loading returns
       * the newest state either way.
       */
      readonly propertiesOnly?: boolean;
    }
  | { readonly op: 'delete'; readonly id: string }
  | { readonly op: 'event'; readonly event: EventRecord };
