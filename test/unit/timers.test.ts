/**
 * Durable timers in the core (lifecycle.md §5): the delivering, handling and routing timeouts, with an injected clock.
 * Each expiry's plan is asserted exactly — who receives which message, and that nobody else receives anything — and
 * the deadlines live in the interaction's record, so a core loaded from those records fires them at their original
 * time (or at once when it has passed).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { coreWorld, msg, who } from './core-harness.ts';
import type { ConfigInput } from '../../src/config/schema.ts';
import type { Core } from '../../src/core/core.ts';
import type { Interaction } from '../../src/core/model/interaction.ts';
import { unpacked } from '../../src/core/model/packed.ts';
import type { Session } from '../../src/core/model/session.ts';
import type { Plan } from '../../src/core/plan.ts';
import { ClientType, Operation } from '../../src/protocol/enums.ts';
import { tlibMsg, type Message } from '../../src/protocol/message.ts';

const T0 = Date.UTC(2026, 0, 1, 9, 0, 0);

const CONFIG: ConfigInput = {
  tenants: [{ id: 1, name: 'T' }],
  mediaTypes: ['email'],
  interactionTypes: { Inbound: ['InboundNew'] },
  applications: [
    { name: 'Mail', type: 'MediaServer' },
    { name: 'Desktop', type: 'AgentApplication' },
    { name: 'Stat', type: 'ReportingEngine' },
    { name: 'URS', type: 'RoutingEngine' },
  ],
  places: [
    { id: 'P1', tenant: 1 },
    { id: 'P2', tenant: 1 },
  ],
  agents: [
    { id: 'a1', tenant: 1, media: { email: 1 } },
    { id: 'a2', tenant: 1, media: { email: 1 } },
  ],
  queues: [
    { name: 'Sales', tenant: 1, routing: { agents: ['a1', 'a2'] }, timeouts: { delivering: 10 } },
    { name: 'Support', tenant: 1, routing: { agents: ['a1'] } },
    { name: 'Inbound', tenant: 1, routing: 'external' },
  ],
  settings: { deliveringTimeout: 30, handlingTimeout: 60, routingTimeout: 100 },
};

function setup(clockStart = T0) {
  const w = coreWorld(CONFIG, clockStart, 1);
  const { core, reg, send, agent } = w;
  const mail = reg(ClientType.MediaServer, 'Mail');
  const stat = reg(ClientType.ReportingEngine, 'Stat');
  const submit = (queue: string, userData: Message['attrs'][string] = []): Plan =>
    send(mail, 'RequestSubmit', {
      TenantId: 1,
      MediaType: 'email',
      InteractionType: 'Inbound',
      InteractionSubtype: 'InboundNew',
      Queue: queue,
      UserData: userData,
    });
  return {
    core,
    mail,
    stat,
    reg,
    send,
    agent,
    submit,
    advance: w.advance,
    at: w.at,
  };
}

/** The reporting events a plan stores, in order, numbered per interaction. */
function events(plan: Plan): string[] {
  return plan.store.flatMap((op) =>
    op.op === 'event' ? [`${String(op.event.interactionId)}#${String(op.event.ixnSeq)} ${op.event.message.name}`] : [],
  );
}

const EMPTY: Plan = { store: [], out: [] };

