/**
 * Workbins in the core (lifecycle.md §5): content with condition and order, notifications of placements, changes and
 * removals, workbin types and statistics. Plans are asserted exactly; refusals change nothing.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { coreWorld, refused, who } from './core-harness.ts';
import type { ConfigInput } from '../../src/config/schema.ts';
import type { Plan } from '../../src/core/plan.ts';
import { ClientType, WorkbinContentOperation } from '../../src/protocol/enums.ts';
import { kvGet, type KvList } from '../../src/protocol/kv.ts';

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
    { id: 'a1', tenant: 1, media: { email: 5 } },
    { id: 'a2', tenant: 1, media: { email: 5 } },
  ],
  agentGroups: [{ name: 'Team', tenant: 1, agents: ['a1', 'a2'] }],
  queues: [{ name: 'Backlog', tenant: 1 }],
  workbins: [
    { name: 'Drafts', type: 'agent', tenant: 1 },
    { name: 'Shared', type: 'agentGroup', tenant: 1 },
  ],
};

function setup() {
  const w = coreWorld(CONFIG, T0, 2);
  const { core, reg, send, agent } = w;
  const mail = reg(ClientType.MediaServer, 'Mail');
  const stat = reg(ClientType.ReportingEngine, 'Stat');
  const d1 = agent('a1', 'P1');
  const d2 = agent('a2', 'P2');
  /** a1 takes a new interaction and parks it in its Drafts. */
  const park = (userData: KvList): string => {
    w.advance(1000);
    const p = send(mail, 'RequestSubmit', {
      TenantId: 1,
      MediaType: 'email',
      InteractionType: 'Inbound',
      InteractionSubtype: 'InboundNew',
      Queue: 'Backlog',
      UserData: userData,
    });
    const id = String(p.out[0]?.message.attrs.InteractionId);
    send(d1, 'RequestPull', { ViewId: '_system_', PullParameters: [{ key: 'InteractionId', value: id }] });
    assert.equal(
      send(d1, 'RequestPlaceInWorkbin', { InteractionId: id, WorkbinTypeId: 'Drafts' }).out[0]?.message.name,
      'EventAck',
    );
    return id;
  };
  return { core, mail, stat, send, d1, d2, park };
}

function ids(plan: Plan): string[] {
  const list = plan.out.find((o) => o.message.name === 'EventWorkbinContent')?.message.attrs.Interactions as KvList;
  return list.map((p) => p.key);
}

