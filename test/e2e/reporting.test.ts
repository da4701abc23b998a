/**
 * The reporting contract of docs/reporting.md, end to end: one interaction is walked through every transition a
 * client can cause — offered, timed out, rejected, accepted, changed, held, resumed, transferred, conferenced, left,
 * parked in a workbin, pulled, moved to a routed queue, routed on by a routing engine, locked and unlocked by a
 * supervisor's snapshot, stopped — and the durable event
 * log is read back: exactly the events the document lists, in that order, numbered 1..n without a gap. The reporting
 * engine connected all along got the same events, in the same order.
 */
import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import {
  api,
  barrier,
  client,
  configWith,
  expectEvent,
  loginAgent,
  startServer,
  submit,
  type AnyClient,
  type Json,
  type RunningServer,
  stopClean,
} from './harness.ts';

const ROUTER = new URL('./fixtures/router.json', import.meta.url).pathname;

/** The transitions of docs/reporting.md, in the order the walk makes them, with the events each reports. */
const WALK: readonly (readonly [transition: string, events: readonly string[]])[] = [
  ['submitted by a media server', ['EventInteractionSubmitted']],
  ['offered to an agent (built-in router)', ['EventAgentInvited']],
  ['the invitation times out', ['EventPartyRemoved']],
  ['offered again', ['EventAgentInvited']],
  ['the agent rejects', ['EventRejected']],
  ['offered again (no other candidate)', ['EventAgentInvited']],
  ['the agent accepts', ['EventPartyAdded']],
  ['properties changed', ['EventPropertiesChanged']],
  ['held', ['EventHeld']],
  ['resumed', ['EventResumed']],
  ['transfer asked', ['EventAgentInvited']],
  ['transfer accepted', ['EventPartyAdded', 'EventPartyRemoved']],
  ['conference asked', ['EventAgentInvited']],
  ['conference accepted', ['EventPartyAdded']],
  ['a party leaves (others stay)', ['EventPartyRemoved']],
  ['placed in a workbin', ['EventPartyRemoved', 'EventPlacedInQueue', 'EventPlacedInWorkbin']],
  ['pulled from the workbin', ['EventTakenFromQueue', 'EventTakenFromWorkbin', 'EventPartyAdded']],
  ['placed in a queue a routing engine serves', ['EventPartyRemoved', 'EventPlacedInQueue']],
  ['handed to the routing engine', ['EventPartyAdded']],
  ['routed to another queue (RequestRouteCall)', ['EventPartyRemoved', 'EventPlacedInQueue']],
  ['locked by a snapshot', ['EventLocked']],
  ['unlocked', ['EventUnlocked']],
  ['locked again (RequestLockInteraction)', ['EventLocked']],
  ['the snapshot is released', ['EventUnlocked']],
  ['stopped', ['EventProcessingStopped']],
];

async function ok(c: AnyClient, req: Json): Promise<Json> {
  const r = await c.request(req);
  assert.ok(r.message === 'EventAck' || r.message === 'EventRouteUsed', `${String(req.message)}: ${JSON.stringify(r)}`);
  return r;
}

