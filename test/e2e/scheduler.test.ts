/**
 * The submission scheduler over both doors (issue #12, urs-routing §9.8 G): a routing engine's
 * `maxSubmittedInteractions` holds work back in its queue until one of its interactions is routed, round-robin skips an
 * engine at its cap, an engine that leaves has its work handed to the other engine's free room, and
 * `maxSubmissionRate` spaces the hand-offs. One routing engine on the binary T-Library dialect and one on the JSON
 * facade at once; each party's messages are asserted exactly.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Message } from '../../src/protocol/message.ts';
import { REGISTER, TlibClient, untimed } from './tlib-client.ts';
import {
  barrier,
  cleanup,
  client,
  configEdited,
  names,
  startServer,
  submit,
  type JsonClient,
  type RunningServer,
} from './harness.ts';

interface AppConfig {
  name: string;
  [k: string]: unknown;
}

/** The fixture configuration with submission caps on the routing engines URS and URS2. */
function withCaps(caps: Record<string, Record<string, number>>): string {
  return configEdited((c) => {
    const apps = c.applications as AppConfig[];
    c.applications = apps.map((a) => ({ ...a, ...caps[a.name] }));
  });
}

/** Every T-Library message the engine got before the reply to a RequestQueryServer (a barrier on that link). */
async function tlibBarrier(urs: TlibClient, ref: number): Promise<Message[]> {
  urs.send('RequestQueryServer', { ReferenceId: ref });
  const before: Message[] = [];
  for (;;) {
    const m = await urs.next();
    if (m.name === 'EventServerInfo' && m.attrs.ReferenceId === ref) return before;
    before.push(m);
  }
}

/** A binary T-Library routing engine named URS, linked and registered for the strategy Inbound. */
async function binaryRouter(srv: RunningServer): Promise<TlibClient> {
  const urs = await TlibClient.open(srv.tcpPort);
  urs.send('RequestRegisterClient', { ...REGISTER, ApplicationName: 'URS' });
  assert.equal((await urs.next()).name, 'EventLinkConnected');
  const reg = await urs.reply('RequestRegisterAddress', { ReferenceId: 2, ThisDN: 'Inbound', AddressType: 1 });
  assert.equal(reg.name, 'EventRegistered');
  return urs;
}

/** The InteractionId a binary EventRouteRequest carries in its user data. */
function interactionOf(m: Message): string {
  assert.equal(m.name, 'EventRouteRequest');
  const ud = untimed(m).UserData as { key: string; value: unknown }[];
  return String(ud.find((p) => p.key === 'InteractionId')?.value);
}

describe('submission scheduler: maxSubmittedInteractions, binary and JSON engines at once', () => {
  let srv: RunningServer;
  let ms: JsonClient;
  let re: JsonClient;

  before(async () => {
    srv = await startServer({
      config: withCaps({ URS: { maxSubmittedInteractions: 1 }, URS2: { maxSubmittedInteractions: 1 } }),
    });
    ms = await client(srv, 'MediaServer', 'EmailServer');
    re = await client(srv, 'ReportingEngine', 'StatServer');
  });

  after(async () => {
    for (const c of [ms, re]) c.close();
    assert.equal(await srv.stop(), 0);
    cleanup(srv.dataDir);
  });

  it('each engine holds one; the third waits until an engine routes one; an engine that leaves hands its one to the other when that one has room', async () => {
    const urs = await binaryRouter(srv);
    const facade = await client(srv, 'RoutingEngine', 'URS2');
    const x1 = await submit(ms, 'Inbound');
    const x2 = await submit(ms, 'Inbound');
    const x3 = await submit(ms, 'Inbound');
    // One each, the third held back (it is not handed to anyone).
    const toBinary = await tlibBarrier(urs, 10);
    assert.equal(toBinary.length, 1, JSON.stringify(toBinary));
    const heldByBinary = interactionOf(toBinary[0] as Message);
    const [toFacade, toMs] = await barrier([facade, ms]);
    assert.deepEqual(names(toFacade ?? []), ['EventRouteRequest']);
    const heldByFacade = String(toFacade?.[0]?.connId);
    assert.deepEqual(toMs, []);
    assert.deepEqual([heldByBinary, heldByFacade].sort(), [x1, x2].sort(), 'the two oldest are handed over');
    const waiting = await ms.request({ message: 'RequestGetInteractionProperties', interactionId: x3 });
    assert.equal(waiting.interactionState, 'Queued', 'X3 waits in its queue');

    // The JSON engine routes its interaction to a queue: EventRouteUsed, then X3 is handed to it (the binary one is
    // still at its cap).
    const used = await facade.request({
      message: 'RequestRouteCall',
      connId: heldByFacade,
      targetType: 'queue',
      targetQueue: 'Email Out',
    });
    assert.equal(used.message, 'EventRouteUsed', JSON.stringify(used));
    const next = await facade.nextEvent();
    assert.equal(next.message, 'EventRouteRequest');
    assert.equal(next.connId, x3);
    assert.deepEqual(await tlibBarrier(urs, 11), [], 'the binary engine at its cap gets nothing');

    // The binary engine leaves: its interaction goes back to Inbound; the JSON engine is at its cap, so it waits.
    urs.close();
    const [quiet] = await barrier([facade]);
    assert.deepEqual(quiet, [], 'the JSON engine is at its cap: nothing more for it');
    const back = await ms.request({ message: 'RequestGetInteractionProperties', interactionId: heldByBinary });
    assert.equal(back.interactionState, 'Queued', 'what the binary engine held waits in Inbound again');

    // The JSON engine stops X3: its room goes to the interaction the binary engine left.
    await facade.request({ message: 'RequestRouteCall', connId: x3, targetType: 'stop' });
    const handed = await facade.nextEvent();
    assert.equal(handed.message, 'EventRouteRequest');
    assert.equal(handed.connId, heldByBinary);
    await facade.request({ message: 'RequestRouteCall', connId: heldByBinary, targetType: 'stop' });
    const [rest] = await barrier([facade]);
    assert.deepEqual(rest, []);
    facade.close();
  });
});

describe('submission scheduler: maxSubmissionRate', () => {
  let srv: RunningServer;
  let ms: JsonClient;

  before(async () => {
    srv = await startServer({ config: withCaps({ URS2: { maxSubmissionRate: 4 } }) });
    ms = await client(srv, 'MediaServer', 'EmailServer');
  });

  after(async () => {
    ms.close();
    assert.equal(await srv.stop(), 0);
    cleanup(srv.dataDir);
  });

  it('four at once (one second of the rate), the fifth when the rate has earned it (a quarter second later)', async () => {
    const facade = await client(srv, 'RoutingEngine', 'URS2');
    const t0 = Date.now();
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push(await submit(ms, 'Inbound'));
    const got: string[] = [];
    for (let i = 0; i < 5; i++) {
      const e = await facade.nextEvent();
      assert.equal(e.message, 'EventRouteRequest');
      got.push(String(e.connId));
      if (i === 4) {
        // The fifth cannot come before the rate's next token: 1/4 s after the engine's first hand-off.
        assert.ok(Date.now() - t0 >= 240, `the fifth came ${String(Date.now() - t0)} ms after the first submission`);
      }
    }
    assert.deepEqual(got, ids, 'in queue order');
    for (const id of ids) await facade.request({ message: 'RequestRouteCall', connId: id, targetType: 'stop' });
    const [rest] = await barrier([facade]);
    assert.deepEqual(rest, []);
    facade.close();
  });
});
