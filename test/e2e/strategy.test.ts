/**
 * Strategy names over both doors (issue #12, urs-routing §9.8 B): the queue Inbound is configured with the strategy
 * Email_Routing. A binary T-Library engine that registers the queue's name is handed nothing; registering the strategy
 * it is handed the interaction with ThisDN = ThisQueue = the strategy; a JSON engine sees thisDN = the strategy;
 * reporting names the strategy as StrategyId.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { REGISTER, TlibClient, untimed } from './tlib-client.ts';
import {
  barrier,
  cleanup,
  client,
  configEdited,
  startServer,
  submit,
  type Json,
  type JsonClient,
  type RunningServer,
} from './harness.ts';

let srv: RunningServer;
let ms: JsonClient;
let re: JsonClient;

before(async () => {
  srv = await startServer({
    config: configEdited((c) => {
      c.queues = (c.queues as Json[]).map((q) => (q.name === 'Inbound' ? { ...q, strategy: 'Email_Routing' } : q));
    }),
  });
  ms = await client(srv, 'MediaServer', 'EmailServer');
  re = await client(srv, 'ReportingEngine', 'StatServer');
});

after(async () => {
  for (const c of [ms, re]) c.close();
  assert.equal(await srv.stop(), 0);
  cleanup(srv.dataDir);
});

describe('strategy names', () => {
  it('a binary engine is handed what it registered the strategy for, not the queue name; the JSON facade and reporting name the strategy', async () => {
    const urs = await TlibClient.open(srv.tcpPort);
    urs.send('RequestRegisterClient', { ...REGISTER, ApplicationName: 'URS' });
    assert.equal((await urs.next()).name, 'EventLinkConnected');
    assert.equal(
      (await urs.reply('RequestRegisterAddress', { ReferenceId: 1, ThisDN: 'Inbound' })).name,
      'EventRegistered',
    );
    const first = await submit(ms, 'Inbound');
    const p = await ms.request({ message: 'RequestGetInteractionProperties', interactionId: first });
    assert.equal(p.interactionState, 'Queued', "the queue's name is not its strategy: nothing is handed over");
    // Registering the strategy: the waiting interaction is handed over at once.
    urs.send('RequestRegisterAddress', { ReferenceId: 2, ThisDN: 'Email_Routing' });
    assert.equal((await urs.next()).name, 'EventRegistered');
    const rr = untimed(await urs.next());
    assert.equal(rr.ThisDN, 'Email_Routing');
    assert.equal(rr.ThisQueue, 'Email_Routing');
    const ext = Object.fromEntries((rr.Extensions as { key: string; value: unknown }[]).map((e) => [e.key, e.value]));
    assert.equal(ext.InteractionId, first);
    assert.equal(ext.Queue, 'Inbound');
    // A JSON engine: thisDN is the strategy (the round-robin's next turn is the second engine registered).
    const facade = await client(srv, 'RoutingEngine', 'URS2');
    const second = await submit(ms, 'Inbound');
    const offered = await facade.nextEvent();
    assert.equal(offered.message, 'EventRouteRequest');
    assert.equal(offered.connId, second);
    assert.equal(offered.thisDN, 'Email_Routing');
    const [reported] = await barrier([re]);
    const parties = (reported ?? []).filter((m) => m.message === 'EventPartyAdded');
    assert.deepEqual(
      parties.map((m) => [m.routerId, m.strategyId]),
      [
        ['URS', 'Email_Routing'],
        ['URS2', 'Email_Routing'],
      ],
    );
    for (const id of [second]) await facade.request({ message: 'RequestRouteCall', connId: id, targetType: 'stop' });
    await ms.request({ message: 'RequestStopProcessing', interactionId: first });
    urs.close();
    facade.close();
  });
});
