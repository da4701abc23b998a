/**
 * Moving work in the core (lifecycle.md §5): RequestPlaceInQueue, RequestPlaceInWorkbin, RequestLeaveInteraction,
 * RequestHold / RequestResume. Every plan is asserted exactly — who receives which message and that nobody else
 * receives anything — and every refusal changes nothing.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { coreWorld, msg, refused, who } from './core-harness.ts';
import type { ConfigInput } from '../../src/config/schema.ts';
import type { Session } from '../../src/core/model/session.ts';
import { ClientType, Operation } from '../../src/protocol/enums.ts';

const T0 = Date.UTC(2026, 0, 1, 9, 0, 0);

const CONFIG: ConfigInput = {
  tenants: [{ id: 1, name: 'T' }],
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
  ],
  agents: [
    { id: 'a1', tenant: 1, media: { email: 2 } },
    { id: 'a2', tenant: 1, media: { email: 2 } },
  ],
  agentGroups: [{ name: 'Team', tenant: 1, agents: ['a1', 'a2'] }],
  queues: [
    { name: 'Support', tenant: 1, routing: { agents: ['a1'] } },
    { name: 'Billing', tenant: 1, routing: { agents: ['a2'] } },
    { name: 'Backlog', tenant: 1 },
  ],
  workbins: [
    { name: 'Drafts', type: 'agent', tenant: 1 },
    { name: 'Shared', type: 'agentGroup', tenant: 1 },
  ],
};

function setup() {
  const w = coreWorld(CONFIG, T0, 7);
  const { core, reg, send, agent } = w;
  const mail = reg(ClientType.MediaServer, 'Mail');
  const stat = reg(ClientType.ReportingEngine, 'Stat');
  const submit = (queue: string): string => {
    const p = send(mail, 'RequestSubmit', {
      TenantId: 1,
      MediaType: 'email',
      InteractionType: 'Inbound',
      InteractionSubtype: 'InboundNew',
      Queue: queue,
      UserData: [{ key: 'Subject', value: 'hi' }],
    });
    return String(p.out[0]?.message.attrs.InteractionId);
  };
  /** a1 logged in and handling a fresh Support interaction. */
  const handled = (): { d1: Session; id: string } => {
    const d1 = agent('a1', 'P1');
    const id = submit('Support');
    assert.equal(send(d1, 'RequestAccept', { InteractionId: id }).out[0]?.message.name, 'EventAck');
    return { d1, id };
  };
  return { core, mail, stat, send, agent, submit, handled };
}

describe('RequestPlaceInQueue', () => {
  it('by the handling agent: EventAck; reporting EventPartyRemoved and EventPlacedInQueue; offered in the new queue', () => {
    const { core, stat, send, agent, handled } = setup();
    const { d1, id } = handled();
    const d2 = agent('a2', 'P2');
    const p = send(d1, 'RequestPlaceInQueue', {
      InteractionId: id,
      Queue: 'Billing',
      ChangedProperties: [{ key: 'Subject', value: 'invoice' }],
    });
    assert.deepEqual(who(p), [
      [stat.id, 'EventPropertiesChanged'],
      [d1.id, 'EventAck'],
      [stat.id, 'EventPartyRemoved'],
      [stat.id, 'EventPlacedInQueue'],
      [d2.id, 'EventInvite'],
      [stat.id, 'EventAgentInvited'],
    ]);
    assert.equal(msg(p, d1.id, 'EventAck').attrs.ReferenceId, 7);
    const removed = msg(p, stat.id, 'EventPartyRemoved');
    assert.equal(removed.attrs.AgentId, 'a1');
    assert.equal(removed.attrs.Operation, Operation.PlaceInQueue);
    const placed = msg(p, stat.id, 'EventPlacedInQueue');
    assert.equal(placed.attrs.OldQueue, 'Support');
    assert.equal(placed.attrs.InteractionQueue, 'Billing');
    const ix = core.state.interactions.get(id);
    assert.equal(ix?.version, 2);
    assert.deepEqual(ix?.userData, [{ key: 'Subject', value: 'invoice' }]);
    assert.equal(core.state.loadOf('a1', 'email'), 0);
  });

  it('refusals change nothing: no queue, unknown queue, the queue it already waits in, a pending invitation', () => {
    const { mail, send, submit, agent } = setup();
    const waiting = submit('Backlog');
    refused(
      send(mail, 'RequestPlaceInQueue', { InteractionId: waiting }),
      mail.id,
      'Error_queue_not_specified',
      'Queue',
    );
    refused(
      send(mail, 'RequestPlaceInQueue', { InteractionId: waiting, Queue: 'Nowhere' }),
      mail.id,
      'Error_unknown_queue_in_request',
      "'Nowhere'",
    );
    refused(
      send(mail, 'RequestPlaceInQueue', { InteractionId: waiting, Queue: 'Backlog' }),
      mail.id,
      'Error_already_in_the_same_queue',
      "'Backlog'",
    );
    agent('a1', 'P1');
    const offered = submit('Support');
    refused(
      send(mail, 'RequestPlaceInQueue', { InteractionId: offered, Queue: 'Backlog' }),
      mail.id,
      'Error_invalid_interaction_state',
      "agent 'a1'",
    );
  });
});

