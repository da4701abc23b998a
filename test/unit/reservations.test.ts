/**
 * Agent reservation for routing engines (issue #12, urs-routing §9.6 / §9.8 F): T-Library RequestReserveAgent requests
 * for one agent are collected for requestCollectionTime, the highest Priority wins (EventAgentReserved), the others get
 * TERR_AGENT_ALREADY_RESERVED; while reserved, another engine's RequestRouteCall to the agent is refused and the
 * holder's uses the reservation up; it ends after reservationTime (or the request's Timeout), with its session, and a
 * second request by the holder is refused or prolongs it (rejectSubsequentRequest).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ConfigInput } from '../../src/config/schema.ts';
import type { Session } from '../../src/core/model/session.ts';
import type { Plan } from '../../src/core/plan.ts';
import { ClientType } from '../../src/protocol/enums.ts';
import { isMsg, tlibMsg, type Message } from '../../src/protocol/message.ts';
import { TLIB_ERRORS } from '../../src/protocol/tlib-wire.ts';
import { coreWorld } from './core-harness.ts';

const T0 = Date.UTC(2026, 0, 1, 9);
const config = (rejectSubsequentRequest = true): ConfigInput => ({
  tenants: [{ id: 1, name: 'T' }],
  mediaTypes: ['email'],
  interactionTypes: { Inbound: ['InboundNew'] },
  applications: [
    { name: 'Mail', type: 'MediaServer' },
    { name: 'URS', type: 'RoutingEngine' },
    { name: 'URS2', type: 'RoutingEngine' },
    { name: 'Desktop', type: 'AgentApplication' },
  ],
  places: [
    { id: 'P1', tenant: 1 },
    { id: 'P2', tenant: 1 },
  ],
  agents: [
    { id: 'a1', tenant: 1, media: { email: 2 } },
    { id: 'a2', tenant: 1, media: { email: 2 } },
  ],
  queues: [{ name: 'Inbound', tenant: 1, routing: 'external' }],
  settings: { agentReservation: { requestCollectionTime: 100, reservationTime: 5000, rejectSubsequentRequest } },
});

function setup(rejectSubsequentRequest = true) {
  const w = coreWorld(config(rejectSubsequentRequest), T0);
  const mail = w.reg(ClientType.MediaServer, 'Mail');
  w.agent('a1', 'P1');
  const engine = (name: string): Session => {
    const r = w.core.register(
      isMsg('RequestRegisterClient', { ClientType: ClientType.RoutingEngine, ClientName: name }),
      undefined,
      'tlib',
    );
    assert.ok(r.session);
    w.core.handle(r.session, tlibMsg('RequestRegisterAddress', { ReferenceId: 1, ThisDN: 'Inbound' }));
    return r.session;
  };
  const urs = engine('URS');
  const urs2 = engine('URS2');
  const reserve = (s: Session, ref: number, attrs: Message['attrs']): Plan =>
    w.core.handle(s, tlibMsg('RequestReserveAgent', { ReferenceId: ref, ThisDN: 'Inbound', ...attrs }));
  /** Submits one interaction; returns the engine it was handed to and the hand-off's ConnID. */
  const handOff = (): { to: number; connId: string } => {
    const p = w.submit(mail, 'Inbound');
    const rr = p.out.find((o) => o.message.name === 'EventRouteRequest');
    assert.ok(rr);
    return { to: rr.to, connId: String(rr.message.attrs.ConnId) };
  };
  const session = (id: number): Session => w.core.state.sessions.get(id) as Session;
  const routeTo = (s: Session, connId: string, agent: string): Plan =>
    w.core.handle(s, tlibMsg('RequestRouteCall', { ReferenceId: 9, ConnId: connId, OtherDN: agent }));
  return { ...w, urs, urs2, reserve, handOff, session, routeTo };
}

/** [recipient, name, ErrorCode?] of a plan's messages. */
function said(p: Plan): [number, string, unknown?][] {
  return p.out.map((o) =>
    o.message.name === 'EventError' ? [o.to, o.message.name, o.message.attrs.ErrorCode] : [o.to, o.message.name],
  );
}

