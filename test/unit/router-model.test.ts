/**
 * Model-based test of the built-in router: the indexed core and the same core driven by a naive reference router
 * (test/unit/naive-router.ts: plain scans over everything) get the same random sequences of logins, logouts,
 * readiness and DND changes, submits with priorities, property changes (same or new priority), accepts, rejects, stops,
 * lost connections, changes by handling agents, holds and resumes, moves to other queues, transfers, conferences,
 * cancelled invitations, leaving, pulls by id, and clock ticks that fire timers (delivering and handling timeouts).
 * Every command must produce exactly the same plan in both: the same offers, to the same agents, in the same order.
 * After every step the ordered timer index must equal a naive scan of every deadline of every interaction.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { parseConfig } from '../../src/config/load.ts';
import type { Config, ConfigInput } from '../../src/config/schema.ts';
import { Core } from '../../src/core/core.ts';
import type { Plan } from '../../src/core/plan.ts';
import type { Session } from '../../src/core/model/session.ts';
import { ClientType } from '../../src/protocol/enums.ts';
import { isMsg, type IsMessageName, type Message } from '../../src/protocol/message.ts';
import { unpacked } from '../../src/core/model/packed.ts';
import { isWaiting } from '../../src/core/model/interaction.ts';
import { naiveRouter } from './naive-router.ts';
import { assertEncodable } from './core-harness.ts';

const AGENTS = ['a1', 'a2', 'a3', 'a4', 'a5', 'a6'];
const MEDIA = ['email', 'chat'];
const QUEUES = ['Q1', 'Q2', 'Q3', 'Hold'];

const CONFIG: ConfigInput = {
  tenants: [{ id: 1, name: 'T' }],
  mediaTypes: MEDIA,
  interactionTypes: { Inbound: ['InboundNew'] },
  applications: [
    { name: 'Mail', type: 'MediaServer' },
    { name: 'Desktop', type: 'AgentApplication' },
  ],
  places: AGENTS.map((_a, i) => ({ id: `P${String(i + 1)}`, tenant: 1 })),
  agents: AGENTS.map((id, i) => ({
    id,
    tenant: 1,
    media: { email: (i % 3) + 1, chat: ((i + 1) % 3) + 1 },
    skills: { english: i * 2, billing: 9 - i },
  })),
  agentGroups: [{ name: 'G', tenant: 1, agents: ['a3', 'a4', 'a5', 'a6'] }],
  queues: [
    { name: 'Q1', tenant: 1, routing: { agents: ['a1', 'a2', 'a3'] } },
    {
      name: 'Q2',
      tenant: 1,
      routing: { agentGroups: ['G'], skill: 'english >= 6 OR billing > 8' },
      timeouts: { delivering: 1, handling: 3 },
    },
    { name: 'Q3', tenant: 1, routing: { agents: AGENTS } },
    { name: 'Hold', tenant: 1 },
  ],
  settings: { deliveringTimeout: 2, handlingTimeout: 6 },
};

type Op =
  | { t: 'login'; agent: number; email: boolean; chat: boolean; dnd: boolean }
  | { t: 'logout'; agent: number }
  | { t: 'ready'; agent: number; media: number; ready: boolean }
  | { t: 'dnd'; agent: number; on: boolean }
  | { t: 'submit'; queue: number; media: number; priority: number | null }
  | { t: 'answer'; agent: number; k: number; accept: boolean }
  | { t: 'stop'; k: number }
  | { t: 'change'; k: number; priority: number | null; subject: string }
  | { t: 'drop'; agent: number }
  | { t: 'work'; agent: number; k: number }
  | { t: 'hold'; k: number; on: boolean }
  | { t: 'move'; k: number; queue: number }
  | { t: 'invite'; agent: number; to: number; k: number; conference: boolean }
  | { t: 'cancel'; agent: number; k: number }
  | { t: 'leave'; agent: number; k: number }
  | { t: 'pull'; agent: number; k: number; ignoreHold: boolean }
  | { t: 'tick'; ms: number };

const agent = fc.integer({ min: 0, max: AGENTS.length - 1 });
const OPS: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ t: fc.constant('login' as const), agent, email: fc.boolean(), chat: fc.boolean(), dnd: fc.boolean() }),
  fc.record({ t: fc.constant('logout' as const), agent }),
  fc.record({ t: fc.constant('ready' as const), agent, media: fc.integer({ min: 0, max: 1 }), ready: fc.boolean() }),
  fc.record({ t: fc.constant('dnd' as const), agent, on: fc.boolean() }),
  {
    arbitrary: fc.record({
      t: fc.constant('submit' as const),
      queue: fc.integer({ min: 0, max: QUEUES.length - 1 }),
      media: fc.integer({ min: 0, max: 1 }),
      priority: fc.option(fc.integer({ min: 0, max: 3 })),
    }),
    weight: 3,
  },
  {
    arbitrary: fc.record({ t: fc.constant('answer' as const), agent, k: fc.nat(5), accept: fc.boolean() }),
    weight: 3,
  },
  fc.record({ t: fc.constant('stop' as const), k: fc.nat(30) }),
  {
    arbitrary: fc.record({
      t: fc.constant('change' as const),
      k: fc.nat(30),
      priority: fc.option(fc.integer({ min: 0, max: 3 })),
      subject: fc.constantFrom('a', 'b'),
    }),
    weight: 2,
  },
  fc.record({ t: fc.constant('drop' as const), agent }),
  fc.record({ t: fc.constant('work' as const), agent, k: fc.nat(5) }),
  fc.record({ t: fc.constant('hold' as const), k: fc.nat(30), on: fc.boolean() }),
  {
    arbitrary: fc.record({
      t: fc.constant('invite' as const),
      agent,
      to: agent,
      k: fc.nat(5),
      conference: fc.boolean(),
    }),
    weight: 2,
  },
  fc.record({ t: fc.constant('cancel' as const), agent, k: fc.nat(5) }),
  fc.record({ t: fc.constant('leave' as const), agent, k: fc.nat(5) }),
  fc.record({ t: fc.constant('pull' as const), agent, k: fc.nat(30), ignoreHold: fc.boolean() }),
  fc.record({
    t: fc.constant('move' as const),
    k: fc.nat(30),
    queue: fc.integer({ min: 0, max: QUEUES.length - 1 }),
  }),
  fc.record({ t: fc.constant('tick' as const), ms: fc.constantFrom(0, 400, 1000, 5000) }),
);

/** One core with its clients; `step` runs an op and returns every plan it produced. */
function world(config: Config, naive: boolean) {
  let now = Date.UTC(2026, 0, 1);
  let n = 0;
  const core = new Core({
    config,
    clock: () => now,
    newInteractionId: () => `IX${String(++n).padStart(5, '0')}`,
    ...(naive ? { route: naiveRouter(config) } : {}),
  });
  const register = (type: number, name: string): { session: Session; plan: Plan } => {
    const r = core.register(isMsg('RequestRegisterClient', { ClientType: type, ClientName: name }));
    assert.ok(r.session);
    return { session: r.session, plan: r.plan };
  };
  const mail = register(ClientType.MediaServer, 'Mail').session;
  const desks = AGENTS.map(() => register(ClientType.AgentApplication, 'Desktop').session);
  const handle = (s: Session, name: IsMessageName, attrs: Message['attrs']): Plan => core.handle(s, isMsg(name, attrs));
  const step = (op: Op): Plan[] => {
    const desk = (i: number): Session => desks[i] as Session;
    switch (op.t) {
      case 'login':
        return [
          handle(desk(op.agent), 'RequestAgentLogin', {
            TenantId: 1,
            PlaceId: `P${String(op.agent + 1)}`,
            AgentId: AGENTS[op.agent] as string,
            MediaList: [
              { key: 'email', value: op.email ? 1 : 0 },
              { key: 'chat', value: op.chat ? 1 : 0 },
            ],
            ...(op.dnd ? { DonotDisturb: 1 } : {}),
          }),
        ];
      case 'logout':
        return [handle(desk(op.agent), 'RequestAgentLogout', {})];
      case 'ready':
        return [
          handle(desk(op.agent), op.ready ? 'RequestCancelNotReadyForMedia' : 'RequestNotReadyForMedia', {
            MediaTypeName: MEDIA[op.media] as string,
          }),
        ];
      case 'dnd':
        return [handle(desk(op.agent), op.on ? 'RequestDoNotDisturbOn' : 'RequestDoNotDisturbOff', {})];
      case 'submit':
        return [
          handle(mail, 'RequestSubmit', {
            TenantId: 1,
            MediaType: MEDIA[op.media] as string,
            InteractionType: 'Inbound',
            InteractionSubtype: 'InboundNew',
            Queue: QUEUES[op.queue] as string,
            UserData: op.priority === null ? [] : [{ key: 'Priority', value: op.priority }],
          }),
        ];
      case 'answer': {
        const invites = [...core.state.invitedTo(AGENTS[op.agent] as string)].sort();
        const id = invites[op.k % Math.max(1, invites.length)] ?? 'none';
        return [handle(desk(op.agent), op.accept ? 'RequestAccept' : 'RequestReject', { InteractionId: id })];
      }
      case 'stop': {
        const ids = [...core.state.interactions.keys()].sort();
        return [
          handle(mail, 'RequestStopProcessing', { InteractionId: ids[op.k % Math.max(1, ids.length)] ?? 'none' }),
        ];
      }
      case 'change': {
        // A property change: with the same priority the interaction keeps its place in its queue, else it moves.
        const ids = [...core.state.interactions.keys()].sort();
        return [
          handle(mail, 'RequestChangeProperties', {
            InteractionId: ids[op.k % Math.max(1, ids.length)] ?? 'none',
            ChangedProperties: [
              { key: 'Subject', value: op.subject },
              ...(op.priority === null ? [] : [{ key: 'Priority', value: op.priority }]),
            ],
          }),
        ];
      }
      case 'drop': {
        const closed = core.sessionClosed(desk(op.agent).id);
        const again = register(ClientType.AgentApplication, 'Desktop');
        desks[op.agent] = again.session;
        return [closed, again.plan];
      }
      case 'work': {
        // The handling agent changes one of its interactions: its handling timer starts again.
        const mine = [...core.state.handledBy(AGENTS[op.agent] as string)].sort();
        const id = mine[op.k % Math.max(1, mine.length)] ?? 'none';
        return [
          handle(desk(op.agent), 'RequestChangeProperties', {
            InteractionId: id,
            ChangedProperties: [{ key: 'Note', value: String(now) }],
          }),
        ];
      }
      case 'invite': {
        // A handling agent transfers one of its interactions to another agent, or brings it into a conference.
        const mine = [...core.state.handledBy(AGENTS[op.agent] as string)].sort();
        const id = mine[op.k % Math.max(1, mine.length)] ?? 'none';
        return [
          handle(desk(op.agent), op.conference ? 'RequestConference' : 'RequestTransfer', {
            InteractionId: id,
            AgentId: AGENTS[op.to] as string,
          }),
        ];
      }
      case 'cancel': {
        const mine = [...core.state.handledBy(AGENTS[op.agent] as string)].sort();
        const id = mine[op.k % Math.max(1, mine.length)] ?? 'none';
        return [handle(desk(op.agent), 'RequestCancelInvite', { InteractionId: id })];
      }
      case 'leave': {
        const mine = [...core.state.handledBy(AGENTS[op.agent] as string)].sort();
        const id = mine[op.k % Math.max(1, mine.length)] ?? 'none';
        return [handle(desk(op.agent), 'RequestLeaveInteraction', { InteractionId: id })];
      }
      case 'pull': {
        // An agent pulls one interaction by id (`_system_`), whatever its state: refused unless it waits.
        const ids = [...core.state.interactions.keys()].sort();
        const id = ids[op.k % Math.max(1, ids.length)] ?? 'none';
        return [
          handle(desk(op.agent), 'RequestPull', {
            ViewId: '_system_',
            PullParameters: [{ key: 'InteractionId', value: id }],
            ...(op.ignoreHold ? { IgnoreHold: true } : {}),
          }),
        ];
      }
      case 'hold': {
        // The media server holds or resumes one of its interactions (held ones are never offered).
        const ids = [...core.state.interactions.keys()].sort();
        const id = ids[op.k % Math.max(1, ids.length)] ?? 'none';
        return [handle(mail, op.on ? 'RequestHold' : 'RequestResume', { InteractionId: id })];
      }
      case 'move': {
        // The media server moves one of its interactions to another queue (taking it from its handler, if any).
        const ids = [...core.state.interactions.keys()].sort();
        const id = ids[op.k % Math.max(1, ids.length)] ?? 'none';
        return [handle(mail, 'RequestPlaceInQueue', { InteractionId: id, Queue: QUEUES[op.queue] as string })];
      }
      case 'tick':
        now += op.ms;
        return [core.tick()];
    }
  };
  return { core, step };
}

