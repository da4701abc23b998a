/** Publish/subscribe state in the core: subscriptions per topic, ended by RequestUnsubscribe or with their session. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEMO_CONFIG } from '../../src/config/demo.ts';
import { ClientType } from '../../src/protocol/enums.ts';
import { coreWorld, who } from './core-harness.ts';

describe('publish/subscribe (core)', () => {
  it('a subscription ends with RequestUnsubscribe or with its session; the publisher hears its own event only when asked', () => {
    const w = coreWorld(DEMO_CONFIG, Date.UTC(2026, 0, 1));
    const a = w.reg(ClientType.MediaServer, 'EmailServer');
    const b = w.reg(ClientType.ReportingEngine, 'StatServer');
    for (const s of [a, b]) w.send(s, 'RequestSubscribe', { PsTopicList: [{ key: 'T', value: '' }] });
    assert.deepEqual([...w.core.state.topicSubscribersOf('T')].sort(), [a.id, b.id].sort());
    const content = [{ key: 'k', value: 'v' }];
    assert.deepEqual(who(w.send(a, 'RequestPublish', { PsTopic: 'T', PsEventContent: content })), [
      [a.id, 'EventAck'],
      [b.id, 'EventUserEvent'],
    ]);
    assert.deepEqual(
      who(w.send(a, 'RequestPublish', { PsTopic: 'T', PsEventContent: content, DistributeToOriginator: true })),
      [
        [a.id, 'EventAck'],
        [a.id, 'EventUserEvent'],
        [b.id, 'EventUserEvent'],
      ],
    );
    w.send(b, 'RequestUnsubscribe', { PsTopicList: [{ key: 'T', value: '' }] });
    assert.deepEqual([...w.core.state.topicSubscribersOf('T')], [a.id]);
    w.core.sessionClosed(a.id);
    assert.deepEqual([...w.core.state.topicSubscribersOf('T')], []);
    assert.deepEqual(who(w.send(b, 'RequestPublish', { PsTopic: 'T', PsEventContent: content })), [[b.id, 'EventAck']]);
  });
});
