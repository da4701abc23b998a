/**
 * Supervisor requests in the core (lifecycle.md §6): snapshots by condition and by view, locks, paging, release, move,
 * the snapshot size cap, locks ending with their session and with a restart, and every refusal. Plans are asserted
 * exactly (who gets what); refusals change nothing.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { coreWorld, msg, refused, who } from './core-harness.ts';
import type { ConfigInput } from '../../src/config/schema.ts';
import { Core } from '../../src/core/core.ts';
import { parseConfig } from '../../src/config/load.ts';
import type { Plan } from '../../src/core/plan.ts';
import { ClientType } from '../../src/protocol/enums.ts';
import { kvGet, type KvList } from '../../src/protocol/kv.ts';
import type { Message } from '../../src/protocol/message.ts';

const T0 = Date.UTC(2026, 0, 1, 9, 0, 0);

const CONFIG: ConfigInput = {
  tenants: [
    { id: 1, name: 'T' },
    { id: 2, name: 'U' },
  ],
  mediaTypes: ['email'],
  interactionTypes: { Inbound: ['InboundNew'] },
  applications: [
    { name: 'Mail', type: 'MediaServer' },
    { name: 'Desktop', type: 'AgentApplication' },
    { name: 'Stat', type: 'ReportingEngine' },
  ],
  places: [{ id: 'P1', tenant: 1 }],
  agents: [{ id: 'a1', tenant: 1, media: { email: 5 } }],
  queues: [
    { name: 'Backlog', tenant: 1, views: [{ name: 'Backlog.gold', condition: "Segment = 'gold'" }] },
    { name: 'Sales', tenant: 1, routing: { agents: ['a1'] } },
    { name: 'Archive', tenant: 1 },
    { name: 'Other', tenant: 2 },
  ],
};

function setup(config: ConfigInput = CONFIG) {
  const w = coreWorld(config, T0, 7);
  const { reg, send } = w;
  const mail = reg(ClientType.MediaServer, 'Mail');
  const stat = reg(ClientType.ReportingEngine, 'Stat');
  const sup = reg(ClientType.AgentApplication, 'Desktop');
  const submit = (queue: string, segment: string, priority = 0): string => {
    w.advance(1000);
    const p = send(mail, 'RequestSubmit', {
      TenantId: queue === 'Other' ? 2 : 1,
      MediaType: 'email',
      InteractionType: 'Inbound',
      InteractionSubtype: 'InboundNew',
      Queue: queue,
      UserData: [
        { key: 'Segment', value: segment },
        { key: 'Priority', value: priority },
      ],
    });
    return String(p.out[0]?.message.attrs.InteractionId);
  };
  const take = (attrs: Message['attrs']): Plan => send(sup, 'RequestTakeSnapshot', attrs);
  return { ...w, mail, stat, sup, submit, take };
}

/** The snapshot id, count and "more" of an EventSnapshotTaken. */
function taken(plan: Plan, to: number): { id: number; n: unknown; more: unknown } {
  const m = msg(plan, to, 'EventSnapshotTaken');
  assert.equal(m.attrs.ReferenceId, 7);
  return { id: Number(m.attrs.SnapshotId), n: m.attrs.NumberOfInteractions, more: m.attrs.HaveMoreInteractions };
}

/** The ids an EventSnapshotInteractions lists. */
function page(plan: Plan, to: number): string[] {
  return (msg(plan, to, 'EventSnapshotInteractions').attrs.Interactions as KvList).map((p) => p.key);
}

/** The interaction ids of the reporting events a plan stores, with their names. */
function reported(plan: Plan): [string, string][] {
  return plan.store.flatMap((op) =>
    op.op === 'event'
      ? [[String(op.event.message.attrs.InteractionId), op.event.message.name] as [string, string]]
      : [],
  );
}

