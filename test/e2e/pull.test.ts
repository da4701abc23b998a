/**
 * RequestPull against the real server, over both front doors (lifecycle.md §5): an agent pulls from a configured view
 * in the view's order and gets EventPulledInteractions; reporting sees EventTakenFromQueue and EventPartyAdded; the
 * media server hears nothing.
 */
import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import {
  barrier,
  client,
  clientOver,
  loginAgent,
  names,
  startServer,
  submit,
  type Door,
  type Json,
  type RunningServer,
  stopClean,
} from './harness.ts';

const ROUTER = new URL('./fixtures/router.json', import.meta.url).pathname;

describe('pull', () => {
  let srv: RunningServer | undefined;
  afterEach(async () => {
    await stopClean(srv);
    srv = undefined;
  });

  for (const door of ['ws', 'tcp'] as Door[]) {
    it(`from a view, in its order (agent over ${door})`, async () => {
      srv = await startServer({ config: ROUTER });
      const stat = await client(srv, 'ReportingEngine', 'StatServer');
      const ms = await client(srv, 'MediaServer', 'EmailServer');
      const low = await submit(ms, 'Backlog', { userData: { Segment: 'gold', Priority: 1 } });
      await submit(ms, 'Backlog', { userData: { Segment: 'silver' } });
      const high = await submit(ms, 'Backlog', { userData: { Segment: 'gold', Priority: 9 } });
      const desk = await clientOver(srv, door, 'AgentApplication', 'Desktop');
      await loginAgent(desk, 'a1', 'P1', { email: 1, chat: 1 });
      // a1 may handle one e-mail at a time: the first of the view's order comes.
      const r = await desk.request({ message: 'RequestPull', viewId: 'Backlog.gold', count: 2 });
      assert.equal(r.message, 'EventPulledInteractions');
      const got = r.interactions as Record<string, Json>;
      assert.deepEqual(Object.keys(got), [high]);
      assert.equal(got[high]?.InteractionState, 3);
      assert.equal(got[high]?.Segment, 'gold');
      const p = await ms.request({ message: 'RequestGetInteractionProperties', interactionId: high });
      assert.equal(p.interactionState, 'Handling');
      const [toStat, toMs, toDesk] = await barrier([stat, ms, desk]);
      assert.deepEqual(names((toStat as Json[]).filter((m) => m.interactionId === high)), [
        'EventInteractionSubmitted',
        'EventTakenFromQueue',
        'EventPartyAdded',
      ]);
      assert.deepEqual(names((toStat as Json[]).filter((m) => m.interactionId === low)), ['EventInteractionSubmitted']);
      assert.deepEqual(toMs, []);
      assert.deepEqual(toDesk, []);
      for (const c of [stat, ms, desk]) c.close();
    });
  }
});
