/**
 * Every Interaction Server message a core plan holds must be encodable on the binary door: a reporting engine or a
 * desktop may be connected there, and the binary encoder refuses attributes the catalogue does not give a message.
 */
import { encodeIsMessage } from '../../src/transport/tcp/is-codec.ts';
import type { Plan } from '../../src/core/plan.ts';

export function assertEncodable(plans: Plan | readonly Plan[]): void {
  for (const plan of Array.isArray(plans) ? plans : [plans]) {
    for (const o of plan.out) if (o.message.protocol === 'is') encodeIsMessage(o.message);
    for (const op of plan.store) if (op.op === 'event') encodeIsMessage(op.event.message);
  }
}
