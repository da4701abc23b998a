/**
 * Online interactions (IsOnline 1: a chat, a call — the media server that submitted it holds the customer's live
 * session). When that media server goes away, every online interaction it submitted is stopped, as a stop-processing
 * by it would stop it (stop.ts). The index of online interactions by submitter (CoreState.onlineOf) makes this cost
 * what the media server has online, never a walk over every interaction.
 */
import type { Ctx } from './context.ts';
import type { Session } from './model/session.ts';
import type { Attrs, PlanBuilder } from './plan.ts';
import { stop } from './stop.ts';

/** ReasonSystemName of the stop of an online interaction whose media server went away. */
export const MEDIA_SERVER_GONE = 'MediaServerDisconnected';

/**
 * A media server's session ended (connection lost, RequestUnregisterClient, its proxy gone, forced off): when no
 * other session of that application is connected, its online interactions are stopped, in id order, with the media
 * server as the actor. The HTTP door's write-token sessions are not the application's connections: they neither count
 * as one still connected nor stop anything when they end.
 */
export function mediaServerLeft(tx: PlanBuilder, ctx: Pick<Ctx, 'core'>, ms: Session): void {
  if (ms.supervisor === true) return;
  const state = ctx.core.state;
  for (const other of state.sessionsNamed('MediaServer', ms.clientName)) if (other.supervisor !== true) return;
  const online = state.onlineOf(ms.clientName);
  if (online.size === 0) return;
  const reason: Attrs = {
    Reason: 0,
    ReasonDescription: `media server '${ms.clientName}' disconnected: its online interactions are stopped`,
    ReasonSystemName: MEDIA_SERVER_GONE,
  };
  const by = { core: ctx.core, tx, s: ms };
  // A copy in id order: the same order every time (and after a restart), and the index changes when they are applied.
  for (const id of [...online].sort()) {
    const d = tx.draft(id);
    if (d?.isOnline !== true || d.submittedBy !== ms.clientName) continue;
    stop(by, d, reason, null);
  }
}
