/**
 * The race test of issue #9: 20 agents with capacities 1–3 and 2,000 interactions, driven by random accepts, rejects,
 * transfers, conferences, leaves, moves, pulls, stops, lost connections and clock ticks that fire the delivering and
 * handling timeouts (an injected clock; no sleeps). After every step no agent is above its capacity; at the end no
 * interaction is handled by two agents unless a conference brought the second one in, none is lost or stuck (each is
 * handled, waiting, offered, in a workbin or stopped), and the event log (every stored event of every plan) is
 * numbered 1..n per interaction and agrees with the final state: replaying its party events gives each interaction's
 * parties, and every stopped interaction's last event is EventProcessingStopped.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseConfig } from '../../src/config/load.ts';
import type { ConfigInput } from '../../src/config/schema.ts';
import { Core } from '../../src/core/core.ts';
import type { Session } from '../../src/core/model/session.ts';
import type { Plan } from '../../src/core/plan.ts';
import { ClientType, Operation, PartyType } from '../../src/protocol/enums.ts';
import { isMsg, type IsMessageName, type Message } from '../../src/protocol/message.ts';

const AGENTS = Array.from({ length: 20 }, (_x, i) => `a${String(i + 1).padStart(2, '0')}`);
const QUEUES = ['Q1', 'Q2', 'Q3'];
const TOTAL = 2000;

const CONFIG: ConfigInput = {
  tenants: [{ id: 1, name: 'T' }],
  mediaTypes: ['email'],
  interactionTypes: { Inbound: ['InboundNew'] },
  applications: [
    { name: 'Mail', type: 'MediaServer' },
    { name: 'Desktop', type: 'AgentApplication' },
  ],
  places: AGENTS.map((_a, i) => ({ id: `P${String(i + 1)}`, tenant: 1 })),
  agents: AGENTS.map((id, i) => ({ id, tenant: 1, media: { email: (i % 3) + 1 } })),
  queues: [
    { name: 'Q1', tenant: 1, routing: { agents: AGENTS.slice(0, 12) } },
    { name: 'Q2', tenant: 1, routing: { agents: AGENTS.slice(8) }, timeouts: { delivering: 3 } },
    { name: 'Q3', tenant: 1 },
  ],
  workbins: [{ name: 'Later', type: 'agent', tenant: 1 }],
  settings: { deliveringTimeout: 5, handlingTimeout: 30 },
};

/** A small seeded generator (mulberry32): the same seed, the same run. */
function rng(seed: number): (n: number) => number {
  let a = seed >>> 0;
  return (n) => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return Math.floor((((t ^ (t >>> 14)) >>> 0) / 4294967296) * n);
  };
}