describe('agent reservation', () => {
  it('requests collected for the window; the highest Priority wins, the others get TERR_AGENT_ALREADY_RESERVED', () => {
    const { core, urs, urs2, reserve, advance } = setup();
    assert.deepEqual(said(reserve(urs, 11, { AgentID: 'a1', Priority: 1 })), [], 'decided when the window closes');
    assert.deepEqual(said(reserve(urs2, 12, { AgentID: 'a1', Priority: 5 })), []);
    assert.equal(core.nextDeadline(), T0 + 100);
    advance(100);
    const decided = core.tick();
    assert.deepEqual(said(decided), [
      [urs.id, 'EventError', TLIB_ERRORS.TERR_AGENT_ALREADY_RESERVED],
      [urs2.id, 'EventAgentReserved'],
    ]);
    const ok = decided.out.find((o) => o.message.name === 'EventAgentReserved')?.message;
    assert.deepEqual(ok?.attrs, { ReferenceId: 12, ThisDN: 'Inbound', AgentID: 'a1', Place: 'P1' });
    assert.equal(core.reservations.holderOf('a1'), 'URS2');
    assert.equal(core.nextDeadline(), T0 + 100 + 5000, 'the reservation ends after reservationTime');
  });

  it("another engine's RequestRouteCall to the reserved agent is refused; the holder's invites and uses it up", () => {
    const w = setup();
    w.reserve(w.urs2, 12, { Place: 'P1' });
    w.advance(100);
    w.core.tick();
    // Two hand-offs: the round-robin gives one to each engine.
    const byEngine = new Map([w.handOff(), w.handOff()].map((h) => [w.session(h.to).clientName, h.connId]));
    assert.deepEqual([...byEngine.keys()].sort(), ['URS', 'URS2']);
    const refused = w.routeTo(w.urs, byEngine.get('URS') as string, 'a1');
    assert.deepEqual(said(refused), [[w.urs.id, 'EventError', TLIB_ERRORS.TERR_AGENT_ALREADY_RESERVED]]);
    assert.match(String(refused.out[0]?.message.attrs.ErrorMessage), /reserved for routing engine 'URS2'/);
    assert.equal(w.core.reservations.holderOf('a1'), 'URS2', 'a refused route changes nothing');
    const routed = w.routeTo(w.urs2, byEngine.get('URS2') as string, 'a1');
    assert.ok(
      said(routed).some(([, n]) => n === 'EventInvite'),
      JSON.stringify(said(routed)),
    );
    assert.equal(w.core.reservations.holderOf('a1'), undefined, 'used up');
    // Now URS may route to the agent too.
    assert.ok(said(w.routeTo(w.urs, byEngine.get('URS') as string, 'a1')).some(([, n]) => n === 'EventInvite'));
  });

  it('a reservation ends after reservationTime (or the shorter Timeout) and with its session', () => {
    const w = setup();
    w.reserve(w.urs, 1, { AgentID: 'a1', Timeout: 2 });
    w.advance(100);
    w.core.tick();
    assert.equal(w.core.reservations.holderOf('a1'), 'URS');
    assert.equal(w.core.nextDeadline(), T0 + 100 + 2000, "the request's Timeout (2 s) is shorter than 5 s");
    w.advance(2000);
    w.core.tick();
    assert.equal(w.core.reservations.holderOf('a1'), undefined);
    w.reserve(w.urs2, 2, { AgentID: 'a1' });
    w.advance(100);
    w.core.tick();
    assert.equal(w.core.reservations.holderOf('a1'), 'URS2');
    w.core.sessionClosed(w.urs2.id);
    assert.equal(w.core.reservations.holderOf('a1'), undefined, 'released with its session');
    assert.equal(w.core.reservations.nextDeadline(), undefined);
  });

  it('the holder asking again: refused with rejectSubsequentRequest, else prolonged at once', () => {
    for (const reject of [true, false]) {
      const w = setup(reject);
      w.reserve(w.urs, 1, { AgentID: 'a1' });
      w.advance(100);
      w.core.tick();
      w.advance(1000);
      const again = w.reserve(w.urs, 2, { AgentID: 'a1' });
      if (reject) {
        assert.deepEqual(said(again), [[w.urs.id, 'EventError', TLIB_ERRORS.TERR_AGENT_ALREADY_RESERVED]]);
        assert.equal(w.core.reservations.nextDeadline(), T0 + 100 + 5000);
      } else {
        assert.deepEqual(said(again), [[w.urs.id, 'EventAgentReserved']]);
        assert.equal(w.core.reservations.nextDeadline(), T0 + 1100 + 5000, 'prolonged from now');
      }
      // Another engine meanwhile: refused at once.
      assert.deepEqual(said(w.reserve(w.urs2, 3, { AgentID: 'a1' })), [
        [w.urs2.id, 'EventError', TLIB_ERRORS.TERR_AGENT_ALREADY_RESERVED],
      ]);
    }
  });

  it('refusals: an agent not logged in (TERR_TARG_NOT_AGENT), no AgentID or Place', () => {
    const w = setup();
    assert.deepEqual(said(w.reserve(w.urs, 1, { AgentID: 'a2' })), [
      [w.urs.id, 'EventError', TLIB_ERRORS.TERR_TARG_NOT_AGENT],
    ]);
    assert.deepEqual(said(w.reserve(w.urs, 2, { Place: 'P2' })), [
      [w.urs.id, 'EventError', TLIB_ERRORS.TERR_TARG_NOT_AGENT],
    ]);
    const none = w.reserve(w.urs, 3, {});
    assert.equal(none.out[0]?.message.name, 'EventError');
    assert.match(
      String(none.out[0]?.message.attrs.ErrorDescription ?? none.out[0]?.message.attrs.ErrorMessage),
      /AgentID or Place/,
    );
    assert.equal(w.core.reservations.nextDeadline(), undefined, 'nothing pending');
  });
});
