/**
 * Who hears about an interaction besides the requester and the reporting engines (the "Others" column of the
 * lifecycle tables): the desktops of the agents handling it, the routing engine holding it, and the media server that
 * submitted it when it asked for that kind of event. Each session hears once: a party already told (the requester got
 * its answer, reporting engines got the reporting event) is never told again, so nobody gets its own change echoed.
 */
import type { Message } from '../protocol/message.ts';
import type { Ctx } from './context.ts';
import { routerOf, type Interaction } from './model/interaction.ts';
import { handOff, type RouterTopic } from './render.ts';
import type { Session } from './model/session.ts';

export class Audience {
  private readonly told: Set<number>;

  /** Starts with the requester and every reporting engine told (what a command's answer and `report` cover). */
  constructor(private readonly ctx: Pick<Ctx, 'tx' | 'core' | 's'>) {
    this.told = new Set<number>([ctx.s.id]);
    for (const r of ctx.core.state.sessionsOfType('ReportingEngine')) this.told.add(r.id);
  }

  /** Whether a session has been told already. */
  has(sessionId: number): boolean {
    return this.told.has(sessionId);
  }

  /** Tells one session, unless it has been told (`about`: see PlanBuilder.send). */
  tell(sessionId: number, message: Message, about?: RouterTopic): void {
    if (this.told.has(sessionId)) return;
    this.told.add(sessionId);
    this.ctx.tx.send(sessionId, message, about);
  }

  /** Every desktop session of every agent handling the interaction (when it is being handled). */
  handlers(ix: Interaction, message: Message): void {
    if (ix.placement.kind !== 'handled') return;
    for (const p of ix.parties) for (const sid of this.ctx.tx.agent(p.agentId)?.sessions ?? []) this.tell(sid, message);
  }

  /** Every session of the routing engine holding the interaction (a T-Library facade message, about its hand-off). */
  router(ix: Interaction, message: Message): void {
    const router = routerOf(ix);
    if (router === undefined) return;
    const about = handOff(ix);
    for (const rs of this.ctx.core.state.sessionsNamed('RoutingEngine', router)) this.tell(rs.id, message, about);
  }

  /** The sessions of the media server that submitted the interaction, those that `want` this event. */
  submitter(ix: Interaction, want: (s: Session) => boolean, message: Message): void {
    for (const ms of this.ctx.core.state.sessionsNamed('MediaServer', ix.submittedBy)) {
      if (want(ms)) this.tell(ms.id, message);
      else this.told.add(ms.id);
    }
  }
}
