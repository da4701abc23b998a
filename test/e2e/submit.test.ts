/**
 * Submit (reference §2.4 media server, §2.5 agent): EventAck with the interaction id and version 1, exactly one
 * EventInteractionSubmitted to reporting (plus EventPartyAdded for an agent), every validation error with its Genesys
 * code, and no state change or reporting event for a refused request.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  cleanup,
  client,
  expectEvent,
  loginAgent,
  quiet,
  refusedWith,
  startServer,
  type Json,
  type JsonClient,
  type RunningServer,
} from './harness.ts';

let srv: RunningServer;
let ms: JsonClient; // EmailServer
let ms2: JsonClient; // ChatServer
let urs: JsonClient;
let agent: JsonClient; // Desktop, logs in as agent1 in the agent tests
let re: JsonClient;
let all: JsonClient[];

const BASE: Json = {
  message: 'RequestSubmit',
  tenantId: 1,
  mediaType: 'email',
  interactionType: 'Inbound',
  interactionSubtype: 'InboundNew',
  queue: 'Email Out',
};

function without(o: Json, key: string): Json {
  const { [key]: _drop, ...rest } = o;
  return rest;
}

before(async () => {
  srv = await startServer();
  ms = await client(srv, 'MediaServer', 'EmailServer');
  ms2 = await client(srv, 'MediaServer', 'ChatServer', { extension: { event_processing_stopped: 1 } });
  urs = await client(srv, 'RoutingEngine', 'URS');
  agent = await client(srv, 'AgentApplication', 'Desktop');
  re = await client(srv, 'ReportingEngine', 'StatServer');
  all = [ms, ms2, urs, agent, re];
});

after(async () => {
  for (const c of all) c.close();
  assert.equal(await srv.stop(), 0);
  cleanup(srv.dataDir);
});

describe('media server submits (reference §2.4)', () => {
  it('EventAck with interactionId and version 1; reporting gets exactly one EventInteractionSubmitted; nobody else anything', async () => {
    const ack = await ms.request({ ...BASE, userData: { Subject: 'Hello', Priority: 3 }, referenceId: 900 });
    assert.equal(ack.message, 'EventAck');
    assert.equal(ack.referenceId, 900);
    assert.equal(typeof ack.interactionId, 'string');
    assert.ok((ack.interactionId as string).length > 0);
    assert.equal(ack.version, 1);
    const id = ack.interactionId as string;
    const [gMs, gMs2, gUrs, gAgent, gRe] = await quiet(all);
    assert.deepEqual(gMs, [], 'no echo to the submitter');
    assert.deepEqual(gMs2, []);
    assert.deepEqual(gUrs, [], "'Email Out' has no routing");
    assert.deepEqual(gAgent, []);
    assert.equal(gRe?.length, 1, JSON.stringify(gRe));
    const ev = gRe?.[0] as Json;
    assert.equal(ev.message, 'EventInteractionSubmitted');
    assert.equal(ev.referenceId, undefined);
    assert.equal(ev.interactionId, id);
    assert.equal(ev.interactionQueue, 'Email Out');
    assert.equal(ev.interactionState, 'Queued');
    assert.equal(ev.interactionMediatype, 'email');
    assert.equal(ev.interactionType, 'Inbound');
    assert.equal(ev.interactionSubtype, 'InboundNew');
    assert.equal(ev.interactionTenantId, 1);
    assert.equal(ev.interactionSubmittedBy, 'EmailServer');
    assert.deepEqual(ev.interactionUserData, { Subject: 'Hello', Priority: 3 });
    assert.equal(ev.actorType, 'MediaServer');
    assert.equal(ev.actorMediaServerId, 'EmailServer');
    assert.match(ev.eventTime as string, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);

    const p = await ms.request({ message: 'RequestGetInteractionProperties', interactionId: id });
    assert.equal(p.message, 'EventInteractionProperties');
    assert.equal(p.interactionState, 'Queued');
    assert.equal(p.interactionQueue, 'Email Out');
    assert.equal(p.version, 1);
    assert.deepEqual(p.interactionUserData, { Subject: 'Hello', Priority: 3 });
  });

  it('a given interactionId is kept; submitting it again -> 81, nothing changes', async () => {
    const ack = await ms.request({ ...BASE, interactionId: 'MY-OWN-ID-1', userData: { A: 'first' } });
    assert.equal(ack.message, 'EventAck');
    assert.equal(ack.interactionId, 'MY-OWN-ID-1');
    const [, , , , gRe] = await quiet(all);
    assert.equal(gRe?.length, 1);
    assert.equal(gRe?.[0]?.interactionId, 'MY-OWN-ID-1');

    await refusedWith(ms2, { ...BASE, interactionId: 'MY-OWN-ID-1', userData: { A: 'second' } }, 81, 'MY-OWN-ID-1');
    assert.deepEqual(await quiet(all), [[], [], [], [], []]);
    const p = await ms.request({ message: 'RequestGetInteractionProperties', interactionId: 'MY-OWN-ID-1' });
    assert.deepEqual(p.interactionUserData, { A: 'first' });
    assert.equal(p.interactionSubmittedBy, 'EmailServer');
    assert.equal(p.version, 1);
  });

  it('user data of every value kind round-trips', async () => {
    const userData = {
      S: 'text',
      I: -5,
      Big: 9007199254740991,
      Nested: { a: 'b', n: { c: 1 } },
      B: { $binary: 'AAEC' },
    };
    const ack = await ms.request({ ...BASE, userData });
    assert.equal(ack.message, 'EventAck');
    const [, , , , gRe] = await quiet(all);
    assert.deepEqual(gRe?.[0]?.interactionUserData, userData);
    const p = await ms.request({ message: 'RequestGetInteractionProperties', interactionId: ack.interactionId });
    assert.deepEqual(p.interactionUserData, userData);
  });

  it('submission to a queue of another media type is independent of the submitter: ChatServer may submit e-mail', async () => {
    const ack = await ms2.request({ ...BASE, mediaType: 'chat' });
    assert.equal(ack.message, 'EventAck');
    const [, , , , gRe] = await quiet(all);
    assert.equal(gRe?.[0]?.actorMediaServerId, 'ChatServer');
    assert.equal(gRe?.[0]?.interactionMediatype, 'chat');
  });

  describe('validation: EventError with the Genesys code, nothing changes, nobody hears of it', () => {
    const cases: [string, Json, number, string][] = [
      ['no tenantId -> 6', without(BASE, 'tenantId'), 6, 'TenantId'],
      ['unknown tenant -> 7', { ...BASE, tenantId: 99 }, 7, '99'],
      ['no mediaType -> 22', without(BASE, 'mediaType'), 22, 'MediaType'],
      ['unknown mediaType -> 18', { ...BASE, mediaType: 'fax' }, 18, 'fax'],
      ['no interactionType -> 23', without(BASE, 'interactionType'), 23, 'InteractionType'],
      ['unknown interactionType -> 25', { ...BASE, interactionType: 'Sideways' }, 25, 'Sideways'],
      ['no interactionSubtype -> 24', without(BASE, 'interactionSubtype'), 24, 'InteractionSubtype'],
      ['unknown interactionSubtype -> 26', { ...BASE, interactionSubtype: 'Weird' }, 26, 'Weird'],
      [
        'subtype of another type -> 26',
        { ...BASE, interactionType: 'Outbound', interactionSubtype: 'InboundNew' },
        26,
        'InboundNew',
      ],
      ['no queue -> 20', without(BASE, 'queue'), 20, 'Queue'],
      ['unknown queue -> 21', { ...BASE, queue: 'Nowhere' }, 21, 'Nowhere'],
      ['a queue of another tenant -> 21', { ...BASE, queue: 'Other' }, 21, 'Other'],
      [
        'user data over the 64 KiB cap -> 80 naming the limit',
        { ...BASE, userData: { Body: 'x'.repeat(70 * 1024) } },
        80,
        '65536',
      ],
      ['duplicate id in use -> 81', { ...BASE, interactionId: 'MY-OWN-ID-1' }, 81, 'MY-OWN-ID-1'],
      ['empty interactionId -> 79', { ...BASE, interactionId: '' }, 79, 'InteractionId'],
      ['into an agent workbin without its owner -> 38', { ...BASE, workbinTypeId: 'Drafts' }, 38, 'WorkbinAgentId'],
      ['into an unknown workbin -> 41', { ...BASE, workbinTypeId: 'Nope', workbinAgentId: 'agent1' }, 41, 'Nope'],
    ];
    for (const [title, req, code, mentions] of cases) {
      it(title, async () => {
        await quiet(all, 50);
        const r = await refusedWith(ms, { ...req, userData: req.userData ?? { Marker: title } }, code, mentions);
        assert.equal(typeof r.referenceId, 'number');
        assert.equal(r.interactionId, undefined);
        assert.deepEqual(await quiet(all), [[], [], [], [], []], 'no reporting event, nobody told');
      });
    }

    it('the user data cap counts the whole user data: just under it is accepted', async () => {
      const ack = await ms.request({ ...BASE, userData: { Body: 'x'.repeat(60 * 1024) } });
      assert.equal(ack.message, 'EventAck');
      await quiet(all);
    });

    it('clients that may not submit (routing engine, reporting engine) -> 4', async () => {
      await refusedWith(urs, BASE, 4, 'RoutingEngine');
      await refusedWith(re, BASE, 4, 'ReportingEngine');
      assert.deepEqual(await quiet(all), [[], [], [], [], []]);
    });
  });
});

describe('agent submits (reference §2.5)', () => {
  it('an agent application must be logged in -> 34', async () => {
    await refusedWith(agent, BASE, 34, 'RequestAgentLogin');
    assert.deepEqual(await quiet(all), [[], [], [], [], []]);
  });

  it('a logged-in agent submits: state Handling, reporting gets EventInteractionSubmitted + EventPartyAdded', async () => {
    await loginAgent(agent, 'agent1', 'Place_1001', { email: 0 });
    await expectEvent(re, 'EventAgentLogin');
    const ack = await agent.request({
      ...without(BASE, 'queue'),
      interactionType: 'Outbound',
      interactionSubtype: 'OutboundNew',
      userData: { To: 'customer@example.com' },
    });
    assert.equal(ack.message, 'EventAck', JSON.stringify(ack));
    assert.equal(ack.version, 1);
    const id = ack.interactionId as string;
    const [gMs, gMs2, gUrs, gAgent, gRe] = await quiet(all);
    assert.deepEqual(gMs, []);
    assert.deepEqual(gMs2, []);
    assert.deepEqual(gUrs, []);
    assert.deepEqual(gAgent, [], 'the submitting agent gets only its ack');
    assert.equal(gRe?.length, 2, JSON.stringify(gRe));
    const [sub, added] = gRe as [Json, Json];
    assert.equal(sub.message, 'EventInteractionSubmitted');
    assert.equal(sub.interactionId, id);
    assert.equal(sub.interactionState, 'Handling');
    assert.equal(sub.actorType, 'Agent');
    assert.equal(sub.actorAgentId, 'agent1');
    assert.equal(sub.actorPlaceId, 'Place_1001');
    assert.equal(added.message, 'EventPartyAdded');
    assert.equal(added.interactionId, id);
    assert.equal(added.partyType, 'ResourceParty');
    assert.equal(added.agentId, 'agent1');
    assert.equal(added.placeId, 'Place_1001');

    const p = await agent.request({ message: 'RequestGetInteractionProperties', interactionId: id });
    assert.equal(p.interactionState, 'Handling');
    // The agent owns it: it may change and stop it.
    const ch = await agent.request({
      message: 'RequestChangeProperties',
      interactionId: id,
      addedProperties: { X: '1' },
    });
    assert.equal(ch.message, 'EventAck');
    assert.equal(ch.version, 2);
    await quiet(all);
  });

  it('an agent submit into a queue is validated like a media server one', async () => {
    await refusedWith(agent, { ...BASE, queue: 'Nowhere' }, 21, 'Nowhere');
    await refusedWith(agent, { ...BASE, mediaType: 'fax' }, 18, 'fax');
    assert.deepEqual(await quiet(all), [[], [], [], [], []]);
  });
});
