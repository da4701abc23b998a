/**
 * The submission scheduler (issue #12, urs-routing §9.8 G): per routing engine `maxSubmittedInteractions` (held at
 * once) and `maxSubmissionRate` (handed per second), per routing-engine queue `maxSubmitted`. Examples first, then a
 * model-based check: after random submissions, routes, disconnects and clock moves, the caps hold (counted by a scan
 * of every interaction, the naive oracle of the state's indexed counts) and no work waits while an engine has room.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import type { ConfigInput } from '../../src/config/schema.ts';
import type { Session } from '../../src/core/model/session.ts';
import type { Plan } from '../../src/core/plan.ts';
import { ClientType } from '../../src/protocol/enums.ts';
import { isMsg, tlibMsg } from '../../src/protocol/message.ts';
import { coreWorld, who } from './core-harness.ts';

const T0 = Date.UTC(2026, 0, 1, 9);

const CONFIG = (over: { urs1?: object; urs2?: object; urs3?: object; inbound?: object; settings?: object } = {}) =>
  ({
    tenants: [{ id: 1, name: 'T' }],
    mediaTypes: ['email'],
    interactionTypes: { Inbound: ['InboundNew'] },
    applications: [
      { name: 'Mail', type: 'MediaServer' },
      { name: 'URS1', type: 'RoutingEngine', ...over.urs1 },
      { name: 'URS2', type: 'RoutingEngine', ...over.urs2 },
      { name: 'URS3', type: 'RoutingEngine', ...over.urs3 },
    ],
    queues: [
      { name: 'Inbound', tenant: 1, routing: 'external', ...over.inbound },
      { name: 'Parking', tenant: 1 },
    ],
    settings: { routingTimeout: 3600, ...over.settings },
  }) as ConfigInput;

function setup(config: ConfigInput) {
  const w = coreWorld(config, T0, 1);
  const mail = w.reg(ClientType.MediaServer, 'Mail');
  const submit = (): Plan =>
    w.send(mail, 'RequestSubmit', {
      TenantId: 1,
      MediaType: 'email',
      InteractionType: 'Inbound',
      InteractionSubtype: 'InboundNew',
      Queue: 'Inbound',
    });
  /** The engine routes an interaction it holds to the Parking queue (its hand-off ends). */
  const park = (engine: Session, id: string): Plan =>
    w.core.handle(
      engine,
      tlibMsg('RequestRouteCall', { ReferenceId: 9, ConnId: id, TargetType: 2, TargetQueue: 'Parking' }),
    );
  return { ...w, mail, submit, park };
}

/** The interactions a plan hands to each engine (EventRouteRequest), by engine session id. */
function handed(plan: Plan): [number, string][] {
  return plan.out
    .filter((o) => o.message.name === 'EventRouteRequest')
    .map((o) => [o.to, String(o.message.attrs.ConnId)]);
}

