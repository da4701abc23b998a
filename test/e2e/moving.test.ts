/**
 * Moving work against the real server, over both front doors (lifecycle.md §5): an agent places the interaction it
 * handles in another queue (where another agent is offered it), a media server holds and resumes one, an agent parks
 * one in its workbin and leaves one. Each party's messages are asserted exactly, with a barrier for "nothing else".
 */
import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import {
  barrier,
  client,
  clientOver,
  expectEvent,
  loginAgent,
  names,
  startServer,
  submit,
  type AnyClient,
  type Door,
  type Json,
  type RunningServer,
  stopClean,
} from './harness.ts';

const ROUTER = new URL('./fixtures/router.json', import.meta.url).pathname;

function about(messages: Json[], id: string): string[] {
  return names(messages.filter((m) => m.interactionId === id));
}

async function accept(desk: AnyClient, id: string): Promise<void> {
  const inv = await expectEvent(desk, 'EventInvite');
  assert.equal(inv.interactionId, id);
  const r = await desk.request({ message: 'RequestAccept', interactionId: id, ticketId: inv.ticketId });
  assert.equal(r.message, 'EventAck');
}

describe('moving work', () => {
  let srv: RunningServer | undefined;
  afterEach(async () => {
    await stopClean(srv);
    srv = undefined;
  });

  for (const door of ['ws', 'tcp'] as Door[]) {
    it(`place in queue, hold and resume, workbin, leave (clients over ${door})`, async () => {
      srv = await startServer({ config: ROUTER });
      const stat = await client(srv, 'ReportingEngine', 'StatServer');
      const ms = await clientOver(srv, door, 'MediaServer', 'EmailServer');
      const d1 = await clientOver(srv, door, 'AgentApplication', 'Desktop');
      const d3 = await clientOver(srv, door, 'AgentApplication', 'Desktop');
      await loginAgent(d1, 'a1', 'P1', { email: 1 });

      // a1 handles it in Sales, then places it in English, where only a3 (a Tier1 agent with english >= 5) may take it.
      const id = await submit(ms, 'Sales');
      await accept(d1, id);
      await loginAgent(d3, 'a3', 'P3', { email: 1 });
      const moved = await d1.request({ message: 'RequestPlaceInQueue', interactionId: id, queue: 'English' });
      assert.equal(moved.message, 'EventAck');
      await accept(d3, id);
      const p = await ms.request({ message: 'RequestGetInteractionProperties', interactionId: id });
      assert.equal(p.interactionState, 'Handling');
      assert.equal(p.interactionQueue, 'English');

      // The media server puts a new one on hold before anyone can take it, then resumes it: a1 (free again) gets it.
      const held = await ms.request({
        message: 'RequestSubmit',
        tenantId: 1,
        mediaType: 'email',
        interactionType: 'Inbound',
        interactionSubtype: 'InboundNew',
        queue: 'Backlog',
        userData: { Subject: 'wait' },
      });
      const hid = held.interactionId as string;
      assert.equal((await ms.request({ message: 'RequestHold', interactionId: hid })).message, 'EventAck');
      assert.equal(
        (await ms.request({ message: 'RequestPlaceInQueue', interactionId: hid, queue: 'Sales' })).message,
        'EventAck',
      );
      const [beforeResume] = await barrier([d1]);
      assert.deepEqual(beforeResume, [], 'a held interaction is not offered');
      assert.equal((await ms.request({ message: 'RequestResume', interactionId: hid })).message, 'EventAck');
      await accept(d1, hid);

      // a1 parks it in its workbin; a3 leaves the other one, which goes back to English, where a3 (free again, the
      // only candidate) is offered it again.
      const parked = await d1.request({
        message: 'RequestPlaceInWorkbin',
        interactionId: hid,
        workbinTypeId: 'Drafts',
      });
      assert.equal(parked.message, 'EventAck');
      assert.equal((await d3.request({ message: 'RequestLeaveInteraction', interactionId: id })).message, 'EventAck');

      const [toStat, toMs, toD1, toD3] = await barrier([stat, ms, d1, d3]);
      assert.deepEqual(about(toStat as Json[], id), [
        'EventInteractionSubmitted',
        'EventAgentInvited',
        'EventPartyAdded',
        'EventPartyRemoved',
        'EventPlacedInQueue',
        'EventAgentInvited',
        'EventPartyAdded',
        'EventPartyRemoved',
        'EventPlacedInQueue',
        'EventAgentInvited',
      ]);
      assert.deepEqual(about(toStat as Json[], hid), [
        'EventInteractionSubmitted',
        'EventHeld',
        'EventPlacedInQueue',
        'EventResumed',
        'EventAgentInvited',
        'EventPartyAdded',
        'EventPartyRemoved',
        'EventPlacedInQueue',
        'EventPlacedInWorkbin',
      ]);
      const inWorkbin = (toStat as Json[]).find((m) => m.message === 'EventPlacedInWorkbin');
      assert.equal(inWorkbin?.workbinTypeId, 'Drafts');
      assert.equal(inWorkbin?.workbinAgentId, 'a1');
      assert.deepEqual(toMs, [], 'the media server only got its own answers');
      assert.deepEqual(toD1, [], 'a1 only got its invitations and answers');
      assert.deepEqual(
        (toD3 as Json[]).map((m) => [m.message, m.interactionId]),
        [['EventInvite', id]],
      );
      for (const c of [stat, ms, d1, d3]) c.close();
    });
  }
});