describe('RequestTakeSnapshot', () => {
  it('by condition: the named queues of its tenant in ReceivedAt order (or Order), capped', () => {
    const { take, sup, submit, send, agent } = setup();
    const b1 = submit('Backlog', 'gold');
    const b2 = submit('Backlog', 'silver');
    const b3 = submit('Backlog', 'gold');
    const a1 = submit('Archive', 'gold');
    submit('Other', 'gold');
    // A logged-in agent's snapshot is of its tenant: tenant 2's queue lists nothing.
    const desk = agent('a1', 'P1');
    let p = send(desk, 'RequestTakeSnapshot', { Condition: "Queue IN ('Backlog', 'Archive', 'Other')" });
    assert.deepEqual(who(p), [[desk.id, 'EventSnapshotTaken']]);
    assert.deepEqual(p.store, []);
    const s1 = taken(p, desk.id);
    assert.deepEqual([s1.n, s1.more], [4, false]);
    const list = (s: { id: number }, to = sup): string[] =>
      page(
        send(to, 'RequestGetSnapshotInteractions', { SnapshotId: s.id, StartFrom: 0, NumberOfInteractions: 10 }),
        to.id,
      );
    assert.deepEqual(list(s1, desk), [b1, b2, b3, a1]);
    p = take({
      Condition: "Queue = 'Backlog' AND Segment = 'gold'",
      Order: 'ReceivedAt DESC',
      SnapshotMaxInteractions: 1,
    });
    const s2 = taken(p, sup.id);
    assert.notEqual(s2.id, s1.id);
    assert.deepEqual([s2.n, s2.more], [1, true]);
    assert.deepEqual(list(s2), [b3]);
  });

  it('CheckInteractionsState false lists handled and offered interactions too; true (default) only queued ones', () => {
    const { take, sup, submit, agent, send } = setup();
    const q1 = submit('Sales', 'gold');
    agent('a1', 'P1'); // q1 is offered to a1
    const q2 = submit('Sales', 'gold'); // offered too (capacity 5)
    const q3 = submit('Backlog', 'gold');
    assert.equal(taken(take({ Condition: "Queue IN ('Sales', 'Backlog')" }), sup.id).n, 1);
    const all = taken(take({ Condition: "Queue IN ('Sales', 'Backlog')", CheckInteractionsState: false }), sup.id);
    const p = send(sup, 'RequestGetSnapshotInteractions', {
      SnapshotId: all.id,
      StartFrom: 0,
      NumberOfInteractions: 9,
    });
    assert.deepEqual(page(p, sup.id), [q1, q2, q3]);
  });

  it('by view: the view in its order, narrowed by a condition; locked interactions are out of views', () => {
    const { take, sup, submit, send } = setup();
    const g1 = submit('Backlog', 'gold', 1);
    submit('Backlog', 'silver', 9);
    const g2 = submit('Backlog', 'gold', 5);
    const g3 = submit('Backlog', 'gold', 3);
    const s = taken(take({ ViewId: 'Backlog.gold' }), sup.id);
    const list = (id: number): string[] =>
      page(
        send(sup, 'RequestGetSnapshotInteractions', { SnapshotId: id, StartFrom: 0, NumberOfInteractions: 10 }),
        sup.id,
      );
    assert.deepEqual(list(s.id), [g2, g3, g1]); // the queue's default order: Priority DESC
    assert.deepEqual(list(taken(take({ ViewId: 'Backlog.gold', Condition: 'Priority < 4' }), sup.id).id), [g3, g1]);
    // Locked by one snapshot: a second snapshot of the view does not see it.
    const locking = taken(take({ ViewId: 'Backlog.gold', Lock: true, SnapshotMaxInteractions: 1 }), sup.id);
    assert.deepEqual(list(locking.id), [g2]);
    assert.deepEqual(list(taken(take({ ViewId: 'Backlog.gold' }), sup.id).id), [g3, g1]);
  });

  it('with Lock: locks what is free in its queue (EventLocked to reporting), never offered or pulled while locked', () => {
    const { core, take, sup, stat, submit, send, agent, mail } = setup();
    const s1 = submit('Sales', 'gold');
    const s2 = submit('Sales', 'silver');
    const p = take({ Condition: "Queue = 'Sales' AND Segment = 'gold'", Lock: true });
    assert.deepEqual(who(p), [
      [sup.id, 'EventSnapshotTaken'],
      [stat.id, 'EventLocked'],
    ]);
    const locked = msg(p, stat.id, 'EventLocked');
    assert.equal(locked.attrs.InteractionId, s1);
    assert.equal(locked.attrs.InteractionIsLocked, true);
    assert.deepEqual(reported(p), [[s1, 'EventLocked']]);
    const snap = taken(p, sup.id);
    // The agent logs in: only the unlocked one is offered.
    const desk = agent('a1', 'P1');
    assert.deepEqual([...core.state.invitedTo('a1')], [s2]);
    // s1 is still queued and locked.
    const props = send(mail, 'RequestGetInteractionProperties', { InteractionId: s1 }).out[0]?.message.attrs;
    assert.equal(props?.InteractionIsLocked, true);
    assert.equal(props?.InteractionState, 0);
    // Pulled by id: refused.
    refused(
      send(desk, 'RequestPull', { ViewId: '_system_', PullParameters: [{ key: 'InteractionId', value: s1 }] }),
      desk.id,
      'Error_locked_by_snapshot',
      `'${s1}' is locked by snapshot ${String(snap.id)}`,
    );
    // Moved by its media server: refused.
    refused(
      send(mail, 'RequestPlaceInQueue', { InteractionId: s1, Queue: 'Archive' }),
      mail.id,
      'Error_locked_by_snapshot',
      'locked',
    );
    // Released: EventAck, EventUnlocked, and the router offers it at once.
    const r = send(sup, 'RequestReleaseSnapshot', { SnapshotId: snap.id });
    assert.deepEqual(who(r), [
      [sup.id, 'EventAck'],
      [stat.id, 'EventUnlocked'],
      [desk.id, 'EventInvite'],
      [stat.id, 'EventAgentInvited'],
    ]);
    assert.equal(msg(r, desk.id, 'EventInvite').attrs.InteractionId, s1);
  });

  it('the size cap: maxInteractionsPerSnapshot bounds every snapshot, SnapshotMaxInteractions asks for fewer', () => {
    const { take, sup, submit } = setup({ ...CONFIG, settings: { maxInteractionsPerSnapshot: 2 } });
    for (let i = 0; i < 4; i++) submit('Backlog', 'gold');
    const s = taken(take({ Condition: "Queue = 'Backlog'", SnapshotMaxInteractions: 100 }), sup.id);
    assert.deepEqual([s.n, s.more], [2, true]);
    const one = taken(take({ Condition: "Queue = 'Backlog'", SnapshotMaxInteractions: 1 }), sup.id);
    assert.deepEqual([one.n, one.more], [1, true]);
  });

  it('re-snapshot with SnapshotId: locks of listed interactions are kept, the others released', () => {
    const { core, take, sup, stat, submit } = setup();
    const g1 = submit('Backlog', 'gold');
    const g2 = submit('Backlog', 'gold');
    const s = taken(take({ Condition: "Queue = 'Backlog'", Lock: true }), sup.id);
    const p = take({ Condition: "Queue = 'Backlog' AND InteractionId <> '" + g1 + "'", SnapshotId: s.id, Lock: true });
    // Same snapshot id; g1 (not listed again) released; g2 keeps its lock without a second EventLocked.
    assert.equal(taken(p, sup.id).id, s.id);
    assert.deepEqual(who(p), [
      [sup.id, 'EventSnapshotTaken'],
      [stat.id, 'EventUnlocked'],
    ]);
    assert.deepEqual(reported(p), [[g1, 'EventUnlocked']]);
    assert.equal(core.state.interactions.get(g2)?.lockedBy, s.id);
    assert.equal(core.state.interactions.get(g1)?.lockedBy, undefined);
  });

  it('refuses a bad condition, one that names no queue, an unknown view, a bad count, too many open snapshots', () => {
    const { take, sup, submit } = setup();
    submit('Backlog', 'gold');
    refused(take({ Condition: "Queue = 'Backlog' AND" }), sup.id, 'Error_view_definition_invalid', '');
    refused(take({ Condition: "Segment = 'gold'" }), sup.id, 'Error_view_definition_invalid', 'must name the queues');
    refused(take({}), sup.id, 'Error_view_definition_invalid', 'needs a ViewId or a Condition');
    refused(
      take({ Condition: "Queue = 'Backlog'", Order: 'Priority SIDEWAYS' }),
      sup.id,
      'Error_view_definition_invalid',
      '',
    );
    refused(take({ ViewId: 'Nope' }), sup.id, 'Error_snapshot_view_failed', "'Nope' is not a configured view");
    refused(take({ Condition: "Queue = 'Nope'" }), sup.id, 'Error_view_definition_invalid', 'no configured queue');
    refused(take({ Condition: "Queue IN ('Backlog', 'Other')" }), sup.id, 'Error_tenancy_violation', 'several tenants');
    refused(
      take({ Condition: "Queue = 'Backlog'", SnapshotMaxInteractions: 0 }),
      sup.id,
      'Error_snapshot_countparam_invalid',
      'below 1',
    );
    refused(
      take({ Condition: "Queue = 'Backlog'", SnapshotId: 999 }),
      sup.id,
      'Error_snapshot_getparam_invalid',
      'snapshot 999',
    );
    for (let i = 0; i < 32; i++)
      assert.equal(take({ Condition: "Queue = 'Backlog'" }).out[0]?.message.name, 'EventSnapshotTaken');
    refused(take({ Condition: "Queue = 'Backlog'" }), sup.id, 'Error_snapshot_limit_reached', '32 open snapshots');
  });

  it('is for agent applications only (no login needed)', () => {
    const { send, mail } = setup();
    refused(
      send(mail, 'RequestTakeSnapshot', { Condition: "Queue = 'Backlog'" }),
      mail.id,
      'ErrorUnsupportedProtocolElement',
      'MediaServer',
    );
  });
});

