/**
 * Routing hand-off (spec §3.2 T-Library facade; reference §2.6-2.8, §2.13 D, §2.16): queue 'Inbound' is routed by a
 * registered routing engine (EventRouteRequest, round-robin), RequestRouteCall to an agent (EventInvite, then
 * RequestAccept / RequestReject and EventRouteUsed), to a queue, to a workbin, and stop; the built-in router of queue
 * 'Sales'; interactions of a routing engine that leaves are offered to another one, or wait for one.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  cleanup,
  client,
  closedWithin,
  expectEvent,
  loginAgent,
  quiet,
  refusedWith,
  startServer,
  submit,
  type Json,
  type JsonClient,
  type RunningServer,
} from './harness.ts';

let srv: RunningServer;
let ms: JsonClient; // EmailServer
let urs: JsonClient;
let re: JsonClient;
let desk1: JsonClient; // agent1 at Place_1001, ready for e-mail
let desk2: JsonClient; // Desktop2, agent2 not logged in until the built-in router tests
let all: JsonClient[];
/** Every interaction submitted to 'Inbound' and not stopped or moved out of it. */
const inbound = new Set<string>();

/** Submits into 'Inbound' and returns the id once `engine` got its EventRouteRequest. */
async function submitRouted(engine: JsonClient = urs, extra: Json = {}): Promise<{ id: string; rr: Json }> {
  const id = await submit(ms, 'Inbound', extra);
  inbound.add(id);
  const rr = await expectEvent(engine, 'EventRouteRequest');
  assert.equal(rr.connId, id);
  return { id, rr };
}

async function props(id: string): Promise<Json> {
  return ms.request({ message: 'RequestGetInteractionProperties', interactionId: id });
}

async function nobody(): Promise<void> {
  assert.deepEqual(
    await quiet(all),
    all.map(() => []),
  );
}

before(async () => {
  srv = await startServer();
  ms = await client(srv, 'MediaServer', 'EmailServer');
  urs = await client(srv, 'RoutingEngine', 'URS');
  re = await client(srv, 'ReportingEngine', 'StatServer');
  desk1 = await client(srv, 'AgentApplication', 'Desktop');
  desk2 = await client(srv, 'AgentApplication', 'Desktop2');
  all = [ms, urs, re, desk1, desk2];
  await loginAgent(desk1, 'agent1', 'Place_1001', { email: 1, chat: 0 });
  await quiet(all, 100);
});

after(async () => {
  for (const c of all) c.close();
  assert.equal(await srv.stop(), 0);
  cleanup(srv.dataDir);
});

