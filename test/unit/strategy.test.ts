/**
 * Strategy names (issue #12, urs-routing §9.8 B): an `external` queue may name the strategy routing engines know it
 * by (default its own name). EventRouteRequest's ThisDN / ThisQueue, the strategy party's StrategyId, the actor's
 * ActorStrategyId and every later T-Library message carry the strategy; a binary T-Library engine is handed the
 * interactions of the strategies it registered, and several queues may share one strategy.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ConfigInput } from '../../src/config/schema.ts';
import { ClientType } from '../../src/protocol/enums.ts';
import { isMsg, tlibMsg } from '../../src/protocol/message.ts';
import { coreWorld, msg, who } from './core-harness.ts';

const T0 = Date.UTC(2026, 0, 1, 9);
const CONFIG: ConfigInput = {
  tenants: [{ id: 1, name: 'T' }],
  mediaTypes: ['email'],
  interactionTypes: { Inbound: ['InboundNew'] },
  applications: [
    { name: 'Mail', type: 'MediaServer' },
    { name: 'URS', type: 'RoutingEngine' },
    { name: 'Stat', type: 'ReportingEngine' },
  ],
  queues: [
    { name: 'Sales in', tenant: 1, routing: 'external', strategy: 'Email_Routing' },
    { name: 'Support in', tenant: 1, routing: 'external', strategy: 'Email_Routing' },
    { name: 'Plain', tenant: 1, routing: 'external' },
    { name: 'Parking', tenant: 1 },
  ],
};

function setup() {
  const w = coreWorld(CONFIG, T0);
  const mail = w.reg(ClientType.MediaServer, 'Mail');
  const stat = w.reg(ClientType.ReportingEngine, 'Stat');
  const submit = (queue: string) => w.submit(mail, queue);
  return { ...w, mail, stat, submit };
}

describe('strategy names', () => {
  it('the JSON facade: thisDN, StrategyId and the T-Library replies carry the strategy, not the queue', () => {
    const { core, reg, stat, submit } = setup();
    const urs = reg(ClientType.RoutingEngine, 'URS');
    const p = submit('Sales in');
    const rr = msg(p, urs.id, 'EventRouteRequest').attrs;
    assert.equal(rr.ThisDN, 'Email_Routing');
    assert.equal(rr.ThisQueue, 'Email_Routing');
    assert.equal(rr.InteractionQueue, 'Sales in', 'the queue stays the interaction property');
    assert.equal(msg(p, stat.id, 'EventPartyAdded').attrs.StrategyId, 'Email_Routing');
    const changed = core.handle(
      urs,
      tlibMsg('RequestUpdateUserData', { ReferenceId: 2, ConnId: 'X1', UserData: [{ key: 'k', value: 'v' }] }),
    );
    assert.equal(msg(changed, urs.id, 'EventAttachedDataChanged').attrs.ThisDN, 'Email_Routing');
    assert.equal(msg(changed, stat.id, 'EventPropertiesChanged').attrs.ActorStrategyId, 'Email_Routing');
    const routed = core.handle(
      urs,
      tlibMsg('RequestRouteCall', { ReferenceId: 3, ConnId: 'X1', TargetType: 2, TargetQueue: 'Parking' }),
    );
    assert.deepEqual(msg(routed, urs.id, 'EventRouteUsed').attrs, {
      ReferenceId: 3,
      ConnId: 'X1',
      ThisDN: 'Email_Routing',
      OtherDN: 'Parking',
      Result: 'queued',
    });
    assert.equal(msg(routed, stat.id, 'EventPartyRemoved').attrs.StrategyId, 'Email_Routing');
    // A queue without a strategy is its own.
    assert.equal(msg(submit('Plain'), urs.id, 'EventRouteRequest').attrs.ThisDN, 'Plain');
  });

  it('a binary T-Library engine registers the strategy and is handed both queues that share it, not the others', () => {
    const { core, submit } = setup();
    // The server turns T-Library's RequestRegisterClient {ApplicationName} into this registration (ixs-server.ts).
    const urs = core.register(
      isMsg('RequestRegisterClient', { ClientType: ClientType.RoutingEngine, ClientName: 'URS' }),
      undefined,
      'tlib',
    ).session;
    assert.ok(urs);
    core.handle(urs, tlibMsg('RequestRegisterAddress', { ReferenceId: 1, ThisDN: 'Email_Routing' }));
    const sales = submit('Sales in');
    const support = submit('Support in');
    const plain = submit('Plain');
    assert.deepEqual(
      who(sales).filter(([to]) => to === urs.id),
      [[urs.id, 'EventRouteRequest']],
    );
    assert.deepEqual(
      who(support).filter(([to]) => to === urs.id),
      [[urs.id, 'EventRouteRequest']],
    );
    assert.deepEqual(
      who(plain).filter(([to]) => to === urs.id),
      [],
      "'Plain' is not its strategy",
    );
    assert.equal(msg(sales, urs.id, 'EventRouteRequest').attrs.ThisDN, 'Email_Routing');
  });
});
