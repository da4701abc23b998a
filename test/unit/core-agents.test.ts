/**
 * Agents and the built-in router in the core, through an in-process harness: every command's plan is asserted
 * exactly — who receives which message, and that nobody else receives anything.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseConfig } from '../../src/config/load.ts';
import type { ConfigInput } from '../../src/config/schema.ts';
import { Core } from '../../src/core/core.ts';
import type { Plan } from '../../src/core/plan.ts';
import type { Session } from '../../src/core/model/session.ts';
import { routableEngines } from '../../src/core/routing-engine.ts';
import { ClientType } from '../../src/protocol/enums.ts';
import { isMsg, type IsMessageName, type Message } from '../../src/protocol/message.ts';
import { tlibMsg } from '../../src/protocol/message.ts';

const BASE: ConfigInput = {
  tenants: [{ id: 1, name: 'T' }],
  mediaTypes: ['email', 'chat'],
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
    { id: 'P3', tenant: 1 },
  ],
  agents: [
    { id: 'a1', tenant: 1, media: { email: 1, chat: 2 }, skills: { english: 9 } },
    { id: 'a2', tenant: 1, media: { email: 1 }, skills: { english: 3 } },
    { id: 'a3', tenant: 1, media: { email: 2 }, skills: { english: 7 } },
  ],
  agentGroups: [{ name: 'G', tenant: 1, agents: ['a2', 'a3'] }],
  queues: [
    { name: 'Sales', tenant: 1, routing: { agents: ['a1'], agentGroups: ['G'] } },
    { name: 'English', tenant: 1, routing: { agentGroups: ['G'], agents: ['a1'], skill: 'english >= 5' } },
    { name: 'Inbound', tenant: 1, routing: 'external' },
    { name: 'Backlog', tenant: 1 },
  ],
};

function setup(overrides: Partial<ConfigInput> = {}) {
  let now = Date.UTC(2026, 0, 1, 9, 0, 0);
  let n = 0;
  const core = new Core({
    config: parseConfig({ ...BASE, ...overrides }, 'test'),
    clock: () => now,
    newInteractionId: () => `X${String(++n)}`,
  });
  const reg = (type: number, name: string, dialect?: 'is' | 'is+tlib'): Session => {
    const r = core.register(isMsg('RequestRegisterClient', { ClientType: type, ClientName: name }), undefined, dialect);
    assert.ok(r.session, JSON.stringify(r.error?.attrs));
    return r.session;
  };
  const mail = reg(ClientType.MediaServer, 'Mail');
  const stat = reg(ClientType.ReportingEngine, 'Stat');
  const desk = (): Session => reg(ClientType.AgentApplication, 'Desktop');
  const send = (s: Session, name: IsMessageName, attrs: Message['attrs'] = {}): Plan =>
    core.handle(s, isMsg(name, { ReferenceId: 1, ...attrs }));
  const login = (s: Session, agent: string, place: string, media: Record<string, number> = { email: 1 }): Plan =>
    send(s, 'RequestAgentLogin', {
      TenantId: 1,
      AgentId: agent,
      PlaceId: place,
      MediaList: Object.entries(media).map(([key, value]) => ({ key, value })),
    });
  const submit = (queue: string, extra: Message['attrs'] = {}): Plan =>
    send(mail, 'RequestSubmit', {
      TenantId: 1,
      MediaType: 'email',
      InteractionType: 'Inbound',
      InteractionSubtype: 'InboundNew',
      Queue: queue,
      ...extra,
    });
  return { core, mail, stat, desk, send, login, submit, tick: (ms: number) => (now += ms) };
}

/** A plan as [recipient, message name] pairs. */
function who(plan: Plan): [number, string][] {
  return plan.out.map((o) => [o.to, o.message.name]);
}

function invited(plan: Plan): [number, string][] {
  return plan.out
    .filter((o) => o.message.name === 'EventInvite')
    .map((o) => [o.to, String(o.message.attrs.InteractionId)]);
}

