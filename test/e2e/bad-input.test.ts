/**
 * Bad input over the JSON front door (spec §5 "bad input never hurts"): malformed JSON, non-objects, missing or
 * unknown message names, events sent as requests, catalogued but unsupported requests, unknown attributes, wrong
 * attribute types and oversize frames all get EventError (79, 4 or 65) and change nothing; the same connection, every
 * other client and the server process keep working. A referenceId in bad-but-parseable JSON is echoed.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  cleanup,
  client,
  closedWithin,
  connect,
  expectEvent,
  loginAgent,
  quiet,
  refusedWith,
  startServer,
  submit,
  type Json,
  type JsonClient,
  type RunningServer,
} from './harness.ts';

let srv: RunningServer;
let ms: JsonClient; // the client that misbehaves
let urs: JsonClient;
let re: JsonClient;
let desk: JsonClient;
let all: JsonClient[];
/** An interaction of EmailServer in 'Email Out', used to check that nothing changed. */
let ixn: string;

before(async () => {
  srv = await startServer();
  ms = await client(srv, 'MediaServer', 'EmailServer');
  urs = await client(srv, 'RoutingEngine', 'URS');
  re = await client(srv, 'ReportingEngine', 'StatServer');
  desk = await client(srv, 'AgentApplication', 'Desktop');
  all = [ms, urs, re, desk];
  await loginAgent(desk, 'agent1', 'Place_1001', { email: 0 });
  ixn = await submit(ms, 'Email Out', { userData: { Subject: 'unchanged' } });
  await quiet(all, 100);
});

after(async () => {
  for (const c of all) c.close();
  assert.equal(await srv.stop(), 0);
  cleanup(srv.dataDir);
});

/**
 * After a bad input: nobody else heard anything, the interaction is unchanged, the same connection still works (a
 * valid change is acked and reported), every other client still works, and the server is alive.
 */
async function stillServing(): Promise<void> {
  assert.deepEqual(
    await quiet(all, 100),
    all.map(() => []),
    'nobody hears of a bad input',
  );
  assert.equal(srv.proc.exitCode, null, 'the server process is alive');
  const p = await re.request({ message: 'RequestGetInteractionProperties', interactionId: ixn });
  assert.equal(p.message, 'EventInteractionProperties');
  const v = p.version as number;
  const ack = await ms.request({
    message: 'RequestChangeProperties',
    interactionId: ixn,
    changedProperties: { Probe: v },
    expectedVersion: v,
  });
  assert.equal(ack.message, 'EventAck', `the same connection still works: ${JSON.stringify(ack)}`);
  assert.equal(ack.version, v + 1);
  const ev = await expectEvent(re, 'EventPropertiesChanged');
  assert.equal(ev.version, v + 1);
  const g = await urs.request({ message: 'RequestGetInteractionProperties', interactionId: ixn });
  assert.equal(g.version, v + 1);
  const l = await desk.request({ message: 'RequestAgentLogout' });
  assert.equal(l.message, 'EventAck');
  await expectEvent(re, 'EventAgentLogout');
  await loginAgent(desk, 'agent1', 'Place_1001', { email: 0 });
  await expectEvent(re, 'EventAgentLogin');
  assert.deepEqual(
    await quiet(all, 50),
    all.map(() => []),
  );
}

/** Sends raw text and returns the EventError it gets (an unsolicited message when it carries no referenceId). */
async function rawError(c: JsonClient, text: string): Promise<Json> {
  c.sendRaw(text);
  const e = await c.nextEvent();
  assert.equal(e.message, 'EventError', JSON.stringify(e));
  return e;
}