/** Every deadline of every interaction, found by looking at each one: what the timer index must hold. */
function naiveTimers(core: Core): string[] {
  const out: { at: number; key: string }[] = [];
  for (const ix of core.state.interactions.values()) {
    if (ix.placement.kind === 'routing' && ix.placement.deadline !== undefined)
      out.push({ at: ix.placement.deadline, key: `routing ${ix.id} ${ix.placement.router}` });
    for (const i of ix.invitations)
      if (i.deadline !== undefined) out.push({ at: i.deadline, key: `delivering ${ix.id} ${i.agentId}` });
    if (ix.placement.kind === 'handled')
      for (const p of ix.parties)
        if (p.deadline !== undefined) out.push({ at: p.deadline, key: `handling ${ix.id} ${p.agentId}` });
  }
  return out
    .sort(
      (a, b) =>
        a.at - b.at ||
        (a.key.split(' ')[1]! < b.key.split(' ')[1]!
          ? -1
          : a.key.split(' ')[1]! > b.key.split(' ')[1]!
            ? 1
            : a.key < b.key
              ? -1
              : a.key > b.key
                ? 1
                : 0),
    )
    .map((t) => `${String(t.at)} ${t.key}`);
}

function indexedTimers(core: Core): string[] {
  return [...core.state.timers].map((t) => `${String(t.at)} ${t.kind} ${t.id} ${t.who}`);
}