describe('workbins', () => {
  it('content: oldest placement first, filtered by a condition, in an order; bad conditions and group workbins refused', () => {
    const { send, d1, park } = setup();
    const plain = park([{ key: 'Subject', value: 'b' }]);
    const gold = park([
      { key: 'Subject', value: 'a' },
      { key: 'Segment', value: 'gold' },
    ]);
    const all = send(d1, 'RequestGetWorkbinContent', { WorkbinTypeId: 'Drafts' });
    assert.deepEqual(who(all), [[d1.id, 'EventWorkbinContent']]);
    assert.deepEqual(ids(all), [plain, gold]);
    const entry = (all.out[0]?.message.attrs.Interactions as KvList)[1]?.value as KvList;
    assert.equal(kvGet(entry, 'Segment'), 'gold');
    assert.equal(kvGet(entry, 'Queue'), 'Drafts');
    assert.deepEqual(
      ids(send(d1, 'RequestGetWorkbinContent', { WorkbinTypeId: 'Drafts', Condition: "Segment = 'gold'" })),
      [gold],
    );
    assert.deepEqual(ids(send(d1, 'RequestGetWorkbinContent', { WorkbinTypeId: 'Drafts', Order: 'Subject ASC' })), [
      gold,
      plain,
    ]);
    assert.deepEqual(ids(send(d1, 'RequestGetWorkbinContent', { WorkbinTypeId: 'Drafts', FindMaxInteractions: 1 })), [
      plain,
    ]);
    refused(
      send(d1, 'RequestGetWorkbinContent', { WorkbinTypeId: 'Drafts', Condition: "Segment = = 'x'" }),
      d1.id,
      'Error_find_condition_or_order_failed',
      '',
    );
    refused(
      send(d1, 'RequestGetWorkbinContent', { WorkbinTypeId: 'Shared', WorkbinGroupId: 'Team' }),
      d1.id,
      'Error_workbin_inaccessible',
      'only agent and place workbins',
    );
    refused(
      send(d1, 'RequestGetWorkbinContent', { WorkbinTypeId: 'Nope' }),
      d1.id,
      'Error_workbin_inaccessible',
      "'Nope'",
    );
  });

  it('notifications: placed in, changed (when asked), taken out; cancelled; ended with the session', () => {
    const { core, mail, stat, send, d2, park } = setup();
    assert.deepEqual(who(send(d2, 'RequestWorkbinNotifications', { WorkbinTypeId: 'Drafts', WorkbinAgentId: 'a1' })), [
      [d2.id, 'EventAck'],
    ]);
    const id = park([]);
    const change = send(mail, 'RequestChangeProperties', {
      InteractionId: id,
      ChangedProperties: [{ key: 'k', value: 'v' }],
    });
    assert.deepEqual(who(change), [
      [mail.id, 'EventAck'],
      [stat.id, 'EventPropertiesChanged'],
    ]);
    send(d2, 'RequestWorkbinNotifications', {
      WorkbinTypeId: 'Drafts',
      WorkbinAgentId: 'a1',
      NotifyPropertyChanges: true,
    });
    const change2 = send(mail, 'RequestChangeProperties', {
      InteractionId: id,
      ChangedProperties: [{ key: 'k', value: 'w' }],
    });
    assert.deepEqual(who(change2), [
      [mail.id, 'EventAck'],
      [stat.id, 'EventPropertiesChanged'],
      [d2.id, 'EventWorkbinContentChanged'],
    ]);
    assert.equal(change2.out[2]?.message.attrs.WorkbinContentOperation, WorkbinContentOperation.PropertiesChanged);
    const taken = send(d2, 'RequestPull', { ViewId: 'Drafts', PullParameters: [{ key: 'AgentId', value: 'a1' }] });
    assert.deepEqual(who(taken), [
      [stat.id, 'EventTakenFromQueue'],
      [stat.id, 'EventTakenFromWorkbin'],
      [d2.id, 'EventWorkbinContentChanged'],
      [stat.id, 'EventPartyAdded'],
      [d2.id, 'EventPulledInteractions'],
    ]);
    const notice = taken.out[2]?.message.attrs;
    assert.equal(notice?.WorkbinContentOperation, WorkbinContentOperation.TakenOut);
    assert.equal(notice?.WorkbinTypeId, 'Drafts');
    assert.equal(notice?.WorkbinAgentId, 'a1');
    assert.equal(notice?.InteractionId, id);
    // a2 places it back into a1's Drafts: d2 is told it was placed in.
    const back = send(d2, 'RequestPlaceInWorkbin', {
      InteractionId: id,
      WorkbinTypeId: 'Drafts',
      WorkbinAgentId: 'a1',
    });
    const placed = back.out.find((o) => o.message.name === 'EventWorkbinContentChanged');
    assert.equal(placed?.to, d2.id);
    assert.equal(placed?.message.attrs.WorkbinContentOperation, WorkbinContentOperation.PlacedIn);
    assert.deepEqual(
      who(send(d2, 'RequestCancelWorkbinNotifications', { WorkbinTypeId: 'Drafts', WorkbinAgentId: 'a1' })),
      [[d2.id, 'EventAck']],
    );
    refused(
      send(d2, 'RequestCancelWorkbinNotifications', { WorkbinTypeId: 'Drafts', WorkbinAgentId: 'a1' }),
      d2.id,
      'Error_invalid_interaction_state',
      'no notifications',
    );
    send(d2, 'RequestWorkbinNotifications', { WorkbinTypeId: 'Drafts', WorkbinAgentId: 'a1' });
    core.sessionClosed(d2.id);
    assert.equal(core.state.subscribers('Drafts', { kind: 'agent', id: 'a1' }).size, 0);
  });

  it('types info, statistic per owner and per agent', () => {
    const { send, d1, park } = setup();
    park([]);
    park([]);
    const types = send(d1, 'RequestWorkbinTypesInfo', { TenantId: 1 });
    assert.deepEqual(who(types), [[d1.id, 'EventWorkbinTypesInfo']]);
    assert.deepEqual(types.out[0]?.message.attrs.WorkbinTypes, [
      {
        key: 'Drafts',
        value: [
          { key: 'WorkbinType', value: 1 },
          { key: 'View', value: 'Drafts' },
          { key: 'Active', value: 1 },
        ],
      },
      {
        key: 'Shared',
        value: [
          { key: 'WorkbinType', value: 4 },
          { key: 'View', value: 'Shared' },
          { key: 'Active', value: 1 },
        ],
      },
    ]);
    const stat = send(d1, 'RequestWorkbinStatistic', { WorkbinTypeId: 'Drafts' });
    assert.equal(stat.out[0]?.message.attrs.WorkbinOwnerType, 1);
    const perOwner = stat.out[0]?.message.attrs.WorkbinStatistic as KvList;
    assert.deepEqual(
      perOwner.map((p) => [p.key, kvGet(p.value as KvList, 'NumberOfInteractions')]),
      [['a1', 2]],
    );
    const mine = send(d1, 'RequestAgentWorkbinStats', {});
    assert.deepEqual(mine.out[0]?.message.attrs.WorkbinStatistic, [
      {
        key: 'Drafts',
        value: [
          { key: 'Type', value: 1 },
          { key: 'Count', value: 2 },
        ],
      },
    ]);
  });

  it('a media server submits straight into a workbin: parked there, reported, subscribers told', () => {
    const { core, mail, stat, send, d2 } = setup();
    send(d2, 'RequestWorkbinNotifications', { WorkbinTypeId: 'Drafts', WorkbinAgentId: 'a1' });
    const p = send(mail, 'RequestSubmit', {
      TenantId: 1,
      MediaType: 'email',
      InteractionType: 'Inbound',
      InteractionSubtype: 'InboundNew',
      WorkbinTypeId: 'Drafts',
      WorkbinAgentId: 'a1',
    });
    assert.deepEqual(who(p), [
      [mail.id, 'EventAck'],
      [stat.id, 'EventInteractionSubmitted'],
      [d2.id, 'EventWorkbinContentChanged'],
      [stat.id, 'EventPlacedInQueue'],
      [stat.id, 'EventPlacedInWorkbin'],
    ]);
    const id = String(p.out[0]?.message.attrs.InteractionId);
    assert.deepEqual(core.state.interactions.get(id)?.placement, { kind: 'workbin', workbin: 'Drafts', agentId: 'a1' });
    assert.deepEqual(
      [...core.state.inWorkbin('Drafts', { kind: 'agent', id: 'a1' })].map((x) => x.id),
      [id],
    );
  });
});
