/**
 * Registration (reference §2.1, §2.16): every client type registers; invalid clients and requests before registration
 * get EventError and are disconnected after the grace period (fixture: limits.unregisteredGraceMs 300);
 * RequestUnregisterClient; registration extensions remembered for the session.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  cleanup,
  client,
  closedWithin,
  connect,
  expectEvent,
  FIXTURE_CONFIG,
  loginAgent,
  quiet,
  refusedWith,
  startServer,
  submit,
  type JsonClient,
  type RunningServer,
} from './harness.ts';

/** The fixture plus one application of each client type it lacks. */
const CLIENT_TYPES: [string, string][] = [
  ['Proxy', 'Proxy'],
  ['AgentApplication', 'Desktop'],
  ['MediaServer', 'EmailServer'],
  ['ReportingEngine', 'StatServer'],
  ['RoutingEngine', 'URS'],
  ['ThirdPartyServer', 'ESP'],
  ['UniversalRouter', 'UniversalRouter'],
  ['ThirdPartyClient', 'ThirdParty'],
];

let srv: RunningServer;
let configDir: string;
const open: JsonClient[] = [];

async function conn(): Promise<JsonClient> {
  const c = await connect(srv);
  open.push(c);
  return c;
}

async function reg(type: string, name: string, extra: Record<string, unknown> = {}): Promise<JsonClient> {
  const c = await client(srv, type, name, extra);
  open.push(c);
  return c;
}

/** Closes a client and waits until the server has seen it go (a media server name is free again afterwards). */
async function bye(...cs: JsonClient[]): Promise<void> {
  for (const c of cs) {
    c.close();
    assert.equal(await closedWithin(c, 2000), true);
  }
  await new Promise((r) => setTimeout(r, 50));
}

before(async () => {
  configDir = mkdtempSync(join(tmpdir(), 'ixs-e2e-cfg-'));
  const cfg = JSON.parse(readFileSync(FIXTURE_CONFIG, 'utf8')) as { applications: { name: string; type: string }[] };
  cfg.applications.push(
    { name: 'ESP', type: 'ThirdPartyServer' },
    { name: 'UniversalRouter', type: 'UniversalRouter' },
    { name: 'ThirdParty', type: 'ThirdPartyClient' },
  );
  const file = join(configDir, 'config.json');
  writeFileSync(file, JSON.stringify(cfg));
  srv = await startServer({ config: file });
});

after(async () => {
  for (const c of open) c.close();
  assert.equal(await srv.stop(), 0);
  cleanup(srv.dataDir);
  cleanup(configDir);
});