describe('RequestPlaceInWorkbin', () => {
  it("into the requesting agent's own workbin: reported as EventPartyRemoved, EventPlacedInQueue, EventPlacedInWorkbin", () => {
    const { core, stat, send, handled } = setup();
    const { d1, id } = handled();
    const p = send(d1, 'RequestPlaceInWorkbin', { InteractionId: id, WorkbinTypeId: 'Drafts' });
    assert.deepEqual(who(p), [
      [d1.id, 'EventAck'],
      [stat.id, 'EventPartyRemoved'],
      [stat.id, 'EventPlacedInQueue'],
      [stat.id, 'EventPlacedInWorkbin'],
    ]);
    const inWb = msg(p, stat.id, 'EventPlacedInWorkbin');
    assert.equal(inWb.attrs.WorkbinTypeId, 'Drafts');
    assert.equal(inWb.attrs.WorkbinAgentId, 'a1');
    assert.equal(inWb.attrs.InteractionWorkbinTypeId, 'Drafts');
    assert.equal(msg(p, stat.id, 'EventPartyRemoved').attrs.Operation, Operation.PlaceInWorkbin);
    assert.deepEqual(core.state.interactions.get(id)?.placement, { kind: 'workbin', workbin: 'Drafts', agentId: 'a1' });
  });

  it('refusals: unknown workbin (41), a group workbin without its group (40), an unknown owner', () => {
    const { mail, send, submit } = setup();
    const id = submit('Backlog');
    refused(
      send(mail, 'RequestPlaceInWorkbin', { InteractionId: id, WorkbinTypeId: 'Nope' }),
      mail.id,
      'Error_workbin_inaccessible',
      "'Nope'",
    );
    refused(
      send(mail, 'RequestPlaceInWorkbin', { InteractionId: id, WorkbinTypeId: 'Shared' }),
      mail.id,
      'Error_agent_group_not_specified',
      'WorkbinGroupId',
    );
    refused(
      send(mail, 'RequestPlaceInWorkbin', { InteractionId: id, WorkbinTypeId: 'Drafts' }),
      mail.id,
      'Error_agent_not_specified',
      'WorkbinAgentId',
    );
    refused(
      send(mail, 'RequestPlaceInWorkbin', { InteractionId: id, WorkbinTypeId: 'Drafts', WorkbinAgentId: 'zz' }),
      mail.id,
      'Error_unknown_agent_in_request',
      "'zz'",
    );
    const ok = send(mail, 'RequestPlaceInWorkbin', {
      InteractionId: id,
      WorkbinTypeId: 'Shared',
      WorkbinGroupId: 'Team',
    });
    assert.equal(ok.out[0]?.message.name, 'EventAck');
  });
});

describe('RequestLeaveInteraction', () => {
  it('the last party to leave returns it to its queue (EventPlacedInQueue), where it is offered again', () => {
    const { core, stat, send, handled } = setup();
    const { d1, id } = handled();
    const p = send(d1, 'RequestLeaveInteraction', { InteractionId: id, ReasonSystemName: 'done for now' });
    assert.deepEqual(who(p), [
      [d1.id, 'EventAck'],
      [stat.id, 'EventPartyRemoved'],
      [stat.id, 'EventPlacedInQueue'],
      [d1.id, 'EventInvite'],
      [stat.id, 'EventAgentInvited'],
    ]);
    const removed = msg(p, stat.id, 'EventPartyRemoved');
    assert.equal(removed.attrs.Operation, Operation.Leave);
    assert.equal(removed.attrs.ReasonSystemName, 'done for now');
    assert.equal(msg(p, stat.id, 'EventPlacedInQueue').attrs.OldQueue, 'Support');
    assert.deepEqual(
      core.state.interactions.get(id)?.invitations.map((i) => i.agentId),
      ['a1'],
    );
  });

  it('only a handling agent may leave (Error_not_an_owner), and nothing changes', () => {
    const { send, agent, handled } = setup();
    const { id } = handled();
    const d2 = agent('a2', 'P2');
    refused(send(d2, 'RequestLeaveInteraction', { InteractionId: id }), d2.id, 'Error_not_an_owner', "'a2'");
  });
});

describe('RequestHold / RequestResume', () => {
  it('a held interaction is not offered; resumed, it is; EventHeld / EventResumed to reporting; 93 and 94', () => {
    const { core, mail, stat, send, agent, submit } = setup();
    const id = submit('Support');
    const held = send(mail, 'RequestHold', { InteractionId: id });
    assert.deepEqual(who(held), [
      [mail.id, 'EventAck'],
      [stat.id, 'EventHeld'],
    ]);
    assert.equal(msg(held, stat.id, 'EventHeld').attrs.InteractionIsHeld, true);
    refused(send(mail, 'RequestHold', { InteractionId: id }), mail.id, 'Error_already_held', 'already held');
    const d1 = agent('a1', 'P1');
    assert.deepEqual(core.state.invitedTo('a1').size, 0, 'not offered while held');
    const resumed = send(mail, 'RequestResume', { InteractionId: id });
    assert.deepEqual(who(resumed), [
      [mail.id, 'EventAck'],
      [stat.id, 'EventResumed'],
      [d1.id, 'EventInvite'],
      [stat.id, 'EventAgentInvited'],
    ]);
    assert.equal(msg(resumed, stat.id, 'EventResumed').attrs.InteractionIsHeld, undefined);
    refused(send(mail, 'RequestResume', { InteractionId: id }), mail.id, 'Error_not_held', 'not held');
  });
});
