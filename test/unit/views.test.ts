/**
 * Views (lifecycle.md §1–§2): the indexed view content against a naive oracle that filters and sorts every live
 * interaction at the moment of reading, over random sequences of submits, property changes, stops, agent logins,
 * accepts and clock ticks (fast-check), with conditions that name `_time_in_queue` (their content changes with time
 * alone) and orders on user data and on time in queue. Plus the configuration refusals of `_time_in_queue` uses whose
 * moments of change cannot be listed.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  compareForOrder,
  compileCondition,
  compileOperand,
  parseCondition,
  parseOrder,
  timeOffsets,
} from '../../src/condition/index.ts';
import { parseConfig } from '../../src/config/load.ts';
import type { ConfigInput } from '../../src/config/schema.ts';
import { Core } from '../../src/core/core.ts';
import type { Interaction } from '../../src/core/model/interaction.ts';
import type { Session } from '../../src/core/model/session.ts';
import { inQueue } from '../../src/core/model/interaction.ts';
import { interactionRecord } from '../../src/core/views.ts';
import { ClientType } from '../../src/protocol/enums.ts';
import { isMsg, type IsMessageName, type Message } from '../../src/protocol/message.ts';

const VIEWS = [
  { name: 'Sales.vip', condition: "Segment = 'gold' AND _time_in_queue > 2", order: 'Priority DESC, SubmittedAt ASC' },
  { name: 'Sales.fresh', condition: '_time_in_queue < 3 OR Priority >= 2', order: '_time_in_queue ASC, Segment DESC' },
  { name: 'Sales.all' },
  { name: 'Sales.mid', condition: 'NOT _time_in_queue IN (4, 5) AND _time_in_queue <= 7.5' },
];
const ROUTED_VIEW = { name: 'Route.silver', condition: "NOT Segment = 'gold'", order: 'Segment ASC' };

const CONFIG: ConfigInput = {
  tenants: [{ id: 1, name: 'T' }],
  mediaTypes: ['email'],
  interactionTypes: { Inbound: ['InboundNew'] },
  applications: [
    { name: 'Mail', type: 'MediaServer' },
    { name: 'Desktop', type: 'AgentApplication' },
  ],
  places: [{ id: 'P1', tenant: 1 }],
  agents: [{ id: 'a1', tenant: 1, media: { email: 2 } }],
  queues: [
    { name: 'Sales', tenant: 1, views: VIEWS },
    { name: 'Route', tenant: 1, routing: { agents: ['a1'] }, views: [ROUTED_VIEW] },
    { name: 'Other', tenant: 1 },
  ],
};

const QUEUES = ['Sales', 'Route', 'Other'];
const SEGMENTS = ['gold', 'silver', 'bronze'];

type Op =
  | { t: 'submit'; queue: number; priority: number | null; segment: number | null }
  | { t: 'change'; k: number; priority: number | null; segment: number | null }
  | { t: 'stop'; k: number }
  | { t: 'login' }
  | { t: 'accept'; k: number }
  | { t: 'tick'; ms: number }
  | { t: 'hold'; k: number; on: boolean };

const maybe = (max: number): fc.Arbitrary<number | null> => fc.option(fc.integer({ min: 0, max }));
const OPS: fc.Arbitrary<Op> = fc.oneof(
  {
    arbitrary: fc.record({
      t: fc.constant('submit' as const),
      queue: fc.integer({ min: 0, max: 2 }),
      priority: maybe(3),
      segment: maybe(2),
    }),
    weight: 4,
  },
  {
    arbitrary: fc.record({ t: fc.constant('change' as const), k: fc.nat(40), priority: maybe(3), segment: maybe(2) }),
    weight: 3,
  },
  fc.record({ t: fc.constant('stop' as const), k: fc.nat(40) }),
  fc.record({ t: fc.constant('login' as const) }),
  fc.record({ t: fc.constant('accept' as const), k: fc.nat(3) }),
  fc.record({ t: fc.constant('hold' as const), k: fc.nat(40), on: fc.boolean() }),
  {
    arbitrary: fc.record({ t: fc.constant('tick' as const), ms: fc.constantFrom(1, 499, 500, 999, 1000, 2500) }),
    weight: 3,
  },
);

/** The oracle: every live interaction filtered by the view's condition at `now` and sorted by its order, now. */
function naiveView(
  all: Iterable<Interaction>,
  view: { condition?: string; order?: string },
  queue: string,
  now: number,
): string[] {
  const matches = view.condition === undefined ? () => true : compileCondition(parseCondition(view.condition));
  const keys = parseOrder(view.order ?? 'Priority DESC, SubmittedAt ASC').map((k) => ({
    read: compileOperand(k.property),
    sign: k.descending ? -1 : 1,
  }));
  const rows = [...all]
    .filter((ix) => inQueue(ix) && ix.queue === queue)
    .map((ix) => ({ ix, record: interactionRecord(ix, now) }))
    .filter((r) => matches(r.record));
  rows.sort((a, b) => {
    for (const k of keys) {
      const c = compareForOrder(k.read(a.record), k.read(b.record));
      if (c !== 0) return c * k.sign;
    }
    if (a.ix.submittedAt !== b.ix.submittedAt) return a.ix.submittedAt < b.ix.submittedAt ? -1 : 1;
    return a.ix.id < b.ix.id ? -1 : 1;
  });
  return rows.map((r) => r.ix.id);
}

