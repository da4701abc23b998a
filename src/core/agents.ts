/**
 * Agents: login and logout, per-media readiness (NotReadyForMedia / CancelNotReadyForMedia), do-not-disturb, adding
 * and removing media, state reasons. Each request is answered by EventAck and reported with the catalogue's
 * agent-state event; an agent that becomes available is found by the router through the state's indexes.
 */
import { ProtocolError } from '../protocol/errors.ts';
import { isMsg, type IsMessageName } from '../protocol/message.ts';
import { agentOf, checkTenantConfigured, requiredString, requiredTenant, type Ctx } from './context.ts';
import { withdrawInvites } from './delivery.ts';
import type { AgentState, MediaTimes } from './model/session.ts';
import type { Attrs } from './plan.ts';
import type { PlanBuilder } from './plan.ts';
import { agentActor, agentDescription, reasonOf } from './render.ts';

/** DonotDisturb / MediaTypeState values: non-zero means on / ready. */
const ON = 1;
const OFF = 0;

export function agentLogin(ctx: Ctx<'RequestAgentLogin'>): void {
  const { s, m, tx, core, a } = ctx;
  const dir = core.dir;
  if (s.agentId !== undefined)
    throw new ProtocolError('Error_already_logged_in', `this connection is already logged in as agent '${s.agentId}'`);
  const tenantId = requiredTenant(m);
  checkTenantConfigured(ctx, tenantId);
  const placeId = requiredString(m, 'PlaceId', 'Error_place_not_specified');
  if (dir.places.get(placeId) !== tenantId) {
    throw new ProtocolError(
      'Error_unknown_place_in_request',
      `PlaceId '${placeId}' is not a configured place of tenant ${String(tenantId)}`,
    );
  }
  const agentId = requiredString(m, 'AgentId', 'Error_agent_not_specified');
  if (dir.agents.get(agentId)?.tenant !== tenantId) {
    throw new ProtocolError(
      'Error_unknown_agent_in_request',
      `AgentId '${agentId}' is not a configured agent of tenant ${String(tenantId)}`,
    );
  }
  const occupant = core.state.placeOccupant.get(placeId);
  if (occupant !== undefined && occupant !== agentId) {
    throw new ProtocolError('Error_place_occupied', `place '${placeId}' is occupied by agent '${occupant}'`);
  }
  const media = new Map<string, boolean>();
  for (const p of a.MediaList ?? []) {
    if (typeof p.value !== 'number') {
      throw new ProtocolError(
        'Error_incorrect_media_list',
        `MediaList value of '${p.key}' must be an integer (0 not ready, non-zero ready)`,
      );
    }
    if (!dir.mediaTypes.has(p.key)) {
      throw new ProtocolError(
        'Error_unsupported_media_type',
        `MediaList names media type '${p.key}', which is not configured`,
      );
    }
    media.set(p.key, p.value !== 0);
  }
  const existing = tx.agent(agentId);
  if (existing) {
    const mode = dir.config.settings.allowMultipleAgentConnections;
    if (mode === 'false') {
      throw new ProtocolError(
        'Error_already_logged_in',
        `agent '${agentId}' is already logged in on another connection (allowMultipleAgentConnections is false)`,
      );
    }
    if (mode === 'true') {
      if (existing.placeId !== placeId) {
        throw new ProtocolError(
          'Error_already_logged_in',
          `agent '${agentId}' is already logged in at place '${existing.placeId}'`,
        );
      }
      // Another desktop of the same agent: it joins the login (state and invitations are the agent's).
      tx.putAgent({ ...existing, sessions: [...existing.sessions, s.id] }, agentId);
      tx.send(s.id, isMsg('EventAck', { ReferenceId: a.ReferenceId }));
      return;
    }
    // force-logout: the older connections are logged out and closed.
    logout(tx, ctx, existing, {});
    tx.close.push(...existing.sessions.filter((id) => id !== s.id));
  }
  const login: AgentState = {
    id: agentId,
    tenantId,
    placeId,
    sessions: [s.id],
    media,
    dnd: a.DonotDisturb !== undefined && a.DonotDisturb !== OFF,
    loggedInAt: tx.now,
  };
  tx.putAgent(login, agentId);
  tx.send(s.id, isMsg('EventAck', { ReferenceId: a.ReferenceId }));
  tx.report(null, 'EventAgentLogin', {
    ...agentDescription(login),
    MediaList: [...media].map(([key, ready]) => ({ key, value: ready ? ON : OFF })),
    ...(a.DonotDisturb !== undefined ? { DonotDisturb: a.DonotDisturb } : {}),
    ...agentActor(login),
  });
}

export function agentLogout(ctx: Ctx): void {
  const agent = agentOf(ctx) as AgentState;
  ctx.tx.send(ctx.s.id, isMsg('EventAck', { ReferenceId: ctx.m.attrs.ReferenceId }));
  logout(ctx.tx, ctx, agent, reasonOf(ctx.m.attrs));
}

/** Logs an agent out: EventAgentLogout to reporting, its invitations withdrawn (back to their queues). */
export function logout(tx: PlanBuilder, ctx: Pick<Ctx, 'core'>, agent: AgentState, reason: Attrs): void {
  tx.report(null, 'EventAgentLogout', { ...agentDescription(agent), ...agentActor(agent), ...reason });
  withdrawInvites(tx, ctx, agent.id);
  tx.putAgent(null, agent.id);
}

