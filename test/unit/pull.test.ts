/**
 * RequestPull in the core (lifecycle.md §5): from a view in its order, from an owner's workbin, from `_system_` by id;
 * capacity, hold and every refusal. Plans are asserted exactly; refusals change nothing.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { coreWorld, refused, who } from './core-harness.ts';
import type { ConfigInput } from '../../src/config/schema.ts';
import type { Plan } from '../../src/core/plan.ts';
import { ClientType, Operation } from '../../src/protocol/enums.ts';
import { kvGet, type KvList } from '../../src/protocol/kv.ts';

const T0 = Date.UTC(2026, 0, 1, 9, 0, 0);

const CONFIG: ConfigInput = {
  tenants: [{ id: 1, name: 'T' }],
  mediaTypes: ['email', 'chat'],
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
    { id: 'a2', tenant: 1, media: { email: 1 } },
  ],
  queues: [
    {
      name: 'Backlog',
      tenant: 1,
      views: [{ name: 'Backlog.gold', condition: "Segment = 'gold'", order: 'Priority DESC' }, { name: 'Backlog.all' }],
    },
  ],
  workbins: [{ name: 'Drafts', type: 'agent', tenant: 1 }],
};

function setup() {
  const w = coreWorld(CONFIG, T0, 3);
  const { core, reg, send, agent } = w;
  const mail = reg(ClientType.MediaServer, 'Mail');
  const stat = reg(ClientType.ReportingEngine, 'Stat');
  const submit = (userData: KvList): string => {
    w.advance(1000);
    const p = send(mail, 'RequestSubmit', {
      TenantId: 1,
      MediaType: 'email',
      InteractionType: 'Inbound',
      InteractionSubtype: 'InboundNew',
      Queue: 'Backlog',
      UserData: userData,
    });
    return String(p.out[0]?.message.attrs.InteractionId);
  };
  return { core, mail, stat, send, agent, submit };
}

/** The interactions of an EventPulledInteractions, as [id, InteractionState]. */
function pulledList(plan: Plan, to: number): [string, unknown][] {
  const m = plan.out.find((o) => o.to === to && o.message.name === 'EventPulledInteractions')?.message;
  assert.ok(m, JSON.stringify(who(plan)));
  return (m.attrs.Interactions as KvList).map((p) => [p.key, kvGet(p.value as KvList, 'InteractionState')]);
}

