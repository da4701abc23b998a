/**
 * Routing engines on the binary door's T-Library dialect (urs-routing §9.8 A): the link is served — registration
 * answered with EventLinkConnected (registration.ts), RequestQueryServer with EventServerInfo — but interactions are
 * not handed to them yet. A routing engine there would register its strategy DNs and wait for EventRouteRequests that
 * never come, so RequestRegisterAddress is refused with a description that says so (and how to route today: the
 * T-Library facade on the JSON door); every other T-Library request is refused as unsupported. Nothing here changes
 * state.
 */
import { ProtocolError } from '../protocol/errors.ts';
import { tlibMsg } from '../protocol/message.ts';
import type { Command } from './commands.ts';
import type { Ctx } from './context.ts';

/** ServerRole / RegistrationCode Primary: what the SDK's T-Library channel checks when it opens. */
export const SERVER_ROLE_PRIMARY = 0;

/** The one command of a binary T-Library session: dispatches on the request's T-Library name. */
export const TLIB_LINK: Command = { run: tlibLinkRequest };

function tlibLinkRequest(ctx: Ctx): void {
  const { tx, s, m, core } = ctx;
  switch (m.name) {
    case 'RequestQueryServer':
      tx.send(
        s.id,
        tlibMsg('EventServerInfo', {
          ReferenceId: m.attrs.ReferenceId,
          ServerVersion: core.serverVersion,
          ServerRole: SERVER_ROLE_PRIMARY,
        }),
      );
      return;
    case 'RequestRegisterAddress':
      throw new ProtocolError(
        'ErrorUnsupportedProtocolElement',
        `DN '${typeof m.attrs.ThisDN === 'string' ? m.attrs.ThisDN : ''}' not registered: IXS does not hand interactions to routing engines over ` +
          'binary T-Library yet; connect routing engines to the T-Library facade (JSON over WebSocket)',
      );
    default:
      throw new ProtocolError(
        'ErrorUnsupportedProtocolElement',
        `${m.name} is not served on the binary T-Library dialect yet (only the link: RequestQueryServer)`,
      );
  }
}
