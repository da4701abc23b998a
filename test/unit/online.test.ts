/**
 * Online interactions in the core (lifecycle.md §7): when the media server that submitted them goes away, its online
 * interactions (IsOnline 1) are stopped as a stop-processing by it would stop them; IsOnline is changed by that media
 * server only (RequestChangeProperties), and turning it 0 sets AbandonedAt. The index of online interactions by
 * submitter is checked against a scan of every interaction after every step of random sequences.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { coreWorld, msg, refused, who, type World } from './core-harness.ts';
import type { ConfigInput } from '../../src/config/schema.ts';
import type { Session } from '../../src/core/model/session.ts';
import type { Plan } from '../../src/core/plan.ts';
import { interactionFromJson, interactionToJson } from '../../src/core/model/packed.ts';
import { ActorType, ClientType, Operation } from '../../src/protocol/enums.ts';
import type { KvValue } from '../../src/protocol/kv.ts';
import { isMsg, tlibMsg } from '../../src/protocol/message.ts';

const T0 = Date.UTC(2026, 0, 1, 9, 0, 0);

const CONFIG: ConfigInput = {
  tenants: [{ id: 1, name: 'T' }],
  mediaTypes: ['email', 'chat'],
  interactionTypes: { Inbound: ['InboundNew'] },
  applications: [
    { name: 'Chat', type: 'MediaServer' },
    { name: 'Chat2', type: 'MediaServer' },
    { name: 'Desktop', type: 'AgentApplication' },
    { name: 'Stat', type: 'ReportingEngine' },
    { name: 'URS', type: 'RoutingEngine' },
    { name: 'Proxy', type: 'Proxy' },
  ],
  places: [
    { id: 'P1', tenant: 1 },
    { id: 'P2', tenant: 1 },
  ],
  agents: [
    { id: 'a1', tenant: 1, media: { email: 5 } },
    { id: 'a2', tenant: 1, media: { email: 5 } },
  ],
  queues: [
    { name: 'Support', tenant: 1, routing: { agents: ['a1'] } },
    { name: 'Routed', tenant: 1, routing: 'external' },
    { name: 'Backlog', tenant: 1 },
  ],
};

const STOPPED_BY_CHAT = {
  ActorType: ActorType.MediaServer,
  ActorMediaServerId: 'Chat',
  Reason: 0,
  ReasonSystemName: 'MediaServerDisconnected',
  ReasonDescription: "media server 'Chat' disconnected: its online interactions are stopped",
};

function setup() {
  const w = coreWorld(CONFIG, T0, 7);
  const chat = w.reg(ClientType.MediaServer, 'Chat');
  const stat = w.reg(ClientType.ReportingEngine, 'Stat');
  return { ...w, chat, stat, submit: submitter(w) };
}

/** Submits an e-mail interaction as `ms` into `queue`; returns its id. */
function submitter(w: World): (ms: Session, queue: string, online?: boolean) => string {
  return (ms, queue, online = true) => {
    const p = w.send(ms, 'RequestSubmit', {
      TenantId: 1,
      MediaType: 'email',
      InteractionType: 'Inbound',
      InteractionSubtype: 'InboundNew',
      Queue: queue,
      ...(online ? { IsOnline: true } : {}),
      UserData: [{ key: 'Subject', value: 'hi' }],
    });
    assert.equal(p.out[0]?.message.name, 'EventAck', JSON.stringify(p.out[0]?.message.attrs));
    return String(p.out[0]?.message.attrs.InteractionId);
  };
}

/** The ids of the EventProcessingStopped a plan reports. */
function stoppedIn(plan: Plan): string[] {
  return plan.store.flatMap((op) =>
    op.op === 'event' && op.event.message.name === 'EventProcessingStopped' ? [String(op.event.interactionId)] : [],
  );
}

