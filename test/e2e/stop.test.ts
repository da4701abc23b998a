/**
 * Stop Processing (reference §2.13, versions A-D; §2.16): who gets EventAck / EventRouteUsed, EventPartyRemoved +
 * EventProcessingStopped to reporting, EventRevoked to agents, EventAbandoned to the routing engine, and
 * EventProcessingStopped to the submitting media server only when it registered with event_processing_stopped.
 * Ownership errors (35) for the wrong stopper; a stopped interaction is gone.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  barrier,
  cleanup,
  client,
  clientOver,
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
let ms: JsonClient; // EmailServer, event_processing_stopped=1
let ms2: JsonClient; // ChatServer, not opted in
let urs: JsonClient;
let re: JsonClient;
let desk1: JsonClient; // agent1, Place_1001
let desk2: JsonClient; // agent2, Place_1002
let all: JsonClient[];

async function nobody(): Promise<void> {
  assert.deepEqual(
    await quiet(all),
    all.map(() => []),
  );
}

/** An interaction submitted by `by` and held by the routing engine. */
async function held(by: JsonClient = ms): Promise<string> {
  const id = await submit(by, 'Inbound');
  assert.equal((await expectEvent(urs, 'EventRouteRequest')).connId, id);
  await quiet(all, 50);
  return id;
}

/** An interaction submitted by `by`, routed to `agent` and accepted: state Handling. */
async function handled(by: JsonClient = ms, agent: JsonClient = desk1, agentId = 'agent1'): Promise<string> {
  const id = await held(by);
  const routed = urs.request({ message: 'RequestRouteCall', connId: id, targetType: 'agent', targetAgent: agentId });
  const inv = await expectEvent(agent, 'EventInvite');
  assert.equal(inv.interactionId, id);
  assert.equal(
    (await agent.request({ message: 'RequestAccept', interactionId: id, ticketId: inv.ticketId })).message,
    'EventAck',
  );
  assert.equal((await routed).message, 'EventRouteUsed');
  await quiet(all, 50);
  return id;
}

async function gone(id: string): Promise<void> {
  await refusedWith(re, { message: 'RequestGetInteractionProperties', interactionId: id }, 43, id);
}

function names(evs: Json[] | undefined): unknown[] {
  return (evs ?? []).map((e) => e.message);
}

before(async () => {
  srv = await startServer();
  ms = await client(srv, 'MediaServer', 'EmailServer', { extension: { event_processing_stopped: 1 } });
  ms2 = await client(srv, 'MediaServer', 'ChatServer');
  urs = await client(srv, 'RoutingEngine', 'URS');
  re = await client(srv, 'ReportingEngine', 'StatServer');
  desk1 = await client(srv, 'AgentApplication', 'Desktop');
  desk2 = await client(srv, 'AgentApplication', 'Desktop2');
  all = [ms, ms2, urs, re, desk1, desk2];
  await loginAgent(desk1, 'agent1', 'Place_1001', { email: 1 });
  await loginAgent(desk2, 'agent2', 'Place_1002', { email: 1 });
  await quiet(all, 100);
});

after(async () => {
  for (const c of all) c.close();
  assert.equal(await srv.stop(), 0);
  cleanup(srv.dataDir);
});