describe('routing engine hand-off (queue routing "external")', () => {
  it('submit -> the routing engine gets EventRouteRequest; reporting EventInteractionSubmitted then EventPartyAdded (StrategyParty)', async () => {
    const { id, rr } = await submitRouted(urs, { userData: { Subject: 'Route me', Priority: 3 } });
    assert.equal(rr.thisDN, 'Inbound');
    assert.deepEqual(rr.userData, { Subject: 'Route me', Priority: 3 });
    assert.equal(rr.interactionId, id);
    assert.equal(rr.interactionQueue, 'Inbound');
    assert.equal(rr.interactionState, 'Routing');
    assert.equal(rr.interactionMediatype, 'email');
    assert.equal(rr.interactionTenantId, 1);
    assert.equal(rr.interactionType, 'Inbound');
    assert.equal(rr.interactionSubmittedBy, 'EmailServer');
    assert.equal(typeof rr.submittedToRouterAt, 'string');
    assert.equal(rr.referenceId, undefined);
    const [gMs, gUrs, gRe, g1, g2] = await quiet(all);
    assert.deepEqual(gMs, []);
    assert.deepEqual(gUrs, [], 'exactly one EventRouteRequest');
    assert.deepEqual(g1, []);
    assert.deepEqual(g2, []);
    assert.deepEqual(
      gRe?.map((e) => e.message),
      ['EventInteractionSubmitted', 'EventPartyAdded'],
    );
    const [sub, added] = gRe as [Json, Json];
    assert.equal(sub.interactionId, id);
    assert.equal(sub.interactionState, 'Queued');
    assert.equal(added.interactionId, id);
    assert.equal(added.partyType, 'StrategyParty');
    assert.equal(added.routerId, 'URS');
    assert.equal(added.interactionState, 'Routing');
    assert.equal((await props(id)).interactionState, 'Routing');
  });

  it('RequestRouteCall to an agent -> EventInvite; reporting EventPartyRemoved + EventAgentInvited; RequestAccept -> EventAck, EventPartyAdded, EventRouteUsed echoing the referenceId', async () => {
    const { id } = await submitRouted();
    await quiet(all, 50);
    const routed = urs.request({
      message: 'RequestRouteCall',
      connId: id,
      targetType: 'agent',
      targetAgent: 'agent1',
      referenceId: 4242,
    });
    const inv = await expectEvent(desk1, 'EventInvite');
    assert.equal(inv.interactionId, id);
    assert.equal(typeof inv.ticketId, 'number');
    assert.equal(inv.interactionQueue, 'Inbound');
    assert.deepEqual(inv.interactionUserData, { Subject: 'Hello', Priority: 3 });
    const [gMs, gUrs, gRe, g1, g2] = await quiet(all);
    assert.deepEqual([gMs, gUrs, g1, g2], [[], [], [], []], 'no EventRouteUsed before the agent answers');
    assert.deepEqual(
      gRe?.map((e) => e.message),
      ['EventPartyRemoved', 'EventAgentInvited'],
    );
    assert.equal(gRe?.[0]?.partyType, 'StrategyParty');
    assert.equal(gRe?.[0]?.routerId, 'URS');
    assert.equal(gRe?.[1]?.agentId, 'agent1');
    assert.equal(gRe?.[1]?.placeId, 'Place_1001');
    assert.equal(gRe?.[1]?.ticketId, inv.ticketId);

    const acc = await desk1.request({ message: 'RequestAccept', interactionId: id, ticketId: inv.ticketId });
    assert.equal(acc.message, 'EventAck');
    const used = await routed;
    assert.equal(used.message, 'EventRouteUsed');
    assert.equal(used.referenceId, 4242);
    assert.equal(used.connId, id);
    const [gMs2, gUrs2, gRe2, g12, g22] = await quiet(all);
    assert.deepEqual([gMs2, gUrs2, g12, g22], [[], [], [], []]);
    assert.equal(gRe2?.length, 1, JSON.stringify(gRe2));
    assert.equal(gRe2?.[0]?.message, 'EventPartyAdded');
    assert.equal(gRe2?.[0]?.partyType, 'ResourceParty');
    assert.equal(gRe2?.[0]?.agentId, 'agent1');
    assert.equal(gRe2?.[0]?.interactionState, 'Handling');
    const p = await props(id);
    assert.equal(p.interactionState, 'Handling');
    assert.equal(typeof p.interactionDeliveredAt, 'string');
    inbound.delete(id);
    // The routing engine no longer holds it.
    await refusedWith(urs, { message: 'RequestRouteCall', connId: id, targetType: 'stop' }, 35, 'URS');
  });

  it('RequestReject -> EventAck, reporting EventRejected, EventRouteUsed; the interaction is queued and offered again', async () => {
    const { id } = await submitRouted();
    await quiet(all, 50);
    const routed = urs.request({ message: 'RequestRouteCall', connId: id, targetType: 'agent', targetAgent: 'agent1' });
    const inv = await expectEvent(desk1, 'EventInvite');
    await quiet(all, 50);
    const rej = await desk1.request({ message: 'RequestReject', interactionId: id, ticketId: inv.ticketId });
    assert.equal(rej.message, 'EventAck');
    const used = await routed;
    assert.equal(used.message, 'EventRouteUsed');
    assert.equal(used.connId, id);
    const again = await expectEvent(urs, 'EventRouteRequest');
    assert.equal(again.connId, id, 'offered again');
    assert.equal(again.interactionState, 'Routing');
    const [gMs, gUrs, gRe, g1, g2] = await quiet(all);
    assert.deepEqual([gMs, gUrs, g1, g2], [[], [], [], []]);
    assert.deepEqual(
      gRe?.map((e) => e.message),
      ['EventRejected', 'EventPartyAdded'],
    );
    assert.equal(gRe?.[0]?.agentId, 'agent1');
    assert.equal(gRe?.[0]?.ticketId, inv.ticketId);
    assert.equal(gRe?.[1]?.partyType, 'StrategyParty');
    assert.equal((await props(id)).interactionState, 'Routing');
    // The invitation is gone: answering it again is refused.
    await refusedWith(desk1, { message: 'RequestAccept', interactionId: id, ticketId: inv.ticketId }, 47, id);
  });

  it('accept/reject without an invitation -> 47; with a wrong ticket -> 47', async () => {
    const { id } = await submitRouted();
    await refusedWith(desk1, { message: 'RequestAccept', interactionId: id }, 47, id);
    const routed = urs.request({ message: 'RequestRouteCall', connId: id, targetType: 'agent', targetAgent: 'agent1' });
    const inv = await expectEvent(desk1, 'EventInvite');
    await quiet(all, 50);
    await refusedWith(
      desk1,
      { message: 'RequestAccept', interactionId: id, ticketId: (inv.ticketId as number) + 1000 },
      47,
      'TicketId',
    );
    await refusedWith(desk2, { message: 'RequestAccept', interactionId: id, ticketId: inv.ticketId }, 34);
    // While the invitation is pending the routing engine cannot route the interaction again.
    await refusedWith(
      urs,
      { message: 'RequestRouteCall', connId: id, targetType: 'queue', targetQueue: 'Email Out' },
      89,
      'agent1',
    );
    await nobody();
    assert.equal(
      (await desk1.request({ message: 'RequestReject', interactionId: id, ticketId: inv.ticketId })).message,
      'EventAck',
    );
    assert.equal((await routed).message, 'EventRouteUsed');
    assert.equal((await expectEvent(urs, 'EventRouteRequest')).connId, id);
    await quiet(all);
  });

  it('RequestRouteCall to an agent who is not logged in -> 50; to one not ready for the media -> 50; nothing changes', async () => {
    const { id } = await submitRouted();
    await quiet(all, 50);
    await refusedWith(
      urs,
      { message: 'RequestRouteCall', connId: id, targetType: 'agent', targetAgent: 'agent2' },
      50,
      'agent2',
    );
    await refusedWith(
      urs,
      { message: 'RequestRouteCall', connId: id, targetType: 'agent', targetAgent: 'nobody' },
      50,
      'nobody',
    );
    await refusedWith(
      urs,
      { message: 'RequestRouteCall', connId: id, targetType: 'agent', targetPlace: 'Place_1002' },
      50,
      'Place_1002',
    );
    await refusedWith(urs, { message: 'RequestRouteCall', connId: id, targetType: 'agent' }, 44, 'targetAgent');
    await refusedWith(urs, { message: 'RequestRouteCall', connId: id }, 44, 'targetType');
    await nobody();
    assert.equal((await props(id)).interactionState, 'Routing');
    // chat: agent1 is logged in not ready for chat.
    const chat = await submit(ms, 'Inbound', { mediaType: 'chat' });
    inbound.add(chat);
    await expectEvent(urs, 'EventRouteRequest');
    await quiet(all, 50);
    await refusedWith(
      urs,
      { message: 'RequestRouteCall', connId: chat, targetType: 'agent', targetAgent: 'agent1' },
      50,
      'not ready',
    );
    await nobody();
  });

  it('RequestRouteCall to queue "Email Out" -> EventRouteUsed; reporting EventPartyRemoved + EventPlacedInQueue; state Queued there', async () => {
    const { id } = await submitRouted();
    await quiet(all, 50);
    const used = await urs.request({
      message: 'RequestRouteCall',
      connId: id,
      targetType: 'queue',
      targetQueue: 'Email Out',
      referenceId: 31,
    });
    assert.equal(used.message, 'EventRouteUsed');
    assert.equal(used.referenceId, 31);
    assert.equal(used.connId, id);
    inbound.delete(id);
    const [gMs, gUrs, gRe, g1, g2] = await quiet(all);
    assert.deepEqual([gMs, gUrs, g1, g2], [[], [], [], []]);
    assert.deepEqual(
      gRe?.map((e) => e.message),
      ['EventPartyRemoved', 'EventPlacedInQueue'],
    );
    assert.equal(gRe?.[0]?.partyType, 'StrategyParty');
    assert.equal(gRe?.[1]?.oldQueue, 'Inbound');
    assert.equal(gRe?.[1]?.interactionQueue, 'Email Out');
    assert.equal(gRe?.[1]?.interactionState, 'Queued');
    const p = await props(id);
    assert.equal(p.interactionState, 'Queued');
    assert.equal(p.interactionQueue, 'Email Out');
    // An unknown queue, or a queue of another tenant -> 21.
    const { id: id2 } = await submitRouted();
    await quiet(all, 50);
    await refusedWith(
      urs,
      { message: 'RequestRouteCall', connId: id2, targetType: 'queue', targetQueue: 'Nowhere' },
      21,
      'Nowhere',
    );
    await refusedWith(
      urs,
      { message: 'RequestRouteCall', connId: id2, targetType: 'queue', targetQueue: 'Other' },
      21,
      'Other',
    );
    await refusedWith(urs, { message: 'RequestRouteCall', connId: id2, targetType: 'queue' }, 20, 'targetQueue');
    await nobody();
  });

  it('RequestRouteCall to workbin "Drafts" of an agent -> EventRouteUsed; reporting EventPartyRemoved, EventPlacedInQueue, EventPlacedInWorkbin', async () => {
    const { id } = await submitRouted();
    await quiet(all, 50);
    const used = await urs.request({
      message: 'RequestRouteCall',
      connId: id,
      targetType: 'workbin',
      targetWorkbin: 'Drafts',
      targetAgent: 'agent1',
    });
    assert.equal(used.message, 'EventRouteUsed');
    assert.equal(used.connId, id);
    inbound.delete(id);
    const [gMs, gUrs, gRe, g1, g2] = await quiet(all);
    assert.deepEqual([gMs, gUrs, g1, g2], [[], [], [], []]);
    assert.deepEqual(
      gRe?.map((e) => e.message),
      ['EventPartyRemoved', 'EventPlacedInQueue', 'EventPlacedInWorkbin'],
    );
    assert.equal(gRe?.[1]?.oldQueue, 'Inbound');
    assert.equal(gRe?.[2]?.workbinTypeId, 'Drafts');
    assert.equal(gRe?.[2]?.workbinAgentId, 'agent1');
    const p = await props(id);
    assert.equal(p.interactionState, 'Queued');
    assert.equal(p.interactionWorkbinTypeId, 'Drafts');
    assert.equal(p.interactionAgentId, 'agent1');

    const { id: id2 } = await submitRouted();
    await quiet(all, 50);
    await refusedWith(
      urs,
      { message: 'RequestRouteCall', connId: id2, targetType: 'workbin', targetWorkbin: 'Drafts' },
      44,
      'Drafts',
    );
    await refusedWith(
      urs,
      {
        message: 'RequestRouteCall',
        connId: id2,
        targetType: 'workbin',
        targetWorkbin: 'NoBin',
        targetAgent: 'agent1',
      },
      50,
      'NoBin',
    );
    await refusedWith(
      urs,
      { message: 'RequestRouteCall', connId: id2, targetType: 'workbin', targetAgent: 'agent1' },
      33,
      'targetWorkbin',
    );
    await nobody();
  });

  it('RequestRouteCall stop -> EventRouteUsed; reporting EventPartyRemoved + EventProcessingStopped; the interaction is gone', async () => {
    const { id } = await submitRouted();
    await quiet(all, 50);
    const used = await urs.request({ message: 'RequestRouteCall', connId: id, targetType: 'stop', reason: 'spam' });
    assert.equal(used.message, 'EventRouteUsed');
    assert.equal(used.connId, id);
    inbound.delete(id);
    const [gMs, gUrs, gRe, g1, g2] = await quiet(all);
    assert.deepEqual([gMs, gUrs, g1, g2], [[], [], [], []], 'EmailServer did not opt in to event_processing_stopped');
    assert.deepEqual(
      gRe?.map((e) => e.message),
      ['EventPartyRemoved', 'EventProcessingStopped'],
    );
    assert.equal(gRe?.[0]?.partyType, 'StrategyParty');
    assert.equal(gRe?.[1]?.actorType, 'Strategy');
    assert.equal(gRe?.[1]?.actorRouterId, 'URS');
    await refusedWith(ms, { message: 'RequestGetInteractionProperties', interactionId: id }, 43, id);
    await refusedWith(urs, { message: 'RequestRouteCall', connId: id, targetType: 'stop' }, 43, id);
  });

  it('RequestRouteCall on an interaction the engine does not hold -> 35; from a non-routing client -> 4', async () => {
    const queued = await submit(ms, 'Email Out');
    await quiet(all, 50);
    await refusedWith(urs, { message: 'RequestRouteCall', connId: queued, targetType: 'stop' }, 35, 'URS');
    const { id } = await submitRouted();
    await quiet(all, 50);
    await refusedWith(ms, { message: 'RequestRouteCall', connId: id, targetType: 'stop' }, 4, 'MediaServer');
    await refusedWith(desk1, { message: 'RequestRouteCall', connId: id, targetType: 'stop' }, 4, 'AgentApplication');
    await nobody();
    assert.equal((await props(id)).interactionState, 'Routing');
  });

  it('an agent who logs out with an invitation pending: the invitation is withdrawn and the interaction offered again', async () => {
    const { id } = await submitRouted();
    await quiet(all, 50);
    const routed = urs.request({ message: 'RequestRouteCall', connId: id, targetType: 'agent', targetAgent: 'agent1' });
    const inv = await expectEvent(desk1, 'EventInvite');
    await quiet(all, 50);
    assert.equal((await desk1.request({ message: 'RequestAgentLogout' })).message, 'EventAck');
    const used = await routed;
    assert.equal(used.message, 'EventRouteUsed', 'the route is over');
    assert.equal((await expectEvent(urs, 'EventRouteRequest')).connId, id, 'offered again');
    const [gMs, gUrs, gRe, g1, g2] = await quiet(all);
    assert.deepEqual([gMs, gUrs, g2], [[], [], []]);
    assert.deepEqual(
      g1?.map((e) => [e.message, e.interactionId]),
      [['EventRevoked', id]],
      'the desktop is told its invitation is withdrawn',
    );
    assert.deepEqual(
      gRe?.map((e) => e.message),
      ['EventAgentLogout', 'EventRejected', 'EventPartyAdded'],
    );
    // The same desktop logged in as another agent cannot answer agent1's invitation.
    await loginAgent(desk1, 'agent2', 'Place_1002', { email: 1 });
    await refusedWith(desk1, { message: 'RequestAccept', interactionId: id, ticketId: inv.ticketId }, 47, id);
    assert.equal((await desk1.request({ message: 'RequestAgentLogout' })).message, 'EventAck');
    await loginAgent(desk1, 'agent1', 'Place_1001', { email: 1, chat: 0 });
    await quiet(all);
    assert.equal((await props(id)).interactionState, 'Routing');
  });
});

