/**
 * Transfer, conference and cancel in the core (lifecycle.md §5), each plan asserted exactly: who receives which
 * message, that nobody else receives anything, and that refusals change nothing.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { coreWorld, msg, refused, who } from './core-harness.ts';
import type { ConfigInput } from '../../src/config/schema.ts';
import type { Core } from '../../src/core/core.ts';
import { ClientType, Operation } from '../../src/protocol/enums.ts';
import { errorCode } from '../../src/protocol/errors.ts';

const T0 = Date.UTC(2026, 0, 1, 9, 0, 0);

const CONFIG: ConfigInput = {
  tenants: [
    { id: 1, name: 'T' },
    { id: 2, name: 'Other' },
  ],
  mediaTypes: ['email'],
  interactionTypes: { Inbound: ['InboundNew'] },
  applications: [
    { name: 'Mail', type: 'MediaServer' },
    { name: 'Desktop', type: 'AgentApplication' },
    { name: 'Stat', type: 'ReportingEngine' },
  ],
  places: [
    { id: 'P1', tenant: 1 },
    { id: 'P2', tenant: 1 },
    { id: 'P3', tenant: 1 },
  ],
  agents: [
    { id: 'a1', tenant: 1, media: { email: 2 } },
    { id: 'a2', tenant: 1, media: { email: 1 } },
    { id: 'a3', tenant: 1, media: { email: 1 } },
    { id: 'b1', tenant: 2, media: { email: 1 } },
  ],
  queues: [{ name: 'Support', tenant: 1, routing: { agents: ['a1'] }, timeouts: { delivering: 20 } }],
};

function setup() {
  const w = coreWorld(CONFIG, T0);
  const { core, reg, send, agent } = w;
  const mail = reg(ClientType.MediaServer, 'Mail');
  const stat = reg(ClientType.ReportingEngine, 'Stat');
  /** a1 handles X1 (Support); a2 and a3 are logged in and free. */
  const d1 = agent('a1', 'P1');
  send(mail, 'RequestSubmit', {
    TenantId: 1,
    MediaType: 'email',
    InteractionType: 'Inbound',
    InteractionSubtype: 'InboundNew',
    Queue: 'Support',
  });
  assert.equal(send(d1, 'RequestAccept', { InteractionId: 'X1' }).out[0]?.message.name, 'EventAck');
  const d2 = agent('a2', 'P2');
  const d3 = agent('a3', 'P3');
  return { core, mail, stat, send, d1, d2, d3, advance: w.advance };
}

const parties = (core: Core): string[] =>
  (core.state.interactions.get('X1')?.parties ?? []).map((p) => `${p.agentId}:${p.visibility}`);

