/**
 * Publish/subscribe and custom reporting (lifecycle §7): RequestSubscribe / RequestUnsubscribe name topics (the keys
 * of PsTopicList); RequestPublish sends EventUserEvent to every session subscribed to its topic (the publisher too only
 * with DistributeToOriginator); RequestDistributeEvent has the reporting engines get EventCustomReporting, kept in the
 * event log like every reporting event. Subscriptions live with their session. Proxies may not use publish/subscribe.
 */
import { ProtocolError } from '../protocol/errors.ts';
import { isMsg } from '../protocol/message.ts';
import { checkTenant, requesterActor, type Ctx } from './context.ts';
import type { Attrs } from './model/outbound.ts';
import { itxAttrs } from './render.ts';

/** The topics a request names: the keys of its PsTopicList, at least one. */
function topicsOf(ctx: Ctx<'RequestSubscribe' | 'RequestUnsubscribe'>): string[] {
  const list = ctx.a.PsTopicList;
  const topics = (list ?? []).map((p) => p.key).filter((k) => k !== '');
  if (topics.length === 0) {
    throw new ProtocolError(
      'Error_invalid_protocol_message',
      `${ctx.m.name} needs PsTopicList naming at least one topic`,
    );
  }
  return topics;
}

/** RequestSubscribe {PsTopicList}: EventAck. */
export function subscribe(ctx: Ctx<'RequestSubscribe'>): void {
  for (const t of topicsOf(ctx)) ctx.core.state.subscribeTopic(ctx.s.id, t);
  ctx.tx.send(ctx.s.id, isMsg('EventAck', { ReferenceId: ctx.a.ReferenceId }));
}

/** RequestUnsubscribe {PsTopicList}: EventAck (a topic it was not subscribed to is no error). */
export function unsubscribe(ctx: Ctx<'RequestUnsubscribe'>): void {
  for (const t of topicsOf(ctx)) ctx.core.state.unsubscribeTopic(ctx.s.id, t);
  ctx.tx.send(ctx.s.id, isMsg('EventAck', { ReferenceId: ctx.a.ReferenceId }));
}

/** RequestPublish {PsTopic, PsEventContent, DistributeToOriginator?}: EventAck; EventUserEvent to the subscribers. */
export function publish(ctx: Ctx<'RequestPublish'>): void {
  const { a, tx, s } = ctx;
  const topic = a.PsTopic;
  if (typeof topic !== 'string' || topic === '') {
    throw new ProtocolError('Error_invalid_protocol_message', 'RequestPublish needs PsTopic');
  }
  if (a.PsEventContent === undefined) {
    throw new ProtocolError('Error_invalid_protocol_message', 'RequestPublish needs PsEventContent');
  }
  tx.send(s.id, isMsg('EventAck', { ReferenceId: a.ReferenceId }));
  const event = isMsg('EventUserEvent', { PsTopic: topic, PsEventContent: a.PsEventContent, ...requesterActor(ctx) });
  for (const sid of ctx.core.state.topicSubscribersOf(topic)) {
    if (sid !== s.id || a.DistributeToOriginator === true) tx.send(sid, event);
  }
}

/**
 * RequestDistributeEvent {CustomEventId, MediaTypeName?, EventContent?, InteractionId?}: EventAck once the
 * EventCustomReporting it gives every reporting engine is durable (with the interaction's properties when it names
 * one the requester may see).
 */
export function distributeEvent(ctx: Ctx<'RequestDistributeEvent'>): void {
  const { a, tx, s } = ctx;
  const id = a.CustomEventId;
  if (typeof id !== 'number' || !Number.isInteger(id) || id < 0) {
    throw new ProtocolError(
      'Error_custom_eventid_out_of_range',
      `CustomEventId must be a whole number >= 0, got ${JSON.stringify(id ?? null)}`,
    );
  }
  let attrs: Attrs = {};
  if (typeof a.InteractionId === 'string') {
    const ix = tx.get(a.InteractionId);
    if (!ix) throw new ProtocolError('Error_unknown_interaction', `there is no interaction '${a.InteractionId}'`);
    checkTenant(ctx, ix);
    attrs = itxAttrs(ix);
  }
  tx.report(null, 'EventCustomReporting', {
    ...attrs,
    CustomEventId: id,
    MediaTypeName: a.MediaTypeName,
    EventContent: a.EventContent,
  });
  tx.send(s.id, isMsg('EventAck', { ReferenceId: a.ReferenceId }));
}
