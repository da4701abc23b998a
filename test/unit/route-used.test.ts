/**
 * When a routing engine hears its route to an agent is used (issue #12, urs-routing §9.8 F): `settings.routeUsedOn`
 * 'answer' (default) sends EventRouteUsed when the agent accepts, rejects or lets the invitation time out; 'invite'
 * sends it once, when the agent is invited. On the binary T-Library dialect a route that ended without the agent taking
 * it says why in Reasons {Result}.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ConfigInput } from '../../src/config/schema.ts';
import { handOff, routeUsed, tlibWireForm } from '../../src/core/render.ts';
import { ClientType } from '../../src/protocol/enums.ts';
import { tlibMsg } from '../../src/protocol/message.ts';
import { coreWorld, msg, who } from './core-harness.ts';

const T0 = Date.UTC(2026, 0, 1, 9);
const config = (routeUsedOn: 'invite' | 'answer', noUserdataChangedResponseToUrs = false): ConfigInput => ({
  tenants: [{ id: 1, name: 'T' }],
  mediaTypes: ['email'],
  interactionTypes: { Inbound: ['InboundNew'] },
  applications: [
    { name: 'Mail', type: 'MediaServer' },
    { name: 'URS', type: 'RoutingEngine' },
    { name: 'Desktop', type: 'AgentApplication' },
    { name: 'Stat', type: 'ReportingEngine' },
  ],
  places: [{ id: 'P1', tenant: 1 }],
  agents: [{ id: 'a1', tenant: 1, media: { email: 1 } }],
  queues: [{ name: 'Inbound', tenant: 1, routing: 'external' }],
  settings: { routeUsedOn, noUserdataChangedResponseToUrs },
});

function routed(routeUsedOn: 'invite' | 'answer') {
  const w = coreWorld(config(routeUsedOn), T0, 1);
  const mail = w.reg(ClientType.MediaServer, 'Mail');
  const urs = w.reg(ClientType.RoutingEngine, 'URS');
  const desk = w.agent('a1', 'P1');
  w.submit(mail, 'Inbound');
  const route = w.core.handle(
    urs,
    tlibMsg('RequestRouteCall', { ReferenceId: 5, ConnId: 'X1', TargetType: 1, TargetAgent: 'a1' }),
  );
  const ticket = msg(route, desk.id, 'EventInvite').attrs.TicketId as number;
  const accept = w.send(desk, 'RequestAccept', { InteractionId: 'X1', TicketId: ticket });
  return { urs, desk, route, accept };
}

describe('routeUsedOn', () => {
  it("'answer' (default): nothing at the invitation, EventRouteUsed accepted when the agent accepts", () => {
    const { urs, route, accept } = routed('answer');
    assert.deepEqual(
      who(route).filter(([to]) => to === urs.id),
      [],
    );
    assert.deepEqual(msg(accept, urs.id, 'EventRouteUsed').attrs, {
      ReferenceId: 5,
      ConnId: 'X1',
      ThisDN: 'Inbound',
      OtherDN: 'P1',
      Result: 'accepted',
    });
  });

  it("'invite': EventRouteUsed invited at the invitation, nothing when the agent accepts", () => {
    const { urs, route, accept } = routed('invite');
    assert.deepEqual(msg(route, urs.id, 'EventRouteUsed').attrs, {
      ReferenceId: 5,
      ConnId: 'X1',
      ThisDN: 'Inbound',
      OtherDN: 'P1',
      Result: 'invited',
    });
    assert.deepEqual(
      who(accept).filter(([to]) => to === urs.id),
      [],
    );
  });

  it('T-Library wire form: Reasons {Result} when the agent rejected or let the invitation time out, none otherwise', () => {
    const w = coreWorld(config('answer'), T0);
    const mail = w.reg(ClientType.MediaServer, 'Mail');
    w.submit(mail, 'Inbound');
    const ix = w.core.state.interactions.get('X1');
    assert.ok(ix);
    const about = { ...handOff(ix), connId: '0001000000000007' };
    for (const result of ['rejected', 'timeout'] as const) {
      const wire = tlibWireForm(routeUsed(ix, 5, 'P1', result, 'Inbound'), about);
      assert.deepEqual(wire.attrs.Reasons, [{ key: 'Result', value: result }]);
    }
    assert.equal(tlibWireForm(routeUsed(ix, 5, 'P1', 'accepted', 'Inbound'), about).attrs.Reasons, undefined);
  });
});

describe('noUserdataChangedResponseToUrs', () => {
  for (const option of [false, true]) {
    it(`${String(option)}: RequestUpdateUserData ${option ? 'gets no reply' : 'is answered by EventAttachedDataChanged'}; reporting hears of the change either way`, () => {
      const w = coreWorld(config('answer', option), T0, 1);
      const mail = w.reg(ClientType.MediaServer, 'Mail');
      const stat = w.reg(ClientType.ReportingEngine, 'Stat');
      const urs = w.reg(ClientType.RoutingEngine, 'URS');
      w.submit(mail, 'Inbound');
      const p = w.core.handle(
        urs,
        tlibMsg('RequestUpdateUserData', { ReferenceId: 4, ConnId: 'X1', UserData: [{ key: 'k', value: 'v' }] }),
      );
      assert.deepEqual(who(p), [
        ...(option ? [] : [[urs.id, 'EventAttachedDataChanged'] as [number, string]]),
        [stat.id, 'EventPropertiesChanged'],
      ]);
    });
  }
});