describe('agent states', () => {
  it('NotReadyForMedia / CancelNotReadyForMedia: EventAck to the agent, the state event to reporting only', () => {
    const { desk, login, send, stat } = setup();
    const d = desk();
    login(d, 'a1', 'P1', { email: 1, chat: 1 });
    const nr = send(d, 'RequestNotReadyForMedia', { MediaTypeName: 'chat', ReasonSystemName: 'Break' });
    assert.deepEqual(who(nr), [
      [d.id, 'EventAck'],
      [stat.id, 'EventNotReadyForMedia'],
    ]);
    assert.equal(nr.out[1]?.message.attrs.MediaTypeName, 'chat');
    assert.equal(nr.out[1]?.message.attrs.AgentId, 'a1');
    assert.equal(nr.out[1]?.message.attrs.ReasonSystemName, 'Break');
    const again = send(d, 'RequestNotReadyForMedia', { MediaTypeName: 'chat' });
    assert.deepEqual(who(again), [[d.id, 'EventError']]);
    assert.equal(again.out[0]?.message.attrs.ErrorCode, 74);
    assert.deepEqual(again.store, []);
    const back = send(d, 'RequestCancelNotReadyForMedia', { MediaTypeName: 'chat' });
    assert.deepEqual(who(back), [
      [d.id, 'EventAck'],
      [stat.id, 'EventReadyForMedia'],
    ]);
    assert.equal(
      send(d, 'RequestCancelNotReadyForMedia', { MediaTypeName: 'chat' }).out[0]?.message.attrs.ErrorCode,
      73,
    );
    assert.equal(send(d, 'RequestNotReadyForMedia', { MediaTypeName: 'fax' }).out[0]?.message.attrs.ErrorCode, 18);
  });

  it('agent requests need a login first (34), and media the agent has (69)', () => {
    const { desk, login, send } = setup();
    const d = desk();
    assert.equal(send(d, 'RequestDoNotDisturbOn').out[0]?.message.attrs.ErrorCode, 34);
    login(d, 'a2', 'P2', { email: 1 });
    assert.equal(send(d, 'RequestNotReadyForMedia', { MediaTypeName: 'chat' }).out[0]?.message.attrs.ErrorCode, 69);
    assert.equal(send(d, 'RequestRemoveMedia', { MediaTypeName: 'chat' }).out[0]?.message.attrs.ErrorCode, 69);
  });

  it('DND holds offers back; DND off lets the waiting interaction through; 71/72 on repeats', () => {
    const { desk, login, send, submit, stat } = setup();
    const d = desk();
    login(d, 'a1', 'P1');
    assert.deepEqual(who(send(d, 'RequestDoNotDisturbOn')), [
      [d.id, 'EventAck'],
      [stat.id, 'EventDoNotDisturbOn'],
    ]);
    assert.equal(send(d, 'RequestDoNotDisturbOn').out[0]?.message.attrs.ErrorCode, 71);
    assert.deepEqual(invited(submit('Sales')), []);
    const off = send(d, 'RequestDoNotDisturbOff');
    assert.deepEqual(who(off), [
      [d.id, 'EventAck'],
      [stat.id, 'EventDoNotDisturbOff'],
      [d.id, 'EventInvite'],
      [stat.id, 'EventAgentInvited'],
    ]);
    assert.equal(send(d, 'RequestDoNotDisturbOff').out[0]?.message.attrs.ErrorCode, 72);
  });

  it('AddMedia starts not ready; RemoveMedia; 70 when the media is there already', () => {
    const { desk, login, send, submit, stat } = setup();
    const d = desk();
    login(d, 'a1', 'P1', { email: 1 });
    const add = send(d, 'RequestAddMedia', { MediaTypeName: 'chat' });
    assert.deepEqual(who(add), [
      [d.id, 'EventAck'],
      [stat.id, 'EventMediaAdded'],
    ]);
    assert.equal(add.out[1]?.message.attrs.MediaTypeState, 0);
    assert.equal(send(d, 'RequestAddMedia', { MediaTypeName: 'chat' }).out[0]?.message.attrs.ErrorCode, 70);
    assert.deepEqual(who(send(d, 'RequestRemoveMedia', { MediaTypeName: 'email' })), [
      [d.id, 'EventAck'],
      [stat.id, 'EventMediaRemoved'],
    ]);
    assert.deepEqual(invited(submit('Sales')), [], 'no e-mail media any more');
  });

  it('media state reasons are reported without changing the state', () => {
    const { desk, login, send, stat } = setup();
    const d = desk();
    login(d, 'a1', 'P1');
    const p = send(d, 'RequestChangeMediaStateReason', { MediaTypeName: 'email', ReasonSystemName: 'Training' });
    assert.deepEqual(who(p), [
      [d.id, 'EventAck'],
      [stat.id, 'EventMediaStateReasonChanged'],
    ]);
    assert.equal(p.out[1]?.message.attrs.ReasonSystemName, 'Training');
  });
});