describe('built-in router (queue "Sales": agents [agent1])', () => {
  it('offers to agent1 when it is logged in and ready for the media: EventInvite, no routing engine involved', async () => {
    const id = await submit(ms, 'Sales');
    const inv = await expectEvent(desk1, 'EventInvite');
    assert.equal(inv.interactionId, id);
    assert.equal(inv.interactionQueue, 'Sales');
    const [gMs, gUrs, gRe, g1, g2] = await quiet(all);
    assert.deepEqual([gMs, gUrs, g1, g2], [[], [], [], []]);
    assert.deepEqual(
      gRe?.map((e) => e.message),
      ['EventInteractionSubmitted', 'EventAgentInvited'],
    );
    const acc = await desk1.request({ message: 'RequestAccept', interactionId: id, ticketId: inv.ticketId });
    assert.equal(acc.message, 'EventAck');
    const [, gUrs2, gRe2] = await quiet(all);
    assert.deepEqual(gUrs2, []);
    assert.deepEqual(
      gRe2?.map((e) => e.message),
      ['EventPartyAdded'],
    );
    assert.equal((await props(id)).interactionState, 'Handling');
  });

  it('not ready for the media: it waits in the queue; when agent1 logs in ready, it is offered', async () => {
    const chat = await submit(ms, 'Sales', { mediaType: 'chat' });
    await quiet(all);
    assert.equal((await props(chat)).interactionState, 'Queued', 'agent1 is not ready for chat');
    assert.equal((await desk1.request({ message: 'RequestAgentLogout' })).message, 'EventAck');
    await quiet(all, 50);
    const email = await submit(ms, 'Sales');
    assert.deepEqual(
      (await quiet(all)).map((g) => g.map((e) => e.message)),
      [[], [], ['EventInteractionSubmitted'], [], []],
      'nobody to offer to',
    );
    await loginAgent(desk1, 'agent1', 'Place_1001', { email: 1, chat: 1 });
    const invites = [await expectEvent(desk1, 'EventInvite'), await expectEvent(desk1, 'EventInvite')];
    assert.deepEqual(new Set(invites.map((i) => i.interactionId)), new Set([chat, email]));
    for (const inv of invites) {
      const acc = await desk1.request({
        message: 'RequestAccept',
        interactionId: inv.interactionId,
        ticketId: inv.ticketId,
      });
      assert.equal(acc.message, 'EventAck');
    }
    await quiet(all);
  });

  it('agents not listed for the queue get nothing', async () => {
    await loginAgent(desk2, 'agent2', 'Place_1002', { email: 1, chat: 1 });
    await quiet(all, 50);
    await desk1.request({ message: 'RequestAgentLogout' });
    await quiet(all, 50);
    await submit(ms, 'Sales');
    const [, , , g1, g2] = await quiet(all);
    assert.deepEqual(g1, []);
    assert.deepEqual(g2, [], 'agent2 is not in the Sales list');
    await loginAgent(desk1, 'agent1', 'Place_1001', { email: 1, chat: 0 });
    const inv = await expectEvent(desk1, 'EventInvite');
    assert.equal(inv.interactionQueue, 'Sales');
    await desk1.request({ message: 'RequestAccept', interactionId: inv.interactionId, ticketId: inv.ticketId });
    await quiet(all);
  });
});

