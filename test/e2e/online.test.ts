/**
 * Online interactions against the real server (lifecycle.md §7): when a media server's session ends, every online
 * interaction it submitted (IsOnline 1) is stopped as a stop-processing by it — reporting gets the stop events, the
 * handling agent and an invited one EventRevoked, the routing engine holding one EventAbandoned — while its offline
 * interactions and another media server's online ones stay. IsOnline turned 0 by the media server sets AbandonedAt
 * and takes the interaction out of that. A graceful restart stops nothing, and the index is rebuilt when loading.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  barrier,
  cleanup,
  client,
  clientOver,
  expectEvent,
  loginAgent,
  names,
  refusedWith,
  startServer,
  submit,
  type AnyClient,
  type Json,
  type JsonClient,
  type RunningServer,
} from './harness.ts';

const BY_CHAT = {
  actorType: 'MediaServer',
  actorMediaServerId: 'ChatServer',
  reason: 0,
  reasonSystemName: 'MediaServerDisconnected',
  reasonDescription: "media server 'ChatServer' disconnected: its online interactions are stopped",
};

/** Every attribute of `expected` is in `got` with that value. */
function has(got: Json | undefined, expected: Json, what: string): void {
  assert.ok(got, what);
  for (const [k, v] of Object.entries(expected)) assert.deepEqual(got[k], v, `${what}: ${k}`);
}

/** The next `n` unsolicited messages of a client (each waited for; fails on a timeout). */
async function next(c: AnyClient, n: number): Promise<Json[]> {
  const out: Json[] = [];
  for (let i = 0; i < n; i++) out.push(await c.nextEvent(5000));
  return out;
}

async function gone(re: AnyClient, id: string): Promise<void> {
  await refusedWith(re, { message: 'RequestGetInteractionProperties', interactionId: id }, 43, id);
}

async function props(re: AnyClient, id: string): Promise<Json> {
  const r = await re.request({ message: 'RequestGetInteractionProperties', interactionId: id });
  assert.equal(r.message, 'EventInteractionProperties', JSON.stringify(r));
  return r;
}