/** Per (queue, media): how many wait and since when the longest-waiting one is in the queue, by looking at each one. */
function naiveWaiting(core: Core): string[] {
  const pairs = new Map<string, { count: number; oldest: string }>();
  for (const ix of core.state.interactions.values()) {
    if (!isWaiting(ix) || !core.dir.queues.has(ix.queue)) continue;
    const key = `${ix.queue}/${ix.mediaType}`;
    const since = ix.movedToQueueAt ?? ix.submittedAt;
    const p = pairs.get(key);
    if (!p) pairs.set(key, { count: 1, oldest: since });
    else {
      p.count++;
      if (since < p.oldest) p.oldest = since;
    }
  }
  return [...pairs].map(([k, p]) => `${k} ${String(p.count)} ${p.oldest}`).sort();
}

function indexedWaiting(core: Core): string[] {
  return [...core.state.waitingCounts()]
    .filter((w) => w.count > 0)
    .map((w) => `${w.queue}/${w.media} ${String(w.count)} ${w.oldestSince ?? '-'}`)
    .sort();
}

function invitesIn(plans: Plan[]): string[] {
  return plans.flatMap((p) =>
    p.out
      .filter((o) => o.message.name === 'EventInvite')
      .map((o) => `${String(o.message.attrs.InteractionId)}>${String(o.to)}`),
  );
}