describe('RequestGetSnapshotInteractions', () => {
  it('pages from StartFrom (counted from 0), with ids only on request, leaving out stopped interactions', () => {
    const { take, sup, submit, send, mail } = setup();
    const ids = [submit('Backlog', 'a'), submit('Backlog', 'b'), submit('Backlog', 'c'), submit('Backlog', 'd')];
    const s = taken(take({ Condition: "Queue = 'Backlog'" }), sup.id);
    const get = (attrs: Message['attrs']): Plan =>
      send(sup, 'RequestGetSnapshotInteractions', { SnapshotId: s.id, ...attrs });
    let p = get({ StartFrom: 1, NumberOfInteractions: 2 });
    assert.deepEqual(who(p), [[sup.id, 'EventSnapshotInteractions']]);
    assert.deepEqual(page(p, sup.id), ids.slice(1, 3));
    const entry = (msg(p, sup.id, 'EventSnapshotInteractions').attrs.Interactions as KvList)[0]?.value as KvList;
    assert.equal(kvGet(entry, 'Segment'), 'b');
    assert.equal(kvGet(entry, 'Queue'), 'Backlog');
    p = get({ StartFrom: 3, NumberOfInteractions: 5, GetIdentifierOnly: true });
    assert.deepEqual(msg(p, sup.id, 'EventSnapshotInteractions').attrs.Interactions, [{ key: ids[3], value: [] }]);
    assert.deepEqual(page(get({ StartFrom: 4, NumberOfInteractions: 1 }), sup.id), []);
    send(mail, 'RequestStopProcessing', { InteractionId: ids[0] as string });
    assert.deepEqual(page(get({ StartFrom: 0, NumberOfInteractions: 2 }), sup.id), [ids[1]]);
    refused(get({ StartFrom: 5, NumberOfInteractions: 1 }), sup.id, 'Error_snapshot_posparam_invalid', 'StartFrom 5');
    refused(get({ StartFrom: -1, NumberOfInteractions: 1 }), sup.id, 'Error_snapshot_posparam_invalid', 'StartFrom -1');
    refused(
      get({ StartFrom: 0, NumberOfInteractions: 0 }),
      sup.id,
      'Error_snapshot_countparam_invalid',
      'NumberOfInteractions 0',
    );
    refused(get({ StartFrom: 0 }), sup.id, 'Error_snapshot_countparam_invalid', 'missing');
    refused(
      send(sup, 'RequestGetSnapshotInteractions', { SnapshotId: s.id + 1, StartFrom: 0, NumberOfInteractions: 1 }),
      sup.id,
      'Error_snapshot_getparam_invalid',
      'not an open snapshot of this session',
    );
  });

  it("another session's snapshot is not yours to read, lock or release", () => {
    const { take, sup, submit, send, reg } = setup();
    const b = submit('Backlog', 'a');
    const s = taken(take({ Condition: "Queue = 'Backlog'" }), sup.id);
    const other = reg(ClientType.AgentApplication, 'Desktop');
    refused(
      send(other, 'RequestGetSnapshotInteractions', { SnapshotId: s.id, StartFrom: 0, NumberOfInteractions: 1 }),
      other.id,
      'Error_snapshot_getparam_invalid',
      'not an open snapshot of this session',
    );
    refused(
      send(other, 'RequestLockInteraction', { SnapshotId: s.id, InteractionId: b }),
      other.id,
      'Error_snapshot_getparam_invalid',
      'not an open',
    );
    refused(
      send(other, 'RequestReleaseSnapshot', { SnapshotId: s.id }),
      other.id,
      'Error_snapshot_releasing',
      'not an open',
    );
  });
});