describe('a media server goes away: its online interactions are stopped', () => {
  it('each is stopped as a stop by that media server: reporting, the handling agent, the invitee and the engine told', () => {
    const w = setup();
    const { core, chat, stat, send, agent, submit } = w;
    const chat2 = w.reg(ClientType.MediaServer, 'Chat2');
    const urs = w.reg(ClientType.RoutingEngine, 'URS');
    const d1 = agent('a1', 'P1');
    const d2 = agent('a2', 'P2');
    // X1: handled by a1; X2: offered to a1 (invitation pending); X3: held by URS; X4: queued, nobody has it.
    const x1 = submit(chat, 'Support');
    assert.equal(send(d1, 'RequestAccept', { InteractionId: x1 }).out[0]?.message.name, 'EventAck');
    const x2 = submit(chat, 'Support');
    assert.equal(core.interactions.get(x2)?.invitations[0]?.agentId, 'a1');
    const x3 = submit(chat, 'Routed');
    assert.deepEqual(core.interactions.get(x3)?.placement.kind, 'routing');
    const x4 = submit(chat, 'Backlog');
    // Untouched: an offline interaction of the same media server, an online one of another media server.
    const offline = submit(chat, 'Backlog', false);
    const other = submit(chat2, 'Backlog');
    assert.deepEqual([...core.state.onlineOf('Chat')], [x1, x2, x3, x4]);
    assert.deepEqual([...core.state.onlineOf('Chat2')], [other]);

    const p = core.sessionClosed(chat.id);
    assert.deepEqual(who(p), [
      // x1: the handling agent is removed; its desktop gets EventRevoked.
      [stat.id, 'EventPartyRemoved'],
      [stat.id, 'EventProcessingStopped'],
      [d1.id, 'EventRevoked'],
      // x2: the invitation is withdrawn.
      [d1.id, 'EventRevoked'],
      [stat.id, 'EventProcessingStopped'],
      // x3: the routing engine's strategy party is removed; the engine gets EventAbandoned.
      [stat.id, 'EventPartyRemoved'],
      [stat.id, 'EventProcessingStopped'],
      [urs.id, 'EventAbandoned'],
      // x4: reporting only.
      [stat.id, 'EventProcessingStopped'],
    ]);
    assert.deepEqual(stoppedIn(p), [x1, x2, x3, x4]);
    const events = p.out.filter((o) => o.to === stat.id).map((o) => o.message.attrs);
    for (const e of events) {
      assert.deepEqual({ ...e, ...STOPPED_BY_CHAT, ActorTenantId: 1 }, e, 'actor: the media server; its reason');
      assert.equal(e.EventTime, '2026-01-01T09:00:00Z');
      assert.equal(e.InteractionIsOnline, true, 'it was online when it stopped');
      assert.equal(e.InteractionAbandonedAt, undefined);
    }
    assert.equal(events[0]?.AgentId, 'a1');
    assert.equal(events[0]?.Operation, Operation.Stop);
    assert.equal(events[3]?.RouterId, 'URS');
    assert.equal(events[3]?.Operation, Operation.Stop);
    const revoked = p.out.filter((o) => o.to === d1.id).map((o) => o.message.attrs);
    assert.deepEqual(
      revoked.map((r) => [r.InteractionId, r.Operation, r.ReasonSystemName]),
      [
        [x1, Operation.Stop, 'MediaServerDisconnected'],
        [x2, Operation.Stop, 'MediaServerDisconnected'],
      ],
    );
    assert.deepEqual(msg(p, urs.id, 'EventAbandoned').attrs, {
      ConnId: x3,
      ThisDN: 'Routed',
      Reason: 'MediaServerDisconnected',
    });
    assert.equal(
      p.out.some((o) => o.to === d2.id || o.to === chat2.id),
      false,
    );
    // Gone from the live state (deleted in the store), the rest untouched.
    assert.deepEqual([...core.interactions.keys()].sort(), [offline, other].sort());
    assert.deepEqual(
      p.store.filter((op) => op.op === 'delete').map((op) => (op.op === 'delete' ? op.id : '')),
      [x1, x2, x3, x4],
    );
    assert.equal(core.state.onlineOf('Chat').size, 0);
    assert.deepEqual([...core.state.onlineOf('Chat2')], [other]);
    assert.equal(core.state.loadOf('a1', 'email'), 0, "a1's load dropped with the interactions");
  });

  it('an online interaction stopped earlier is not stopped twice; one turned offline stays', () => {
    const { core, chat, stat, send, submit } = setup();
    const [x1, x2, x3] = [submit(chat, 'Backlog'), submit(chat, 'Backlog'), submit(chat, 'Backlog')];
    assert.deepEqual(who(send(chat, 'RequestStopProcessing', { InteractionId: x1 })), [
      [chat.id, 'EventAck'],
      [stat.id, 'EventProcessingStopped'],
    ]);
    send(chat, 'RequestChangeProperties', { InteractionId: x2, ChangedProperties: [{ key: 'IsOnline', value: 0 }] });
    assert.deepEqual([...core.state.onlineOf('Chat')], [x3]);
    const p = core.sessionClosed(chat.id);
    assert.deepEqual(who(p), [[stat.id, 'EventProcessingStopped']]);
    assert.deepEqual(stoppedIn(p), [x3]);
    assert.deepEqual([...core.interactions.keys()], [x2]);
  });

  it('RequestUnregisterClient and a proxy client leaving end the session the same way; a media server without online interactions changes nothing', () => {
    const w = setup();
    const { core, stat, submit } = w;
    const proxy = w.reg(ClientType.Proxy, 'Proxy');
    const r = core.register(
      isMsg('RequestRegisterClient', { ClientType: ClientType.MediaServer, ClientName: 'Chat2' }),
      proxy,
    );
    assert.ok(r.session);
    const x = submit(r.session, 'Backlog');
    assert.deepEqual(who(core.sessionClosed(r.session.id)), [[stat.id, 'EventProcessingStopped']]);
    assert.equal(core.interactions.has(x), false);
    const idle = w.reg(ClientType.MediaServer, 'Chat2');
    assert.deepEqual(core.sessionClosed(idle.id), { store: [], out: [] });
  });

  it('the server stopping (closing every connection) stops nothing; the media server leaving after it reconnected does', () => {
    const w = setup();
    const { core, chat, stat, submit } = w;
    const x = submit(chat, 'Backlog');
    assert.deepEqual(core.sessionClosed(chat.id, { serverStopping: true }), { store: [], out: [] });
    assert.equal(core.state.sessions.has(chat.id), false);
    assert.deepEqual([...core.state.onlineOf('Chat')], [x]);
    const again = w.reg(ClientType.MediaServer, 'Chat');
    assert.deepEqual(who(core.sessionClosed(again.id)), [[stat.id, 'EventProcessingStopped']]);
    assert.equal(core.interactions.has(x), false);
  });

  it("the HTTP door's write-token session of the same name neither keeps them nor stops them when it ends", () => {
    const { core, chat, stat, submit } = setup();
    const supervisor = core.registerSupervisor('Chat');
    const x = submit(supervisor, 'Backlog');
    assert.equal(core.interactions.get(x)?.submittedBy, 'Chat');
    assert.deepEqual(core.sessionClosed(supervisor.id), { store: [], out: [] });
    const y = submit(chat, 'Backlog');
    core.registerSupervisor('Chat');
    const p = core.sessionClosed(chat.id);
    assert.deepEqual(who(p), [
      [stat.id, 'EventProcessingStopped'],
      [stat.id, 'EventProcessingStopped'],
    ]);
    assert.deepEqual(stoppedIn(p), [x, y]);
  });

  it('after a restart (load) the index is rebuilt: the media server leaving stops what was online when stored', () => {
    const a = setup();
    const x1 = a.submit(a.chat, 'Backlog');
    const x2 = a.submit(a.chat, 'Backlog');
    const x3 = a.submit(a.chat, 'Backlog', false);
    a.advance(3000);
    a.send(a.chat, 'RequestChangeProperties', {
      InteractionId: x2,
      ChangedProperties: [{ key: 'IsOnline', value: 0 }],
    });
    // What the store keeps and loads: each record as its stored JSON.
    const stored = [...a.core.interactions.values()].map((ix) => interactionFromJson(interactionToJson(ix)));
    assert.equal(stored.find((ix) => ix.id === x2)?.abandonedAt, '2026-01-01T09:00:03Z');
    const b = coreWorld(CONFIG, T0 + 60_000, 7);
    b.core.load(stored);
    assert.deepEqual([...b.core.state.onlineOf('Chat')], [x1]);
    assert.equal(b.core.interactions.get(x2)?.abandonedAt, '2026-01-01T09:00:03Z');
    const stat = b.reg(ClientType.ReportingEngine, 'Stat');
    const chat = b.reg(ClientType.MediaServer, 'Chat');
    const p = b.core.sessionClosed(chat.id);
    assert.deepEqual(who(p), [[stat.id, 'EventProcessingStopped']]);
    assert.deepEqual(stoppedIn(p), [x1]);
    assert.deepEqual([...b.core.interactions.keys()].sort(), [x2, x3].sort());
  });
});

