/** The core as a pure decision: plans (durable ops + messages per party), an injected clock, no I/O. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { COMMANDS } from '../../src/core/commands.ts';
import { Core } from '../../src/core/core.ts';
import { SUPPORTED_REQUESTS } from '../../src/protocol/catalogue.ts';
import type { Session } from '../../src/core/model/session.ts';
import { pairKey } from '../../src/core/state.ts';
import { parseConfig } from '../../src/config/load.ts';
import { DEMO_CONFIG } from '../../src/config/demo.ts';
import { isMsg, tlibMsg } from '../../src/protocol/message.ts';

const T0 = Date.UTC(2026, 0, 31, 12, 0, 0);

function setup() {
  let now = T0;
  const core = new Core({
    config: parseConfig(DEMO_CONFIG, 'demo'),
    clock: () => now,
    newInteractionId: () => 'IXN-1',
  });
  const reg = (type: number, name: string, ext?: { key: string; value: number }[]): Session => {
    const r = core.register(
      isMsg('RequestRegisterClient', { ReferenceId: 1, ClientType: type, ClientName: name, Extension: ext }),
    );
    assert.ok(r.session, JSON.stringify(r.error));
    return r.session;
  };
  return { core, reg, tick: (ms: number) => (now += ms) };
}

describe('Core', () => {
  it('registration acks with a ProxyClientId and the server version', () => {
    const { core } = setup();
    const r = core.register(
      isMsg('RequestRegisterClient', { ReferenceId: 7, ClientType: 3, ClientName: 'EmailServer' }),
    );
    assert.ok(r.session);
    assert.deepEqual(r.plan.out[0]?.message.attrs, {
      ReferenceId: 7,
      ProxyClientId: r.session.id,
      Extension: [{ key: 'ServerVersion', value: 'IXS 0.1.0' }],
    });
    assert.deepEqual(r.plan.store, []);
  });

  it('a refused registration names the problem and registers nothing', () => {
    const { core } = setup();
    const r = core.register(
      isMsg('RequestRegisterClient', { ReferenceId: 2, ClientType: 4, ClientName: 'EmailServer' }),
    );
    assert.equal(r.session, undefined);
    assert.equal(r.error?.attrs.ErrorCode, 2);
    assert.match(String(r.error?.attrs.ErrorDescription), /EmailServer.*MediaServer/);
    assert.equal(core.state.sessions.size, 0);
  });

  it('submit: ack after the durable ops, reporting event numbered 1, times from the injected clock', () => {
    const { core, reg } = setup();
    const ms = reg(3, 'EmailServer');
    const re = reg(4, 'StatServer');
    const plan = core.handle(
      ms,
      isMsg('RequestSubmit', {
        ReferenceId: 5,
        TenantId: 1,
        MediaType: 'email',
        InteractionType: 'Inbound',
        InteractionSubtype: 'InboundNew',
        Queue: 'Email Out',
        UserData: [{ key: 'Subject', value: 'hi' }],
      }),
    );
    assert.deepEqual(
      plan.store.map((o) => o.op),
      ['event', 'upsert'],
    );
    const ev = plan.store.find((o) => o.op === 'event');
    assert.ok(ev?.op === 'event');
    assert.equal(ev.event.ixnSeq, 1);
    assert.equal(ev.event.time, '2026-01-31T12:00:00Z');
    assert.deepEqual(
      plan.out.map((o) => [o.to, o.message.name]),
      [
        [ms.id, 'EventAck'],
        [re.id, 'EventInteractionSubmitted'],
      ],
    );
    assert.deepEqual(plan.out[0]?.message.attrs, { ReferenceId: 5, InteractionId: 'IXN-1', Version: 1 });
    assert.equal(core.interactions.get('IXN-1')?.submittedAt, '2026-01-31T12:00:00Z');
  });

  it('a refused change returns an EventError plan with no durable ops and leaves state untouched', () => {
    const { core, reg, tick } = setup();
    const ms = reg(3, 'EmailServer');
    core.handle(
      ms,
      isMsg('RequestSubmit', {
        TenantId: 1,
        MediaType: 'email',
        InteractionType: 'Inbound',
        InteractionSubtype: 'InboundNew',
        Queue: 'Email Out',
      }),
    );
    const before = core.interactions.get('IXN-1');
    tick(1000);
    const plan = core.handle(
      ms,
      isMsg('RequestChangeProperties', {
        ReferenceId: 9,
        InteractionId: 'IXN-1',
        AddedProperties: [{ key: 'A', value: '1' }],
        ChangedProperties: [{ key: 'Queue', value: 'x' }],
      }),
    );
    assert.deepEqual(plan.store, []);
    assert.equal(plan.out.length, 1);
    assert.equal(plan.out[0]?.message.name, 'EventError');
    assert.equal(plan.out[0]?.message.attrs.ErrorCode, 66);
    assert.equal(core.interactions.get('IXN-1'), before);
  });

  it('ChangedProperties of a missing key is reported as added; version grows by one per accepted change', () => {
    const { core, reg } = setup();
    const ms = reg(3, 'EmailServer', [{ key: 'event_properties_changed', value: 1 }]);
    const re = reg(4, 'StatServer');
    core.handle(
      ms,
      isMsg('RequestSubmit', {
        TenantId: 1,
        MediaType: 'email',
        InteractionType: 'Inbound',
        InteractionSubtype: 'InboundNew',
        Queue: 'Email Out',
        UserData: [{ key: 'a', value: 1 }],
      }),
    );
    const plan = core.handle(
      ms,
      isMsg('RequestChangeProperties', {
        ReferenceId: 3,
        InteractionId: 'IXN-1',
        ChangedProperties: [
          { key: 'a', value: 2 },
          { key: 'b', value: 'new' },
        ],
      }),
    );
    assert.equal(plan.out[0]?.message.attrs.Version, 2);
    const ev = plan.out.find((o) => o.to === re.id)?.message;
    assert.deepEqual(ev?.attrs.ChangedProperties, [{ key: 'a', value: 2 }]);
    assert.deepEqual(ev?.attrs.AddedProperties, [{ key: 'b', value: 'new' }]);
    assert.equal(plan.out.filter((o) => o.to === ms.id).length, 1, 'requester gets only its ack even when opted in');
  });

  it('a change of properties updates the stored record in place; a change of its queue order makes a new one', () => {
    const { core, reg } = setup();
    const ms = reg(3, 'EmailServer');
    const submit = isMsg('RequestSubmit', {
      TenantId: 1,
      MediaType: 'email',
      InteractionType: 'Inbound',
      InteractionSubtype: 'InboundNew',
      Queue: 'Email Out',
      UserData: [{ key: 'ExternalId', value: 'E-1' }],
    });
    core.handle(ms, submit);
    const waiting = core.state.waitingIn(pairKey('Email Out', 'email'));
    const before = core.interactions.get('IXN-1');
    assert.ok(before);
    assert.equal(waiting?.first(), before);
    const change = (attrs: Record<string, unknown>): void => {
      const plan = core.handle(
        ms,
        isMsg('RequestChangeProperties', { ReferenceId: 5, InteractionId: 'IXN-1', ...attrs }),
      );
      assert.equal(plan.out[0]?.message.name, 'EventAck', JSON.stringify(plan.out[0]?.message.attrs));
    };
    change({ AddedProperties: [{ key: 'Subject', value: 'hello' }] });
    const same = core.interactions.get('IXN-1');
    assert.equal(same, before, 'the same record');
    assert.equal(same?.version, 2);
    assert.equal(same?.eventSeq, 2);
    assert.deepEqual(same?.userData, [
      { key: 'ExternalId', value: 'E-1' },
      { key: 'Subject', value: 'hello' },
    ]);
    assert.equal(waiting?.first(), same);
    assert.deepEqual([...core.state.withExternalId('E-1')], ['IXN-1']);
    // Priority orders the queue and ExternalId is indexed: those go through the indexes with a new record.
    change({ AddedProperties: [{ key: 'Priority', value: 3 }] });
    const moved = core.interactions.get('IXN-1');
    assert.notEqual(moved, before);
    assert.equal(waiting?.first(), moved);
    assert.equal(waiting?.size, 1);
    change({ ChangedProperties: [{ key: 'ExternalId', value: 'E-2' }] });
    assert.notEqual(core.interactions.get('IXN-1'), moved);
    assert.deepEqual([...core.state.withExternalId('E-1')], []);
    assert.deepEqual([...core.state.withExternalId('E-2')], ['IXN-1']);
    assert.equal(core.interactions.get('IXN-1')?.version, 4);
  });

  it('routing engine hand-off: EventRouteRequest when a routing engine registers; RequestUpdateUserData answered with EventAttachedDataChanged', () => {
    const { core, reg } = setup();
    const ms = reg(3, 'EmailServer');
    core.handle(
      ms,
      isMsg('RequestSubmit', {
        TenantId: 1,
        MediaType: 'email',
        InteractionType: 'Inbound',
        InteractionSubtype: 'InboundNew',
        Queue: 'Inbound',
      }),
    );
    assert.deepEqual(core.interactions.get('IXN-1')?.placement, { kind: 'queued' }, 'no engine yet: stays queued');
    const r = core.register(isMsg('RequestRegisterClient', { ReferenceId: 1, ClientType: 5, ClientName: 'URS' }));
    assert.ok(r.session);
    const rr = r.plan.out.find((o) => o.message.name === 'EventRouteRequest');
    assert.equal(rr?.to, r.session.id);
    assert.equal(rr?.message.attrs.ConnId, 'IXN-1');
    // Held by the engine until the routing timeout (43,200 s by default) takes it back, under a fresh ConnID: node
    // 0001, then a counter that starts at the core's start second x 65,536.
    assert.deepEqual(core.interactions.get('IXN-1')?.placement, {
      kind: 'routing',
      router: 'URS',
      deadline: T0 + 43_200_000,
      connId: `0001${((T0 / 1000) * 65_536 + 1).toString(16).padStart(12, '0')}`,
    });
    const p = core.handle(
      r.session,
      tlibMsg('RequestUpdateUserData', { ReferenceId: 4, ConnId: 'IXN-1', UserData: [{ key: 'k', value: 'v' }] }),
    );
    assert.equal(p.out[0]?.message.name, 'EventAttachedDataChanged');
    assert.equal(p.out[0]?.message.attrs.ReferenceId, 4);
  });

  it('a routing engine stopping with RequestStopProcessing gets its EventAck only (no EventRouteUsed)', () => {
    const { core, reg } = setup();
    const ms = reg(3, 'EmailServer');
    const urs = reg(5, 'URS');
    core.handle(
      ms,
      isMsg('RequestSubmit', {
        TenantId: 1,
        MediaType: 'email',
        InteractionType: 'Inbound',
        InteractionSubtype: 'InboundNew',
        Queue: 'Inbound',
      }),
    );
    const p = core.handle(urs, isMsg('RequestStopProcessing', { ReferenceId: 8, InteractionId: 'IXN-1' }));
    assert.deepEqual(
      p.out.filter((o) => o.to === urs.id).map((o) => o.message.name),
      ['EventAck'],
    );
    assert.equal(core.interactions.has('IXN-1'), false);
  });

  it('restored interactions a routing engine held come back queued', () => {
    const { core } = setup();
    core.load([
      {
        id: 'R',
        tenantId: 1,
        mediaType: 'email',
        type: 'Inbound',
        subtype: 'InboundNew',
        queue: 'Inbound',
        placement: { kind: 'routing', router: 'URS' },
        parties: [],
        invitations: [],
        submittedBy: 'EmailServer',
        submittedAt: 'x',
        receivedAt: 'x',
        isOnline: false,
        userData: [],
        version: 3,
        eventSeq: 2,
      },
    ]);
    assert.deepEqual(core.interactions.get('R')?.placement, { kind: 'queued' });
    assert.deepEqual(core.state.waitingIn(pairKey('Inbound', 'email'))?.first()?.id, 'R');
  });

  it("the command table and the catalogue name the same supported requests (registration is the server's)", () => {
    assert.deepEqual(
      [...Object.keys(COMMANDS), 'RequestRegisterClient', 'RequestUnregisterClient'].sort(),
      [...SUPPORTED_REQUESTS].sort(),
    );
  });
});
