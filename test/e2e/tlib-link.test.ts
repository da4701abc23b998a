/**
 * Routing engines on the binary door's T-Library dialect (issue #12): a connection whose first frame is T-Library's
 * RequestRegisterClient speaks T-Library; a configured routing engine gets EventLinkConnected, RequestQueryServer
 * EventServerInfo. Once it registers a strategy DN (an `external` queue's name) it is handed that queue's interactions
 * (EventRouteRequest under a fresh ConnID), changes their user data (EventAttachedDataChanged), routes them
 * (RequestRouteCall by OtherDN or Extensions; EventRouteUsed), hears when they leave it (EventAbandoned), and a late
 * request on an ended hand-off's ConnID gets TERR_INV_CONNID. Each party's messages are asserted exactly.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type AttrValue, type Message } from '../../src/protocol/message.ts';
import { encodeFrame } from '../../src/transport/tcp/frame-encoder.ts';
import { REGISTER, TlibClient, untimed } from './tlib-client.ts';
import {
  barrier,
  cleanup,
  client,
  loginAgent,
  names,
  startServer,
  submit,
  type JsonClient,
  type RunningServer,
} from './harness.ts';

/** A T-Library EventError: its code, its ReferenceId and that its text names every one of `mentions`. */
function assertTlibError(m: Message, code: number, ref: number | undefined, ...mentions: string[]): void {
  assert.equal(m.protocol, 'tlib');
  assert.equal(m.name, 'EventError', JSON.stringify(m));
  const a = untimed(m);
  assert.equal(a.ErrorCode, code, JSON.stringify(a));
  assert.equal(a.ReferenceId, ref);
  assert.equal(typeof a.ErrorMessage, 'string');
  for (const w of mentions) assert.ok((a.ErrorMessage as string).includes(w), `'${w}' in ${String(a.ErrorMessage)}`);
  assert.deepEqual(
    Object.keys(a).sort(),
    ref === undefined ? ['ErrorCode', 'ErrorMessage'] : ['ErrorCode', 'ErrorMessage', 'ReferenceId'],
  );
}

/** A KV list as an object (the last value of a key wins), for comparisons. */
function kv(list: AttrValue | undefined): Record<string, unknown> {
  assert.ok(Array.isArray(list), `a KV list: ${JSON.stringify(list)}`);
  return Object.fromEntries((list as { key: string; value: unknown }[]).map((p) => [p.key, p.value]));
}

let srv: RunningServer;
let re: JsonClient;
let ms: JsonClient;
let desk: JsonClient;

before(async () => {
  srv = await startServer();
  re = await client(srv, 'ReportingEngine', 'StatServer');
  ms = await client(srv, 'MediaServer', 'EmailServer', { extension: { event_properties_changed: 1 } });
  desk = await client(srv, 'AgentApplication', 'Desktop');
  await loginAgent(desk, 'agent1', 'Place_1001');
  await barrier([re, ms, desk]);
});

after(async () => {
  for (const c of [re, ms, desk]) c.close();
  assert.equal(await srv.stop(), 0);
  cleanup(srv.dataDir);
});

/** A routing engine on the binary door, linked and registered for `strategy`. */
async function router(strategy: string, name = 'URS'): Promise<TlibClient> {
  const urs = await TlibClient.open(srv.tcpPort);
  urs.send('RequestRegisterClient', { ...REGISTER, ApplicationName: name });
  assert.equal((await urs.next()).name, 'EventLinkConnected');
  const reg = await urs.reply('RequestRegisterAddress', {
    ReferenceId: 2,
    RegisterMode: 0,
    ControlMode: 0,
    ThisDN: strategy,
    AddressType: 1,
  });
  assert.equal(reg.name, 'EventRegistered');
  assert.deepEqual(untimed(reg), { ReferenceId: 2, ThisDN: strategy, AddressType: 1 });
  return urs;
}

/** Submits into Inbound and returns the interaction id and the EventRouteRequest the routing engine got. */
async function handOff(urs: TlibClient, subject: string): Promise<{ id: string; rr: Record<string, AttrValue> }> {
  const id = await submit(ms, 'Inbound', { userData: { Subject: subject } });
  const m = await urs.next();
  assert.equal(m.name, 'EventRouteRequest');
  return { id, rr: untimed(m) };
}