describe('a media server goes away: its online interactions are stopped', () => {
  let srv: RunningServer;
  let re: JsonClient;
  let urs: JsonClient;
  let desk1: JsonClient; // agent1, Place_1001
  let desk2: JsonClient; // agent2, Place_1002, takes no part
  let email: JsonClient; // EmailServer: another media server application
  let others: JsonClient[];

  before(async () => {
    srv = await startServer();
    re = await client(srv, 'ReportingEngine', 'StatServer');
    urs = await client(srv, 'RoutingEngine', 'URS');
    desk1 = await client(srv, 'AgentApplication', 'Desktop');
    desk2 = await client(srv, 'AgentApplication', 'Desktop2');
    email = await client(srv, 'MediaServer', 'EmailServer', { extension: { event_processing_stopped: 1 } });
    others = [re, urs, desk1, desk2, email];
    await loginAgent(desk1, 'agent1', 'Place_1001', { email: 1 });
    await loginAgent(desk2, 'agent2', 'Place_1002', { email: 1 });
    await barrier(others);
  });

  after(async () => {
    for (const c of others) c.close();
    assert.equal(await srv.stop(), 0);
    cleanup(srv.dataDir);
  });

  it('the connection is lost: reporting gets the stop events, the agents and the routing engine what a stop gives them, nobody else anything', async () => {
    const chat = await client(srv, 'MediaServer', 'ChatServer', { extension: { event_processing_stopped: 1 } });
    // ON-1 handled by agent1, ON-2 offered to agent1, ON-3 held by URS, ON-4 queued; OFF-5 offline; EM-6 another's.
    await submit(chat, 'Sales', { interactionId: 'ON-1', isOnline: true });
    const inv = await expectEvent(desk1, 'EventInvite');
    assert.equal(inv.interactionId, 'ON-1');
    const accepted = await desk1.request({ message: 'RequestAccept', interactionId: 'ON-1', ticketId: inv.ticketId });
    assert.equal(accepted.message, 'EventAck');
    await submit(chat, 'Sales', { interactionId: 'ON-2', isOnline: true });
    assert.equal((await expectEvent(desk1, 'EventInvite')).interactionId, 'ON-2');
    await submit(chat, 'Inbound', { interactionId: 'ON-3', isOnline: true });
    assert.equal((await expectEvent(urs, 'EventRouteRequest')).connId, 'ON-3');
    await submit(chat, 'Email Out', { interactionId: 'ON-4', isOnline: true });
    await submit(chat, 'Email Out', { interactionId: 'OFF-5' });
    await submit(email, 'Email Out', { interactionId: 'EM-6', isOnline: true });
    await barrier([...others, chat]);

    chat.close();
    const got = await next(re, 6);
    assert.deepEqual(
      got.map((e) => [e.message, e.interactionId]),
      [
        ['EventPartyRemoved', 'ON-1'],
        ['EventProcessingStopped', 'ON-1'],
        ['EventProcessingStopped', 'ON-2'],
        ['EventPartyRemoved', 'ON-3'],
        ['EventProcessingStopped', 'ON-3'],
        ['EventProcessingStopped', 'ON-4'],
      ],
      'ON-2 was only offered: no party to remove, only its stop',
    );
    for (const e of got)
      has(e, { ...BY_CHAT, interactionIsOnline: true }, `${String(e.message)} ${String(e.interactionId)}`);
    has(got[0], { partyType: 'ResourceParty', agentId: 'agent1', placeId: 'Place_1001', operation: 'Stop' }, 'agent');
    has(got[3], { partyType: 'StrategyParty', routerId: 'URS', strategyId: 'Inbound', operation: 'Stop' }, 'strategy');
    // The handling agent's desktop, and the invited one: EventRevoked (Stop), as when another client stops it.
    const revoked = await next(desk1, 2);
    assert.deepEqual(
      revoked.map((e) => [e.message, e.interactionId, e.operation, e.reasonSystemName, e.actorMediaServerId]),
      [
        ['EventRevoked', 'ON-1', 'Stop', 'MediaServerDisconnected', 'ChatServer'],
        ['EventRevoked', 'ON-2', 'Stop', 'MediaServerDisconnected', 'ChatServer'],
      ],
    );
    has(await expectEvent(urs, 'EventAbandoned'), { connId: 'ON-3', reason: 'MediaServerDisconnected' }, 'engine');
    const [gRe, gUrs, g1, g2, gEmail] = await barrier(others);
    assert.deepEqual([gRe, gUrs, g1, g2, gEmail], [[], [], [], [], []], 'nothing more, and nothing to the others');
    for (const id of ['ON-1', 'ON-2', 'ON-3', 'ON-4']) await gone(re, id);
    has(await props(re, 'OFF-5'), { interactionIsOnline: false, interactionQueue: 'Email Out' }, 'offline: untouched');
    has(await props(re, 'EM-6'), { interactionIsOnline: true, version: 1 }, "another media server's: untouched");
  });

  it('IsOnline turned 0 over the binary door sets AbandonedAt; RequestUnregisterClient then stops only what is still online', async () => {
    const chat = await clientOver(srv, 'tcp', 'MediaServer', 'ChatServer');
    await submit(chat, 'Email Out', { interactionId: 'ON-8', isOnline: true });
    await submit(chat, 'Email Out', { interactionId: 'ON-9', isOnline: true });
    await submit(chat, 'Email Out', { interactionId: 'ON-10', isOnline: true });
    assert.equal(
      (await chat.request({ message: 'RequestStopProcessing', interactionId: 'ON-10' })).message,
      'EventAck',
    );
    await barrier(others);
    const ack = await chat.request({
      message: 'RequestChangeProperties',
      interactionId: 'ON-9',
      changedProperties: { IsOnline: 0 },
    });
    assert.equal(ack.message, 'EventAck');
    assert.equal(ack.version, 2);
    const changed = await expectEvent(re, 'EventPropertiesChanged');
    has(changed, { interactionId: 'ON-9', changedProperties: { IsOnline: 0 }, interactionIsOnline: false }, 'change');
    assert.match(String(changed.interactionAbandonedAt), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    assert.equal(changed.interactionUserData && (changed.interactionUserData as Json).IsOnline, undefined);
    await refusedWith(
      chat,
      { message: 'RequestChangeProperties', interactionId: 'ON-9', changedProperties: { IsOnline: 'no' } },
      65,
      'IsOnline',
    );

    const bye = await chat.request({ message: 'RequestUnregisterClient' });
    assert.equal(bye.message, 'EventAck');
    const stopped = await expectEvent(re, 'EventProcessingStopped');
    has(stopped, { ...BY_CHAT, interactionId: 'ON-8' }, 'ON-8');
    assert.deepEqual(await barrier(others), [[], [], [], [], []]);
    await gone(re, 'ON-8');
    const kept = await props(re, 'ON-9');
    has(kept, { interactionIsOnline: false, interactionAbandonedAt: changed.interactionAbandonedAt }, 'abandoned');
    chat.close();
  });
});

describe('across a restart', () => {
  it('a graceful stop of the server stops nothing; after the restart the media server leaving stops what is online', async () => {
    let srv = await startServer();
    try {
      let chat: AnyClient = await client(srv, 'MediaServer', 'ChatServer');
      await submit(chat, 'Email Out', { interactionId: 'R-1', isOnline: true });
      await submit(chat, 'Email Out', { interactionId: 'R-2', isOnline: true });
      await submit(chat, 'Email Out', { interactionId: 'R-3' });
      await chat.request({ message: 'RequestStopProcessing', interactionId: 'R-2' });
      // SIGTERM with the media server connected: the server closes its connection while draining.
      assert.equal(await srv.stop(), 0);
      srv = await startServer({ dataDir: srv.dataDir });
      const re = await client(srv, 'ReportingEngine', 'StatServer');
      has(await props(re, 'R-1'), { interactionIsOnline: true }, 'still there after the graceful stop');
      await gone(re, 'R-2');
      chat = await client(srv, 'MediaServer', 'ChatServer');
      chat.close();
      const stopped = await expectEvent(re, 'EventProcessingStopped');
      has(stopped, { ...BY_CHAT, interactionId: 'R-1' }, 'R-1');
      assert.deepEqual(names((await barrier([re]))[0] ?? []), []);
      await gone(re, 'R-1');
      has(await props(re, 'R-3'), { interactionIsOnline: false }, 'offline: untouched');
      re.close();
      assert.equal(await srv.stop(), 0);
    } finally {
      cleanup(srv.dataDir);
    }
  });
});