describe('submission scheduler', () => {
  it('maxSubmittedInteractions: an engine holds at most that many; the next goes when one of them is routed', () => {
    const w = setup(CONFIG({ urs1: { maxSubmittedInteractions: 2 } }));
    const urs = w.reg(ClientType.RoutingEngine, 'URS1');
    assert.deepEqual(handed(w.submit()), [[urs.id, 'X1']]);
    assert.deepEqual(handed(w.submit()), [[urs.id, 'X2']]);
    const third = w.submit();
    assert.deepEqual(handed(third), [], 'the cap holds X3 back');
    assert.deepEqual(
      third.out.map((o) => o.message.name),
      ['EventAck'],
      'the media server gets its ack; nothing goes to the engine',
    );
    assert.equal(w.core.state.handedToCount('URS1'), 2);
    const routed = w.park(urs, 'X1');
    assert.deepEqual(handed(routed), [[urs.id, 'X3']], 'X1 routed: X3 is handed over in the same step');
    assert.equal(w.core.state.handedToCount('URS1'), 2);
    assert.deepEqual(handed(w.park(urs, 'X2')), [], 'nothing else waits');
    assert.equal(w.core.state.handedToCount('URS1'), 1);
  });

  it('round-robin skips an engine at its cap; settings.defaultMaxSubmittedPerRouter caps engines without their own', () => {
    const w = setup(CONFIG({ urs1: { maxSubmittedInteractions: 1 }, settings: { defaultMaxSubmittedPerRouter: 2 } }));
    const urs1 = w.reg(ClientType.RoutingEngine, 'URS1');
    w.reg(ClientType.RoutingEngine, 'URS2');
    const got = [1, 2, 3, 4].flatMap(() => handed(w.submit()));
    assert.deepEqual(
      got.map(([to]) => (to === urs1.id ? 'URS1' : 'URS2')).sort(),
      ['URS1', 'URS2', 'URS2'],
      'URS1 takes one, URS2 two (the default), the fourth waits',
    );
    assert.equal(w.core.state.handedToCount('URS1'), 1);
    assert.equal(w.core.state.handedToCount('URS2'), 2);
    assert.equal(w.core.state.waitingIn('Inbound\u0000email')?.size, 1);
  });

  it("a queue's maxSubmitted caps all engines together", () => {
    const w = setup(CONFIG({ inbound: { maxSubmitted: 2 } }));
    w.reg(ClientType.RoutingEngine, 'URS1');
    w.reg(ClientType.RoutingEngine, 'URS2');
    const got = [1, 2, 3].flatMap(() => handed(w.submit()));
    assert.equal(got.length, 2, 'two handed over, one to each engine; X3 waits');
    assert.equal(w.core.state.handedFromCount('Inbound'), 2);
    const [to, id] = got[0] as [number, string];
    assert.deepEqual(
      handed(w.park(w.core.state.sessions.get(to) as Session, id)).map(([, x]) => x),
      ['X3'],
      'one routed: X3 goes',
    );
  });

  it('maxSubmissionRate: one second of tokens at once, then one per 1/rate s, fired by the core timer', () => {
    const w = setup(CONFIG({ urs3: { maxSubmissionRate: 2 } }));
    const urs = w.reg(ClientType.RoutingEngine, 'URS3');
    const got = [1, 2, 3, 4, 5].flatMap(() => handed(w.submit()));
    assert.deepEqual(got, [
      [urs.id, 'X1'],
      [urs.id, 'X2'],
    ]);
    assert.equal(w.core.nextDeadline(), T0 + 500, 'the next token in 1/2 s');
    w.advance(499);
    assert.deepEqual(handed(w.core.tick()), [], 'not yet');
    w.advance(1);
    assert.deepEqual(handed(w.core.tick()), [[urs.id, 'X3']]);
    assert.equal(w.core.nextDeadline(), T0 + 1000);
    w.advance(5000);
    assert.deepEqual(handed(w.core.tick()), [
      [urs.id, 'X4'],
      [urs.id, 'X5'],
    ]);
    assert.equal(
      w.core.nextDeadline(),
      T0 + 3_600_000,
      'no wake-up left: the routing timeouts of X1 and X2 come first',
    );
  });

  it("an engine that leaves: what it held goes to another engine's room, the rest waits in the queue", () => {
    const w = setup(CONFIG({ urs1: { maxSubmittedInteractions: 3 }, urs2: { maxSubmittedInteractions: 1 } }));
    const urs1 = w.reg(ClientType.RoutingEngine, 'URS1');
    assert.deepEqual(
      [1, 2, 3].flatMap(() => handed(w.submit())).map(([to]) => to),
      [urs1.id, urs1.id, urs1.id],
    );
    const urs2 = w.reg(ClientType.RoutingEngine, 'URS2');
    const left = w.core.sessionClosed(urs1.id);
    assert.deepEqual(handed(left), [[urs2.id, 'X1']], 'URS2 has room for one: the oldest');
    assert.equal(w.core.state.waitingIn('Inbound\u0000email')?.size, 2);
    assert.deepEqual(
      who(left).filter(([to]) => to === urs1.id),
      [],
      'the engine that left gets nothing',
    );
  });

  it('model: caps hold and no work waits while an engine without a rate has room (fast-check, scan as oracle)', () => {
    const op = fc.oneof(
      fc.constant({ kind: 'submit' as const }),
      fc.record({ kind: fc.constant('park' as const), pick: fc.nat() }),
      fc.record({ kind: fc.constant('toggle' as const), engine: fc.constantFrom('URS1', 'URS2', 'URS3') }),
      fc.record({ kind: fc.constant('advance' as const), ms: fc.integer({ min: 1, max: 2000 }) }),
    );
    const caps = { URS1: 2, URS2: 3 } as const;
    fc.assert(
      fc.property(fc.array(op, { maxLength: 60 }), (ops) => {
        const w = setup(
          CONFIG({
            urs1: { maxSubmittedInteractions: caps.URS1 },
            urs2: { maxSubmittedInteractions: caps.URS2 },
            urs3: { maxSubmissionRate: 1.5 },
            inbound: { maxSubmitted: 4 },
          }),
        );
        const live = new Map<string, Session>();
        let handedToUrs3 = 0;
        let urs3Since = T0;
        const count = (plan: Plan): void => {
          const urs3 = live.get('URS3');
          if (urs3) handedToUrs3 += handed(plan).filter(([to]) => to === urs3.id).length;
        };
        for (const o of ops) {
          if (o.kind === 'submit') count(w.submit());
          else if (o.kind === 'park') {
            const held = [...w.core.state.interactions.values()].filter((ix) => ix.placement.kind === 'routing');
            const ix = held[o.pick % Math.max(1, held.length)];
            if (ix && ix.placement.kind === 'routing') {
              const engine = live.get(ix.placement.router) as Session;
              count(w.park(engine, ix.id));
            }
          } else if (o.kind === 'toggle') {
            const s = live.get(o.engine);
            if (s) {
              live.delete(o.engine);
              count(w.core.sessionClosed(s.id));
            } else {
              const r = w.core.register(
                isMsg('RequestRegisterClient', { ClientType: ClientType.RoutingEngine, ClientName: o.engine }),
              );
              assert.ok(r.session);
              live.set(o.engine, r.session);
              if (o.engine === 'URS3') {
                handedToUrs3 = 0;
                urs3Since = w.at();
              }
              count(r.plan);
            }
          } else {
            w.advance(o.ms);
            while ((w.core.nextDeadline() ?? Infinity) <= w.at()) count(w.core.tick());
          }
          // The oracle: counts by a scan of every interaction.
          const byRouter = new Map<string, number>();
          let inbound = 0;
          for (const ix of w.core.state.interactions.values()) {
            if (ix.placement.kind !== 'routing') continue;
            byRouter.set(ix.placement.router, (byRouter.get(ix.placement.router) ?? 0) + 1);
            inbound++;
          }
          for (const name of ['URS1', 'URS2', 'URS3']) {
            assert.equal(w.core.state.handedToCount(name), byRouter.get(name) ?? 0, `indexed count of ${name}`);
          }
          assert.equal(w.core.state.handedFromCount('Inbound'), inbound);
          assert.ok((byRouter.get('URS1') ?? 0) <= caps.URS1);
          assert.ok((byRouter.get('URS2') ?? 0) <= caps.URS2);
          assert.ok(inbound <= 4, 'the queue cap');
          // URS3's rate: at most its bucket (1.5, whole interactions: 1) plus 1.5 a second since it registered
          // (a bucket starts full when the engine is first seen; a re-registered engine keeps its bucket).
          assert.ok(handedToUrs3 <= 1.5 + (1.5 * (w.at() - urs3Since)) / 1000 + 1e-9, 'the rate cap');
          // Work-conserving: nothing waits while the queue and a connected engine without a rate have room.
          const waiting = w.core.state.waitingIn('Inbound\u0000email')?.size ?? 0;
          if (waiting > 0 && inbound < 4) {
            for (const name of ['URS1', 'URS2'] as const) {
              if (live.has(name))
                assert.ok((byRouter.get(name) ?? 0) >= caps[name], `${name} has room while ${String(waiting)} wait`);
            }
          }
        }
      }),
      { numRuns: 300 },
    );
  });
});