describe('Stop Processing (reference §2.13)', () => {
  it('A: the media server stops while an agent handles it: EventAck; reporting EventPartyRemoved + EventProcessingStopped; the agent EventRevoked', async () => {
    const id = await handled();
    const ack = await ms.request({ message: 'RequestStopProcessing', interactionId: id, referenceId: 61 });
    assert.equal(ack.message, 'EventAck');
    assert.equal(ack.referenceId, 61);
    const [gMs, gMs2, gUrs, gRe, g1, g2] = await quiet(all);
    assert.deepEqual(gMs, [], 'the requester gets only its ack');
    assert.deepEqual(gMs2, []);
    assert.deepEqual(gUrs, [], 'the routing engine no longer holds it');
    assert.deepEqual(g2, []);
    assert.deepEqual(names(gRe), ['EventPartyRemoved', 'EventProcessingStopped']);
    assert.equal(gRe?.[0]?.partyType, 'ResourceParty');
    assert.equal(gRe?.[0]?.agentId, 'agent1');
    assert.equal(gRe?.[0]?.interactionId, id);
    assert.equal(gRe?.[1]?.actorType, 'MediaServer');
    assert.equal(gRe?.[1]?.actorMediaServerId, 'EmailServer');
    assert.equal(gRe?.[1]?.interactionId, id);
    assert.deepEqual(names(g1), ['EventRevoked']);
    assert.equal(g1?.[0]?.interactionId, id);
    assert.equal(g1?.[0]?.referenceId, undefined);
    await gone(id);
  });

  it('B: the media server stops while the routing engine holds it: EventAck; reporting EventPartyRemoved + EventProcessingStopped; the engine EventAbandoned', async () => {
    const id = await held();
    const ack = await ms.request({ message: 'RequestStopProcessing', interactionId: id, reasonSystemName: 'Spam' });
    assert.equal(ack.message, 'EventAck');
    const [gMs, gMs2, gUrs, gRe, g1, g2] = await quiet(all);
    assert.deepEqual([gMs, gMs2, g1, g2], [[], [], [], []]);
    assert.deepEqual(names(gRe), ['EventPartyRemoved', 'EventProcessingStopped']);
    assert.equal(gRe?.[0]?.partyType, 'StrategyParty');
    assert.equal(gRe?.[0]?.routerId, 'URS');
    assert.equal(gRe?.[1]?.reasonSystemName, 'Spam');
    assert.deepEqual(names(gUrs), ['EventAbandoned']);
    assert.equal(gUrs?.[0]?.connId, id);
    assert.equal(gUrs?.[0]?.reason, 'Spam');
    await gone(id);
    // The engine cannot act on it any more.
    await refusedWith(urs, { message: 'RequestRouteCall', connId: id, targetType: 'stop' }, 43, id);
  });

  it('C: the handling agent stops it: EventAck; reporting EventPartyRemoved + EventProcessingStopped; the opted-in media server EventProcessingStopped', async () => {
    const id = await handled();
    const ack = await desk1.request({ message: 'RequestStopProcessing', interactionId: id });
    assert.equal(ack.message, 'EventAck');
    const [gMs, gMs2, gUrs, gRe, g1, g2] = await quiet(all);
    assert.deepEqual([gMs2, gUrs, g1, g2], [[], [], [], []], 'no echo to the agent, nothing to the others');
    assert.deepEqual(names(gRe), ['EventPartyRemoved', 'EventProcessingStopped']);
    assert.equal(gRe?.[0]?.agentId, 'agent1');
    assert.equal(gRe?.[1]?.actorType, 'Agent');
    assert.equal(gRe?.[1]?.actorAgentId, 'agent1');
    assert.deepEqual(names(gMs), ['EventProcessingStopped']);
    assert.equal(gMs?.[0]?.interactionId, id);
    assert.equal(gMs?.[0]?.actorAgentId, 'agent1');
    await gone(id);
  });

  it('C: a media server without event_processing_stopped is not told', async () => {
    const id = await handled(ms2);
    assert.equal((await desk1.request({ message: 'RequestStopProcessing', interactionId: id })).message, 'EventAck');
    const [gMs, gMs2, gUrs, gRe, g1, g2] = await quiet(all);
    assert.deepEqual([gMs, gMs2, gUrs, g1, g2], [[], [], [], [], []]);
    assert.deepEqual(names(gRe), ['EventPartyRemoved', 'EventProcessingStopped']);
    await gone(id);
  });

  it('C: an agent stops an interaction it submitted itself', async () => {
    const ack = await desk2.request({
      message: 'RequestSubmit',
      tenantId: 1,
      mediaType: 'email',
      interactionType: 'Outbound',
      interactionSubtype: 'OutboundNew',
    });
    assert.equal(ack.message, 'EventAck');
    const id = ack.interactionId as string;
    await quiet(all, 50);
    assert.equal((await desk2.request({ message: 'RequestStopProcessing', interactionId: id })).message, 'EventAck');
    const [gMs, gMs2, gUrs, gRe, g1, g2] = await quiet(all);
    assert.deepEqual([gMs, gMs2, gUrs, g1, g2], [[], [], [], [], []]);
    assert.deepEqual(names(gRe), ['EventPartyRemoved', 'EventProcessingStopped']);
    assert.equal(gRe?.[0]?.agentId, 'agent2');
    await gone(id);
  });

  it('D: the routing engine stops it with RequestRouteCall targetType stop: EventRouteUsed; reporting EventPartyRemoved + EventProcessingStopped', async () => {
    const id = await held();
    const used = await urs.request({ message: 'RequestRouteCall', connId: id, targetType: 'stop', referenceId: 808 });
    assert.equal(used.message, 'EventRouteUsed');
    assert.equal(used.referenceId, 808);
    assert.equal(used.connId, id);
    const [gMs, gMs2, gUrs, gRe, g1, g2] = await quiet(all);
    assert.deepEqual([gMs2, gUrs, g1, g2], [[], [], [], []], 'no EventAbandoned to the engine that stopped it');
    assert.deepEqual(names(gRe), ['EventPartyRemoved', 'EventProcessingStopped']);
    assert.equal(gRe?.[0]?.partyType, 'StrategyParty');
    assert.equal(gRe?.[1]?.actorType, 'Strategy');
    assert.deepEqual(names(gMs), ['EventProcessingStopped'], 'the opted-in submitter is told');
    await gone(id);
  });

  it('the media server stops a queued interaction nobody holds: reporting only EventProcessingStopped', async () => {
    const id = await submit(ms, 'Email Out');
    await quiet(all, 50);
    assert.equal((await ms.request({ message: 'RequestStopProcessing', interactionId: id })).message, 'EventAck');
    const [gMs, gMs2, gUrs, gRe, g1, g2] = await quiet(all);
    assert.deepEqual([gMs, gMs2, gUrs, g1, g2], [[], [], [], [], []]);
    assert.deepEqual(names(gRe), ['EventProcessingStopped']);
    await gone(id);
  });

  it('the media server stops an interaction while it is offered to an agent: the invitee gets EventRevoked', async () => {
    const id = await held();
    const routed = urs.request(
      { message: 'RequestRouteCall', connId: id, targetType: 'agent', targetAgent: 'agent2' },
      1000,
    );
    // No EventRouteUsed is expected: the engine gets EventAbandoned instead.
    routed.catch(() => undefined);
    const inv = await expectEvent(desk2, 'EventInvite');
    await quiet(all, 50);
    assert.equal((await ms.request({ message: 'RequestStopProcessing', interactionId: id })).message, 'EventAck');
    const [gMs, gMs2, gUrs, gRe, g1, g2] = await quiet(all);
    assert.deepEqual([gMs, gMs2, g1], [[], [], []]);
    assert.deepEqual(names(g2), ['EventRevoked']);
    assert.equal(g2?.[0]?.interactionId, id);
    assert.deepEqual(
      names(gUrs),
      ['EventAbandoned'],
      'the engine whose route is pending learns the interaction is gone',
    );
    assert.deepEqual(
      names(gRe),
      ['EventProcessingStopped'],
      'the strategy party was already removed when it routed to the agent; the agent never became a party',
    );
    await gone(id);
    await refusedWith(desk2, { message: 'RequestAccept', interactionId: id, ticketId: inv.ticketId }, 43, id);
  });

  describe('ownership and validation (35, 43, 19): nothing changes, nobody hears of it', () => {
    let mine: string; // handled by agent1, submitted by EmailServer
    let urss: string; // held by the routing engine, submitted by EmailServer

    before(async () => {
      mine = await handled();
      urss = await held();
    });

    it('a media server that did not submit it -> 35', async () => {
      await refusedWith(ms2, { message: 'RequestStopProcessing', interactionId: mine }, 35, 'ChatServer');
      await refusedWith(ms2, { message: 'RequestStopProcessing', interactionId: urss }, 35, 'ChatServer');
      await nobody();
    });

    it('an agent that does not handle it -> 35', async () => {
      await refusedWith(desk2, { message: 'RequestStopProcessing', interactionId: mine }, 35, 'agent2');
      await refusedWith(desk1, { message: 'RequestStopProcessing', interactionId: urss }, 35, 'agent1');
      await nobody();
    });

    it('a routing engine that does not hold it -> 35', async () => {
      await refusedWith(urs, { message: 'RequestRouteCall', connId: mine, targetType: 'stop' }, 35, 'URS');
      await nobody();
    });

    it('a reporting engine -> 35', async () => {
      await refusedWith(re, { message: 'RequestStopProcessing', interactionId: mine }, 35, 'ReportingEngine');
      await nobody();
    });

    it('an agent application that is not logged in -> 34', async () => {
      const d = await client(srv, 'AgentApplication', 'Desktop');
      await refusedWith(d, { message: 'RequestStopProcessing', interactionId: mine }, 34);
      d.close();
      await nobody();
    });

    it('unknown interaction -> 43; missing interactionId -> 19', async () => {
      await refusedWith(ms, { message: 'RequestStopProcessing', interactionId: 'NOPE' }, 43, 'NOPE');
      await refusedWith(ms, { message: 'RequestStopProcessing' }, 19, 'InteractionId');
      await nobody();
    });

    it('after the refusals both interactions are unchanged and can still be stopped by their owners', async () => {
      const p = await re.request({ message: 'RequestGetInteractionProperties', interactionId: mine });
      assert.equal(p.interactionState, 'Handling');
      assert.equal(p.version, 1);
      const q = await re.request({ message: 'RequestGetInteractionProperties', interactionId: urss });
      assert.equal(q.interactionState, 'Routing');
      assert.equal(
        (await desk1.request({ message: 'RequestStopProcessing', interactionId: mine })).message,
        'EventAck',
      );
      assert.equal(
        (await urs.request({ message: 'RequestRouteCall', connId: urss, targetType: 'stop' })).message,
        'EventRouteUsed',
      );
      await quiet(all);
      await gone(mine);
      await gone(urss);
      await refusedWith(desk1, { message: 'RequestStopProcessing', interactionId: mine }, 43, mine);
    });
  });
});