describe('built-in router', () => {
  it('the available candidate idle longest gets the first waiting interaction', () => {
    const { desk, login, submit, tick } = setup();
    const [d1, d2, d3] = [desk(), desk(), desk()];
    login(d2, 'a2', 'P2');
    tick(1000);
    login(d1, 'a1', 'P1');
    tick(1000);
    login(d3, 'a3', 'P3');
    assert.deepEqual(invited(submit('Sales')), [[d2.id, 'X1']], 'a2 logged in first: idle longest');
    assert.deepEqual(invited(submit('Sales')), [[d1.id, 'X2']]);
    assert.deepEqual(invited(submit('Sales')), [[d3.id, 'X3']]);
    assert.deepEqual(invited(submit('Sales')), [[d3.id, 'X4']], 'a3 has capacity 2; the others are full');
    assert.deepEqual(invited(submit('Sales')), [], 'everyone is full: it waits');
  });

  it('candidates come from agents, groups and the skill expression', () => {
    const { desk, login, submit } = setup();
    const d2 = desk();
    login(d2, 'a2', 'P2');
    assert.deepEqual(invited(submit('English')), [], 'a2 is in the group but english 3 < 5');
    const d3 = desk();
    assert.deepEqual(invited(login(d3, 'a3', 'P3')), [[d3.id, 'X1']], 'a3 logs in: the waiting one is offered');
  });

  it('higher Priority first, then the oldest; a rejected interaction keeps its age and goes to another agent', () => {
    const { core, desk, login, submit, send, tick } = setup();
    submit('Sales', { UserData: [{ key: 'Priority', value: 1 }] }); // X1
    tick(1000);
    submit('Sales', { UserData: [{ key: 'Priority', value: 5 }] }); // X2
    tick(1000);
    submit('Sales'); // X3: no priority, after every prioritised one
    const [d1, d2, d3] = [desk(), desk(), desk()];
    assert.deepEqual(invited(login(d1, 'a1', 'P1')), [[d1.id, 'X2']]);
    assert.deepEqual(invited(login(d2, 'a2', 'P2')), [[d2.id, 'X1']]);
    assert.deepEqual(invited(login(d3, 'a3', 'P3')), [[d3.id, 'X3']]);
    // a1 rejects X2: a3 (capacity 2) is another available candidate, so X2 goes there, still first in line.
    assert.deepEqual(invited(send(d1, 'RequestReject', { InteractionId: 'X2' })), [[d3.id, 'X2']]);
    // a3 rejects it too: a1 (not its last rejecter) is available and gets it again.
    assert.deepEqual(invited(send(d3, 'RequestReject', { InteractionId: 'X2' })), [[d1.id, 'X2']]);
    assert.equal(core.state.interactions.get('X2')?.submittedAt, '2026-01-01T09:00:01Z', 'its age is kept');
  });

  it('the agent that rejected it gets it again when no other candidate is available', () => {
    const { desk, login, submit, send } = setup();
    const d1 = desk();
    login(d1, 'a1', 'P1');
    assert.deepEqual(invited(submit('Sales')), [[d1.id, 'X1']]);
    assert.deepEqual(invited(send(d1, 'RequestReject', { InteractionId: 'X1' })), [[d1.id, 'X1']]);
  });

  it('a logout withdraws the invitation and the next available agent gets it', () => {
    const { desk, login, submit, send, stat } = setup();
    const [d1, d2] = [desk(), desk()];
    login(d1, 'a1', 'P1');
    login(d2, 'a2', 'P2');
    assert.deepEqual(invited(submit('Sales')), [[d1.id, 'X1']]);
    const out = send(d1, 'RequestAgentLogout');
    assert.deepEqual(who(out), [
      [d1.id, 'EventAck'],
      [stat.id, 'EventAgentLogout'],
      [stat.id, 'EventRejected'],
      [d1.id, 'EventRevoked'],
      [d2.id, 'EventInvite'],
      [stat.id, 'EventAgentInvited'],
    ]);
  });

  it('RequestRouteCall to a queue served by the built-in router offers it there', () => {
    const { core, desk, login, submit } = setup();
    const urs = core.register(
      isMsg('RequestRegisterClient', { ClientType: ClientType.RoutingEngine, ClientName: 'URS' }),
    );
    assert.ok(urs.session);
    const d1 = desk();
    login(d1, 'a1', 'P1');
    const sub = submit('Inbound');
    assert.equal(sub.out.find((o) => o.message.name === 'EventRouteRequest')?.to, urs.session.id);
    const routed = core.handle(
      urs.session,
      tlibMsg('RequestRouteCall', { ReferenceId: 3, ConnId: 'X1', TargetType: 2, TargetQueue: 'Sales' }),
    );
    assert.deepEqual(invited(routed), [[d1.id, 'X1']]);
  });
});