describe('RequestPull', () => {
  it("from a view, in the view's order, as much as the agent's capacity allows", () => {
    const { core, stat, send, agent, submit } = setup();
    const gold1 = submit([
      { key: 'Segment', value: 'gold' },
      { key: 'Priority', value: 1 },
    ]);
    submit([{ key: 'Segment', value: 'silver' }]);
    const gold5 = submit([
      { key: 'Segment', value: 'gold' },
      { key: 'Priority', value: 5 },
    ]);
    const d1 = agent('a1', 'P1');
    const p = send(d1, 'RequestPull', { ViewId: 'Backlog.gold', Count: 5 });
    assert.deepEqual(who(p), [
      [stat.id, 'EventTakenFromQueue'],
      [stat.id, 'EventPartyAdded'],
      [stat.id, 'EventTakenFromQueue'],
      [stat.id, 'EventPartyAdded'],
      [d1.id, 'EventPulledInteractions'],
    ]);
    assert.deepEqual(pulledList(p, d1.id), [
      [gold5, 3],
      [gold1, 3],
    ]);
    assert.equal(p.out[1]?.message.attrs.Operation, Operation.Pull);
    assert.equal(p.out[1]?.message.attrs.AgentId, 'a1');
    assert.equal(core.state.loadOf('a1', 'email'), 2);
    // The silver one still waits, but a1 has no room left.
    refused(send(d1, 'RequestPull', { ViewId: 'Backlog.all' }), d1.id, 'Error_pull_failed', 'no capacity');
    // Nothing matches: an empty list.
    const d2 = agent('a2', 'P2');
    const none = send(d2, 'RequestPull', { ViewId: 'Backlog.gold' });
    assert.deepEqual(who(none), [[d2.id, 'EventPulledInteractions']]);
    assert.deepEqual(pulledList(none, d2.id), []);
  });

  it('from _system_ by id; a held one only with IgnoreHold; GetIdsOnly leaves the properties out', () => {
    const { mail, send, agent, submit } = setup();
    const id = submit([]);
    send(mail, 'RequestHold', { InteractionId: id });
    const d1 = agent('a1', 'P1');
    refused(
      send(d1, 'RequestPull', { ViewId: '_system_', PullParameters: [{ key: 'InteractionId', value: id }] }),
      d1.id,
      'Error_pull_failed',
      'held',
    );
    const p = send(d1, 'RequestPull', {
      ViewId: '_system_',
      PullParameters: [{ key: 'InteractionId', value: id }],
      IgnoreHold: true,
      GetIdsOnly: true,
    });
    const list = p.out.find((o) => o.message.name === 'EventPulledInteractions')?.message.attrs.Interactions;
    assert.deepEqual(list, [{ key: id, value: [] }]);
    refused(
      send(d1, 'RequestPull', { ViewId: '_system_', PullParameters: [{ key: 'InteractionId', value: id }] }),
      d1.id,
      'Error_pull_failed',
      'not waiting',
    );
  });

  it('a held interaction stays in its view but is pulled only with IgnoreHold', () => {
    const { core, mail, send, agent, submit } = setup();
    const id = submit([{ key: 'Segment', value: 'gold' }]);
    send(mail, 'RequestHold', { InteractionId: id });
    assert.equal(core.state.views.content('Backlog.gold', Date.now())?.size, 1);
    const d1 = agent('a1', 'P1');
    assert.deepEqual(pulledList(send(d1, 'RequestPull', { ViewId: 'Backlog.gold' }), d1.id), []);
    assert.deepEqual(pulledList(send(d1, 'RequestPull', { ViewId: 'Backlog.gold', IgnoreHold: true }), d1.id), [
      [id, 3],
    ]);
    assert.equal(core.state.views.content('Backlog.gold', Date.now())?.size, 0);
  });

  it("from an owner's workbin: EventTakenFromWorkbin as well", () => {
    const { core, stat, send, agent, submit } = setup();
    const id = submit([]);
    const d1 = agent('a1', 'P1');
    send(d1, 'RequestPull', { ViewId: '_system_', PullParameters: [{ key: 'InteractionId', value: id }] });
    assert.equal(
      send(d1, 'RequestPlaceInWorkbin', { InteractionId: id, WorkbinTypeId: 'Drafts' }).out[0]?.message.name,
      'EventAck',
    );
    const d2 = agent('a2', 'P2');
    refused(send(d2, 'RequestPull', { ViewId: 'Drafts' }), d2.id, 'Error_pull_parameter_absent', 'AgentId');
    const p = send(d2, 'RequestPull', { ViewId: 'Drafts', PullParameters: [{ key: 'AgentId', value: 'a1' }] });
    assert.deepEqual(who(p), [
      [stat.id, 'EventTakenFromQueue'],
      [stat.id, 'EventTakenFromWorkbin'],
      [stat.id, 'EventPartyAdded'],
      [d2.id, 'EventPulledInteractions'],
    ]);
    assert.deepEqual(
      core.state.interactions.get(id)?.parties.map((x) => x.agentId),
      ['a2'],
    );
    assert.deepEqual([...core.state.inWorkbin('Drafts', { kind: 'agent', id: 'a1' })], []);
  });

  it('refusals change nothing: no ViewId, bad Count, unknown view or workbin', () => {
    const { send, agent } = setup();
    const d1 = agent('a1', 'P1');
    refused(send(d1, 'RequestPull', {}), d1.id, 'Error_pull_parameter_absent', 'ViewId');
    refused(
      send(d1, 'RequestPull', { ViewId: 'Backlog.all', Count: 0 }),
      d1.id,
      'Error_pull_parameter_invalid',
      'Count 0',
    );
    refused(send(d1, 'RequestPull', { ViewId: 'Nope' }), d1.id, 'Error_pull_parameter_invalid', "'Nope'");
    refused(
      send(d1, 'RequestPull', { ViewId: 'Nope', PullParameters: [{ key: 'AgentId', value: 'a1' }] }),
      d1.id,
      'Error_workbin_inaccessible',
      "'Nope'",
    );
  });
});