describe('delivering timeout', () => {
  it("revokes an unanswered invitation at the queue's deadline, reports EventPartyRemoved and offers it again", () => {
    const { core, stat, agent, submit, advance } = setup();
    const d1 = agent('a1', 'P1');
    advance(1000);
    const invite = submit('Sales');
    assert.deepEqual(
      who(invite).filter(([, n]) => n === 'EventInvite'),
      [[d1.id, 'EventInvite']],
    );
    // The queue's own delivering timeout (10 s), not the global one (30 s).
    assert.equal(core.nextDeadline(), T0 + 1000 + 10_000);
    const d2 = agent('a2', 'P2');
    advance(9_999);
    assert.deepEqual(core.tick(), EMPTY, 'nothing is due a millisecond early');
    advance(1);
    const expired = core.tick();
    // a1's invitation ends; a2 (idle since its login, before a1's load dropped) is offered the interaction.
    assert.deepEqual(who(expired), [
      [stat.id, 'EventPartyRemoved'],
      [d1.id, 'EventRevoked'],
      [d2.id, 'EventInvite'],
      [stat.id, 'EventAgentInvited'],
    ]);
    const removed = msg(expired, stat.id, 'EventPartyRemoved');
    assert.equal(removed.attrs.AgentId, 'a1');
    assert.equal(removed.attrs.PlaceId, 'P1');
    assert.equal(removed.attrs.Operation, Operation.Timeout);
    assert.equal(msg(expired, d1.id, 'EventRevoked').attrs.Operation, Operation.Timeout);
    assert.deepEqual(events(expired), ['X1#3 EventPartyRemoved', 'X1#4 EventAgentInvited']);
    // The new invitation has its own deadline.
    assert.equal(core.nextDeadline(), T0 + 11_000 + 10_000);
    assert.deepEqual(
      core.state.interactions.get('X1')?.invitations.map((i) => i.agentId),
      ['a2'],
    );
  });

  it('an answered invitation disarms its timer', () => {
    const { core, agent, submit, send, advance } = setup();
    const d1 = agent('a1', 'P1');
    submit('Support');
    assert.equal(core.nextDeadline(), T0 + 30_000, 'the global delivering timeout');
    assert.equal(send(d1, 'RequestReject', { InteractionId: 'X1' }).out[0]?.message.name, 'EventAck');
    // Rejected, offered again to the only candidate: a fresh invitation with a fresh deadline.
    assert.equal(core.nextDeadline(), T0 + 30_000);
    advance(5000);
    assert.equal(send(d1, 'RequestAccept', { InteractionId: 'X1' }).out[0]?.message.name, 'EventAck');
    assert.equal(core.nextDeadline(), T0 + 5000 + 60_000, 'only the handling timer is left');
    assert.deepEqual(
      [...core.state.timers].map((t) => t.kind),
      ['handling'],
    );
  });
});

describe('handling timeout', () => {
  it('restarts with every change of the handling agent, not of others; at its deadline the agent loses it', () => {
    const { core, stat, mail, agent, submit, send, advance } = setup();
    const d1 = agent('a1', 'P1');
    submit('Support');
    advance(1000);
    assert.equal(send(d1, 'RequestAccept', { InteractionId: 'X1' }).out[0]?.message.name, 'EventAck');
    const submittedAt = core.state.interactions.get('X1')?.submittedAt;
    assert.equal(core.nextDeadline(), T0 + 1000 + 60_000);
    advance(50_000);
    const change = (s: Session): string | undefined =>
      send(s, 'RequestChangeProperties', { InteractionId: 'X1', ChangedProperties: [{ key: 'Note', value: 'x' }] })
        .out[0]?.message.name;
    assert.equal(change(mail), 'EventAck');
    assert.equal(core.nextDeadline(), T0 + 61_000, "the media server's change leaves the agent's timer alone");
    assert.equal(change(d1), 'EventAck');
    assert.equal(core.nextDeadline(), T0 + 51_000 + 60_000, "the agent's change starts it again");
    advance(20_000);
    assert.deepEqual(core.tick(), EMPTY, 'the first deadline no longer counts');
    advance(40_000);
    const expired = core.tick();
    // The agent loses it; it goes back to its queue and, a1 being the only candidate and idle again, is offered again.
    assert.deepEqual(who(expired), [
      [stat.id, 'EventPartyRemoved'],
      [d1.id, 'EventRevoked'],
      [d1.id, 'EventInvite'],
      [stat.id, 'EventAgentInvited'],
    ]);
    const removed = msg(expired, stat.id, 'EventPartyRemoved');
    assert.equal(removed.attrs.AgentId, 'a1');
    assert.equal(removed.attrs.Operation, Operation.Timeout);
    assert.equal(msg(expired, d1.id, 'EventRevoked').attrs.Operation, Operation.Timeout);
    const ix = core.state.interactions.get('X1') as Interaction;
    assert.equal(ix.submittedAt, submittedAt, 'its age is kept');
    assert.deepEqual(ix.parties, []);
    assert.equal(ix.queue, 'Support');
  });

  it('the user-data key handling-timeout (seconds) overrides the configured value', () => {
    const { core, agent, submit, send } = setup();
    const d1 = agent('a1', 'P1');
    submit('Support', [{ key: 'handling-timeout', value: '5' }]);
    send(d1, 'RequestAccept', { InteractionId: 'X1' });
    assert.equal(core.nextDeadline(), T0 + 5000);
  });

  it('an interaction an agent submitted without a queue has no handling timer (nowhere to return it to)', () => {
    const { core, reg, send } = setup();
    const s = reg(ClientType.AgentApplication, 'Desktop');
    send(s, 'RequestAgentLogin', {
      TenantId: 1,
      AgentId: 'a1',
      PlaceId: 'P1',
      MediaList: [{ key: 'email', value: 1 }],
    });
    const p = send(s, 'RequestSubmit', {
      TenantId: 1,
      MediaType: 'email',
      InteractionType: 'Inbound',
      InteractionSubtype: 'InboundNew',
    });
    assert.equal(p.out[0]?.message.name, 'EventAck');
    assert.equal(core.nextDeadline(), undefined);
    const withQueue = send(s, 'RequestSubmit', {
      TenantId: 1,
      MediaType: 'email',
      InteractionType: 'Inbound',
      InteractionSubtype: 'InboundNew',
      Queue: 'Support',
    });
    assert.equal(withQueue.out[0]?.message.name, 'EventAck');
    assert.equal(core.nextDeadline(), T0 + 60_000);
  });
});

