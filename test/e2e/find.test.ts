/**
 * RequestFindInteractions against the real server, over both front doors (lifecycle.md §6): a search of the queues
 * the condition names, in the order asked; nobody else hears of it.
 */
import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import {
  barrier,
  client,
  clientOver,
  startServer,
  submit,
  type Door,
  type Json,
  type RunningServer,
  stopClean,
} from './harness.ts';

const ROUTER = new URL('./fixtures/router.json', import.meta.url).pathname;

describe('find', () => {
  let srv: RunningServer | undefined;
  afterEach(async () => {
    await stopClean(srv);
    srv = undefined;
  });

  for (const door of ['ws', 'tcp'] as Door[]) {
    it(`by a condition naming its queues (searcher over ${door})`, async () => {
      srv = await startServer({ config: ROUTER });
      const stat = await client(srv, 'ReportingEngine', 'StatServer');
      const ms = await client(srv, 'MediaServer', 'EmailServer');
      const gold1 = await submit(ms, 'Backlog', { userData: { Segment: 'gold', N: 1 } });
      await submit(ms, 'Backlog', { userData: { Segment: 'silver', N: 2 } });
      const gold2 = await submit(ms, 'Backlog', { userData: { Segment: 'gold', N: 3 } });
      const sup = await clientOver(srv, door, 'AgentApplication', 'Desktop');
      const r = await sup.request({
        message: 'RequestFindInteractions',
        tenantId: 1,
        condition: "Queue = 'Backlog' AND Segment = 'gold'",
        order: 'N DESC',
      });
      assert.equal(r.message, 'EventInteractionsFound');
      assert.deepEqual(Object.keys(r.interactions as Json), [gold2, gold1]);
      assert.equal(r.haveMoreInteractions, false);
      const refused = await sup.request({
        message: 'RequestFindInteractions',
        tenantId: 1,
        condition: "Segment = 'gold'",
      });
      assert.equal(refused.message, 'EventError');
      assert.equal(refused.errorCode, 97);
      const [toStat, toMs, toSup] = await barrier([stat, ms, sup]);
      assert.deepEqual(
        (toStat as Json[]).map((m) => m.message),
        ['EventInteractionSubmitted', 'EventInteractionSubmitted', 'EventInteractionSubmitted'],
      );
      assert.deepEqual(toMs, []);
      assert.deepEqual(toSup, []);
      for (const c of [stat, ms, sup]) c.close();
    });
  }
});
