/**
 * Agents and the built-in router end to end (lifecycle §3–§4), with agent desktops over WebSocket and over the binary
 * door: per-media readiness, do-not-disturb, idle-longest choice, groups and skill expressions, rejects that keep the
 * interaction's place, refusals that change nothing. Every step ends with a barrier, so each party's exact messages
 * are asserted — and that nobody else received anything.
 */
import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import {
  barrier,
  cleanup,
  client,
  clientOver,
  loginAgent,
  names,
  refusedWith,
  startServer,
  submit,
  type AnyClient,
  type Door,
  type JsonClient,
  type RunningServer,
} from './harness.ts';

const CONFIG = new URL('./fixtures/router.json', import.meta.url).pathname;

for (const door of ['ws', 'tcp'] as Door[]) {
  describe(`built-in router and agent states (desktops over ${door})`, () => {
    let srv: RunningServer | undefined;
    let ms: JsonClient;
    let stat: JsonClient;

    /** A fresh server (nothing left over from another test) with a media server, a reporting engine, `n` desktops. */
    async function parties(n: number): Promise<AnyClient[]> {
      srv = await startServer({ config: CONFIG });
      ms = await client(srv, 'MediaServer', 'EmailServer');
      stat = await client(srv, 'ReportingEngine', 'StatServer');
      const desks: AnyClient[] = [];
      for (let i = 0; i < n; i++) desks.push(await clientOver(srv, door, 'AgentApplication', 'Desktop'));
      return desks;
    }
    afterEach(async () => {
      if (!srv) return;
      assert.equal(await srv.stop(), 0);
      cleanup(srv.dataDir);
      srv = undefined;
    });

    it('NotReadyForMedia holds e-mail back; CancelNotReadyForMedia lets it through; each told exactly', async () => {
      const [d1] = (await parties(1)) as [AnyClient];
      await loginAgent(d1, 'a1', 'P1', { email: 1, chat: 1 });
      const nr = await d1.request({ message: 'RequestNotReadyForMedia', mediaTypeName: 'email' });
      assert.equal(nr.message, 'EventAck');
      const id = await submit(ms, 'Sales', { userData: { Subject: 'held' } });
      let [toMs, toStat, toDesk] = await barrier([ms, stat, d1]);
      assert.deepEqual(names(toMs ?? []), []);
      assert.deepEqual(names(toStat ?? []), ['EventAgentLogin', 'EventNotReadyForMedia', 'EventInteractionSubmitted']);
      assert.equal(toStat?.[1]?.mediaTypeName, 'email');
      assert.deepEqual(names(toDesk ?? []), [], 'not ready for e-mail: no invitation');

      await refusedWith(d1, { message: 'RequestNotReadyForMedia', mediaTypeName: 'email' }, 74, 'email');
      const ready = await d1.request({ message: 'RequestCancelNotReadyForMedia', mediaTypeName: 'email' });
      assert.equal(ready.message, 'EventAck');
      [toMs, toStat, toDesk] = await barrier([ms, stat, d1]);
      assert.deepEqual(names(toMs ?? []), []);
      assert.deepEqual(names(toStat ?? []), ['EventReadyForMedia', 'EventAgentInvited']);
      assert.deepEqual(names(toDesk ?? []), ['EventInvite']);
      assert.equal(toDesk?.[0]?.interactionId, id);
    });

    it('DND on holds offers back (71 when already on); DND off: EventAck, then the invitation', async () => {
      const [d1] = (await parties(1)) as [AnyClient];
      await loginAgent(d1, 'a1', 'P1', { email: 1 });
      assert.equal((await d1.request({ message: 'RequestDoNotDisturbOn' })).message, 'EventAck');
      await refusedWith(d1, { message: 'RequestDoNotDisturbOn' }, 71);
      await submit(ms, 'Sales');
      let [toStat, toDesk] = await barrier([stat, d1]);
      assert.deepEqual(names(toStat ?? []), ['EventAgentLogin', 'EventDoNotDisturbOn', 'EventInteractionSubmitted']);
      assert.deepEqual(names(toDesk ?? []), []);
      assert.equal((await d1.request({ message: 'RequestDoNotDisturbOff' })).message, 'EventAck');
      [toStat, toDesk] = await barrier([stat, d1]);
      assert.deepEqual(names(toStat ?? []), ['EventDoNotDisturbOff', 'EventAgentInvited']);
      assert.deepEqual(names(toDesk ?? []), ['EventInvite']);
    });

    it('the candidate idle longest gets the next interaction; a reject sends it to another candidate', async () => {
      const [d1, d2, d3] = (await parties(3)) as [AnyClient, AnyClient, AnyClient];
      await loginAgent(d2, 'a2', 'P2', { email: 1 });
      await loginAgent(d1, 'a1', 'P1', { email: 1 });
      await loginAgent(d3, 'a3', 'P3', { email: 1 });
      await barrier([stat]);
      const x1 = await submit(ms, 'Sales');
      let [i1, i2, i3] = await barrier([d1, d2, d3]);
      assert.deepEqual([names(i1 ?? []), names(i2 ?? []), names(i3 ?? [])], [[], ['EventInvite'], []], 'a2 first');
      const x2 = await submit(ms, 'Sales');
      [i1, i2, i3] = await barrier([d1, d2, d3]);
      assert.deepEqual([names(i1 ?? []), names(i2 ?? []), names(i3 ?? [])], [['EventInvite'], [], []], 'then a1');
      assert.equal(i1?.[0]?.interactionId, x2);
      // a2 rejects x1: a3 is available and idle longer than a2 (whose load just dropped), so a3 gets it.
      const rej = await d2.request({ message: 'RequestReject', interactionId: x1 });
      assert.equal(rej.message, 'EventAck');
      [i1, i2, i3] = await barrier([d1, d2, d3]);
      assert.deepEqual([names(i1 ?? []), names(i2 ?? []), names(i3 ?? [])], [[], [], ['EventInvite']]);
      assert.equal(i3?.[0]?.interactionId, x1);
      const [toStat] = await barrier([stat]);
      assert.deepEqual(names(toStat ?? []), [
        'EventInteractionSubmitted',
        'EventAgentInvited',
        'EventInteractionSubmitted',
        'EventAgentInvited',
        'EventRejected',
        'EventAgentInvited',
      ]);
    });

    it('a skill expression filters the candidates: the waiting interaction goes to the first agent that qualifies', async () => {
      const [d2, d3] = (await parties(2)) as [AnyClient, AnyClient];
      await loginAgent(d2, 'a2', 'P2', { email: 1 });
      const id = await submit(ms, 'English');
      const [toD2] = await barrier([d2]);
      assert.deepEqual(names(toD2 ?? []), [], 'a2 is in Tier1 but english 2 < 5');
      await loginAgent(d3, 'a3', 'P3', { email: 1 });
      const [again, toD3] = await barrier([d2, d3]);
      assert.deepEqual(names(again ?? []), []);
      assert.deepEqual(names(toD3 ?? []), ['EventInvite']);
      assert.equal(toD3?.[0]?.interactionId, id);
    });

    it('refusals change nothing and nobody else hears of them', async () => {
      const [d1] = (await parties(1)) as [AnyClient];
      await refusedWith(d1, { message: 'RequestDoNotDisturbOff' }, 34);
      await loginAgent(d1, 'a1', 'P1', { email: 1 });
      await refusedWith(d1, { message: 'RequestRemoveMedia', mediaTypeName: 'chat' }, 69, 'chat');
      await refusedWith(d1, { message: 'RequestAddMedia', mediaTypeName: 'email' }, 70, 'email');
      await refusedWith(d1, { message: 'RequestNotReadyForMedia', mediaTypeName: 'fax' }, 18, 'fax');
      await refusedWith(d1, { message: 'RequestDoNotDisturbOff' }, 72);
      const [toMs, toStat] = await barrier([ms, stat]);
      assert.deepEqual(names(toMs ?? []), []);
      assert.deepEqual(names(toStat ?? []), ['EventAgentLogin'], 'only the login was reported');
    });
  });
}

describe('a routing engine on the binary door with the Interaction Server protocol', () => {
  it('registers (ORS-style: it pulls) but is never handed interactions it could not read', async () => {
    const srv = await startServer({ config: CONFIG });
    try {
      const ms = await client(srv, 'MediaServer', 'EmailServer');
      const { TcpClient } = await import('./harness.ts');
      const urs = await TcpClient.connect('127.0.0.1', srv.tcpPort);
      const r = await urs.request({ message: 'RequestRegisterClient', clientType: 'RoutingEngine', clientName: 'URS' });
      assert.equal(r.message, 'EventAck');
      // A routing-engine queue: no engine it could be handed to is connected, so it waits.
      const id = await submit(ms, 'Routed');
      const p = await ms.request({ message: 'RequestGetInteractionProperties', interactionId: id });
      assert.equal(p.interactionState, 'Queued');
      const [toUrs] = await barrier([urs]);
      assert.deepEqual(toUrs, [], 'no EventRouteRequest (nor any T-Library message) on the IS protocol');
      urs.close();
      ms.close();
    } finally {
      assert.equal(await srv.stop(), 0);
      cleanup(srv.dataDir);
    }
  });
});