describe('reporting: every transition and its events (docs/reporting.md)', () => {
  let srv: RunningServer | undefined;
  afterEach(async () => {
    await stopClean(srv);
    srv = undefined;
  });

  it('one interaction walked through every transition: the event log holds exactly those events, numbered 1..n', async () => {
    srv = await startServer({ config: configWith({ deliveringTimeout: 2 }, ROUTER) });
    const stat = await client(srv, 'ReportingEngine', 'StatServer');
    const ms = await client(srv, 'MediaServer', 'EmailServer');
    const urs = await client(srv, 'RoutingEngine', 'URS');
    const d1 = await client(srv, 'AgentApplication', 'Desktop');
    await loginAgent(d1, 'a1', 'P1', { email: 1 });

    const id = await submit(ms, 'Sales');
    const first = await expectEvent(d1, 'EventInvite');
    await expectEvent(d1, 'EventRevoked', 6000); // not answered within 2 s
    const second = await expectEvent(d1, 'EventInvite');
    assert.notEqual(second.ticketId, first.ticketId);
    await ok(d1, { message: 'RequestReject', interactionId: id, ticketId: second.ticketId });
    const third = await expectEvent(d1, 'EventInvite');
    await ok(d1, { message: 'RequestAccept', interactionId: id, ticketId: third.ticketId });
    await ok(ms, { message: 'RequestChangeProperties', interactionId: id, changedProperties: { Subject: 'walk' } });
    await ok(d1, { message: 'RequestHold', interactionId: id });
    await ok(d1, { message: 'RequestResume', interactionId: id });

    const d2 = await client(srv, 'AgentApplication', 'Desktop');
    await loginAgent(d2, 'a2', 'P2', { email: 1 });
    const transfer = d1.request({ message: 'RequestTransfer', interactionId: id, agentId: 'a2' });
    const toA2 = await expectEvent(d2, 'EventInvite');
    await ok(d2, { message: 'RequestAccept', interactionId: id, ticketId: toA2.ticketId });
    assert.equal((await transfer).message, 'EventAck');

    const d3 = await client(srv, 'AgentApplication', 'Desktop');
    await loginAgent(d3, 'a3', 'P3', { email: 1 });
    const conference = d2.request({ message: 'RequestConference', interactionId: id, agentId: 'a3' });
    const toA3 = await expectEvent(d3, 'EventInvite');
    await ok(d3, { message: 'RequestAccept', interactionId: id, ticketId: toA3.ticketId });
    assert.equal((await conference).message, 'EventAck');
    await ok(d3, { message: 'RequestLeaveInteraction', interactionId: id });

    await ok(d2, { message: 'RequestPlaceInWorkbin', interactionId: id, workbinTypeId: 'Drafts' });
    const pulled = await d1.request({
      message: 'RequestPull',
      viewId: 'Drafts',
      pullParameters: { AgentId: 'a2' },
    });
    assert.deepEqual(Object.keys(pulled.interactions as Json), [id]);
    await ok(d1, { message: 'RequestPlaceInQueue', interactionId: id, queue: 'Routed' });
    assert.equal((await expectEvent(urs, 'EventRouteRequest')).connId, id);
    await ok(urs, { message: 'RequestRouteCall', connId: id, targetType: 'queue', targetQueue: 'Backlog' });
    const sup = await client(srv, 'AgentApplication', 'Desktop');
    const snap = await sup.request({
      message: 'RequestTakeSnapshot',
      condition: `Queue = 'Backlog' AND InteractionId = '${id}'`,
      lock: true,
    });
    assert.equal(snap.numberOfInteractions, 1, JSON.stringify(snap));
    const snapshotId = snap.snapshotId;
    await ok(sup, { message: 'RequestUnlockInteraction', snapshotId, interactionId: id });
    await ok(sup, { message: 'RequestLockInteraction', snapshotId, interactionId: id });
    await ok(sup, { message: 'RequestReleaseSnapshot', snapshotId });
    await ok(ms, { message: 'RequestStopProcessing', interactionId: id });

    const expected = WALK.flatMap(([, events]) => events);
    const [live] = await barrier([stat]);
    assert.deepEqual(
      (live as Json[]).filter((m) => m.interactionId === id).map((m) => m.message),
      expected,
      'the reporting engine got exactly these events, in order',
    );
    const log = (await (await api(srv, `/api/events?interactionId=${id}`)).json()) as {
      name: string;
      ixnSeq: number;
    }[];
    assert.deepEqual(
      log.map((e) => e.name),
      expected,
      'the durable log holds exactly these events, in order',
    );
    assert.deepEqual(
      log.map((e) => e.ixnSeq),
      expected.map((_e, i) => i + 1),
      'numbered 1..n without a gap',
    );
    for (const c of [stat, ms, urs, d1, d2, d3, sup]) c.close();
  });
});