describe('RequestTransfer', () => {
  it('no reply at issue; on accept the invitee replaces the inviter, whose request gets its EventAck', () => {
    const { core, stat, send, d1, d2 } = setup();
    const asked = send(d1, 'RequestTransfer', { ReferenceId: 41, InteractionId: 'X1', AgentId: 'a2' });
    assert.deepEqual(who(asked), [
      [d2.id, 'EventInvite'],
      [stat.id, 'EventAgentInvited'],
    ]);
    assert.equal(msg(asked, stat.id, 'EventAgentInvited').attrs.Operation, Operation.Transfer);
    const ticket = msg(asked, d2.id, 'EventInvite').attrs.TicketId as number;
    const done = send(d2, 'RequestAccept', { ReferenceId: 5, InteractionId: 'X1', TicketId: ticket });
    assert.deepEqual(who(done), [
      [d2.id, 'EventAck'],
      [stat.id, 'EventPartyAdded'],
      [stat.id, 'EventPartyRemoved'],
      [d1.id, 'EventAck'],
    ]);
    assert.equal(msg(done, d1.id, 'EventAck').attrs.ReferenceId, 41);
    assert.equal(msg(done, stat.id, 'EventPartyAdded').attrs.AgentId, 'a2');
    assert.equal(msg(done, stat.id, 'EventPartyAdded').attrs.Operation, Operation.Transfer);
    assert.equal(msg(done, stat.id, 'EventPartyRemoved').attrs.AgentId, 'a1');
    assert.deepEqual(parties(core), ['a2:conference']);
    assert.equal(core.state.loadOf('a1', 'email'), 0);
    assert.equal(core.state.loadOf('a2', 'email'), 1);
  });

  it('rejected: the inviter keeps it and its request gets EventError 46; reporting EventRejected', () => {
    const { core, stat, send, d1, d2 } = setup();
    send(d1, 'RequestTransfer', { ReferenceId: 41, InteractionId: 'X1', AgentId: 'a2' });
    const no = send(d2, 'RequestReject', { ReferenceId: 6, InteractionId: 'X1' });
    assert.deepEqual(who(no), [
      [d2.id, 'EventAck'],
      [stat.id, 'EventRejected'],
      [d1.id, 'EventError'],
    ]);
    const err = msg(no, d1.id, 'EventError');
    assert.equal(err.attrs.ReferenceId, 41);
    assert.equal(err.attrs.ErrorCode, errorCode('Error_party_unavailable'));
    assert.match(String(err.attrs.ErrorDescription), /'a2' rejected/);
    assert.deepEqual(parties(core), ['a1:conference']);
    assert.equal(core.state.interactions.get('X1')?.lastRejectedBy, undefined);
  });

  it("not answered within the queue's delivering timeout: EventPartyRemoved, EventRevoked, EventError; a1 keeps it", () => {
    const { core, stat, send, d1, d2, advance } = setup();
    send(d1, 'RequestTransfer', { ReferenceId: 41, InteractionId: 'X1', PlaceId: 'P2' });
    advance(20_000);
    const expired = core.tick();
    assert.deepEqual(who(expired), [
      [stat.id, 'EventPartyRemoved'],
      [d2.id, 'EventRevoked'],
      [d1.id, 'EventError'],
    ]);
    assert.match(String(msg(expired, d1.id, 'EventError').attrs.ErrorDescription), /did not answer in time/);
    assert.deepEqual(parties(core), ['a1:conference']);
    assert.deepEqual(core.state.interactions.get('X1')?.placement, { kind: 'handled' });
  });

  it('RequestCancelInvite: EventAck, the invitee EventRevoked, the pending request EventError; nothing reported', () => {
    const { core, send, d1, d2 } = setup();
    send(d1, 'RequestTransfer', { ReferenceId: 41, InteractionId: 'X1', AgentId: 'a2' });
    const cancelled = send(d1, 'RequestCancelInvite', { ReferenceId: 42, InteractionId: 'X1', AgentId: 'a2' });
    assert.deepEqual(who(cancelled), [
      [d1.id, 'EventAck'],
      [d2.id, 'EventRevoked'],
      [d1.id, 'EventError'],
    ]);
    assert.equal(cancelled.out[0]?.message.attrs.ReferenceId, 42);
    assert.equal(cancelled.out[2]?.message.attrs.ReferenceId, 41);
    assert.deepEqual(
      cancelled.store.filter((op) => op.op === 'event'),
      [],
    );
    assert.deepEqual(core.state.interactions.get('X1')?.invitations, []);
    refused(
      send(d1, 'RequestCancelInvite', { InteractionId: 'X1' }),
      d1.id,
      'Error_invalid_interaction_state',
      'no invitation pending',
    );
  });

  it('refusals change nothing: not a handler, self, unknown or foreign agent, nobody at the place, busy, pending', () => {
    const { send, d1, d2, d3 } = setup();
    refused(send(d2, 'RequestTransfer', { InteractionId: 'X1', AgentId: 'a3' }), d2.id, 'Error_not_an_owner', "'a2'");
    refused(send(d1, 'RequestTransfer', { InteractionId: 'X1' }), d1.id, 'Error_agent_not_specified', 'AgentId');
    refused(
      send(d1, 'RequestTransfer', { InteractionId: 'X1', AgentId: 'a1' }),
      d1.id,
      'Error_already_participating',
      "'a1'",
    );
    refused(
      send(d1, 'RequestTransfer', { InteractionId: 'X1', AgentId: 'zz' }),
      d1.id,
      'Error_transfer_target_invalid',
      "'zz'",
    );
    refused(
      send(d1, 'RequestTransfer', { InteractionId: 'X1', AgentId: 'b1' }),
      d1.id,
      'Error_transfer_target_invalid',
      'tenant 1',
    );
    send(d3, 'RequestAgentLogout', {});
    refused(
      send(d1, 'RequestTransfer', { InteractionId: 'X1', PlaceId: 'P3' }),
      d1.id,
      'Error_party_unavailable',
      "place 'P3'",
    );
    send(d2, 'RequestNotReadyForMedia', { MediaTypeName: 'email' });
    refused(
      send(d1, 'RequestTransfer', { InteractionId: 'X1', AgentId: 'a2' }),
      d1.id,
      'Error_party_unavailable',
      'not ready',
    );
    send(d2, 'RequestCancelNotReadyForMedia', { MediaTypeName: 'email' });
    assert.equal(send(d1, 'RequestTransfer', { InteractionId: 'X1', AgentId: 'a2' }).store.length > 0, true);
    refused(
      send(d1, 'RequestConference', { InteractionId: 'X1', AgentId: 'a2' }),
      d1.id,
      'Error_transfer_in_progress',
      "'a2'",
    );
  });
});

