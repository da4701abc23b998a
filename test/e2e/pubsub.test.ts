/**
 * Publish/subscribe and custom reporting (issue #12, lifecycle §7), over both doors: RequestSubscribe /
 * RequestUnsubscribe / RequestPublish -> EventUserEvent to the topic's subscribers only (the publisher with
 * DistributeToOriginator); RequestDistributeEvent -> EventCustomReporting to every reporting engine (a reporting event,
 * kept in the event log); proxies may not publish; bad requests change nothing. Exact per-party messages,
 * "nobody else got anything" by a barrier.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  barrier,
  cleanup,
  client,
  clientOver,
  loginAgent,
  refusedWith,
  startServer,
  submit,
  type AnyClient,
  type JsonClient,
  type RunningServer,
} from './harness.ts';

let srv: RunningServer;
let re: JsonClient;
let ms: AnyClient;
let desk: AnyClient;
let other: JsonClient;

before(async () => {
  srv = await startServer();
  re = await client(srv, 'ReportingEngine', 'StatServer');
  ms = await clientOver(srv, 'tcp', 'MediaServer', 'EmailServer');
  desk = await clientOver(srv, 'tcp', 'AgentApplication', 'Desktop');
  await loginAgent(desk, 'agent1', 'Place_1001');
  other = await client(srv, 'AgentApplication', 'Desktop2');
  await barrier([re, ms, desk, other]);
});

after(async () => {
  for (const c of [re, ms, desk, other]) c.close();
  assert.equal(await srv.stop(), 0);
  cleanup(srv.dataDir);
});

describe('publish/subscribe', () => {
  it('EventUserEvent reaches the subscribers of the topic only, with the publisher as actor; unsubscribe stops it', async () => {
    for (const c of [desk, other]) {
      const r = await c.request({ message: 'RequestSubscribe', psTopicList: { Promotions: '', Outages: '' } });
      assert.equal(r.message, 'EventAck');
    }
    const ack = await ms.request({
      message: 'RequestPublish',
      psTopic: 'Promotions',
      psEventContent: { Text: 'Gold week', Percent: 20 },
    });
    assert.equal(ack.message, 'EventAck');
    const [toRe, toMs, toDesk, toOther] = await barrier([re, ms, desk, other]);
    const want = {
      message: 'EventUserEvent',
      psTopic: 'Promotions',
      psEventContent: { Text: 'Gold week', Percent: 20 },
      actorType: 'MediaServer',
      actorMediaServerId: 'EmailServer',
    };
    assert.deepEqual(toDesk, [want], 'the binary desktop');
    assert.deepEqual(toOther, [want], 'the JSON desktop');
    assert.deepEqual(toRe, []);
    assert.deepEqual(toMs, [], 'the publisher is not a subscriber');

    // Another topic reaches nobody; after RequestUnsubscribe the desktop hears nothing more of Promotions.
    await ms.request({ message: 'RequestPublish', psTopic: 'Weather', psEventContent: { Sky: 'blue' } });
    assert.equal(
      (await other.request({ message: 'RequestUnsubscribe', psTopicList: { Promotions: '' } })).message,
      'EventAck',
    );
    await desk.request({ message: 'RequestPublish', psTopic: 'Promotions', psEventContent: { Text: 'again' } });
    const after2 = await barrier([re, ms, desk, other]);
    assert.deepEqual(
      after2,
      [[], [], [], []],
      'the publishing desktop does not get its own event; the other unsubscribed',
    );
    // With DistributeToOriginator the publisher, a subscriber, gets it too; its actor is its agent.
    await desk.request({
      message: 'RequestPublish',
      psTopic: 'Outages',
      psEventContent: { Region: 'North' },
      distributeToOriginator: true,
    });
    const [, , toDesk3, toOther3] = await barrier([re, ms, desk, other]);
    const fromAgent = {
      message: 'EventUserEvent',
      psTopic: 'Outages',
      psEventContent: { Region: 'North' },
      actorType: 'Agent',
      actorTenantId: 1,
      actorAgentId: 'agent1',
      actorPlaceId: 'Place_1001',
    };
    assert.deepEqual(toDesk3, [fromAgent]);
    assert.deepEqual(toOther3, [fromAgent]);
  });

  it('bad requests are refused naming what is wrong; a proxy may not publish', async () => {
    await refusedWith(ms, { message: 'RequestPublish', psEventContent: { a: 'b' } }, 79, 'PsTopic');
    await refusedWith(ms, { message: 'RequestSubscribe', psTopicList: {} }, 79, 'PsTopicList');
    const proxy = await client(srv, 'Proxy', 'Proxy');
    await refusedWith(proxy, { message: 'RequestPublish', psTopic: 'T', psEventContent: { a: 'b' } }, 4, 'Proxy');
    assert.deepEqual(await barrier([re, ms, desk, other]), [[], [], [], []]);
    proxy.close();
  });
});

describe('custom reporting', () => {
  it('RequestDistributeEvent: EventCustomReporting to reporting engines, with the interaction named', async () => {
    const id = await submit(ms, 'Email Out');
    await barrier([re, ms, desk, other]);
    const ack = await desk.request({
      message: 'RequestDistributeEvent',
      customEventId: 7,
      mediaTypeName: 'email',
      eventContent: { Survey: 'sent' },
      interactionId: id,
    });
    assert.equal(ack.message, 'EventAck');
    const [toRe, toMs, toDesk, toOther] = await barrier([re, ms, desk, other]);
    assert.equal(toRe?.length, 1);
    const ev = toRe?.[0] ?? {};
    assert.equal(ev.message, 'EventCustomReporting');
    assert.equal(ev.customEventId, 7);
    assert.equal(ev.mediaTypeName, 'email');
    assert.deepEqual(ev.eventContent, { Survey: 'sent' });
    assert.equal(ev.interactionId, id);
    assert.equal(typeof ev.eventTime, 'string');
    assert.deepEqual([toMs, toDesk, toOther], [[], [], []]);
    await refusedWith(desk, { message: 'RequestDistributeEvent', customEventId: -1 }, 98, 'CustomEventId');
    await refusedWith(
      desk,
      { message: 'RequestDistributeEvent', customEventId: 1, interactionId: 'nope' },
      43,
      "'nope'",
    );
    assert.deepEqual(await barrier([re, ms, desk, other]), [[], [], [], []]);
  });
});
