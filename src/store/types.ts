/** The durable records the store keeps: interactions and the reporting event log. */
import type { KvList } from '../protocol/kv.ts';
import type { Message } from '../protocol/message.ts';

/** InteractionState numbers (reference §3.3). */
export type IxnState = 0 | 2 | 3;

/** A pending invitation (EventInvite sent, RequestAccept/RequestReject awaited). */
export interface Invite {
  readonly ticketId: number;
  readonly agentId: string;
  readonly placeId: string;
  /** Session that got the EventInvite. */
  readonly sessionId: number;
  /** Routing engine application that asked for it (RequestRouteCall), when one did. */
  readonly routerName?: string;
  /** ReferenceId of that RequestRouteCall (echoed by EventRouteUsed). */
  readonly routeReferenceId?: number;
}

/** One live interaction: everything that is persisted. */
export interface Interaction {
  readonly id: string;
  readonly tenantId: number;
  readonly mediaType: string;
  readonly type: string;
  readonly subtype: string;
  readonly queue: string;
  readonly state: IxnState;
  readonly submittedBy: string;
  readonly submittedAt: string;
  readonly receivedAt: string;
  readonly isOnline: boolean;
  readonly parentId?: string;
  readonly userData: KvList;
  /** Grows by one with every accepted change (spec §2, beyond Genesys). */
  readonly version: number;
  /** Number of the last reporting event of this interaction in the event log. */
  readonly eventSeq: number;
  /** Agent ids handling it (state Handling). */
  readonly agents: readonly string[];
  /** Routing engine application holding it (state Routing). */
  readonly routerName?: string;
  readonly invite?: Invite;
  /** The agent that last rejected it: offered it again only when no other candidate is available. */
  readonly lastRejectedBy?: string;
  readonly workbin?: { readonly name: string; readonly agentId?: string; readonly placeId?: string };
  readonly submittedToRouterAt?: string;
  readonly deliveredAt?: string;
  readonly placedInQueueAt?: string;
  readonly movedToQueueAt?: string;
}

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