describe('Stop Processing over the binary door (reference §2.13 A and C)', () => {
  const ROUTER = new URL('./fixtures/router.json', import.meta.url).pathname;
  let bin: RunningServer;
  after(async () => {
    assert.equal(await bin.stop(), 0);
    cleanup(bin.dataDir);
  });

  it('the media server and the handling agent on port 7120 stop interactions; each party gets exactly its messages', async () => {
    bin = await startServer({ config: ROUTER });
    const stat = await client(bin, 'ReportingEngine', 'StatServer');
    const tms = await clientOver(bin, 'tcp', 'MediaServer', 'EmailServer', {
      extension: { event_processing_stopped: 1 },
    });
    const tdesk = await clientOver(bin, 'tcp', 'AgentApplication', 'Desktop');
    await loginAgent(tdesk, 'a1', 'P1', { email: 1 });
    const accepted = async (): Promise<string> => {
      const id = await submit(tms, 'Sales');
      const inv = await expectEvent(tdesk, 'EventInvite');
      assert.equal(inv.interactionId, id);
      const ack = await tdesk.request({ message: 'RequestAccept', interactionId: id, ticketId: inv.ticketId });
      assert.equal(ack.message, 'EventAck');
      await barrier([stat, tms, tdesk]);
      return id;
    };

    // A: the media server stops it while the agent handles it.
    const a = await accepted();
    assert.equal((await tms.request({ message: 'RequestStopProcessing', interactionId: a })).message, 'EventAck');
    let [toStat, toMs, toDesk] = await barrier([stat, tms, tdesk]);
    assert.deepEqual(names(toStat), ['EventPartyRemoved', 'EventProcessingStopped']);
    assert.equal(toStat?.[0]?.agentId, 'a1');
    assert.equal(toStat?.[1]?.actorMediaServerId, 'EmailServer');
    assert.deepEqual(toMs, [], 'the requester gets only its ack');
    assert.deepEqual(names(toDesk), ['EventRevoked']);
    assert.equal(toDesk?.[0]?.interactionId, a);

    // C: the handling agent stops it; the opted-in media server is told.
    const c = await accepted();
    assert.equal((await tdesk.request({ message: 'RequestStopProcessing', interactionId: c })).message, 'EventAck');
    [toStat, toMs, toDesk] = await barrier([stat, tms, tdesk]);
    assert.deepEqual(names(toStat), ['EventPartyRemoved', 'EventProcessingStopped']);
    assert.equal(toStat?.[1]?.actorAgentId, 'a1');
    assert.deepEqual(names(toMs), ['EventProcessingStopped']);
    assert.equal(toMs?.[0]?.interactionId, c);
    assert.deepEqual(toDesk, [], 'the requester gets only its ack');
    for (const x of [stat, tms, tdesk]) x.close();
  });
});
