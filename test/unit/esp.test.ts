/**
 * External services (ESP, issue #12, lifecycle §7): Request3rdServer relayed to a third-party server by AppName, or by
 * AppType round-robin; its answer relayed back under the requester's ReferenceId; reporting copies; refusals that
 * change nothing; a server that goes away fails what it was serving; a requester that goes away gets nothing.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ConfigInput } from '../../src/config/schema.ts';
import { ClientType } from '../../src/protocol/enums.ts';
import { isMsg } from '../../src/protocol/message.ts';
import type { KvList } from '../../src/protocol/kv.ts';
import { coreWorld, msg, refused, who } from './core-harness.ts';

const T0 = Date.UTC(2026, 0, 1, 9);
const CONFIG: ConfigInput = {
  tenants: [{ id: 1, name: 'T' }],
  mediaTypes: ['email'],
  interactionTypes: { Inbound: ['InboundNew'] },
  applications: [
    { name: 'URS', type: 'RoutingEngine' },
    { name: 'Stat', type: 'ReportingEngine' },
    { name: 'EmailServerJava', type: 'ThirdPartyServer' },
    { name: 'Classifier', type: 'ThirdPartyServer' },
    { name: 'Mail', type: 'MediaServer' },
  ],
};

const envelope: KvList = [
  { key: 'AppName', value: 'EmailServerJava' },
  { key: 'Service', value: 'Autoresponse' },
  { key: 'Method', value: 'Send' },
  { key: 'Parameters', value: [{ key: 'StandardResponseId', value: 'SR1' }] },
];
const userData: KvList = [{ key: 'InteractionId', value: 'X1' }];

function setup() {
  const w = coreWorld(CONFIG, T0);
  const urs = w.reg(ClientType.RoutingEngine, 'URS');
  const stat = w.reg(ClientType.ReportingEngine, 'Stat');
  const esj = w.reg(ClientType.ThirdPartyServer, 'EmailServerJava');
  const ask = (ref: number, request: KvList = envelope) =>
    w.core.handle(urs, isMsg('Request3rdServer', { ReferenceId: ref, Request: request, UserData: userData }));
  return { ...w, urs, stat, esj, ask };
}

describe('ESP relay', () => {
  it('Request3rdServer by AppName: relayed under a ReferenceId of ours; the answer goes back under the requester’s', () => {
    const { core, urs, stat, esj, ask } = setup();
    const p = ask(7);
    assert.deepEqual(who(p), [
      [stat.id, 'EventExternalServiceRequested'],
      [esj.id, 'Request3rdServer'],
    ]);
    const relayed = msg(p, esj.id, 'Request3rdServer');
    const serverRef = relayed.attrs.ReferenceId as number;
    assert.deepEqual(relayed.attrs, { ReferenceId: serverRef, Request: envelope, UserData: userData });
    const requested = msg(p, stat.id, 'EventExternalServiceRequested').attrs;
    assert.equal(requested.EspClientRefid, 7);
    assert.equal(requested.EspServerRefid, serverRef);
    assert.deepEqual(requested.EspRequestEnvelope, envelope);
    assert.deepEqual(requested.UserData, userData);
    assert.equal(requested.ActorRouterId, 'URS');
    assert.equal(typeof requested.EspRequestId, 'string');
    assert.equal(p.store.length, 1, 'the reporting copy is kept in the event log');

    const out: KvList = [{ key: 'Result', value: 'sent' }];
    const answered = core.handle(
      esj,
      isMsg('Event3rdServerResponse', { ReferenceId: serverRef, Request: out, UserData: userData }),
    );
    assert.deepEqual(who(answered), [
      [stat.id, 'EventExternalServiceResponded'],
      [urs.id, 'Event3rdServerResponse'],
    ]);
    assert.deepEqual(msg(answered, urs.id, 'Event3rdServerResponse').attrs, {
      ReferenceId: 7,
      Request: out,
      UserData: userData,
    });
    const responded = msg(answered, stat.id, 'EventExternalServiceResponded').attrs;
    assert.equal(responded.EspResponseType, 501);
    assert.equal(responded.EspRequestId, requested.EspRequestId);
    assert.equal(core.esp.size, 0);
    // A second answer to the same request names nothing.
    refused(
      core.handle(esj, isMsg('Event3rdServerResponse', { ReferenceId: serverRef, Request: out })),
      esj.id,
      'Error_invalid_protocol_message',
      `ReferenceId ${String(serverRef)}`,
    );
  });

  it('Envelope3rdServer inside Request, AppType only: round-robin over every connected third-party server', () => {
    const w = setup();
    const cls = w.reg(ClientType.ThirdPartyServer, 'Classifier');
    const byType: KvList = [
      { key: 'Envelope3rdServer', value: [{ key: 'AppType', value: 'ThirdPartyServer' }, ...envelope.slice(1)] },
    ];
    const to = [1, 2, 3].map((r) => {
      const p = w.ask(r, byType);
      const m = p.out.find((o) => o.message.name === 'Request3rdServer');
      assert.ok(m);
      return m.to;
    });
    assert.equal(new Set(to).size, 2, 'both servers take turns');
    assert.equal(to[0], to[2]);
    assert.ok(to.includes(cls.id) && to.includes(w.esj.id));
  });

  it('a fault is relayed; reporting gets FaultCode and FaultString in the envelope copy', () => {
    const { core, urs, stat, esj, ask } = setup();
    const serverRef = msg(ask(3), esj.id, 'Request3rdServer').attrs.ReferenceId;
    const fault: KvList = [
      { key: 'FaultCode', value: '12' },
      { key: 'FaultString', value: 'no such standard response' },
    ];
    const p = core.handle(esj, isMsg('Event3rdServerFault', { ReferenceId: serverRef, Request: fault }));
    assert.deepEqual(msg(p, urs.id, 'Event3rdServerFault').attrs, { ReferenceId: 3, Request: fault });
    const r = msg(p, stat.id, 'EventExternalServiceResponded').attrs;
    assert.equal(r.EspResponseType, 502);
    assert.deepEqual(r.EspRequestEnvelope, [...envelope, ...fault]);
  });

  it('refusals name what is wrong and change nothing', () => {
    const { core, urs, esj, ask } = setup();
    refused(ask(1, [{ key: 'Service', value: 'x' }]), urs.id, 'Error_invalid_protocol_message', 'AppName or AppType');
    refused(
      ask(2, [{ key: 'AppName', value: 'Stat' }]),
      urs.id,
      'Error_party_unavailable',
      "'Stat' is not a configured ThirdPartyServer",
    );
    refused(
      ask(3, [{ key: 'AppName', value: 'Classifier' }]),
      urs.id,
      'Error_party_unavailable',
      "'Classifier' is not connected",
    );
    refused(
      core.handle(urs, isMsg('Request3rdServer', { ReferenceId: 4 })),
      urs.id,
      'Error_invalid_protocol_message',
      'needs Request',
    );
    // Only a third-party server may answer, and only what it was sent.
    refused(
      core.handle(urs, isMsg('Event3rdServerResponse', { ReferenceId: 1 })),
      urs.id,
      'ErrorUnsupportedProtocolElement',
      'not allowed for a RoutingEngine',
    );
    refused(
      core.handle(esj, isMsg('Event3rdServerResponse', { ReferenceId: 999 })),
      esj.id,
      'Error_invalid_protocol_message',
      'ReferenceId 999',
    );
    assert.equal(core.esp.size, 0);
  });

  it('a server that goes away fails what it was serving; a requester that goes away gets nothing, reporting still does', () => {
    const { core, urs, stat, esj, ask, reg } = setup();
    ask(1);
    const gone = core.sessionClosed(esj.id);
    assert.deepEqual(who(gone), [
      [stat.id, 'EventExternalServiceResponded'],
      [urs.id, 'Event3rdServerFault'],
    ]);
    const fault = msg(gone, urs.id, 'Event3rdServerFault').attrs.Request as KvList;
    assert.equal(fault.find((p) => p.key === 'FaultCode')?.value, 'ServerGone');
    assert.equal(core.esp.size, 0);

    const esj2 = reg(ClientType.ThirdPartyServer, 'EmailServerJava');
    const serverRef = msg(ask(2), esj2.id, 'Request3rdServer').attrs.ReferenceId;
    assert.deepEqual(who(core.sessionClosed(urs.id)), [], 'the requester leaving tells nobody');
    const late = core.handle(esj2, isMsg('Event3rdServerResponse', { ReferenceId: serverRef, Request: [] }));
    assert.deepEqual(who(late), [[stat.id, 'EventExternalServiceResponded']]);
    assert.equal(core.esp.size, 0);
  });
});