describe('sessions and dialects', () => {
  it('a routing engine on the binary door with the IS protocol registers but is never handed interactions (it pulls)', () => {
    const { core } = setup();
    const r = core.register(
      isMsg('RequestRegisterClient', { ReferenceId: 2, ClientType: ClientType.RoutingEngine, ClientName: 'URS' }),
      undefined,
      'is',
    );
    assert.ok(r.session);
    assert.deepEqual(
      r.plan.out.map((o) => o.message.name),
      ['EventAck'],
    );
    assert.deepEqual(routableEngines({ core }, 'Inbound'), [], 'not among the engines interactions are handed to');
  });

  it('allowMultipleAgentConnections: "true" joins, "false" refuses (14), "force-logout" closes the older one', () => {
    const joined = setup();
    const [j1, j2] = [joined.desk(), joined.desk()];
    joined.login(j1, 'a1', 'P1');
    assert.deepEqual(who(joined.login(j2, 'a1', 'P1')), [[j2.id, 'EventAck']]);
    assert.deepEqual(joined.core.state.agents.get('a1')?.sessions, [j1.id, j2.id]);

    const refused = setup({ settings: { allowMultipleAgentConnections: 'false' } });
    const [r1, r2] = [refused.desk(), refused.desk()];
    refused.login(r1, 'a1', 'P1');
    const no = refused.login(r2, 'a1', 'P1');
    assert.equal(no.out[0]?.message.attrs.ErrorCode, 14);
    assert.deepEqual(refused.core.state.agents.get('a1')?.sessions, [r1.id]);

    const forced = setup({ settings: { allowMultipleAgentConnections: 'force-logout' } });
    const [f1, f2] = [forced.desk(), forced.desk()];
    forced.login(f1, 'a1', 'P1');
    const again = forced.login(f2, 'a1', 'P1');
    assert.deepEqual(again.close, [f1.id]);
    assert.deepEqual(
      who(again).map(([, name]) => name),
      ['EventAgentLogout', 'EventAck', 'EventAgentLogin'],
    );
    assert.deepEqual(forced.core.state.agents.get('a1')?.sessions, [f2.id]);
  });

  it('losing the last connection logs the agent out and re-offers its invitation', () => {
    const { core, desk, login, submit, stat } = setup();
    const [d1, d2] = [desk(), desk()];
    login(d1, 'a1', 'P1');
    login(d2, 'a2', 'P2');
    assert.deepEqual(invited(submit('Sales')), [[d1.id, 'X1']]);
    const closed = core.sessionClosed(d1.id);
    assert.deepEqual(who(closed), [
      [stat.id, 'EventAgentLogout'],
      [stat.id, 'EventRejected'],
      [d2.id, 'EventInvite'],
      [stat.id, 'EventAgentInvited'],
    ]);
    assert.equal(core.state.agents.has('a1'), false);
  });
});
