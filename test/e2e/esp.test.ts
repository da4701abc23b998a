/**
 * External services over both doors (issue #12, lifecycle §7): a client's Request3rdServer reaches the third-party
 * server it names, under a ReferenceId of the server's own; the third-party server's answer comes back to the requester
 * under the requester's ReferenceId; the reporting engine gets EventExternalServiceRequested
 * and EventExternalServiceResponded; a bystander gets nothing. Run with each party on each door.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  barrier,
  cleanup,
  clientOver,
  configEdited,
  startServer,
  type AnyClient,
  type Door,
  type Json,
  type RunningServer,
} from './harness.ts';
import { REGISTER, TlibClient, untimed } from './tlib-client.ts';

let srv: RunningServer;

before(async () => {
  srv = await startServer({
    config: configEdited((c) => {
      c.applications = [
        ...(c.applications as Json[]),
        { name: 'EmailServerJava', type: 'ThirdPartyServer' },
        { name: 'Classifier', type: 'ThirdPartyServer' },
      ];
    }),
  });
});

after(async () => {
  assert.equal(await srv.stop(), 0);
  cleanup(srv.dataDir);
});

const REQUEST = {
  AppName: 'EmailServerJava',
  Service: 'Autoresponse',
  Method: 'Send',
  Parameters: { StandardResponseId: 'SR-17' },
};

// A routing engine on the binary door speaks T-Library (RequestPrivateService, not built yet): the binary requester is
// a media server.
for (const [urDoor, espDoor, urType, urName] of [
  ['ws', 'tcp', 'RoutingEngine', 'URS'],
  ['tcp', 'ws', 'MediaServer', 'ChatServer'],
] as [Door, Door, string, string][]) {
  describe(`ESP: ${urType} on ${urDoor}, third-party server on ${espDoor}`, () => {
    let urs: AnyClient;
    let esj: AnyClient;
    let re: AnyClient;
    let ms: AnyClient;

    before(async () => {
      urs = await clientOver(srv, urDoor, urType, urName);
      esj = await clientOver(srv, espDoor, 'ThirdPartyServer', 'EmailServerJava');
      re = await clientOver(srv, 'ws', 'ReportingEngine', 'StatServer');
      ms = await clientOver(srv, 'tcp', 'MediaServer', 'EmailServer');
    });

    after(() => {
      for (const c of [urs, esj, re, ms]) c.close();
    });

    it('an autoresponse round trip: request relayed, response relayed back, both reported', async () => {
      const userData = { InteractionId: 'ABC', Subject: 'order 17' };
      const reply = urs.request({ message: 'Request3rdServer', referenceId: 41, request: REQUEST, userData });
      const relayed = await esj.nextEvent();
      assert.equal(relayed.message, 'Request3rdServer');
      assert.deepEqual(relayed.request, REQUEST);
      assert.deepEqual(relayed.userData, userData);
      const serverRef = relayed.referenceId;
      assert.equal(typeof serverRef, 'number');
      const requested = await re.nextEvent();
      assert.equal(requested.message, 'EventExternalServiceRequested');
      assert.equal(requested.espClientRefid, 41);
      assert.equal(requested.espServerRefid, serverRef);
      assert.deepEqual(requested.espRequestEnvelope, REQUEST);
      assert.deepEqual(requested.userData, userData);
      assert.equal(urType === 'RoutingEngine' ? requested.actorRouterId : requested.actorMediaServerId, urName);

      esj.send({
        message: 'Event3rdServerResponse',
        referenceId: serverRef,
        request: { Result: 'sent', AutoresponseId: 'AR-1' },
        userData,
      });
      const answered = await reply;
      assert.deepEqual(
        { ...answered },
        {
          message: 'Event3rdServerResponse',
          referenceId: 41,
          request: { Result: 'sent', AutoresponseId: 'AR-1' },
          userData,
        },
      );
      const responded = await re.nextEvent();
      assert.equal(responded.message, 'EventExternalServiceResponded');
      assert.equal(responded.espResponseType, 501);
      assert.equal(responded.espRequestId, requested.espRequestId);
      const [toUrs, toEsj, toRe, toMs] = await barrier([urs, esj, re, ms]);
      assert.deepEqual([toUrs, toEsj, toRe, toMs], [[], [], [], []], 'nothing else, to anyone');
    });

    it('a fault is relayed back; a request to a server that is not connected is refused with 46', async () => {
      const reply = urs.request({ message: 'Request3rdServer', referenceId: 42, request: REQUEST });
      const relayed = await esj.nextEvent();
      await re.nextEvent();
      esj.send({
        message: 'Event3rdServerFault',
        referenceId: relayed.referenceId,
        request: { FaultCode: '7', FaultString: 'unknown standard response' },
      });
      assert.deepEqual(
        { ...(await reply) },
        {
          message: 'Event3rdServerFault',
          referenceId: 42,
          request: { FaultCode: '7', FaultString: 'unknown standard response' },
        },
      );
      const responded = await re.nextEvent();
      assert.equal(responded.espResponseType, 502);
      assert.equal((responded.espRequestEnvelope as Json).FaultString, 'unknown standard response');

      const refused = await urs.request({
        message: 'Request3rdServer',
        referenceId: 43,
        request: { ...REQUEST, AppName: 'Classifier' },
      });
      assert.equal(refused.message, 'EventError');
      assert.equal(refused.errorCode, 46);
      assert.match(String(refused.errorDescription), /'Classifier' is not connected/);
      const rest = await barrier([urs, esj, re, ms]);
      assert.deepEqual(rest, [[], [], [], []]);
    });

    it('the third-party server goes away: its pending request fails with FaultCode ServerGone', async () => {
      const reply = urs.request({ message: 'Request3rdServer', referenceId: 44, request: REQUEST });
      assert.equal((await esj.nextEvent()).message, 'Request3rdServer');
      await re.nextEvent();
      esj.close();
      const fault = await reply;
      assert.equal(fault.message, 'Event3rdServerFault');
      assert.equal(fault.referenceId, 44);
      assert.equal((fault.request as Json).FaultCode, 'ServerGone');
      assert.equal((await re.nextEvent()).message, 'EventExternalServiceResponded');
      const rest = await barrier([urs, re, ms]);
      assert.deepEqual(rest, [[], [], []]);
    });
  });
}

describe('ESP over the binary T-Library dialect: RequestPrivateService / EventPrivateInfo', () => {
  it('a T-Library routing engine calls the third-party server; the answer and a fault come back as EventPrivateInfo', async () => {
    const urs = await TlibClient.open(srv.tcpPort);
    urs.send('RequestRegisterClient', { ...REGISTER, ApplicationName: 'URS' });
    assert.equal((await urs.next()).name, 'EventLinkConnected');
    const esj = await clientOver(srv, 'ws', 'ThirdPartyServer', 'EmailServerJava');
    const re = await clientOver(srv, 'ws', 'ReportingEngine', 'StatServer');
    const envelope = [
      { key: 'AppName', value: 'EmailServerJava' },
      { key: 'Service', value: 'Autoresponse' },
      { key: 'Method', value: 'Send' },
    ];
    const userData = [{ key: 'InteractionId', value: 'ABC' }];
    for (const [ref, fault] of [
      [61, false],
      [62, true],
    ] as [number, boolean][]) {
      urs.send('RequestPrivateService', {
        ReferenceId: ref,
        ThisDN: 'Inbound',
        PrivateMsgID: 3001,
        UserData: userData,
        Extensions: [{ key: 'Envelope3rdServer', value: envelope }],
      });
      const relayed = await esj.nextEvent();
      assert.equal(relayed.message, 'Request3rdServer');
      assert.deepEqual(relayed.request, {
        Envelope3rdServer: { AppName: 'EmailServerJava', Service: 'Autoresponse', Method: 'Send' },
      });
      assert.deepEqual(relayed.userData, { InteractionId: 'ABC' });
      const requested = await re.nextEvent();
      assert.equal(requested.message, 'EventExternalServiceRequested');
      assert.equal(requested.espClientRefid, ref);
      assert.deepEqual(requested.espRequestEnvelope, {
        AppName: 'EmailServerJava',
        Service: 'Autoresponse',
        Method: 'Send',
      });
      const answer = fault ? { FaultCode: '9', FaultString: 'no template' } : { Result: 'sent' };
      esj.send({
        message: fault ? 'Event3rdServerFault' : 'Event3rdServerResponse',
        referenceId: relayed.referenceId,
        request: answer,
      });
      const info = untimed(await urs.next());
      assert.deepEqual(info, {
        ReferenceId: ref,
        ThisDN: 'Inbound',
        PrivateMsgID: 3001,
        UserData: userData,
        Extensions: [
          { key: 'Envelope3rdServer', value: Object.entries(answer).map(([key, value]) => ({ key, value })) },
        ],
      });
      const responded = await re.nextEvent();
      assert.equal(responded.espResponseType, fault ? 502 : 501);
    }
    // Without the envelope: TERR_INVALID_ATTR naming it.
    urs.send('RequestPrivateService', { ReferenceId: 63, PrivateMsgID: 3001 });
    const err = untimed(await urs.next());
    assert.equal(err.ErrorCode, 53);
    assert.match(String(err.ErrorMessage), /Envelope3rdServer/);
    const [toEsj, toRe] = await barrier([esj, re]);
    assert.deepEqual([toEsj, toRe], [[], []]);
    assert.deepEqual(urs.received, []);
    urs.close();
    esj.close();
    re.close();
  });
});