describe('built-in router: indexed vs naive reference (model-based)', () => {
  const config = parseConfig(CONFIG, 'model');

  it('the same random sequences give the same plans, offer for offer', () => {
    let offers = 0;
    let expiries = 0;
    fc.assert(
      fc.property(fc.array(OPS, { minLength: 20, maxLength: 150, size: 'max' }), (ops) => {
        const indexed = world(config, false);
        const naive = world(config, true);
        for (const [i, op] of ops.entries()) {
          const a = indexed.step(op);
          const b = naive.step(op);
          assert.deepEqual(a, b, `step ${String(i)} ${JSON.stringify(op)}`);
          assertEncodable(a);
          assert.deepEqual(indexedTimers(indexed.core), naiveTimers(indexed.core), `timers after step ${String(i)}`);
          assert.deepEqual(indexedWaiting(indexed.core), naiveWaiting(indexed.core), `waiting after step ${String(i)}`);
          offers += invitesIn(a).length;
          expiries += a.reduce(
            (n, p) =>
              n + p.out.filter((o) => o.message.name === 'EventRevoked' && o.message.attrs.Operation === 8).length,
            0,
          );
        }
        // Same resulting state, and no agent above its capacity.
        const plain = (w: typeof indexed): unknown[] => [...w.core.state.interactions.values()].map(unpacked);
        assert.deepEqual(plain(indexed), plain(naive));
        for (const a of config.agents) {
          for (const m of MEDIA)
            assert.ok(indexed.core.state.loadOf(a.id, m) <= (a.media[m] ?? 0), `${a.id} ${m} over capacity`);
        }
      }),
      { numRuns: 300 },
    );
    assert.ok(offers > 500, `the runs made offers (${String(offers)})`);
    assert.ok(expiries > 50, `timers fired in the runs (${String(expiries)} timeouts revoked work)`);
  });
});