describe('RequestConference', () => {
  it('on accept the invitee joins with its visibility; every party hears of it; leaving one by one', () => {
    const { core, stat, send, d1, d2 } = setup();
    const asked = send(d1, 'RequestConference', {
      ReferenceId: 51,
      InteractionId: 'X1',
      AgentId: 'a2',
      VisibilityMode: 3,
    });
    assert.deepEqual(who(asked), [
      [d2.id, 'EventInvite'],
      [stat.id, 'EventAgentInvited'],
    ]);
    assert.equal(msg(asked, d2.id, 'EventInvite').attrs.VisibilityMode, 3);
    assert.equal(msg(asked, stat.id, 'EventAgentInvited').attrs.Operation, Operation.Conference);
    const joined = send(d2, 'RequestAccept', { ReferenceId: 7, InteractionId: 'X1' });
    assert.deepEqual(who(joined), [
      [d2.id, 'EventAck'],
      [stat.id, 'EventPartyAdded'],
      [d1.id, 'EventPartyAdded'],
      [d1.id, 'EventAck'],
    ]);
    assert.equal(msg(joined, d1.id, 'EventAck').attrs.ReferenceId, 51);
    assert.deepEqual(parties(core), ['a1:conference', 'a2:coach']);
    assert.equal(core.state.loadOf('a1', 'email'), 1);
    assert.equal(core.state.loadOf('a2', 'email'), 1);

    // The inviter leaves: the other party is told; it keeps the interaction.
    const left = send(d1, 'RequestLeaveInteraction', { ReferenceId: 8, InteractionId: 'X1' });
    assert.deepEqual(who(left), [
      [d1.id, 'EventAck'],
      [stat.id, 'EventPartyRemoved'],
      [d2.id, 'EventPartyRemoved'],
    ]);
    assert.deepEqual(parties(core), ['a2:coach']);
    // The last one leaves: back to Support, offered to a1 again.
    const last = send(d2, 'RequestLeaveInteraction', { ReferenceId: 9, InteractionId: 'X1' });
    assert.deepEqual(who(last), [
      [d2.id, 'EventAck'],
      [stat.id, 'EventPartyRemoved'],
      [stat.id, 'EventPlacedInQueue'],
      [d1.id, 'EventInvite'],
      [stat.id, 'EventAgentInvited'],
    ]);
  });

  it('a VisibilityMode outside Conference, Monitor, Coach is refused', () => {
    const { send, d1 } = setup();
    refused(
      send(d1, 'RequestConference', { InteractionId: 'X1', AgentId: 'a2', VisibilityMode: 9 }),
      d1.id,
      'Error_invalid_protocol_message',
      'VisibilityMode 9',
    );
  });
});

describe('RequestIntrude', () => {
  it('a supervisor joins at once with its visibility: EventAck, EventPartyAdded to reporting and the other party', () => {
    const { core, stat, send, d1, d3 } = setup();
    const p = send(d3, 'RequestIntrude', { ReferenceId: 61, InteractionId: 'X1', VisibilityMode: 2 });
    assert.deepEqual(who(p), [
      [d3.id, 'EventAck'],
      [stat.id, 'EventPartyAdded'],
      [d1.id, 'EventPartyAdded'],
    ]);
    assert.equal(msg(p, stat.id, 'EventPartyAdded').attrs.Operation, Operation.Intrude);
    assert.equal(msg(p, stat.id, 'EventPartyAdded').attrs.AgentId, 'a3');
    assert.deepEqual(parties(core), ['a1:conference', 'a3:monitor']);
    refused(
      send(d3, 'RequestIntrude', { InteractionId: 'X1', VisibilityMode: 2 }),
      d3.id,
      'Error_already_participating',
      "'a3'",
    );
  });

  it('only into a handled interaction', () => {
    const { send, mail, d2 } = setup();
    const p = send(mail, 'RequestSubmit', {
      TenantId: 1,
      MediaType: 'email',
      InteractionType: 'Inbound',
      InteractionSubtype: 'InboundNew',
      Queue: 'Support',
    });
    const id = String(p.out[0]?.message.attrs.InteractionId);
    assert.equal(id, 'X2', 'submitted (and offered to a1, not handled yet)');
    refused(
      send(d2, 'RequestIntrude', { InteractionId: id, VisibilityMode: 1 }),
      d2.id,
      'Error_invalid_interaction_state',
      'not being handled',
    );
  });
});
