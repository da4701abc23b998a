/**
 * Durable timers against the real server (lifecycle.md §5): an unanswered invitation is revoked after the delivering
 * timeout and offered again; a handling agent that does nothing loses the interaction after the handling timeout; a
 * handling deadline that passes while the server is down fires right after the restart; an invitation pending when the
 * server dies is revoked at its original deadline after the restart. Timeouts of 1–6 s keep the
 * waits short (the core's timer logic itself is tested with an injected clock in test/unit/timers.test.ts).
 */
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, it } from 'node:test';
import {
  api,
  barrier,
  client,
  clientOver,
  configWith,
  expectEvent,
  loginAgent,
  names,
  submit,
  startServer,
  type Door,
  type Json,
  type RunningServer,
  stopClean,
} from './harness.ts';

const ROUTER = new URL('./fixtures/router.json', import.meta.url).pathname;

/** The reporting events of one interaction in a list of messages, by name. */
function about(messages: Json[], id: string): string[] {
  return names(messages.filter((m) => m.interactionId === id));
}

describe('timers', () => {
  let srv: RunningServer | undefined;
  afterEach(async () => {
    await stopClean(srv);
    srv = undefined;
  });

  for (const door of ['ws', 'tcp'] as Door[]) {
    it(`delivering and handling timeouts: revoked, back to the queue, offered again (agent over ${door})`, async () => {
      srv = await startServer({ config: configWith({ deliveringTimeout: 1, handlingTimeout: 2 }, ROUTER) });
      const stat = await client(srv, 'ReportingEngine', 'StatServer');
      const ms = await client(srv, 'MediaServer', 'EmailServer');
      const desk = await clientOver(srv, door, 'AgentApplication', 'Desktop');
      await loginAgent(desk, 'a1', 'P1', { email: 1 });
      const id = await submit(ms, 'Sales');
      const first = await expectEvent(desk, 'EventInvite');
      assert.equal(first.interactionId, id);

      // Not answered within 1 s: revoked, and offered again (a1 is the only one logged in).
      const revoked = await expectEvent(desk, 'EventRevoked', 5000);
      assert.equal(revoked.interactionId, id);
      assert.equal(revoked.operation, 'Timeout');
      const second = await expectEvent(desk, 'EventInvite', 5000);
      assert.equal(second.interactionId, id);
      assert.notEqual(second.ticketId, first.ticketId);
      const accepted = await desk.request({ message: 'RequestAccept', interactionId: id, ticketId: second.ticketId });
      assert.equal(accepted.message, 'EventAck');

      // Handled, then left alone for 2 s: the agent loses it; back in Sales, it is offered to a1 again.
      const lost = await expectEvent(desk, 'EventRevoked', 6000);
      assert.equal(lost.interactionId, id);
      assert.equal(lost.operation, 'Timeout');
      const third = await expectEvent(desk, 'EventInvite', 5000);
      assert.equal(third.interactionId, id);
      assert.equal((await ms.request({ message: 'RequestStopProcessing', interactionId: id })).message, 'EventAck');

      const [toStat, toMs, toDesk] = await barrier([stat, ms, desk]);
      assert.deepEqual(about(toStat as Json[], id), [
        'EventInteractionSubmitted',
        'EventAgentInvited',
        'EventPartyRemoved', // the invitation timed out
        'EventAgentInvited',
        'EventPartyAdded',
        'EventPartyRemoved', // the handling timeout
        'EventAgentInvited',
        'EventProcessingStopped',
      ]);
      const timedOut = (toStat as Json[]).filter((m) => m.message === 'EventPartyRemoved');
      assert.deepEqual(
        timedOut.map((m) => [m.agentId, m.operation]),
        [
          ['a1', 'Timeout'],
          ['a1', 'Timeout'],
        ],
      );
      assert.deepEqual(toMs, [], 'the media server hears nothing of the timeouts');
      assert.deepEqual(names(toDesk as Json[]), ['EventRevoked'], 'the stop revokes the third invitation');
      for (const c of [stat, ms, desk]) c.close();
    });
  }

  it('a handling deadline that passed while the server was down fires right after the restart', async () => {
    const config = configWith({ handlingTimeout: 2 }, ROUTER);
    srv = await startServer({ config });
    const ms = await client(srv, 'MediaServer', 'EmailServer');
    const desk = await client(srv, 'AgentApplication', 'Desktop');
    await loginAgent(desk, 'a1', 'P1', { email: 1 });
    const id = await submit(ms, 'Sales');
    const inv = await expectEvent(desk, 'EventInvite');
    assert.equal(
      (await desk.request({ message: 'RequestAccept', interactionId: id, ticketId: inv.ticketId })).message,
      'EventAck',
    );
    const dataDir = srv.dataDir;
    for (const c of [ms, desk]) c.close();
    assert.equal(await srv.stop(), 0);
    await sleep(2500); // the deadline passes while nothing runs

    srv = await startServer({ config, dataDir });
    const ms2 = await client(srv, 'MediaServer', 'EmailServer');
    const p = await ms2.request({ message: 'RequestGetInteractionProperties', interactionId: id });
    assert.equal(p.interactionState, 'Queued', 'back in its queue right after the restart');
    assert.equal(p.interactionQueue, 'Sales');
    const events = (await (await api(srv, `/api/events?interactionId=${id}`)).json()) as {
      name: string;
      payload: Json;
    }[];
    assert.deepEqual(
      events.map((e) => e.name),
      ['EventInteractionSubmitted', 'EventAgentInvited', 'EventPartyAdded', 'EventPartyRemoved'],
    );
    assert.equal(events[3]?.payload.operation, 'Timeout');
    ms2.close();
  });

  it('an invitation pending when the server dies is revoked at its original deadline, not one counted from the restart', async () => {
    const config = configWith({ deliveringTimeout: 6 }, ROUTER);
    srv = await startServer({ config });
    const ms = await client(srv, 'MediaServer', 'EmailServer');
    const desk = await client(srv, 'AgentApplication', 'Desktop');
    await loginAgent(desk, 'a1', 'P1', { email: 1 });
    const id = await submit(ms, 'Sales');
    await expectEvent(desk, 'EventInvite');
    const invitedAt = Date.now();
    const dataDir = srv.dataDir;
    // Killed under the connected desktop: a graceful stop logs agents out first, which rejects their invitations
    // like any disconnect (behaviour.md, Timers); a crash leaves the invitation pending in the store.
    await srv.kill();
    for (const c of [ms, desk]) c.close();
    await sleep(1000);

    srv = await startServer({ config, dataDir });
    const restartedAt = Date.now();
    const stat = await client(srv, 'ReportingEngine', 'StatServer');
    const removed = await expectEvent(stat, 'EventPartyRemoved', 15_000);
    const firedAt = Date.now();
    assert.equal(removed.interactionId, id);
    assert.equal(removed.operation, 'Timeout');
    assert.equal(removed.agentId, 'a1');
    assert.ok(firedAt - invitedAt >= 6000 - 100, `fired ${String(firedAt - invitedAt)} ms after the invitation`);
    assert.ok(
      firedAt < restartedAt + 6000 - 200,
      `fired at the original deadline (${String(firedAt - invitedAt)} ms after the invitation, ${String(firedAt - restartedAt)} ms after the restart)`,
    );
    const ms2 = await client(srv, 'MediaServer', 'EmailServer');
    const p = await ms2.request({ message: 'RequestGetInteractionProperties', interactionId: id });
    assert.equal(p.interactionState, 'Queued', 'back in its queue');
    for (const c of [stat, ms2]) c.close();
  });
});
