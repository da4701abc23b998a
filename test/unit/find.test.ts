/**
 * RequestFindInteractions (lifecycle.md §6) in the core, and the analysis it rests on: the queues a condition names.
 * A search reads only the queues its condition names (waiting, offered, handled or held interactions alike).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { assertEncodable, coreWorld } from './core-harness.ts';
import { parseCondition, queuesNamed } from '../../src/condition/index.ts';
import type { ConfigInput } from '../../src/config/schema.ts';
import type { Plan } from '../../src/core/plan.ts';
import { ClientType } from '../../src/protocol/enums.ts';
import { errorCode } from '../../src/protocol/errors.ts';
import type { KvList } from '../../src/protocol/kv.ts';
import { type Message } from '../../src/protocol/message.ts';

const named = (text: string): string[] | undefined => {
  const q = queuesNamed(parseCondition(text));
  return q === undefined ? undefined : [...q].sort();
};

describe('queuesNamed', () => {
  it('finds the queues a condition restricts to, and only where it does', () => {
    assert.deepEqual(named("Queue = 'A'"), ['A']);
    assert.deepEqual(named("'A' = Queue"), ['A']);
    assert.deepEqual(named("Queue IN ('A', 'B') AND Segment = 'gold'"), ['A', 'B']);
    assert.deepEqual(named("Queue IN ('A', 'B') AND Queue = 'B'"), ['B']);
    assert.deepEqual(named("Queue = 'A' OR Queue = 'B'"), ['A', 'B']);
    assert.equal(named("Queue = 'A' OR Segment = 'gold'"), undefined);
    assert.equal(named("NOT Queue = 'A'"), undefined);
    assert.equal(named("Queue <> 'A'"), undefined);
    assert.equal(named("Queue NOT IN ('A')"), undefined);
    assert.equal(named("Queue LIKE 'A%'"), undefined);
    assert.equal(named("Segment = 'gold'"), undefined);
  });
});

const CONFIG: ConfigInput = {
  tenants: [
    { id: 1, name: 'T' },
    { id: 2, name: 'U' },
  ],
  mediaTypes: ['email', 'chat'],
  interactionTypes: { Inbound: ['InboundNew'] },
  applications: [
    { name: 'Mail', type: 'MediaServer' },
    { name: 'Desktop', type: 'AgentApplication' },
  ],
  places: [{ id: 'P1', tenant: 1 }],
  agents: [{ id: 'a1', tenant: 1, media: { email: 1 } }],
  queues: [
    { name: 'Backlog', tenant: 1 },
    { name: 'Sales', tenant: 1, routing: { agents: ['a1'] } },
    { name: 'Other', tenant: 2 },
  ],
};

function setup() {
  const w = coreWorld(CONFIG, Date.UTC(2026, 0, 1), 9);
  const { core, reg, send } = w;
  const mail = reg(ClientType.MediaServer, 'Mail');
  const desk = reg(ClientType.AgentApplication, 'Desktop');
  const submit = (queue: string, segment: string, media = 'email', tenant = 1): string => {
    w.advance(1000);
    const p = send(mail, 'RequestSubmit', {
      TenantId: tenant,
      MediaType: media,
      InteractionType: 'Inbound',
      InteractionSubtype: 'InboundNew',
      Queue: queue,
      UserData: [{ key: 'Segment', value: segment }],
    });
    return String(p.out[0]?.message.attrs.InteractionId);
  };
  return { core, mail, desk, send, submit };
}

function found(plan: Plan): { ids: string[]; more: unknown } {
  assertEncodable(plan);
  const m = plan.out[0]?.message;
  assert.equal(m?.name, 'EventInteractionsFound', JSON.stringify(m?.attrs));
  return { ids: (m.attrs.Interactions as KvList).map((p) => p.key), more: m.attrs.HaveMoreInteractions };
}

describe('RequestFindInteractions', () => {
  it('searches the named queues, whatever the interactions are doing, in the order asked, capped', () => {
    const { send, desk, mail, submit } = setup();
    const b1 = submit('Backlog', 'gold');
    const b2 = submit('Backlog', 'silver', 'chat');
    const b3 = submit('Backlog', 'gold');
    send(mail, 'RequestHold', { InteractionId: b3 });
    send(desk, 'RequestAgentLogin', {
      TenantId: 1,
      AgentId: 'a1',
      PlaceId: 'P1',
      MediaList: [{ key: 'email', value: 1 }],
    });
    const s1 = submit('Sales', 'gold'); // offered to a1
    submit('Other', 'gold', 'email', 2); // another tenant
    const find = (attrs: Message['attrs']): Plan => send(mail, 'RequestFindInteractions', { TenantId: 1, ...attrs });
    assert.deepEqual(found(find({ Condition: "Queue = 'Backlog' AND Segment = 'gold'" })).ids, [b1, b3]);
    assert.deepEqual(found(find({ Condition: "Queue IN ('Backlog', 'Sales', 'Other')" })).ids, [b1, b2, b3, s1]);
    assert.deepEqual(found(find({ Condition: "Queue IN ('Backlog', 'Sales')", Order: 'SubmittedAt DESC' })).ids, [
      s1,
      b3,
      b2,
      b1,
    ]);
    assert.deepEqual(found(find({ Condition: "Queue = 'Backlog'", FindMaxInteractions: 2 })), {
      ids: [b1, b2],
      more: true,
    });
    const idsOnly = find({ Condition: "Queue = 'Sales'", FindIdsOnly: true });
    assert.deepEqual(idsOnly.out[0]?.message.attrs.Interactions, [{ key: s1, value: [] }]);
    assert.deepEqual(idsOnly.store, []);
  });

  it('refuses a condition that names no queue, one that does not parse, and a missing tenant', () => {
    const { send, mail } = setup();
    const refused = (attrs: Message['attrs'], code: number, mentions: RegExp): void => {
      const p = send(mail, 'RequestFindInteractions', attrs);
      assert.deepEqual(
        p.out.map((o) => o.message.name),
        ['EventError'],
      );
      assert.equal(p.out[0]?.message.attrs.ErrorCode, code);
      assert.match(String(p.out[0]?.message.attrs.ErrorDescription), mentions);
    };
    const bad = errorCode('Error_find_condition_or_order_failed');
    refused({ TenantId: 1, Condition: "Segment = 'gold'" }, bad, /name the queues/);
    refused({ TenantId: 1, Condition: "Queue = = 'x'" }, bad, /./);
    refused({ TenantId: 1, Condition: "Queue = 'Backlog'", Order: 'Priority SIDEWAYS' }, bad, /./);
    refused({ TenantId: 1 }, bad, /Condition/);
    refused({ Condition: "Queue = 'Backlog'" }, errorCode('Error_tenant_not_specified'), /TenantId/);
  });
});