describe('registration (reference §2.1)', () => {
  it('every client type registers: EventAck with a numeric proxyClientId, echoing the referenceId', async () => {
    const ids = new Set<number>();
    for (const [type, name] of CLIENT_TYPES) {
      const c = await conn();
      const r = await c.request({
        message: 'RequestRegisterClient',
        clientType: type,
        clientName: name,
        referenceId: 41,
      });
      assert.equal(r.message, 'EventAck', `${type}: ${JSON.stringify(r)}`);
      assert.equal(r.referenceId, 41);
      assert.equal(typeof r.proxyClientId, 'number', `${type} gets a proxyClientId`);
      ids.add(r.proxyClientId as number);
      // A registered client is served: a request it may not make is refused on its merits (not with error 1).
      const g = await c.request({ message: 'RequestGetInteractionProperties', interactionId: 'NOPE' });
      assert.equal(g.message, 'EventError');
      assert.equal(g.errorCode, 43, `${type}: ${JSON.stringify(g)}`);
      await bye(c);
    }
    assert.equal(ids.size, CLIENT_TYPES.length, 'every session has its own id');
  });

  it('a registered client stays connected past the grace period', async () => {
    const c = await reg('ReportingEngine', 'StatServer');
    assert.equal(await closedWithin(c, 700), false);
    const g = await c.request({ message: 'RequestGetInteractionProperties', interactionId: 'NOPE' });
    assert.equal(g.errorCode, 43);
  });

  it('unknown application name -> EventError 3 naming it, then disconnect after the grace period', async () => {
    const c = await conn();
    const r = await refusedWith(
      c,
      { message: 'RequestRegisterClient', clientType: 'MediaServer', clientName: 'NoSuchServer' },
      3,
      'NoSuchServer',
    );
    assert.equal(typeof r.referenceId, 'number');
    assert.equal(await closedWithin(c, 2000), true, 'the server closes the connection');
  });

  it('configured name with the wrong clientType -> EventError 2 naming both types', async () => {
    const c = await conn();
    await refusedWith(
      c,
      { message: 'RequestRegisterClient', clientType: 'RoutingEngine', clientName: 'EmailServer' },
      2,
      'EmailServer',
      'MediaServer',
      'RoutingEngine',
    );
    // A corrected registration within the grace period succeeds and keeps the connection.
    const ok = await c.request({
      message: 'RequestRegisterClient',
      clientType: 'MediaServer',
      clientName: 'EmailServer',
    });
    assert.equal(ok.message, 'EventAck');
    assert.equal(await closedWithin(c, 700), false, 'registered in time: not disconnected');
    await bye(c);
  });

  it('missing clientName / clientType -> EventError', async () => {
    const c = await conn();
    await refusedWith(c, { message: 'RequestRegisterClient', clientType: 'MediaServer' }, 3, 'ClientName');
    const d = await conn();
    await refusedWith(d, { message: 'RequestRegisterClient', clientName: 'EmailServer' }, 2, 'ClientType');
  });

  it('a second MediaServer with the same name while the first is connected -> EventError naming the name', async () => {
    const first = await reg('MediaServer', 'ChatServer');
    const c = await conn();
    const r = await refusedWith(
      c,
      { message: 'RequestRegisterClient', clientType: 'MediaServer', clientName: 'ChatServer' },
      3,
      'ChatServer',
    );
    assert.match(String(r.errorDescription), /already connected/);
    assert.equal(await closedWithin(c, 2000), true);
    // The first one is unaffected.
    const id = await submit(first, 'Email Out');
    assert.equal(typeof id, 'string');
    // Once the first is gone, the name is free again.
    await bye(first);
    const again = await reg('MediaServer', 'ChatServer');
    assert.equal(typeof (await submit(again, 'Email Out')), 'string');
    await bye(again);
  });

  it('other client types may connect several times under one name', async () => {
    const a = await reg('ReportingEngine', 'StatServer');
    const b = await reg('ReportingEngine', 'StatServer');
    const ms = await reg('MediaServer', 'EmailServer');
    const id = await submit(ms, 'Email Out');
    const [ga, gb] = await quiet([a, b]);
    for (const g of [ga, gb]) {
      assert.equal(g?.length, 1);
      assert.equal(g?.[0]?.message, 'EventInteractionSubmitted');
      assert.equal(g?.[0]?.interactionId, id);
    }
    await bye(a, b, ms);
  });

  it('any other request before registration -> EventError 1, then the server closes the connection', async () => {
    const c = await conn();
    const t0 = Date.now();
    const r = await refusedWith(
      c,
      { message: 'RequestSubmit', tenantId: 1, mediaType: 'email', queue: 'Email Out', referenceId: 7 },
      1,
      'RequestSubmit',
    );
    assert.equal(r.referenceId, 7);
    const again = await refusedWith(c, { message: 'RequestGetInteractionProperties', interactionId: 'x' }, 1);
    assert.equal(typeof again.referenceId, 'number');
    assert.equal(await closedWithin(c, 2000), true, 'closed after the grace period');
    const took = Date.now() - t0;
    assert.ok(took >= 250, `closed after the grace period, not at once (${String(took)} ms)`);
  });

  it('registering within the grace period after an early request cancels the disconnect', async () => {
    const c = await conn();
    await refusedWith(c, { message: 'RequestAgentLogout' }, 1);
    const ok = await c.request({
      message: 'RequestRegisterClient',
      clientType: 'AgentApplication',
      clientName: 'Desktop',
    });
    assert.equal(ok.message, 'EventAck');
    assert.equal(await closedWithin(c, 800), false);
    c.close();
  });

  it('RequestUnregisterClient -> EventAck; afterwards requests get EventError 1', async () => {
    const re = await reg('ReportingEngine', 'StatServer');
    const c = await reg('AgentApplication', 'Desktop');
    await loginAgent(c, 'agent2', 'Place_1002');
    await expectEvent(re, 'EventAgentLogin');
    const r = await c.request({ message: 'RequestUnregisterClient', referenceId: 55 });
    assert.equal(r.message, 'EventAck');
    assert.equal(r.referenceId, 55);
    // The session ended: its agent is logged out.
    const out = await expectEvent(re, 'EventAgentLogout');
    assert.equal(out.agentId, 'agent2');
    await refusedWith(c, { message: 'RequestAgentLogout' }, 1);
    assert.equal(await closedWithin(c, 2000), true, 'an unregistered connection is closed after the grace period');
    re.close();
  });

  it('RequestUnregisterClient frees a media server name', async () => {
    const c = await reg('MediaServer', 'EmailServer');
    assert.equal((await c.request({ message: 'RequestUnregisterClient' })).message, 'EventAck');
    const d = await reg('MediaServer', 'EmailServer');
    assert.equal(typeof (await submit(d, 'Email Out')), 'string');
    await bye(d);
  });

  it('a second RequestRegisterClient on a registered connection -> EventError; the first registration stands', async () => {
    const c = await reg('MediaServer', 'EmailServer');
    const r = await c.request({
      message: 'RequestRegisterClient',
      clientType: 'ReportingEngine',
      clientName: 'StatServer',
    });
    assert.equal(r.message, 'EventError');
    assert.equal(r.errorCode, 79, JSON.stringify(r));
    assert.match(String(r.errorDescription), /EmailServer/);
    assert.equal(await closedWithin(c, 700), false, 'a registered client is not disconnected');
    assert.equal(typeof (await submit(c, 'Email Out')), 'string', 'still a media server');
    await bye(c);
  });

  describe('extension event_processing_stopped', () => {
    it('an opted-in media server gets EventProcessingStopped when someone else stops its interaction; one without the extension gets nothing', async () => {
      const email = await reg('MediaServer', 'EmailServer', { extension: { event_processing_stopped: 1 } });
      const chat = await reg('MediaServer', 'ChatServer');
      const urs = await reg('RoutingEngine', 'URS');
      const all = [email, chat, urs];
      await quiet(all, 100);

      const a = await submit(email, 'Inbound');
      assert.equal((await expectEvent(urs, 'EventRouteRequest')).connId, a);
      const b = await submit(chat, 'Inbound');
      assert.equal((await expectEvent(urs, 'EventRouteRequest')).connId, b);

      const used = await urs.request({ message: 'RequestRouteCall', connId: a, targetType: 'stop' });
      assert.equal(used.message, 'EventRouteUsed');
      const [gEmail, gChat, gUrs] = await quiet(all);
      assert.equal(gEmail?.length, 1, JSON.stringify(gEmail));
      assert.equal(gEmail?.[0]?.message, 'EventProcessingStopped');
      assert.equal(gEmail?.[0]?.interactionId, a);
      assert.equal(gEmail?.[0]?.actorType, 'Strategy');
      assert.deepEqual(gChat, []);
      assert.deepEqual(gUrs, []);

      const used2 = await urs.request({ message: 'RequestRouteCall', connId: b, targetType: 'stop' });
      assert.equal(used2.message, 'EventRouteUsed');
      assert.deepEqual(await quiet(all), [[], [], []], 'ChatServer did not opt in');
      await bye(...all);
    });

    it('an extension value of 0 means not opted in', async () => {
      const email = await reg('MediaServer', 'EmailServer', { extension: { event_processing_stopped: 0 } });
      const urs = await reg('RoutingEngine', 'URS');
      const id = await submit(email, 'Inbound');
      await expectEvent(urs, 'EventRouteRequest');
      assert.equal(
        (await urs.request({ message: 'RequestRouteCall', connId: id, targetType: 'stop' })).message,
        'EventRouteUsed',
      );
      assert.deepEqual(await quiet([email, urs]), [[], []]);
      await bye(email, urs);
    });
  });
});