describe('routing timeout', () => {
  it('takes the interaction back from the routing engine (EventAbandoned), queues it and offers it again', () => {
    const { core, stat, reg, submit, advance } = setup();
    const urs = reg(ClientType.RoutingEngine, 'URS');
    const p = submit('Inbound');
    assert.equal(msg(p, urs.id, 'EventRouteRequest').attrs.ConnId, 'X1');
    assert.equal(core.nextDeadline(), T0 + 100_000);
    advance(100_000);
    const expired = core.tick();
    assert.deepEqual(who(expired), [
      [stat.id, 'EventPartyRemoved'],
      [urs.id, 'EventAbandoned'],
      [stat.id, 'EventPartyAdded'],
      [urs.id, 'EventRouteRequest'],
    ]);
    const removed = msg(expired, stat.id, 'EventPartyRemoved');
    assert.equal(removed.attrs.RouterId, 'URS');
    assert.equal(removed.attrs.Operation, Operation.Timeout);
    assert.deepEqual(
      msg(expired, urs.id, 'EventAbandoned'),
      tlibMsg('EventAbandoned', { ConnId: 'X1', ThisDN: 'Inbound', Reason: 'routing timeout' }),
    );
    assert.equal(core.nextDeadline(), T0 + 200_000, 'held again, with a new deadline');
  });
});

describe('timers across a restart', () => {
  /** Interactions as the store would return them (plain records). */
  const stored = (core: Core): Interaction[] => [...core.state.interactions.values()].map(unpacked);

  it('a passed handling deadline fires at once; a pending invitation waits for its original deadline', () => {
    const first = setup();
    const d1 = first.agent('a1', 'P1');
    first.submit('Support');
    first.send(d1, 'RequestAccept', { InteractionId: 'X1' }); // handled by a1 until T0 + 60 s
    first.agent('a2', 'P2');
    first.advance(1000);
    first.submit('Sales'); // invited: a2, until T0 + 1 s + 10 s
    assert.deepEqual(
      first.core.state.interactions.get('X2')?.invitations.map((i) => i.agentId),
      ['a2'],
    );
    const records = stored(first.core);

    // Restarted 5 s later: the handling deadline has not passed, nor the invitation's.
    const early = setup(T0 + 5000);
    early.core.load(records);
    assert.deepEqual(
      [...early.core.state.timers].map((t) => [t.kind, t.id, t.at]),
      [
        ['delivering', 'X2', T0 + 11_000],
        ['handling', 'X1', T0 + 60_000],
      ],
    );
    assert.deepEqual(early.core.tick(), EMPTY);
    const pending = early.core.state.interactions.get('X2') as Interaction;
    assert.equal(pending.invitations[0]?.sessionId, 0, 'the invitation no longer names a session of the old process');
    early.advance(6000);
    const revoked = early.core.tick();
    // Nobody is logged in after the restart: reporting only.
    assert.deepEqual(who(revoked), [[early.stat.id, 'EventPartyRemoved']]);
    assert.equal(early.core.state.waitingIn('Sales\u0000email')?.first()?.id, 'X2');

    // Restarted after both deadlines: both fire at the first tick, the handled one goes back to its queue.
    const late = setup(T0 + 120_000);
    late.core.load(records);
    const both = late.core.tick();
    assert.deepEqual(events(both), ['X2#3 EventPartyRemoved', 'X1#4 EventPartyRemoved']);
    assert.deepEqual(late.core.state.interactions.get('X1')?.placement, { kind: 'queued' });
    assert.equal(late.core.nextDeadline(), undefined);
  });
});