describe('RequestLockInteraction / RequestUnlockInteraction', () => {
  it('locks and unlocks one listed interaction (EventAck; EventLocked / EventUnlocked to reporting), with refusals', () => {
    const { take, sup, stat, submit, send, agent } = setup();
    const b = submit('Backlog', 'a');
    const s1 = submit('Sales', 'a');
    const elsewhere = submit('Archive', 'a');
    agent('a1', 'P1'); // s1 is offered to a1
    const s = taken(take({ Condition: "Queue IN ('Backlog', 'Sales')", CheckInteractionsState: false }), sup.id);
    const lock = (id: string, attrs: Message['attrs'] = {}): Plan =>
      send(sup, 'RequestLockInteraction', { SnapshotId: s.id, InteractionId: id, ...attrs });
    const unlock = (id: string): Plan => send(sup, 'RequestUnlockInteraction', { SnapshotId: s.id, InteractionId: id });
    refused(unlock(b), sup.id, 'Error_snapshot_interaction_unlocked', `'${b}' is not locked by snapshot`);
    let p = lock(b, { Reason: 3, ReasonDescription: 'audit' });
    assert.deepEqual(who(p), [
      [sup.id, 'EventAck'],
      [stat.id, 'EventLocked'],
    ]);
    assert.equal(msg(p, stat.id, 'EventLocked').attrs.ReasonDescription, 'audit');
    refused(lock(b), sup.id, 'Error_snapshot_interaction_locked', 'already locked');
    refused(lock(s1), sup.id, 'Error_snapshot_can_not_lock_interaction', 'not waiting in a queue');
    refused(lock(elsewhere), sup.id, 'Error_snapshot_no_interaction_id', 'does not list');
    refused(lock('nope'), sup.id, 'Error_unknown_interaction', 'nope');
    refused(
      send(sup, 'RequestLockInteraction', { SnapshotId: s.id }),
      sup.id,
      'Error_interaction_id_not_specified',
      'InteractionId',
    );
    // Locked by another snapshot: that one cannot lock it either.
    const s2 = taken(take({ Condition: "Queue = 'Backlog'" }), sup.id);
    refused(
      send(sup, 'RequestLockInteraction', { SnapshotId: s2.id, InteractionId: b }),
      sup.id,
      'Error_snapshot_interaction_locked',
      'locked by another snapshot',
    );
    p = unlock(b);
    assert.deepEqual(who(p), [
      [sup.id, 'EventAck'],
      [stat.id, 'EventUnlocked'],
    ]);
  });

  it('a stopped locked interaction leaves the lock index; the snapshot releases nothing for it', () => {
    const { take, sup, submit, send, mail } = setup();
    const b = submit('Backlog', 'a');
    const s = taken(take({ Condition: "Queue = 'Backlog'", Lock: true }), sup.id);
    send(mail, 'RequestStopProcessing', { InteractionId: b });
    assert.deepEqual(who(send(sup, 'RequestReleaseSnapshot', { SnapshotId: s.id })), [[sup.id, 'EventAck']]);
  });
});

