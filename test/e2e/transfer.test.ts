/**
 * Transfer and conference against the real server, over both front doors (lifecycle.md §5): the inviter's request is
 * answered only when the invitation ends (EventAck on accept, EventError on reject), a conference brings a second
 * party in, and each party's messages are asserted exactly, with a barrier for "nothing else".
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
  type Door,
  type Json,
  type RunningServer,
  stopClean,
} from './harness.ts';

const ROUTER = new URL('./fixtures/router.json', import.meta.url).pathname;

describe('transfer and conference', () => {
  let srv: RunningServer | undefined;
  afterEach(async () => {
    await stopClean(srv);
    srv = undefined;
  });

  for (const door of ['ws', 'tcp'] as Door[]) {
    it(`a rejected transfer, an accepted one, then a conference (desktops over ${door})`, async () => {
      srv = await startServer({ config: ROUTER });
      const stat = await client(srv, 'ReportingEngine', 'StatServer');
      const ms = await client(srv, 'MediaServer', 'EmailServer');
      const d1 = await clientOver(srv, door, 'AgentApplication', 'Desktop');
      await loginAgent(d1, 'a1', 'P1', { email: 1 });
      const id = await submit(ms, 'Sales');
      const inv = await expectEvent(d1, 'EventInvite');
      assert.equal(
        (await d1.request({ message: 'RequestAccept', interactionId: id, ticketId: inv.ticketId })).message,
        'EventAck',
      );
      const d2 = await clientOver(srv, door, 'AgentApplication', 'Desktop');
      await loginAgent(d2, 'a2', 'P2', { email: 1 });
      const d3 = await clientOver(srv, door, 'AgentApplication', 'Desktop');
      await loginAgent(d3, 'a3', 'P3', { email: 1 });

      // a1 asks a2 to take it; a2 rejects: a1's request is answered with EventError, a1 keeps it.
      const first = d1.request({ message: 'RequestTransfer', interactionId: id, agentId: 'a2' });
      const toA2 = await expectEvent(d2, 'EventInvite');
      assert.equal(toA2.interactionId, id);
      assert.equal(
        (await d2.request({ message: 'RequestReject', interactionId: id, ticketId: toA2.ticketId })).message,
        'EventAck',
      );
      const refused = await first;
      assert.equal(refused.message, 'EventError');
      assert.equal(refused.errorCode, 46);

      // a1 asks a3 (by place); a3 accepts: a1's request gets its EventAck and a3 handles it.
      const second = d1.request({ message: 'RequestTransfer', interactionId: id, placeId: 'P3' });
      const toA3 = await expectEvent(d3, 'EventInvite');
      assert.equal(
        (await d3.request({ message: 'RequestAccept', interactionId: id, ticketId: toA3.ticketId })).message,
        'EventAck',
      );
      assert.equal((await second).message, 'EventAck');
      const p = await ms.request({ message: 'RequestGetInteractionProperties', interactionId: id });
      assert.equal(p.interactionState, 'Handling');

      // a3 brings a1 back in as a coach: both handle it; a3's request is answered on a1's accept.
      const third = d3.request({
        message: 'RequestConference',
        interactionId: id,
        agentId: 'a1',
        visibilityMode: 'Coach',
      });
      const toA1 = await expectEvent(d1, 'EventInvite');
      assert.equal(toA1.visibilityMode, 'Coach');
      assert.equal(
        (await d1.request({ message: 'RequestAccept', interactionId: id, ticketId: toA1.ticketId })).message,
        'EventAck',
      );
      assert.equal((await third).message, 'EventAck');

      const [toStat, toMs, toD1, toD2, toD3] = await barrier([stat, ms, d1, d2, d3]);
      assert.deepEqual(names((toStat as Json[]).filter((m) => m.interactionId === id)), [
        'EventInteractionSubmitted',
        'EventAgentInvited',
        'EventPartyAdded',
        'EventAgentInvited', // to a2 (transfer)
        'EventRejected',
        'EventAgentInvited', // to a3 (transfer)
        'EventPartyAdded',
        'EventPartyRemoved',
        'EventAgentInvited', // to a1 (conference)
        'EventPartyAdded',
      ]);
      assert.deepEqual(toMs, []);
      assert.deepEqual(toD1, []);
      assert.deepEqual(toD2, []);
      assert.deepEqual(names(toD3 as Json[]), ['EventPartyAdded'], 'the other party hears that a1 joined');
      for (const c of [stat, ms, d1, d2, d3]) c.close();
    });
  }
});
