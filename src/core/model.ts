/** The core's data model: interactions, sessions and the fan-out plan. No I/O here. */
import type { ClientTypeName } from '../protocol/enums.ts';
import type { Message } from '../protocol/message.ts';

import type { StoreOp } from '../store/types.ts';

export type { Interaction, Invite, IxnState, EventRecord, StoreOp } from '../store/types.ts';

/** A logged-in agent on a session. */
export interface AgentLogin {
  readonly tenantId: number;
  readonly agentId: string;
  readonly placeId: string;
  /** media -> ready (non-zero) or not ready (0). */
  readonly media: ReadonlyMap<string, number>;
  readonly loggedInAt: string;
}

/** A registered logical client (a connection, or one client behind a proxy). */
export interface Session {
  /** Server-assigned id, returned as ProxyClientId. */
  readonly id: number;
  readonly clientType: ClientTypeName;
  readonly clientName: string;
  readonly mediaType?: string;
  /** Extension event_properties_changed non-zero. */
  readonly wantsPropertiesChanged: boolean;
  /** Extension event_processing_stopped non-zero. */
  readonly wantsProcessingStopped: boolean;
  agent?: AgentLogin;
}

/** One message for one session. */
export interface Outbound {
  readonly to: number;
  readonly message: Message;
}

/** The outcome of a command: durable ops and the messages each party gets once they are durable. */
export interface Plan {
  readonly store: StoreOp[];
  readonly out: Outbound[];
}