describe('RequestMoveInteractions', () => {
  it('moves what it may (1) and reports the others (0); moved ones lose their lock and are placed in the queue', () => {
    const { take, sup, stat, submit, send, agent } = setup();
    const b1 = submit('Backlog', 'a');
    const b2 = submit('Backlog', 'b');
    const s1 = submit('Sales', 'a');
    agent('a1', 'P1'); // s1 offered
    const a1 = submit('Archive', 'x');
    const snap = taken(
      take({ Condition: "Queue IN ('Backlog', 'Sales', 'Archive')", CheckInteractionsState: false }),
      sup.id,
    );
    send(sup, 'RequestLockInteraction', { SnapshotId: snap.id, InteractionId: b1 });
    // b2 locked by another snapshot: not moved.
    taken(take({ Condition: `Queue = 'Backlog' AND InteractionId = '${b2}'`, Lock: true }), sup.id);
    const p = send(sup, 'RequestMoveInteractions', { SnapshotId: snap.id, Queue: 'Archive' });
    const moved = msg(p, sup.id, 'EventInteractionsMoved');
    assert.equal(moved.attrs.SnapshotId, snap.id);
    assert.deepEqual(moved.attrs.MovedInteractions, [
      { key: b1, value: 1 },
      { key: b2, value: 0 },
      { key: s1, value: 0 },
      { key: a1, value: 0 },
    ]);
    assert.deepEqual(who(p), [
      [sup.id, 'EventInteractionsMoved'],
      [stat.id, 'EventUnlocked'],
      [stat.id, 'EventPlacedInQueue'],
    ]);
    const placed = msg(p, stat.id, 'EventPlacedInQueue');
    assert.deepEqual([placed.attrs.InteractionQueue, placed.attrs.OldQueue], ['Archive', 'Backlog']);
    refused(
      send(sup, 'RequestMoveInteractions', { SnapshotId: snap.id }),
      sup.id,
      'Error_queue_not_specified',
      'Queue',
    );
    refused(
      send(sup, 'RequestMoveInteractions', { SnapshotId: snap.id, Queue: 'Other' }),
      sup.id,
      'Error_unknown_queue_in_request',
      "'Other' is not a configured queue of tenant 1",
    );
  });

  it('moving into a routed queue offers the moved interactions', () => {
    const { take, sup, stat, submit, send, agent } = setup();
    const desk = agent('a1', 'P1');
    const b = submit('Backlog', 'a');
    const snap = taken(take({ Condition: "Queue = 'Backlog'", Lock: true }), sup.id);
    const p = send(sup, 'RequestMoveInteractions', { SnapshotId: snap.id, Queue: 'Sales' });
    assert.deepEqual(who(p), [
      [sup.id, 'EventInteractionsMoved'],
      [stat.id, 'EventUnlocked'],
      [stat.id, 'EventPlacedInQueue'],
      [desk.id, 'EventInvite'],
      [stat.id, 'EventAgentInvited'],
    ]);
    assert.equal(msg(p, desk.id, 'EventInvite').attrs.InteractionId, b);
  });
});