describe('undecodable or malformed JSON -> EventError 79', () => {
  for (const [title, text] of [
    ['malformed JSON', '{"message": "RequestSubmit", '],
    ['not JSON at all', 'hello server'],
    ['a JSON array', '[{"message":"RequestSubmit"}]'],
    ['a JSON string', '"RequestSubmit"'],
    ['a JSON number', '42'],
    ['JSON null', 'null'],
    ['an empty frame', ''],
  ] as const) {
    it(title, async () => {
      const e = await rawError(ms, text);
      assert.equal(e.errorCode, 79, String(e.errorDescription));
      assert.equal(e.referenceId, undefined);
      assert.equal(typeof e.errorDescription, 'string');
      await stillServing();
    });
  }

  it('missing "message" -> 79, echoing the referenceId', async () => {
    const e = await rawError(ms, JSON.stringify({ referenceId: 5, interactionId: ixn }));
    assert.equal(e.errorCode, 79);
    assert.equal(e.referenceId, 5);
    assert.match(String(e.errorDescription), /message/);
    await stillServing();
  });

  it('"message" that is not a string -> 79, echoing the referenceId', async () => {
    const e = await rawError(ms, JSON.stringify({ message: 17, referenceId: 6 }));
    assert.equal(e.errorCode, 79);
    assert.equal(e.referenceId, 6);
    await stillServing();
  });

  it('a binary WebSocket frame -> 79', async () => {
    ms.ws.send(Buffer.from(JSON.stringify({ message: 'RequestGetInteractionProperties', interactionId: ixn })));
    const e = await ms.nextEvent();
    assert.equal(e.message, 'EventError');
    assert.equal(e.errorCode, 79);
    assert.match(String(e.errorDescription), /text frame/);
    await stillServing();
  });

  it('a frame over maxFrameBytes (1 MiB) -> 79 naming the limit; the connection stays usable', async () => {
    const big = JSON.stringify({
      message: 'RequestChangeProperties',
      referenceId: 71,
      interactionId: ixn,
      changedProperties: { Big: 'x'.repeat(1.1 * 1024 * 1024) },
    });
    assert.ok(big.length > 1024 * 1024);
    ms.sendRaw(big);
    const e = await ms.nextEvent();
    assert.equal(e.message, 'EventError');
    assert.equal(e.errorCode, 79);
    assert.match(String(e.errorDescription), /1048576/);
    assert.equal(ms.closed, false);
    await stillServing();
    const p = await re.request({ message: 'RequestGetInteractionProperties', interactionId: ixn });
    assert.equal((p.interactionUserData as Json).Big, undefined, 'the oversize change was not applied');
  });
});

describe('unknown or unsupported messages -> EventError 4', () => {
  it('an unknown message name -> 4 naming it, echoing the referenceId', async () => {
    const r = await refusedWith(ms, { message: 'RequestTeleport', referenceId: 80 }, 4, 'RequestTeleport');
    assert.equal(r.referenceId, 80);
    await stillServing();
  });

  it('an event name sent as a request -> 4', async () => {
    const r = await refusedWith(ms, { message: 'EventAck', referenceId: 81 }, 4, 'EventAck');
    assert.equal(r.referenceId, 81);
    await refusedWith(ms, { message: 'EventRouteRequest', connId: ixn }, 4, 'EventRouteRequest');
    await stillServing();
  });

  it('a catalogued but unsupported request (RequestDeliver, RequestAgentState) -> 4 naming it', async () => {
    await refusedWith(ms, { message: 'RequestDeliver', referenceId: 82 }, 4, 'RequestDeliver');
    await refusedWith(desk, { message: 'RequestAgentState', referenceId: 83 }, 4, 'RequestAgentState');
    await stillServing();
  });

  it('an unknown attribute -> 4 naming it; nothing of the request is applied', async () => {
    const r = await refusedWith(
      ms,
      {
        message: 'RequestChangeProperties',
        interactionId: ixn,
        changedProperties: { Subject: 'changed?' },
        colour: 'blue',
        referenceId: 83,
      },
      4,
      'colour',
    );
    assert.equal(r.referenceId, 83);
    await stillServing();
    const p = await re.request({ message: 'RequestGetInteractionProperties', interactionId: ixn });
    assert.equal((p.interactionUserData as Json).Subject, 'unchanged');
  });

  it('a member named __proto__ or constructor is just an unknown attribute', async () => {
    const e = await rawError(
      ms,
      '{"message":"RequestGetInteractionProperties","referenceId":84,"__proto__":{"x":1},"interactionId":"a"}',
    );
    assert.equal(e.errorCode, 4);
    assert.equal(e.referenceId, 84);
    assert.match(String(e.errorDescription), /__proto__/);
    await refusedWith(ms, { message: 'RequestGetInteractionProperties', constructor: 'x' }, 4, 'constructor');
    await stillServing();
  });
});

