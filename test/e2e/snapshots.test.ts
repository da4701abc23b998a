/**
 * Supervisor requests against the real server, over both front doors (lifecycle.md §6): a supervisor takes a locking
 * snapshot of a backlog, pages through it, unlocks one, moves the snapshot into a routed queue and releases it. Each
 * party gets exactly its messages: the supervisor its replies, reporting every lock, unlock and placement, the agent
 * the invitation the move makes possible, the media server nothing; a locked interaction cannot be moved by others.
 */
import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import {
  barrier,
  client,
  clientOver,
  loginAgent,
  names,
  refusedWith,
  startServer,
  submit,
  type Door,
  type Json,
  type RunningServer,
  stopClean,
} from './harness.ts';

const ROUTER = new URL('./fixtures/router.json', import.meta.url).pathname;

describe('snapshots', () => {
  let srv: RunningServer | undefined;
  afterEach(async () => {
    await stopClean(srv);
    srv = undefined;
  });

  for (const door of ['ws', 'tcp'] as Door[]) {
    it(`lock, page, unlock, move and release (supervisor over ${door})`, async () => {
      srv = await startServer({ config: ROUTER });
      const stat = await client(srv, 'ReportingEngine', 'StatServer');
      const ms = await client(srv, 'MediaServer', 'EmailServer');
      const b1 = await submit(ms, 'Backlog', { userData: { Segment: 'gold' } });
      const b2 = await submit(ms, 'Backlog', { userData: { Segment: 'silver' } });
      const b3 = await submit(ms, 'Backlog', { userData: { Segment: 'gold' } });
      const desk = await client(srv, 'AgentApplication', 'Desktop');
      await loginAgent(desk, 'a1', 'P1', { email: 1 });
      const sup = await clientOver(srv, door, 'AgentApplication', 'Desktop');
      await barrier([stat, ms, desk]);

      const took = await sup.request({ message: 'RequestTakeSnapshot', condition: "Queue = 'Backlog'", lock: true });
      assert.equal(took.message, 'EventSnapshotTaken', JSON.stringify(took));
      assert.equal(took.numberOfInteractions, 3);
      assert.equal(took.haveMoreInteractions, false);
      const snapshotId = took.snapshotId as number;

      const pg = await sup.request({
        message: 'RequestGetSnapshotInteractions',
        snapshotId,
        startFrom: 1,
        numberOfInteractions: 2,
      });
      assert.equal(pg.message, 'EventSnapshotInteractions', JSON.stringify(pg));
      assert.equal(pg.snapshotId, snapshotId);
      const listed = pg.interactions as Record<string, Json>;
      assert.deepEqual(Object.keys(listed), [b2, b3]);
      assert.equal(listed[b2]?.Segment, 'silver');
      assert.equal(listed[b3]?.IsLocked, 1);

      // Locked: its media server cannot move it; a second snapshot cannot lock it.
      await refusedWith(ms, { message: 'RequestPlaceInQueue', interactionId: b1, queue: 'Sales' }, 95, b1);
      const ack = await sup.request({ message: 'RequestUnlockInteraction', snapshotId, interactionId: b2 });
      assert.equal(ack.message, 'EventAck', JSON.stringify(ack));
      await refusedWith(sup, { message: 'RequestUnlockInteraction', snapshotId, interactionId: b2 }, 64, b2);

      const moved = await sup.request({ message: 'RequestMoveInteractions', snapshotId, queue: 'Sales' });
      assert.equal(moved.message, 'EventInteractionsMoved', JSON.stringify(moved));
      assert.equal(moved.snapshotId, snapshotId);
      assert.deepEqual(moved.movedInteractions, { [b1]: 1, [b2]: 1, [b3]: 1 });
      const released = await sup.request({ message: 'RequestReleaseSnapshot', snapshotId });
      assert.equal(released.message, 'EventAck');
      await refusedWith(sup, { message: 'RequestReleaseSnapshot', snapshotId }, 88, String(snapshotId));

      const [toStat, toMs, toDesk, toSup] = await barrier([stat, ms, desk, sup]);
      assert.deepEqual(
        (toStat as Json[]).map((m) => `${String(m.message)} ${String(m.interactionId)}`),
        [
          `EventLocked ${b1}`,
          `EventLocked ${b2}`,
          `EventLocked ${b3}`,
          `EventUnlocked ${b2}`,
          `EventUnlocked ${b1}`,
          `EventPlacedInQueue ${b1}`,
          `EventPlacedInQueue ${b2}`,
          `EventUnlocked ${b3}`,
          `EventPlacedInQueue ${b3}`,
          // a1 (capacity 1 for e-mail) is offered the first of them in Sales's order.
          `EventAgentInvited ${b1}`,
        ],
      );
      assert.deepEqual(names(toDesk as Json[]), ['EventInvite']);
      assert.equal((toDesk as Json[])[0]?.interactionId, b1);
      assert.deepEqual(toMs, []);
      assert.deepEqual(toSup, []);
      for (const c of [stat, ms, desk, sup]) c.close();
    });
  }
});
