/**
 * Pull for routing engines over both doors (issue #12, urs-routing §9.8 H): an ORS-style routing engine on the binary
 * door's IS protocol, and one on the JSON door, pull with `pull-for-strategy` = 1: an empty view parks the pull, a
 * submission answers it (EventPulledInteractions), the hold timeout answers it with nothing; the engine moves what it
 * pulled with RequestPlaceInQueue, and what it still holds goes back to its queue when it disconnects. Each party's
 * messages are asserted exactly.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  barrier,
  cleanup,
  clientOver,
  configEdited,
  names,
  startServer,
  submit,
  type AnyClient,
  type Door,
  type Json,
  type RunningServer,
} from './harness.ts';

let srv: RunningServer;
let ms: AnyClient;
let re: AnyClient;

before(async () => {
  srv = await startServer({
    config: configEdited((c) => {
      c.queues = [
        ...(c.queues as Json[]),
        {
          name: 'Review',
          tenant: 1,
          views: [{ name: 'ReviewView' }, { name: 'Urgent', condition: "Urgency = 'high'" }],
        },
      ];
      c.settings = { pullHoldTimeout: 3 };
    }),
  });
  ms = await clientOver(srv, 'ws', 'MediaServer', 'EmailServer');
  re = await clientOver(srv, 'ws', 'ReportingEngine', 'StatServer');
});

after(async () => {
  for (const c of [ms, re]) c.close();
  assert.equal(await srv.stop(), 0);
  cleanup(srv.dataDir);
});

const FOR_STRATEGY = { 'pull-for-strategy': 1 };

for (const door of ['tcp', 'ws'] as Door[]) {
  describe(`routing engine pulling over ${door}`, () => {
    it('a parked pull is answered by the next submission its view shows; the engine places what it pulled', async () => {
      const ors = await clientOver(srv, door, 'RoutingEngine', 'URS');
      const reply = ors.request(
        { message: 'RequestPull', viewId: 'Urgent', count: 2, extension: FOR_STRATEGY },
        10_000,
      );
      // Not shown by the view: the pull stays parked.
      const low = await submit(ms, 'Review', { userData: { Urgency: 'low' } });
      const [early] = await barrier([ors]);
      assert.deepEqual(early, [], 'nothing yet');
      const high = await submit(ms, 'Review', { userData: { Urgency: 'high' } });
      const pulled = await reply;
      assert.equal(pulled.message, 'EventPulledInteractions');
      assert.deepEqual(Object.keys(pulled.interactions as Json), [high]);
      const reported = await barrier([re]);
      assert.deepEqual(names(reported[0] ?? []), [
        'EventInteractionSubmitted',
        'EventInteractionSubmitted',
        'EventTakenFromQueue',
        'EventPartyAdded',
      ]);
      const party = (reported[0] ?? [])[3] as Json;
      assert.equal(party.routerId, 'URS');
      assert.equal(party.strategyId, 'Review');
      const props = await ms.request({ message: 'RequestGetInteractionProperties', interactionId: high });
      assert.equal(props.interactionState, 'Routing');

      const moved = await ors.request({ message: 'RequestPlaceInQueue', interactionId: high, queue: 'Email Out' });
      assert.equal(moved.message, 'EventAck');
      const [toOrs, toMs, toRe] = await barrier([ors, ms, re]);
      assert.deepEqual(toOrs, []);
      assert.deepEqual(toMs, []);
      assert.deepEqual(names(toRe ?? []), ['EventPartyRemoved', 'EventPlacedInQueue']);
      // Clean up the low one for the next run.
      await ms.request({ message: 'RequestStopProcessing', interactionId: low });
      await barrier([re]);
      ors.close();
    });

    it('the hold timeout answers with nothing; what the engine still holds goes back when it disconnects', async () => {
      const ors = await clientOver(srv, door, 'RoutingEngine', 'URS');
      const empty = await ors.request({ message: 'RequestPull', viewId: 'Urgent', extension: FOR_STRATEGY }, 10_000);
      assert.equal(empty.message, 'EventPulledInteractions');
      assert.deepEqual(empty.interactions, {});
      const id = await submit(ms, 'Review', { userData: { Urgency: 'high' } });
      const got = await ors.request({ message: 'RequestPull', viewId: 'ReviewView', extension: FOR_STRATEGY });
      assert.deepEqual(Object.keys(got.interactions as Json), [id]);
      await barrier([re]);
      ors.close();
      // Back in its queue: EventPartyRemoved (strategy) to reporting.
      for (let i = 0; i < 50; i++) {
        const p = await ms.request({ message: 'RequestGetInteractionProperties', interactionId: id });
        if (p.interactionState === 'Queued') break;
        await new Promise((r) => setTimeout(r, 20));
      }
      const p = await ms.request({ message: 'RequestGetInteractionProperties', interactionId: id });
      assert.equal(p.interactionState, 'Queued');
      const [toRe] = await barrier([re]);
      assert.deepEqual(names(toRe ?? []), ['EventPartyRemoved']);
      await ms.request({ message: 'RequestStopProcessing', interactionId: id });
      await barrier([re]);
    });
  });
}