function run(seed: number): { steps: number; stopped: number; conferences: number; timeouts: number } {
  const rand = rng(seed);
  let now = Date.UTC(2026, 0, 1);
  let n = 0;
  const config = parseConfig(CONFIG, 'race');
  const core = new Core({ config, clock: () => now, newInteractionId: () => `I${String(++n).padStart(5, '0')}` });
  const plans: Plan[] = [];
  const reg = (type: number, name: string): Session => {
    const r = core.register(isMsg('RequestRegisterClient', { ClientType: type, ClientName: name }));
    assert.ok(r.session);
    plans.push(r.plan);
    return r.session;
  };
  const send = (s: Session, name: IsMessageName, attrs: Message['attrs']): Plan => {
    const p = core.handle(s, isMsg(name, attrs));
    plans.push(p);
    return p;
  };
  const mail = reg(ClientType.MediaServer, 'Mail');
  const desks = AGENTS.map(() => reg(ClientType.AgentApplication, 'Desktop'));
  const login = (i: number): void => {
    send(desks[i] as Session, 'RequestAgentLogin', {
      TenantId: 1,
      AgentId: AGENTS[i] as string,
      PlaceId: `P${String(i + 1)}`,
      MediaList: [{ key: 'email', value: 1 }],
    });
  };
  AGENTS.forEach((_a, i) => {
    login(i);
  });
  const pick = <T>(list: readonly T[]): T | undefined => (list.length ? list[rand(list.length)] : undefined);
  const mine = (i: number): string[] => [...core.state.handledBy(AGENTS[i] as string)].sort();
  const stoppedIds = new Set<string>();
  let submitted = 0;
  let steps = 0;
  let timeouts = 0;

  while (submitted < TOTAL || steps < TOTAL * 6) {
    steps++;
    const i = rand(AGENTS.length);
    const desk = desks[i] as Session;
    const r = rand(100);
    if (r < 25 && submitted < TOTAL) {
      submitted++;
      send(mail, 'RequestSubmit', {
        TenantId: 1,
        MediaType: 'email',
        InteractionType: 'Inbound',
        InteractionSubtype: 'InboundNew',
        Queue: pick(QUEUES) as string,
      });
    } else if (r < 45) {
      const id = pick([...core.state.invitedTo(AGENTS[i] as string)].sort());
      if (id) send(desk, rand(4) === 0 ? 'RequestReject' : 'RequestAccept', { InteractionId: id });
    } else if (r < 53) {
      const id = pick(mine(i));
      const to = AGENTS[rand(AGENTS.length)] as string;
      if (id) send(desk, rand(2) === 0 ? 'RequestTransfer' : 'RequestConference', { InteractionId: id, AgentId: to });
    } else if (r < 57) {
      const id = pick(mine(i));
      if (id) send(desk, 'RequestLeaveInteraction', { InteractionId: id });
    } else if (r < 61) {
      const id = pick(mine(i));
      if (id) send(desk, 'RequestPlaceInWorkbin', { InteractionId: id, WorkbinTypeId: 'Later' });
    } else if (r < 64) {
      const id = pick(mine(i));
      if (id) send(desk, 'RequestPlaceInQueue', { InteractionId: id, Queue: pick(QUEUES) as string });
    } else if (r < 70) {
      send(desk, 'RequestPull', {
        ViewId: 'Later',
        PullParameters: [{ key: 'AgentId', value: AGENTS[rand(AGENTS.length)] as string }],
      });
    } else if (r < 76) {
      const id = pick(mine(i));
      if (id) {
        send(desk, 'RequestStopProcessing', { InteractionId: id });
        stoppedIds.add(id);
      }
    } else if (r < 77) {
      // A lost connection: the agent logs out (its invitations are withdrawn), then comes back.
      plans.push(core.sessionClosed(desk.id));
      desks[i] = reg(ClientType.AgentApplication, 'Desktop');
      login(i);
    } else {
      now += rand(4) === 0 ? 6000 : rand(1500);
      const p = core.tick();
      plans.push(p);
      timeouts += p.out.filter((o) => o.message.name === 'EventRevoked').length;
    }
    for (const a of config.agents)
      assert.ok(
        core.state.loadOf(a.id, 'email') <= (a.media.email ?? 0),
        `step ${String(steps)}: ${a.id} over capacity`,
      );
  }

  // The per-queue reading searches use (waiting sets plus the rest) gives exactly each queue's interactions.
  const queueNames = new Set([...core.state.interactions.values()].map((ix) => ix.queue));
  for (const q of queueNames) {
    const naive = [...core.state.interactions.values()].filter((ix) => ix.queue === q).map((ix) => ix.id);
    const indexed = [...core.state.inQueueNamed(q)].map((ix) => ix.id);
    assert.deepEqual(indexed.sort(), naive.sort(), `queue ${q}: the search index agrees with a scan`);
  }

  // The event log: every stored event, per interaction, numbered 1..n; party events replayed.
  const byIx = new Map<string, { seq: number[]; names: string[]; parties: Set<string>; conference: boolean }>();
  for (const p of plans) {
    for (const op of p.store) {
      if (op.op !== 'event' || op.event.interactionId === null) continue;
      const id = op.event.interactionId;
      let e = byIx.get(id);
      if (!e) byIx.set(id, (e = { seq: [], names: [], parties: new Set(), conference: false }));
      e.seq.push(op.event.ixnSeq as number);
      e.names.push(op.event.message.name);
      const at = op.event.message.attrs;
      if (at.PartyType !== PartyType.ResourceParty) continue;
      if (op.event.message.name === 'EventPartyAdded') {
        e.parties.add(String(at.AgentId));
        if (at.Operation === Operation.Conference) e.conference = true;
      }
      if (op.event.message.name === 'EventPartyRemoved') e.parties.delete(String(at.AgentId));
    }
  }
  assert.equal(byIx.size, TOTAL, 'every interaction reported');
  let conferences = 0;
  for (const [id, e] of byIx) {
    assert.deepEqual(
      e.seq,
      e.names.map((_x, k) => k + 1),
      `${id}: numbered 1..n`,
    );
    const ix = core.state.interactions.get(id);
    if (!ix) {
      assert.ok(stoppedIds.has(id), `${id} is gone but was never stopped: lost`);
      assert.equal(e.names.at(-1), 'EventProcessingStopped', `${id}: stopped last`);
      continue;
    }
    assert.equal(ix.eventSeq, e.seq.length, `${id}: its eventSeq counts its events`);
    const kind = ix.placement.kind;
    assert.ok(kind === 'queued' || kind === 'handled' || kind === 'workbin', `${id} is ${kind}`);
    const handlers = kind === 'handled' ? ix.parties.map((p) => p.agentId).sort() : [];
    assert.deepEqual([...e.parties].sort(), handlers, `${id}: the party events replay to its parties`);
    if (handlers.length > 1) {
      assert.ok(e.conference, `${id} has ${String(handlers.length)} handlers without a conference`);
      conferences++;
    }
    if (kind === 'handled') assert.ok(handlers.length > 0, `${id} handled by nobody`);
    if (kind === 'queued' && ix.invitations.length === 0 && ix.held !== true) {
      // Waiting: then nobody who could take it is free (else the router would have offered it).
      const q = core.dir.queues.get(ix.queue);
      if (q?.routing === 'builtin')
        for (const a of q.candidates) assert.ok(!core.state.isAvailable(a, 'email'), `${id} waits while ${a} is free`);
    }
  }
  return { steps, stopped: stoppedIds.size, conferences, timeouts };
}

describe('race: 20 agents, 2,000 interactions, random work and timeouts', () => {
  for (const seed of [1, 2, 3]) {
    it(`seed ${String(seed)}: capacity always respected, nothing lost or stuck, the log agrees with the state`, () => {
      const r = run(seed);
      assert.ok(r.stopped > 100, `interactions were stopped (${String(r.stopped)})`);
      assert.ok(r.timeouts > 20, `timeouts fired (${String(r.timeouts)})`);
      assert.ok(r.steps >= TOTAL * 6);
    });
  }
});
