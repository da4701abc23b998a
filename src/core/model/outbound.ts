/** Messages being planned: attributes under assembly, and one message for one session. */
import type { AttrValue, Message } from '../../protocol/message.ts';

/** Attributes being assembled for a message (undefined values are left out). */
export type Attrs = Record<string, AttrValue | undefined>;

/** One message for one session. */
export interface Outbound {
  readonly to: number;
  readonly message: Message;
}
