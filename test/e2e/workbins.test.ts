/**
 * Workbins against the real server, over both front doors (lifecycle.md §5): a supervisor desktop subscribes to an
 * agent's workbin and is told what is placed in and taken out; the agent lists its content; the counts follow.
 */
import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import {
  barrier,
  client,
  clientOver,
  expectEvent,
  loginAgent,
  startServer,
  submit,
  type Door,
  type Json,
  type RunningServer,
  stopClean,
} from './harness.ts';

const ROUTER = new URL('./fixtures/router.json', import.meta.url).pathname;

describe('workbins', () => {
  let srv: RunningServer | undefined;
  afterEach(async () => {
    await stopClean(srv);
    srv = undefined;
  });

  for (const door of ['ws', 'tcp'] as Door[]) {
    it(`content, notifications and counts (desktops over ${door})`, async () => {
      srv = await startServer({ config: ROUTER });
      const ms = await client(srv, 'MediaServer', 'EmailServer');
      const d1 = await clientOver(srv, door, 'AgentApplication', 'Desktop');
      const sup = await clientOver(srv, door, 'AgentApplication', 'Desktop');
      await loginAgent(d1, 'a1', 'P1', { email: 1 });
      await loginAgent(sup, 'a2', 'P2', { email: 0 });
      const sub = await sup.request({
        message: 'RequestWorkbinNotifications',
        workbinTypeId: 'Drafts',
        workbinAgentId: 'a1',
      });
      assert.equal(sub.message, 'EventAck');

      const id = await submit(ms, 'Sales');
      const inv = await expectEvent(d1, 'EventInvite');
      assert.equal(
        (await d1.request({ message: 'RequestAccept', interactionId: id, ticketId: inv.ticketId })).message,
        'EventAck',
      );
      assert.equal(
        (await d1.request({ message: 'RequestPlaceInWorkbin', interactionId: id, workbinTypeId: 'Drafts' })).message,
        'EventAck',
      );
      const placed = await expectEvent(sup, 'EventWorkbinContentChanged');
      assert.equal(placed.workbinContentOperation, 'PlacedIn');
      assert.equal(placed.interactionId, id);
      assert.equal(placed.workbinAgentId, 'a1');

      const content = await d1.request({ message: 'RequestGetWorkbinContent', workbinTypeId: 'Drafts' });
      assert.equal(content.message, 'EventWorkbinContent');
      assert.deepEqual(Object.keys(content.interactions as Json), [id]);
      const stats = await d1.request({ message: 'RequestAgentWorkbinStats' });
      assert.deepEqual(stats.workbinStatistic, { Drafts: { Type: 1, Count: 1 } });

      const pulled = await d1.request({ message: 'RequestPull', viewId: 'Drafts', pullParameters: { AgentId: 'a1' } });
      assert.deepEqual(Object.keys(pulled.interactions as Json), [id]);
      const taken = await expectEvent(sup, 'EventWorkbinContentChanged');
      assert.equal(taken.workbinContentOperation, 'TakenOut');

      const [toMs, toD1, toSup] = await barrier([ms, d1, sup]);
      assert.deepEqual(toMs, []);
      assert.deepEqual(toD1, []);
      assert.deepEqual(toSup, []);
      for (const c of [ms, d1, sup]) c.close();
    });
  }
});