describe('wrong attribute types -> EventError 65', () => {
  it('tenantId as a string -> 65 naming tenantId, echoing the referenceId', async () => {
    const r = await refusedWith(
      ms,
      {
        message: 'RequestSubmit',
        referenceId: 90,
        tenantId: '1',
        mediaType: 'email',
        interactionType: 'Inbound',
        interactionSubtype: 'InboundNew',
        queue: 'Email Out',
      },
      65,
      'tenantId',
    );
    assert.equal(r.referenceId, 90);
    await stillServing();
  });

  it('numbers out of range, non-integers, booleans, arrays and objects where scalars belong -> 65 naming the attribute', async () => {
    const base = {
      message: 'RequestSubmit',
      mediaType: 'email',
      interactionType: 'Inbound',
      interactionSubtype: 'InboundNew',
      queue: 'Email Out',
    };
    await refusedWith(ms, { ...base, tenantId: 2 ** 40 }, 65, 'tenantId');
    await refusedWith(ms, { ...base, tenantId: 1.5 }, 65, 'tenantId');
    await refusedWith(ms, { ...base, tenantId: true }, 65, 'tenantId');
    await refusedWith(ms, { ...base, tenantId: 1, isOnline: 'yes' }, 65, 'isOnline');
    await refusedWith(ms, { ...base, tenantId: 1, mediaType: ['email'] }, 65, 'mediaType');
    await refusedWith(ms, { ...base, tenantId: 1, queue: { name: 'Email Out' } }, 65, 'queue');
    await refusedWith(ms, { ...base, tenantId: 1, userData: 'text' }, 65, 'userData');
    await refusedWith(ms, { ...base, tenantId: 1, userData: { Amount: 2.5 } }, 65, 'Amount');
    await refusedWith(ms, { ...base, tenantId: 1, userData: { Blob: { $binary: '***' } } }, 65, 'Blob');
    await refusedWith(ms, { ...base, tenantId: 1, receivedAt: 'yesterday' }, 31, 'yesterday');
    await stillServing();
  });

  it('referenceId of the wrong type -> 65 naming referenceId (and no referenceId to echo)', async () => {
    const e = await rawError(ms, JSON.stringify({ message: 'RequestGetInteractionProperties', referenceId: 'r-1' }));
    assert.equal(e.errorCode, 65);
    assert.match(String(e.errorDescription), /referenceId/);
    assert.equal(e.referenceId, undefined);
    await stillServing();
  });

  it("clientType 'Bogus' -> 65 naming clientType; the unregistered connection is closed after the grace period", async () => {
    const c = await connect(srv);
    const r = await refusedWith(
      c,
      { message: 'RequestRegisterClient', clientType: 'Bogus', clientName: 'EmailServer', referenceId: 91 },
      65,
      'clientType',
    );
    assert.equal(r.referenceId, 91);
    assert.equal(await closedWithin(c, 2000), true);
    await stillServing();
  });

  it('a targetType outside the enum -> 65 naming targetType', async () => {
    const id = await submit(ms, 'Inbound');
    assert.equal((await expectEvent(urs, 'EventRouteRequest')).connId, id);
    await quiet(all, 100);
    await refusedWith(urs, { message: 'RequestRouteCall', connId: id, targetType: 'moon' }, 65, 'targetType');
    await refusedWith(urs, { message: 'RequestRouteCall', connId: 12, targetType: 'stop' }, 65, 'connId');
    await stillServing();
    assert.equal(
      (await urs.request({ message: 'RequestRouteCall', connId: id, targetType: 'stop' })).message,
      'EventRouteUsed',
    );
    await quiet(all);
  });
});

describe('a barrage of bad input', () => {
  it('hundreds of bad frames from several connections: every one answered, the server keeps serving', async () => {
    const bad = [
      '{',
      '[]',
      '{"message":"Nope"}',
      '{"message":"RequestSubmit","tenantId":"x"}',
      '{"message":"EventError"}',
      '{"message":"RequestChangeProperties","interactionId":5}',
      '{"message":"RequestChangeProperties","interactionId":"' + ixn + '","changedProperties":{"Queue":"x"}}',
    ];
    const extra = [await client(srv, 'ReportingEngine', 'StatServer'), await client(srv, 'RoutingEngine', 'URS2')];
    const senders = [ms, ...extra];
    let sent = 0;
    for (let i = 0; i < 100; i++) {
      for (const c of senders) {
        c.sendRaw(bad[(i + sent) % bad.length] as string);
        sent++;
      }
    }
    for (const c of senders) {
      for (let i = 0; i < 100; i++) assert.equal((await c.nextEvent()).message, 'EventError');
    }
    for (const c of extra) c.close();
    await stillServing();
  });
});

describe('deeply nested values', () => {
  it('user data nested 5,000 levels deep -> EventError 65 naming the limit; the server survives', async () => {
    const own = await startServer();
    try {
      const c = await client(own, 'MediaServer', 'EmailServer');
      const depth = 5000;
      c.sendRaw(
        '{"message":"RequestSubmit","referenceId":3,"tenantId":1,"mediaType":"email","interactionType":"Inbound",' +
          '"interactionSubtype":"InboundNew","queue":"Email Out","userData":' +
          '{"a":'.repeat(depth) +
          '1' +
          '}'.repeat(depth) +
          '}',
      );
      const e = await c.nextEvent(3000);
      assert.equal(e.message, 'EventError');
      assert.equal(e.referenceId, 3);
      assert.equal(e.errorCode, 65);
      assert.match(String(e.errorDescription), /nested at most 64 levels/);
      assert.equal(own.proc.exitCode, null, 'the server process is alive');
      assert.equal(typeof (await submit(c, 'Email Out')), 'string', 'and keeps serving');
      c.close();
    } finally {
      if (own.proc.exitCode === null) await own.stop();
      cleanup(own.dataDir);
    }
  });
});