describe('binary door, T-Library routing engine (issue #12)', () => {
  it('the link: EventLinkConnected, EventServerInfo for RequestQueryServer; a second registration is refused', async () => {
    const urs = await TlibClient.open(srv.tcpPort);
    urs.send('RequestRegisterClient', { ...REGISTER, ApplicationName: 'URS' });
    const linked = untimed(await urs.next());
    assert.equal(typeof linked.ServerVersion, 'string');
    assert.ok(typeof linked.SessionID === 'number' && linked.SessionID > 0);
    assert.deepEqual(linked, {
      ServerVersion: linked.ServerVersion,
      ServerRole: 0,
      RegistrationCode: 0,
      SessionID: linked.SessionID,
    });
    const info = await urs.reply('RequestQueryServer', { ReferenceId: 1 });
    assert.equal(info.name, 'EventServerInfo');
    assert.deepEqual(untimed(info), { ReferenceId: 1, ServerVersion: linked.ServerVersion, ServerRole: 0 });
    assertTlibError(
      await urs.reply('RequestRegisterClient', { ...REGISTER, ApplicationName: 'URS' }),
      53,
      undefined,
      'already registered',
    );
    // RequestPrivateService (ESP, see esp.test.ts) without its envelope: TERR_INVALID_ATTR naming it.
    assertTlibError(await urs.reply('RequestPrivateService', { ReferenceId: 3 }), 53, 3, 'Envelope3rdServer');
    // Registered for no strategy: nothing is handed to it (the interaction waits in its queue).
    const id = await submit(ms, 'Inbound');
    const p = await ms.request({ message: 'RequestGetInteractionProperties', interactionId: id });
    assert.equal(p.interactionState, 'Queued');
    await ms.request({ message: 'RequestStopProcessing', interactionId: id });
    assert.equal((await urs.reply('RequestQueryServer', { ReferenceId: 4 })).name, 'EventServerInfo');
    await barrier([re, ms, desk]);
    urs.close();
  });

  it('seed phases B and C: EventRouteRequest, RequestUpdateUserData, a change by the media server, RequestRouteCall to a place, accept: EventRouteUsed; then the old ConnID is refused', async () => {
    const urs = await router('Inbound');
    const { id, rr } = await handOff(urs, 'Where is my order?');
    const connId = rr.ConnId as string;
    assert.match(connId, /^0001[0-9a-f]{12}$/);
    assert.deepEqual(kv(rr.UserData), { Subject: 'Where is my order?', InteractionId: id });
    assert.deepEqual(kv(rr.Extensions), {
      InteractionId: id,
      InteractionType: 'Inbound',
      InteractionSubtype: 'InboundNew',
      MediaType: 'email',
      Queue: 'Inbound',
      TenantId: 1,
      SubmittedBy: 'EmailServer',
    });
    assert.deepEqual(
      { ...rr, UserData: undefined, Extensions: undefined },
      {
        CallID: Number.parseInt(connId.slice(-8), 16) & 0x7fffffff,
        ConnId: connId,
        ThisDN: 'Inbound',
        ThisQueue: 'Inbound',
        CallType: 2,
        UserData: undefined,
        Extensions: undefined,
      },
    );
    let [toRe, toMs, toDesk] = await barrier([re, ms, desk]);
    assert.deepEqual(names(toRe ?? []), ['EventInteractionSubmitted', 'EventPartyAdded']);
    assert.deepEqual(toMs, []);
    assert.deepEqual(toDesk, []);

    // Phase B: the routing engine changes the user data; the ack is EventAttachedDataChanged.
    const adc = await urs.reply('RequestUpdateUserData', {
      ConnId: connId,
      ReferenceId: 3,
      UserData: [{ key: 'Segment', value: 'Gold' }],
      ThisDN: 'Inbound',
    });
    assert.equal(adc.name, 'EventAttachedDataChanged');
    const a = untimed(adc);
    assert.deepEqual(kv(a.UserData), { Subject: 'Where is my order?', Segment: 'Gold', InteractionId: id });
    assert.deepEqual(
      { ...a, UserData: undefined },
      { ReferenceId: 3, ConnId: connId, ThisDN: 'Inbound', CallType: 2, UserData: undefined },
    );
    [toRe, toMs, toDesk] = await barrier([re, ms, desk]);
    assert.deepEqual(names(toRe ?? []), ['EventPropertiesChanged']);
    assert.deepEqual(names(toMs ?? []), ['EventPropertiesChanged'], 'the opted-in media server');
    assert.deepEqual(toRe?.[0]?.addedProperties, { Segment: 'Gold' });
    assert.deepEqual(toDesk, []);

    // Phase C: the media server changes a property: the routing engine hears it (no ReferenceID).
    const ack = await ms.request({
      message: 'RequestChangeProperties',
      interactionId: id,
      changedProperties: { Subject: 'Re: where is my order?' },
    });
    assert.equal(ack.message, 'EventAck');
    const note = untimed(await urs.next());
    assert.deepEqual(kv(note.UserData), { Subject: 'Re: where is my order?', Segment: 'Gold', InteractionId: id });
    assert.deepEqual(
      { ...note, UserData: undefined },
      { ConnId: connId, ThisDN: 'Inbound', CallType: 2, UserData: undefined },
    );
    [toRe, toMs, toDesk] = await barrier([re, ms, desk]);
    assert.deepEqual(names(toRe ?? []), ['EventPropertiesChanged']);
    assert.deepEqual(toMs, []);
    assert.deepEqual(toDesk, []);

    // RequestAttachUserData merges like an update (one value per key): EventAttachedDataChanged with the ReferenceID.
    const attached = untimed(
      await urs.reply('RequestAttachUserData', {
        ConnId: connId,
        ReferenceId: 4,
        UserData: [{ key: 'Lang', value: 'en' }],
      }),
    );
    assert.equal(attached.ReferenceId, 4);
    assert.deepEqual(kv(attached.UserData), {
      Subject: 'Re: where is my order?',
      Segment: 'Gold',
      Lang: 'en',
      InteractionId: id,
    });
    [toRe, toMs, toDesk] = await barrier([re, ms, desk]);
    assert.deepEqual(names(toRe ?? []), ['EventPropertiesChanged']);
    assert.deepEqual(toRe?.[0]?.addedProperties, { Lang: 'en' });
    assert.deepEqual(names(toMs ?? []), ['EventPropertiesChanged'], 'the opted-in media server');
    assert.deepEqual(toDesk, []);

    // Route to the agent at Place_1001 by OtherDN; EventRouteUsed once the agent accepts.
    urs.send('RequestRouteCall', {
      ConnId: connId,
      RouteType: 1,
      ReferenceId: 7,
      ThisDN: 'Inbound',
      OtherDN: 'Place_1001',
    });
    const inv = await desk.nextEvent();
    assert.equal(inv.message, 'EventInvite');
    assert.equal(inv.interactionId, id);
    assert.deepEqual(urs.received, [], 'nothing for the routing engine before the answer');
    const acc = await desk.request({ message: 'RequestAccept', interactionId: id, ticketId: inv.ticketId });
    assert.equal(acc.message, 'EventAck');
    const used = untimed(await urs.next());
    assert.deepEqual(used, {
      ReferenceId: 7,
      CallID: rr.CallID,
      ConnId: connId,
      ThisDN: 'Inbound',
      ThisQueue: 'Inbound',
      OtherDN: 'Place_1001',
      CallType: 2,
    });
    [toRe, toMs, toDesk] = await barrier([re, ms, desk]);
    assert.deepEqual(names(toRe ?? []), ['EventPartyRemoved', 'EventAgentInvited', 'EventPartyAdded']);
    assert.deepEqual(toMs, []);
    assert.deepEqual(toDesk, []);

    // The hand-off ended: its ConnID names nothing any more, and nothing changed.
    assertTlibError(
      await urs.reply('RequestUpdateUserData', {
        ConnId: connId,
        ReferenceId: 8,
        UserData: [{ key: 'X', value: 'y' }],
      }),
      56,
      8,
      connId,
    );
    const props = await ms.request({ message: 'RequestGetInteractionProperties', interactionId: id });
    assert.equal(props.interactionState, 'Handling');
    assert.equal(props.version, 4, 'submit, two changes by the engine, one by the media server');
    assert.deepEqual(await barrier([re, ms, desk]), [[], [], []]);
    await desk.request({ message: 'RequestStopProcessing', interactionId: id });
    await barrier([re, ms, desk]);
    urs.close();
  });

  it('RequestRouteCall to a queue, by Extensions, and to nothing; RouteType Reject stops; a stop by the media server is EventAbandoned', async () => {
    const urs = await router('Inbound');
    // To a queue named in Extensions.
    let h = await handOff(urs, 'one');
    const toQueue = untimed(
      await urs.reply('RequestRouteCall', {
        ConnId: h.rr.ConnId as string,
        RouteType: 1,
        ReferenceId: 11,
        ThisDN: 'Inbound',
        Extensions: [
          { key: 'type', value: 'iq' },
          { key: 'queue', value: 'Email Out' },
        ],
      }),
    );
    assert.deepEqual(toQueue, {
      ReferenceId: 11,
      CallID: h.rr.CallID,
      ConnId: h.rr.ConnId,
      ThisDN: 'Inbound',
      ThisQueue: 'Inbound',
      OtherDN: 'Email Out',
      CallType: 2,
    });
    let props = await ms.request({ message: 'RequestGetInteractionProperties', interactionId: h.id });
    assert.equal(props.interactionQueue, 'Email Out');
    let [toRe] = await barrier([re, ms, desk]);
    assert.deepEqual(names(toRe ?? []), [
      'EventInteractionSubmitted',
      'EventPartyAdded',
      'EventPartyRemoved',
      'EventPlacedInQueue',
    ]);
    await ms.request({ message: 'RequestStopProcessing', interactionId: h.id });
    await barrier([re, ms, desk]);

    // To a workbin named by OtherDN, its owner in Extensions: EventRouteUsed; reporting EventPlacedInWorkbin.
    h = await handOff(urs, 'wb');
    const toWorkbin = untimed(
      await urs.reply('RequestRouteCall', {
        ConnId: h.rr.ConnId as string,
        ReferenceId: 14,
        OtherDN: 'Drafts',
        Extensions: [{ key: 'agent', value: 'agent1' }],
      }),
    );
    assert.equal(toWorkbin.OtherDN, 'Drafts');
    assert.equal(toWorkbin.ReferenceId, 14);
    [toRe] = await barrier([re, ms, desk]);
    assert.deepEqual(names(toRe ?? []), [
      'EventInteractionSubmitted',
      'EventPartyAdded',
      'EventPartyRemoved',
      'EventPlacedInQueue',
      'EventPlacedInWorkbin',
    ]);
    assert.equal(toRe?.[4]?.workbinAgentId, 'agent1');
    await ms.request({ message: 'RequestStopProcessing', interactionId: h.id });
    await barrier([re, ms, desk]);

    // A target that is nothing: TERR_TARG_DN_INV, and it stays with the routing engine.
    h = await handOff(urs, 'two');
    assertTlibError(
      await urs.reply('RequestRouteCall', {
        ConnId: h.rr.ConnId as string,
        RouteType: 1,
        ReferenceId: 12,
        OtherDN: 'Nowhere',
      }),
      177,
      12,
      "OtherDN 'Nowhere'",
    );
    // An agent who is configured but not logged in: TERR_TARG_NOT_AGENT (182), and it stays with the routing engine.
    assertTlibError(
      await urs.reply('RequestRouteCall', { ConnId: h.rr.ConnId as string, ReferenceId: 13, OtherDN: 'agent2' }),
      182,
      13,
      "'agent2'",
    );
    props = await ms.request({ message: 'RequestGetInteractionProperties', interactionId: h.id });
    assert.equal(props.interactionState, 'Routing');
    // RouteType Reject (7): stopped; the routing engine's answer is EventRouteUsed.
    const stopped = untimed(
      await urs.reply('RequestRouteCall', {
        ConnId: h.rr.ConnId as string,
        RouteType: 7,
        ReferenceId: 13,
        ThisDN: 'Inbound',
      }),
    );
    assert.deepEqual(stopped, {
      ReferenceId: 13,
      CallID: h.rr.CallID,
      ConnId: h.rr.ConnId,
      ThisDN: 'Inbound',
      ThisQueue: 'Inbound',
      CallType: 2,
    });
    [toRe] = await barrier([re, ms, desk]);
    assert.deepEqual(names(toRe ?? []), [
      'EventInteractionSubmitted',
      'EventPartyAdded',
      'EventPartyRemoved',
      'EventProcessingStopped',
    ]);

    // The media server stops one the routing engine holds: EventAbandoned.
    h = await handOff(urs, 'three');
    await ms.request({ message: 'RequestStopProcessing', interactionId: h.id });
    const ab = untimed(await urs.next());
    assert.deepEqual(kv(ab.UserData), { Subject: 'three', InteractionId: h.id });
    assert.deepEqual(
      { ...ab, UserData: undefined },
      {
        CallID: h.rr.CallID,
        ConnId: h.rr.ConnId,
        ThisDN: 'Inbound',
        ThisQueue: 'Inbound',
        CallType: 2,
        UserData: undefined,
      },
    );
    await barrier([re, ms, desk]);
    assert.deepEqual(urs.received, []);
    urs.close();
  });

  it('one routing engine on JSON and one on binary at once: a binary engine that disconnects has its interaction handed to the other, and its old ConnID names nothing', async () => {
    const urs = await router('Inbound');
    const { id, rr } = await handOff(urs, 'both');
    const facade = await client(srv, 'RoutingEngine', 'URS2');
    urs.close();
    const offered = await facade.nextEvent();
    assert.equal(offered.message, 'EventRouteRequest');
    assert.equal(offered.connId, id);
    // A new binary engine for the strategy: the old ConnID names nothing.
    const again = await router('Inbound', 'URS');
    assertTlibError(
      await again.reply('RequestUpdateUserData', {
        ConnId: rr.ConnId as string,
        ReferenceId: 21,
        UserData: [{ key: 'k', value: 'v' }],
      }),
      56,
      21,
    );
    await facade.request({ message: 'RequestRouteCall', connId: id, targetType: 'stop' });
    await barrier([re, ms, desk, facade]);
    assert.deepEqual(again.received, []);
    again.close();
    facade.close();
  });

  it('two binary sessions of one engine: what one held goes to the other when it ends, under a new ConnID; the other keeps its own', async () => {
    const first = await router('Inbound', 'URS');
    const second = await router('Inbound', 'URS');
    // Round-robin: one hand-off each.
    const id1 = await submit(ms, 'Inbound', { userData: { Subject: 'a' } });
    const id2 = await submit(ms, 'Inbound', { userData: { Subject: 'b' } });
    const r1 = untimed(await first.next());
    const r2 = untimed(await second.next());
    assert.deepEqual(new Set([kv(r1.UserData).InteractionId, kv(r2.UserData).InteractionId]), new Set([id1, id2]));
    first.close();
    const again = untimed(await second.next());
    assert.equal(kv(again.UserData).InteractionId, kv(r1.UserData).InteractionId);
    assert.notEqual(again.ConnId, r1.ConnId);
    const own = await second.reply('RequestUpdateUserData', {
      ConnId: r2.ConnId as string,
      ReferenceId: 31,
      UserData: [{ key: 'k', value: 'v' }],
    });
    assert.equal(own.name, 'EventAttachedDataChanged');
    for (const id of [id1, id2]) await ms.request({ message: 'RequestStopProcessing', interactionId: id });
    assert.deepEqual([(await second.next()).name, (await second.next()).name], ['EventAbandoned', 'EventAbandoned']);
    await barrier([re, ms, desk]);
    assert.deepEqual(second.received, []);
    second.close();
  });

  it('a T-Library registration of an unknown application or of a media server is refused; the link stays unopened', async () => {
    const c = await TlibClient.open(srv.tcpPort);
    c.send('RequestRegisterClient', { ...REGISTER, ApplicationName: 'Nope' });
    assertTlibError(await c.next(), 59, undefined, "'Nope'");
    assertTlibError(await c.reply('RequestQueryServer', { ReferenceId: 7 }), 41, 7, 'register first');
    c.close();
    const m = await TlibClient.open(srv.tcpPort);
    m.send('RequestRegisterClient', { ...REGISTER, ApplicationName: 'EmailServer' });
    assertTlibError(await m.next(), 59, undefined, 'configured as MediaServer');
    m.close();
    const n = await TlibClient.open(srv.tcpPort);
    n.send('RequestRegisterClient', { ...REGISTER });
    assertTlibError(await n.next(), 59, undefined, 'ApplicationName');
    n.close();
  });

  it('bad T-Library frames get TERR_INVALID_ATTR or TERR_UNSUP_OPER naming what is wrong, and the link keeps serving', async () => {
    const urs = await TlibClient.open(srv.tcpPort);
    urs.send('RequestRegisterClient', { ...REGISTER, ApplicationName: 'URS' });
    assert.equal((await urs.next()).name, 'EventLinkConnected');
    urs.sendRaw(
      encodeFrame(1, [
        { id: 2, tag: 'i', value: 5 },
        { id: 999, tag: 'i', value: 1 },
      ]),
    );
    assertTlibError(await urs.next(), 53, 5, 'attribute id 999');
    urs.sendRaw(encodeFrame(1, [{ id: 2, tag: 's', value: 'x' }]));
    assertTlibError(await urs.next(), 53, undefined, 'ReferenceId');
    urs.sendRaw(encodeFrame(4000, [{ id: 2, tag: 'i', value: 6 }]));
    assertTlibError(await urs.next(), 51, 6, '4000');
    urs.sendRaw(encodeFrame(93, [{ id: 2, tag: 'i', value: 8 }]));
    assertTlibError(await urs.next(), 51, 8, 'EventServerInfo is an event');
    assertTlibError(await urs.reply('RequestRegisterAddress', { ReferenceId: 9 }), 53, 9, 'ThisDN');
    assert.equal((await urs.reply('RequestQueryServer', { ReferenceId: 10 })).name, 'EventServerInfo');
    urs.close();
  });
});
