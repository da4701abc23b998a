/**
 * Pull for routing engines (issue #12, urs-routing §9.8 H): a routing engine's RequestPull holds what it takes (state
 * Routing, strategy party, routing timeout, no EventRouteRequest, no capacity limit); marked `pull-for-strategy` = 1, a
 * pull of an empty view is parked and answered when work enters the view's queue or with nothing after
 * pullHoldTimeout; parked pulls end with their session; what a routing engine pulled goes back to its queue when the
 * engine leaves. A routing engine on the IS protocol (ORS-style) is never handed interactions and gets no T-Library.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ConfigInput } from '../../src/config/schema.ts';
import type { Session } from '../../src/core/model/session.ts';
import { ClientType, InteractionState, Operation, PartyType } from '../../src/protocol/enums.ts';
import type { KvList } from '../../src/protocol/kv.ts';
import { isMsg } from '../../src/protocol/message.ts';
import { coreWorld, msg, refused, who } from './core-harness.ts';

const T0 = Date.UTC(2026, 0, 1, 9);
const CONFIG: ConfigInput = {
  tenants: [{ id: 1, name: 'T' }],
  mediaTypes: ['email'],
  interactionTypes: { Inbound: ['InboundNew'] },
  applications: [
    { name: 'Mail', type: 'MediaServer' },
    { name: 'ORS', type: 'RoutingEngine' },
    { name: 'Stat', type: 'ReportingEngine' },
  ],
  queues: [
    { name: 'Work', tenant: 1, views: [{ name: 'WorkView' }, { name: 'Vip', condition: "Segment = 'vip'" }] },
    { name: 'Done', tenant: 1 },
  ],
  settings: { pullHoldTimeout: 20, routingTimeout: 600 },
};

const FOR_STRATEGY = [{ key: 'pull-for-strategy', value: 1 }];

function setup() {
  const w = coreWorld(CONFIG, T0);
  const mail = w.reg(ClientType.MediaServer, 'Mail');
  const stat = w.reg(ClientType.ReportingEngine, 'Stat');
  // ORS-style: the IS protocol on the binary door (dialect 'is').
  const r = w.core.register(
    isMsg('RequestRegisterClient', { ClientType: ClientType.RoutingEngine, ClientName: 'ORS' }),
    undefined,
    'is',
  );
  assert.ok(r.session, JSON.stringify(r.error));
  const ors = r.session;
  const submit = (segment = 'std') => w.submit(mail, 'Work', { UserData: [{ key: 'Segment', value: segment }] });
  const pullAs = (s: Session, ref: number, view: string, extension = FOR_STRATEGY, count = 1) =>
    w.core.handle(s, isMsg('RequestPull', { ReferenceId: ref, ViewId: view, Count: count, Extension: extension }));
  return {
    ...w,
    mail,
    stat,
    ors,
    submit,
    pull: (ref: number, view: string, ext = FOR_STRATEGY, count = 1) => pullAs(ors, ref, view, ext, count),
  };
}

describe('pull for routing engines', () => {
  it('a pull of waiting work: held by the engine (Routing), strategy party, no capacity limit', () => {
    const { core, stat, ors, submit, pull } = setup();
    submit();
    submit();
    submit();
    const p = pull(5, 'WorkView', FOR_STRATEGY, 3);
    const answer = msg(p, ors.id, 'EventPulledInteractions');
    assert.equal(answer.attrs.ReferenceId, 5);
    assert.deepEqual(
      (answer.attrs.Interactions as KvList).map((e) => e.key),
      ['X1', 'X2', 'X3'],
    );
    assert.deepEqual(
      who(p)
        .filter(([to]) => to === stat.id)
        .map(([, n]) => n),
      [
        'EventTakenFromQueue',
        'EventPartyAdded',
        'EventTakenFromQueue',
        'EventPartyAdded',
        'EventTakenFromQueue',
        'EventPartyAdded',
      ],
    );
    const added = msg(p, stat.id, 'EventPartyAdded').attrs;
    assert.equal(added.PartyType, PartyType.StrategyParty);
    assert.equal(added.RouterId, 'ORS');
    assert.equal(added.StrategyId, 'Work');
    assert.equal(added.Operation, Operation.Pull);
    const x1 = core.state.interactions.get('X1');
    assert.equal(x1?.placement.kind, 'routing');
    assert.equal(core.itxAttrs(x1 as never).InteractionState, InteractionState.Routing);
    assert.equal(core.state.handedToCount('ORS'), 3);
    assert.equal(core.nextDeadline(), T0 + 600_000, 'the routing timeout runs');
  });

  it('pull-for-strategy on an empty view parks; the next interaction entering the view answers it', () => {
    const { core, ors, submit, pull } = setup();
    const parked = pull(6, 'Vip');
    assert.deepEqual(who(parked), [], 'no answer yet');
    assert.equal(core.parked.size, 1);
    assert.equal(core.nextDeadline(), T0 + 20_000, 'the hold timeout');
    const std = submit('std');
    assert.deepEqual(
      who(std).filter(([to]) => to === ors.id),
      [],
      'an interaction the view does not show leaves the pull parked',
    );
    const vip = submit('vip');
    const answer = msg(vip, ors.id, 'EventPulledInteractions');
    assert.equal(answer.attrs.ReferenceId, 6);
    assert.deepEqual(
      (answer.attrs.Interactions as KvList).map((e) => e.key),
      ['X2'],
    );
    assert.equal(core.parked.size, 0);
    assert.equal(core.state.interactions.get('X2')?.placement.kind, 'routing');
    assert.equal(core.state.interactions.get('X1')?.placement.kind, 'queued');
  });

  it('a parked pull is answered with nothing after pullHoldTimeout; without pull-for-strategy an empty pull is answered at once', () => {
    const { core, ors, pull, advance } = setup();
    pull(7, 'WorkView');
    advance(19_999);
    assert.deepEqual(who(core.tick()), []);
    advance(1);
    const t = core.tick();
    assert.deepEqual(who(t), [[ors.id, 'EventPulledInteractions']]);
    assert.deepEqual(msg(t, ors.id, 'EventPulledInteractions').attrs, { ReferenceId: 7, Interactions: [] });
    assert.equal(core.nextDeadline(), undefined);
    const plain = pull(8, 'WorkView', []);
    assert.deepEqual(msg(plain, ors.id, 'EventPulledInteractions').attrs, { ReferenceId: 8, Interactions: [] });
  });

  it('parked pulls are served oldest first and end with their session', () => {
    const w = setup();
    const r2 = w.core.register(
      isMsg('RequestRegisterClient', { ClientType: ClientType.RoutingEngine, ClientName: 'ORS' }),
      undefined,
      'is',
    );
    const ors2 = r2.session as Session;
    w.pull(1, 'WorkView');
    w.core.handle(ors2, isMsg('RequestPull', { ReferenceId: 2, ViewId: 'WorkView', Extension: FOR_STRATEGY }));
    const first = w.submit();
    assert.deepEqual(
      who(first).filter(([to]) => to === w.ors.id || to === ors2.id),
      [[w.ors.id, 'EventPulledInteractions']],
    );
    w.core.sessionClosed(ors2.id);
    assert.equal(w.core.parked.size, 0);
    const second = w.submit();
    assert.deepEqual(
      who(second).filter(([to]) => to === ors2.id),
      [],
    );
  });

  it('the engine moves what it pulled with the IS requests; what it still holds goes back to the queue when it leaves', () => {
    const { core, stat, ors, submit, pull } = setup();
    submit();
    submit();
    pull(1, 'WorkView', FOR_STRATEGY, 2);
    const moved = core.handle(
      ors,
      isMsg('RequestPlaceInQueue', { ReferenceId: 2, InteractionId: 'X1', Queue: 'Done' }),
    );
    assert.deepEqual(
      who(moved),
      [
        [ors.id, 'EventAck'],
        [stat.id, 'EventPartyRemoved'],
        [stat.id, 'EventPlacedInQueue'],
      ],
      'no EventAbandoned to the engine that asked (and no T-Library to an IS session)',
    );
    const left = core.sessionClosed(ors.id);
    assert.deepEqual(who(left), [[stat.id, 'EventPartyRemoved']]);
    assert.equal(core.state.interactions.get('X2')?.placement.kind, 'queued');
    assert.equal(core.state.handedToCount('ORS'), 0);
  });

  it('an IS-protocol routing engine is never handed interactions of a routing-engine queue', () => {
    const w = coreWorld(
      { ...CONFIG, queues: [...(CONFIG.queues ?? []), { name: 'Ext', tenant: 1, routing: 'external' }] },
      T0,
    );
    const mail = w.reg(ClientType.MediaServer, 'Mail');
    const r = w.core.register(
      isMsg('RequestRegisterClient', { ClientType: ClientType.RoutingEngine, ClientName: 'ORS' }),
      undefined,
      'is',
    );
    assert.ok(r.session);
    const p = w.submit(mail, 'Ext');
    assert.deepEqual(who(p), [[mail.id, 'EventAck']]);
  });

  it('refusals: a workbin pull without TenantId; an unknown view', () => {
    const { ors, pull } = setup();
    refused(pull(1, 'Nope', []), ors.id, 'Error_pull_parameter_absent', 'needs TenantId');
  });
});