function world() {
  let now = Date.UTC(2026, 0, 1);
  let n = 0;
  const core = new Core({
    config: parseConfig(CONFIG, 'views'),
    clock: () => now,
    newInteractionId: () => `IX${String(++n).padStart(5, '0')}`,
  });
  const register = (type: number, name: string): Session => {
    const r = core.register(isMsg('RequestRegisterClient', { ClientType: type, ClientName: name }));
    assert.ok(r.session);
    return r.session;
  };
  const mail = register(ClientType.MediaServer, 'Mail');
  const desk = register(ClientType.AgentApplication, 'Desktop');
  const handle = (s: Session, name: IsMessageName, attrs: Message['attrs']): void => {
    core.handle(s, isMsg(name, attrs));
  };
  const props = (priority: number | null, segment: number | null): { key: string; value: string | number }[] => [
    ...(priority === null ? [] : [{ key: 'Priority', value: priority }]),
    ...(segment === null ? [] : [{ key: 'Segment', value: SEGMENTS[segment] as string }]),
  ];
  const pick = (k: number): string => {
    const ids = [...core.state.interactions.keys()].sort();
    return ids[k % Math.max(1, ids.length)] ?? 'none';
  };
  const step = (op: Op): void => {
    switch (op.t) {
      case 'submit':
        handle(mail, 'RequestSubmit', {
          TenantId: 1,
          MediaType: 'email',
          InteractionType: 'Inbound',
          InteractionSubtype: 'InboundNew',
          Queue: QUEUES[op.queue] as string,
          UserData: props(op.priority, op.segment),
        });
        return;
      case 'change':
        handle(mail, 'RequestChangeProperties', {
          InteractionId: pick(op.k),
          ChangedProperties: props(op.priority, op.segment),
        });
        return;
      case 'stop':
        handle(mail, 'RequestStopProcessing', { InteractionId: pick(op.k) });
        return;
      case 'login':
        handle(desk, 'RequestAgentLogin', {
          TenantId: 1,
          PlaceId: 'P1',
          AgentId: 'a1',
          MediaList: [{ key: 'email', value: 1 }],
        });
        return;
      case 'accept': {
        const invites = [...core.state.invitedTo('a1')].sort();
        handle(desk, 'RequestAccept', { InteractionId: invites[op.k % Math.max(1, invites.length)] ?? 'none' });
        return;
      }
      case 'tick':
        now += op.ms;
        return;
      case 'hold':
        // Held interactions stay in their views (a pull with IgnoreHold may take them).
        handle(mail, op.on ? 'RequestHold' : 'RequestResume', { InteractionId: pick(op.k) });
        return;
    }
  };
  return { core, step, now: () => now };
}

describe('views: indexed content vs a naive filter-and-sort at the moment of reading (model-based)', () => {
  it('the same interactions in the same order after every step, also as time alone passes', () => {
    let seen = 0;
    fc.assert(
      fc.property(fc.array(OPS, { minLength: 10, maxLength: 120, size: 'max' }), (ops) => {
        const w = world();
        for (const [i, op] of ops.entries()) {
          w.step(op);
          for (const [view, queue] of [...VIEWS.map((v) => [v, 'Sales'] as const), [ROUTED_VIEW, 'Route'] as const]) {
            const got = w.core.state.views.content(view.name, w.now());
            assert.ok(got);
            const want = naiveView(w.core.state.interactions.values(), view, queue, w.now());
            assert.deepEqual(
              got.interactions.map((ix) => ix.id),
              want,
              `step ${String(i)} ${JSON.stringify(op)}: view ${view.name}`,
            );
            assert.equal(got.size, want.length);
            seen += want.length;
          }
        }
      }),
      { numRuns: 200 },
    );
    assert.ok(seen > 2000, `the views held interactions (${String(seen)})`);
  });

  it('a page is the first interactions of the view; an unknown view is undefined', () => {
    const w = world();
    for (let i = 0; i < 5; i++) w.step({ t: 'submit', queue: 0, priority: i, segment: 0 });
    const page = w.core.state.views.content('Sales.all', w.now(), 2);
    assert.deepEqual(
      page?.interactions.map((ix) => ix.id),
      ['IX00005', 'IX00004'],
    );
    assert.equal(page?.size, 5);
    assert.equal(w.core.state.views.content('Nope', w.now()), undefined);
  });
});

describe('views: _time_in_queue', () => {
  it('lists the moments a condition can change with time alone', () => {
    assert.deepEqual(timeOffsets(parseCondition("Segment = 'gold'")), []);
    assert.deepEqual(timeOffsets(parseCondition('_time_in_queue > 60')), [60_000, 60_001, 60_002]);
    assert.deepEqual(
      timeOffsets(parseCondition('NOT (_time_in_queue IN (1, 2) OR 3 <= _time_in_queue)')),
      [1000, 1001, 1002, 2000, 2001, 2002, 3000, 3001, 3002],
    );
  });

  it('a view that compares _time_in_queue with a property, or matches it with LIKE, fails at start naming the field', () => {
    for (const condition of ['_time_in_queue > Wait', "_time_in_queue LIKE '1%'"]) {
      assert.throws(
        () =>
          parseConfig({ ...CONFIG, queues: [{ name: 'Sales', tenant: 1, views: [{ name: 'V', condition }] }] }, 'bad'),
        (e: Error) => /queues\.0\.views\.0\.condition/.test(e.message) && /_time_in_queue/.test(e.message),
      );
    }
  });
});