describe('several routing engines', () => {
  let urs2: JsonClient;

  it('round-robin between two engines (URS, URS2)', async () => {
    urs2 = await client(srv, 'RoutingEngine', 'URS2');
    await quiet([...all, urs2], 50);
    const got = new Map<string, string>();
    for (let i = 0; i < 4; i++) {
      const id = await submit(ms, 'Inbound');
      inbound.add(id);
      const [gUrs, gUrs2] = await quiet([urs, urs2], 100);
      const to = [...(gUrs ?? []).map(() => 'URS'), ...(gUrs2 ?? []).map(() => 'URS2')];
      assert.equal(to.length, 1, `exactly one engine gets ${id}`);
      got.set(id, to[0] as string);
    }
    const order = [...got.values()];
    assert.deepEqual(order.filter((n) => n === 'URS').length, 2, `alternating: ${order.join(', ')}`);
    for (let i = 1; i < order.length; i++) assert.notEqual(order[i], order[i - 1], `alternating: ${order.join(', ')}`);
    await quiet(all, 50);
  });

  it('an engine may act only on what it holds (URS2 cannot route what URS holds)', async () => {
    const mine = await submit(ms, 'Inbound');
    inbound.add(mine);
    const [gUrs, gUrs2] = await quiet([urs, urs2], 100);
    const holder = gUrs?.length ? urs : urs2;
    const other = holder === urs ? urs2 : urs;
    assert.equal((gUrs?.length ?? 0) + (gUrs2?.length ?? 0), 1);
    await refusedWith(other, { message: 'RequestRouteCall', connId: mine, targetType: 'stop' }, 35);
    await quiet(all, 50);
  });

  it('when a routing engine disconnects, the interactions it held are offered to the other one', async () => {
    const held2: string[] = [];
    for (const id of inbound) {
      const p = await props(id);
      if (
        p.interactionState === 'Routing' &&
        (await urs2.request({ message: 'RequestUpdateUserData', connId: id, userData: { Probe: 1 } })).message ===
          'EventAttachedDataChanged'
      )
        held2.push(id);
    }
    assert.ok(held2.length >= 2, `URS2 holds some interactions (${String(held2.length)})`);
    await quiet([...all, urs2], 100);
    urs2.close();
    assert.equal(await closedWithin(urs2, 2000), true);
    const offered = new Set<unknown>();
    for (let i = 0; i < held2.length; i++) offered.add((await expectEvent(urs, 'EventRouteRequest')).connId);
    assert.deepEqual(offered, new Set(held2));
    const [gMs, gUrs, gRe, g1, g2] = await quiet(all);
    assert.deepEqual([gMs, gUrs, g1, g2], [[], [], [], []]);
    const names = gRe?.map((e) => `${String(e.message)}:${String(e.routerId)}`) ?? [];
    assert.equal(names.filter((n) => n === 'EventPartyRemoved:URS2').length, held2.length, names.join(' '));
    assert.equal(names.filter((n) => n === 'EventPartyAdded:URS').length, held2.length, names.join(' '));
    for (const id of held2) assert.equal((await props(id)).interactionState, 'Routing');
  });

  it('with no engine left they stay queued, and are offered when an engine registers', async () => {
    const held: string[] = [];
    for (const id of inbound) if ((await props(id)).interactionState === 'Routing') held.push(id);
    assert.ok(held.length >= 3);
    urs.close();
    assert.equal(await closedWithin(urs, 2000), true);
    await quiet(all);
    for (const id of held) assert.equal((await props(id)).interactionState, 'Queued', id);
    const fresh = await submit(ms, 'Inbound');
    await quiet(all);
    assert.equal((await props(fresh)).interactionState, 'Queued');
    urs = await client(srv, 'RoutingEngine', 'URS');
    all[1] = urs;
    const offered = new Set<unknown>();
    for (let i = 0; i < held.length + 1; i++) offered.add((await expectEvent(urs, 'EventRouteRequest')).connId);
    assert.deepEqual(offered, new Set([...held, fresh]));
    for (const id of offered) assert.equal((await props(id)).interactionState, 'Routing');
    assert.deepEqual(urs.pendingEvents(), []);
  });
});