/** A session of a logged-in agent ended: the agent's last session logs it out; otherwise its invitations move on. */
export function agentSessionEnded(tx: PlanBuilder, ctx: Pick<Ctx, 'core'>, agent: AgentState, sessionId: number): void {
  const sessions = agent.sessions.filter((id) => id !== sessionId);
  if (sessions.length === 0) {
    logout(tx, ctx, agent, {});
    return;
  }
  withdrawInvites(tx, ctx, agent.id, sessionId);
  tx.putAgent({ ...agent, sessions }, agent.id);
}

/** The media a per-media request names, which must be configured. */
function mediaOf(ctx: Ctx): string {
  const media = requiredString(ctx.m, 'MediaTypeName', 'Error_media_type_not_specified');
  if (!ctx.core.dir.mediaTypes.has(media))
    throw new ProtocolError('Error_unsupported_media_type', `media type '${media}' is not configured`);
  return media;
}

/** Acks the request, stores the agent's new state and reports it. */
function changeAgent(ctx: Ctx, next: AgentState, event: IsMessageName, attrs: Attrs = {}): void {
  ctx.tx.putAgent(next, next.id);
  ctx.tx.send(ctx.s.id, isMsg('EventAck', { ReferenceId: ctx.m.attrs.ReferenceId }));
  ctx.tx.report(null, event, {
    ...attrs,
    ...agentDescription(next),
    ...agentActor(next),
    ...reasonOf(ctx.m.attrs),
  });
}

/** An agent's media times with one media's entry set (`times`) or removed (undefined). */
function withMediaTimes(agent: AgentState, media: string, times: MediaTimes | undefined): Map<string, MediaTimes> {
  const next = new Map(agent.mediaTimes);
  if (times) next.set(media, times);
  else next.delete(media);
  return next;
}

/** RequestNotReadyForMedia / RequestCancelNotReadyForMedia. */
export function setReady(ready: boolean): (ctx: Ctx) => void {
  return (ctx) => {
    const agent = agentOf(ctx) as AgentState;
    const media = mediaOf(ctx);
    const now = agent.media.get(media);
    if (now === undefined)
      throw new ProtocolError('Error_do_not_have_media', `agent '${agent.id}' does not have media '${media}'`);
    if (now === ready) {
      throw ready
        ? new ProtocolError('Error_already_ready_for_media', `agent '${agent.id}' is already ready for '${media}'`)
        : new ProtocolError(
            'Error_already_not_ready_for_media',
            `agent '${agent.id}' is already not ready for '${media}'`,
          );
    }
    const addedAt = agent.mediaTimes?.get(media)?.addedAt ?? agent.loggedInAt;
    const next = {
      ...agent,
      media: new Map(agent.media).set(media, ready),
      mediaTimes: withMediaTimes(agent, media, { addedAt, stateChangedAt: ctx.tx.now }),
    };
    changeAgent(ctx, next, ready ? 'EventReadyForMedia' : 'EventNotReadyForMedia', { MediaTypeName: media });
  };
}

/** RequestDoNotDisturbOn / RequestDoNotDisturbOff. */
export function setDnd(dnd: boolean): (ctx: Ctx) => void {
  return (ctx) => {
    const agent = agentOf(ctx) as AgentState;
    if (agent.dnd === dnd) {
      throw dnd
        ? new ProtocolError('Error_dnd_already_on', `do-not-disturb is already on for agent '${agent.id}'`)
        : new ProtocolError('Error_dnd_already_off', `do-not-disturb is already off for agent '${agent.id}'`);
    }
    const next = { ...agent, dnd, dndChangedAt: ctx.tx.now };
    changeAgent(ctx, next, dnd ? 'EventDoNotDisturbOn' : 'EventDoNotDisturbOff');
  };
}

/** RequestAddMedia: the new media starts not ready. */
export function addMedia(ctx: Ctx): void {
  const agent = agentOf(ctx) as AgentState;
  const media = mediaOf(ctx);
  if (agent.media.has(media))
    throw new ProtocolError('Error_already_have_media', `agent '${agent.id}' already has media '${media}'`);
  const next = {
    ...agent,
    media: new Map(agent.media).set(media, false),
    mediaTimes: withMediaTimes(agent, media, { addedAt: ctx.tx.now, stateChangedAt: ctx.tx.now }),
  };
  changeAgent(ctx, next, 'EventMediaAdded', { MediaTypeName: media, MediaTypeState: OFF });
}

/** RequestRemoveMedia. */
export function removeMedia(ctx: Ctx): void {
  const agent = agentOf(ctx) as AgentState;
  const media = mediaOf(ctx);
  if (!agent.media.has(media))
    throw new ProtocolError('Error_do_not_have_media', `agent '${agent.id}' does not have media '${media}'`);
  const next = new Map(agent.media);
  next.delete(media);
  const mediaTimes = withMediaTimes(agent, media, undefined);
  changeAgent(ctx, { ...agent, media: next, mediaTimes }, 'EventMediaRemoved', { MediaTypeName: media });
}

/** RequestChangeMediaStateReason: the reason of a media's state changes; the state itself does not. */
export function changeMediaStateReason(ctx: Ctx): void {
  const agent = agentOf(ctx) as AgentState;
  const media = mediaOf(ctx);
  if (!agent.media.has(media))
    throw new ProtocolError('Error_do_not_have_media', `agent '${agent.id}' does not have media '${media}'`);
  changeAgent(ctx, agent, 'EventMediaStateReasonChanged', { MediaTypeName: media });
}

/** RequestChangeAgentStateReason. */
export function changeAgentStateReason(ctx: Ctx): void {
  changeAgent(ctx, agentOf(ctx) as AgentState, 'EventAgentStateReasonChanged');
}