describe('IsOnline and AbandonedAt', () => {
  it('the media server turns IsOnline 0: a new version, AbandonedAt set; reporting EventPropertiesChanged with the change', () => {
    const { core, chat, stat, send, submit, advance } = setup();
    const x = submit(chat, 'Backlog');
    advance(5000);
    const p = send(chat, 'RequestChangeProperties', {
      InteractionId: x,
      ChangedProperties: [{ key: 'IsOnline', value: 0 }],
    });
    assert.deepEqual(who(p), [
      [chat.id, 'EventAck'],
      [stat.id, 'EventPropertiesChanged'],
    ]);
    assert.equal(p.out[0]?.message.attrs.Version, 2);
    const ev = p.out[1]?.message.attrs;
    assert.deepEqual(ev?.ChangedProperties, [{ key: 'IsOnline', value: 0 }]);
    assert.equal(ev?.AddedProperties, undefined);
    assert.equal(ev?.InteractionIsOnline, false);
    assert.equal(ev?.InteractionAbandonedAt, '2026-01-01T09:00:05Z');
    assert.deepEqual(ev?.InteractionUserData, [{ key: 'Subject', value: 'hi' }], 'IsOnline is not user data');
    const ix = core.interactions.get(x);
    assert.equal(ix?.isOnline, false);
    assert.equal(ix?.abandonedAt, '2026-01-01T09:00:05Z');
    assert.equal(core.state.onlineOf('Chat').size, 0);
    const read = msg(
      send(chat, 'RequestGetInteractionProperties', { InteractionId: x }),
      chat.id,
      'EventInteractionProperties',
    );
    assert.equal(read.attrs.InteractionAbandonedAt, '2026-01-01T09:00:05Z');
    // 0 again: still abandoned at the first moment it went offline.
    advance(5000);
    send(chat, 'RequestChangeProperties', { InteractionId: x, ChangedProperties: [{ key: 'IsOnline', value: 0 }] });
    assert.equal(core.interactions.get(x)?.abandonedAt, '2026-01-01T09:00:05Z');
    // 1 again: online, AbandonedAt unset, and stopped with the media server again.
    const back = send(chat, 'RequestChangeProperties', {
      InteractionId: x,
      ChangedProperties: [{ key: 'IsOnline', value: 1n }],
    });
    assert.deepEqual(back.out[1]?.message.attrs.ChangedProperties, [{ key: 'IsOnline', value: 1 }]);
    assert.equal(back.out[1]?.message.attrs.InteractionAbandonedAt, undefined);
    assert.equal(core.interactions.get(x)?.isOnline, true);
    assert.equal(core.interactions.get(x)?.abandonedAt, undefined);
    assert.equal(core.interactions.get(x)?.version, 4);
    assert.deepEqual([...core.state.onlineOf('Chat')], [x]);
  });

  it('an offline interaction turned online is stopped with its media server; one never online gets no AbandonedAt', () => {
    const { core, chat, stat, send, submit } = setup();
    const x = submit(chat, 'Backlog', false);
    const y = submit(chat, 'Backlog', false);
    send(chat, 'RequestChangeProperties', { InteractionId: y, ChangedProperties: [{ key: 'IsOnline', value: 0 }] });
    assert.equal(core.interactions.get(y)?.abandonedAt, undefined);
    send(chat, 'RequestChangeProperties', {
      InteractionId: x,
      ChangedProperties: [
        { key: 'IsOnline', value: 1 },
        { key: 'Subject', value: 'live' },
      ],
    });
    assert.deepEqual([...core.state.onlineOf('Chat')], [x]);
    assert.deepEqual(who(core.sessionClosed(chat.id)), [[stat.id, 'EventProcessingStopped']]);
    assert.deepEqual([...core.interactions.keys()], [y]);
  });

  it('a media server placing an interaction in a queue may turn it offline on the way', () => {
    const { core, chat, stat, send, submit } = setup();
    const x = submit(chat, 'Backlog');
    const p = send(chat, 'RequestPlaceInQueue', {
      InteractionId: x,
      Queue: 'Routed',
      ChangedProperties: [{ key: 'IsOnline', value: 0 }],
    });
    assert.deepEqual(who(p), [
      [stat.id, 'EventPropertiesChanged'],
      [chat.id, 'EventAck'],
      [stat.id, 'EventPlacedInQueue'],
    ]);
    assert.equal(core.interactions.get(x)?.abandonedAt, '2026-01-01T09:00:00Z');
    assert.equal(core.state.onlineOf('Chat').size, 0);
  });

  it('refused: another client changing it (66), adding or deleting it (66), a value other than 0 or 1 (65)', () => {
    const w = setup();
    const { core, chat, send, agent, submit } = w;
    const d1 = agent('a1', 'P1');
    const x = submit(chat, 'Support');
    send(d1, 'RequestAccept', { InteractionId: x });
    const before = core.interactions.get(x);
    const change = (value: KvValue) => ({ InteractionId: x, ChangedProperties: [{ key: 'IsOnline', value }] });
    refused(send(d1, 'RequestChangeProperties', change(0)), d1.id, 'Error_read_only_property', 'IsOnline');
    refused(
      send(chat, 'RequestChangeProperties', { InteractionId: x, AddedProperties: [{ key: 'IsOnline', value: 0 }] }),
      chat.id,
      'Error_read_only_property',
      'IsOnline.*ChangedProperties',
    );
    refused(
      send(chat, 'RequestChangeProperties', { InteractionId: x, DeletedProperties: [{ key: 'IsOnline', value: '' }] }),
      chat.id,
      'Error_read_only_property',
      'IsOnline.*DeletedProperties',
    );
    refused(send(chat, 'RequestChangeProperties', change(2)), chat.id, 'Error_invalid_property_type', 'got 2');
    refused(send(chat, 'RequestChangeProperties', change('0')), chat.id, 'Error_invalid_property_type', "string '0'");
    refused(
      send(chat, 'RequestChangeProperties', change([{ key: 'a', value: 1 }])),
      chat.id,
      'Error_invalid_property_type',
      'another type',
    );
    refused(
      send(chat, 'RequestChangeProperties', {
        InteractionId: x,
        ChangedProperties: [{ key: 'IsOnline', value: 0 }],
        AddedProperties: [{ key: 'AbandonedAt', value: 'now' }],
      }),
      chat.id,
      'Error_read_only_property',
      'AbandonedAt',
    );
    assert.equal(core.interactions.get(x), before, 'nothing changed');
  });

  it('refused on the T-Library facade: a routing engine cannot change IsOnline (66)', () => {
    const w = setup();
    const { core, chat, submit } = w;
    const urs = w.reg(ClientType.RoutingEngine, 'URS');
    const x = submit(chat, 'Routed');
    refused(
      core.handle(urs, tlibMsg('RequestUpdateUserData', { ConnId: x, UserData: [{ key: 'IsOnline', value: 0 }] })),
      urs.id,
      'Error_read_only_property',
      'IsOnline',
    );
    assert.equal(core.interactions.get(x)?.isOnline, true);
  });
});

