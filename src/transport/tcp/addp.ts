/**
 * ADDP keep-alive (vectors README §3): the server side answers the packets an SDK client sends. Confirmed: 'I'
 * (init) answered with 'i' 00 00 00 and 'P' (ping) answered with 'p' keep the SDK client connected. Inferred from the
 * SDK's dispatch [I]: 'R' (reconfigure) is answered with 'r' and 'V' (version) with 'v'; we echo the data for those.
 * Anything else ('X' xon/xoff, replies, unknown commands) gets no answer.
 */
import { encodeAddp } from './frame-encoder.ts';
import { ADDP_DATA_BYTES } from './wire.ts';

/** Data of the 'i' reply to an ADDP init: three zero bytes (what kept the SDK client open in the probes). */
const INIT_REPLY_DATA = new Uint8Array(ADDP_DATA_BYTES);

/**
 * The reply packet to one ADDP packet from a client, or undefined when none is due.
 * @param command the command character ('I', 'P', ...)
 * @param data the packet's 3 data bytes
 */
export function addpReply(command: string, data: Uint8Array): Buffer | undefined {
  if (data.length !== ADDP_DATA_BYTES) return undefined;
  switch (command) {
    case 'I':
      return encodeAddp('i', INIT_REPLY_DATA);
    case 'P':
      return encodeAddp('p', data);
    case 'R':
      return encodeAddp('r', data);
    case 'V':
      return encodeAddp('v', data);
    default:
      return undefined;
  }
}