describe('locks end with their session and with a restart', () => {
  it('the session that took a snapshot ends: its locks are released (EventUnlocked) and the work is offered again', () => {
    const { core, take, sup, stat, submit, agent } = setup();
    const s1 = submit('Sales', 'a');
    taken(take({ Condition: "Queue = 'Sales'", Lock: true }), sup.id);
    const desk = agent('a1', 'P1');
    const p = core.sessionClosed(sup.id);
    assert.deepEqual(who(p), [
      [stat.id, 'EventUnlocked'],
      [desk.id, 'EventInvite'],
      [stat.id, 'EventAgentInvited'],
    ]);
    assert.equal(msg(p, stat.id, 'EventUnlocked').attrs.InteractionId, s1);
  });

  it('after a restart nothing is locked: a locked interaction loads waiting in its queue', () => {
    const { core, take, sup, submit } = setup();
    const b = submit('Backlog', 'gold');
    taken(take({ Condition: "Queue = 'Backlog'", Lock: true }), sup.id);
    const stored = core.state.interactions.get(b);
    assert.equal(stored?.lockedBy !== undefined, true);
    const again = new Core({ config: parseConfig(CONFIG, 'test'), clock: () => T0 + 60_000 });
    again.load([stored as NonNullable<typeof stored>]);
    const ix = again.state.interactions.get(b);
    assert.equal(ix?.lockedBy, undefined);
    assert.deepEqual(
      again.state.views.content('Backlog.gold', T0 + 60_000)?.interactions.map((i) => i.id),
      [b],
    );
  });
});