describe('the index of online interactions by submitter', () => {
  type Op =
    | { t: 'submit'; ms: number; online: boolean; queue: number }
    | { t: 'online'; pick: number; value: 0 | 1 }
    | { t: 'stop'; pick: number }
    | { t: 'leave'; ms: number; serverStopping: boolean }
    | { t: 'join'; ms: number }
    | { t: 'accept'; pick: number }
    | { t: 'restart' };
  const NAMES = ['Chat', 'Chat2'] as const;
  const nameOf = (i: number): string => (i === 0 ? 'Chat' : 'Chat2');
  const QUEUES = ['Support', 'Backlog', 'Routed'] as const;
  const ms = fc.integer({ min: 0, max: 1 });
  const pick = fc.nat();
  const OPS: fc.Arbitrary<Op> = fc.oneof(
    {
      weight: 4,
      arbitrary: fc.record({
        t: fc.constant('submit' as const),
        ms,
        online: fc.boolean(),
        queue: fc.integer({ min: 0, max: 2 }),
      }),
    },
    {
      weight: 2,
      arbitrary: fc.record({ t: fc.constant('online' as const), pick, value: fc.constantFrom(0 as const, 1 as const) }),
    },
    fc.record({ t: fc.constant('stop' as const), pick }),
    fc.record({ t: fc.constant('leave' as const), ms, serverStopping: fc.boolean() }),
    fc.record({ t: fc.constant('join' as const), ms }),
    fc.record({ t: fc.constant('accept' as const), pick }),
    fc.record({ t: fc.constant('restart' as const) }),
  );

  it('always equals a scan of every interaction; a media server leaving stops exactly its online ones, each once', () => {
    fc.assert(
      fc.property(fc.array(OPS, { maxLength: 60 }), (ops) => {
        let w = coreWorld(CONFIG, T0, 7);
        let sessions = new Map<string, Session>(NAMES.map((n) => [n, w.reg(ClientType.MediaServer, n)]));
        let desk = w.agent('a1', 'P1');
        w.reg(ClientType.RoutingEngine, 'URS');
        const stopped = new Set<string>();
        const count = (plan: Plan): void => {
          for (const id of stoppedIn(plan)) {
            assert.equal(stopped.has(id), false, `${id} stopped twice`);
            stopped.add(id);
          }
        };
        const live = (): string[] => [...w.core.interactions.keys()].sort();
        for (const op of ops) {
          const ids = live();
          const target = ids.length && 'pick' in op ? ids[op.pick % ids.length] : undefined;
          const owner =
            target === undefined ? undefined : sessions.get(w.core.interactions.get(target)?.submittedBy ?? '');
          switch (op.t) {
            case 'submit': {
              const s = sessions.get(nameOf(op.ms));
              if (s) submitter(w)(s, QUEUES[op.queue] ?? 'Backlog', op.online);
              // After a restart ids start again: a new interaction may take the id of one stopped before.
              for (const id of live()) if (!ids.includes(id)) stopped.delete(id);
              break;
            }
            case 'online':
              if (target && owner)
                w.send(owner, 'RequestChangeProperties', {
                  InteractionId: target,
                  ChangedProperties: [{ key: 'IsOnline', value: op.value }],
                });
              break;
            case 'stop':
              if (target && owner) count(w.send(owner, 'RequestStopProcessing', { InteractionId: target }));
              break;
            case 'accept':
              if (target) w.send(desk, 'RequestAccept', { InteractionId: target });
              break;
            case 'leave': {
              const name = nameOf(op.ms);
              const s = sessions.get(name);
              if (!s) break;
              const mine = [...w.core.interactions.values()]
                .filter((ix) => ix.isOnline && ix.submittedBy === name)
                .map((ix) => ix.id)
                .sort();
              const p = w.core.sessionClosed(s.id, { serverStopping: op.serverStopping });
              sessions.delete(name);
              count(p);
              assert.deepEqual(stoppedIn(p), op.serverStopping ? [] : mine);
              break;
            }
            case 'join': {
              const name = nameOf(op.ms);
              if (!sessions.has(name)) sessions.set(name, w.reg(ClientType.MediaServer, name));
              break;
            }
            case 'restart': {
              // Ids start again at X1 in the new core: a stopped id may be given again, to a new interaction.
              stopped.clear();
              const stored = [...w.core.interactions.values()].map((ix) => interactionFromJson(interactionToJson(ix)));
              w = coreWorld(CONFIG, w.at(), 7);
              w.core.load(stored);
              sessions = new Map<string, Session>(NAMES.map((n) => [n, w.reg(ClientType.MediaServer, n)]));
              desk = w.agent('a1', 'P1');
              w.reg(ClientType.RoutingEngine, 'URS');
              break;
            }
          }
          w.advance(1000);
          for (const name of NAMES) {
            const scan = [...w.core.interactions.values()]
              .filter((ix) => ix.isOnline && ix.submittedBy === name)
              .map((ix) => ix.id)
              .sort();
            assert.deepEqual([...w.core.state.onlineOf(name)].sort(), scan, `online index of ${name}`);
            for (const id of scan)
              assert.equal(w.core.interactions.get(id)?.abandonedAt, undefined, 'unset while online');
          }
        }
      }),
      { numRuns: 150 },
    );
  });
});
