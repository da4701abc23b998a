/**
 * Agent login/logout (reference §2.2) and disconnection (§2.3): every RequestAgentLogin validation with its Genesys
 * code, EventAgentLogin / EventAgentLogout to reporting, and EventAgentLogout on connection loss only for a
 * logged-in agent.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  cleanup,
  client,
  closedWithin,
  expectEvent,
  loginAgent,
  quiet,
  refusedWith,
  startServer,
  type Json,
  type JsonClient,
  type RunningServer,
} from './harness.ts';

let srv: RunningServer;
let ms: JsonClient;
let urs: JsonClient;
let re: JsonClient;
let re2: JsonClient;
let desk1: JsonClient; // Desktop
let desk2: JsonClient; // Desktop2
let all: JsonClient[];

const LOGIN: Json = {
  message: 'RequestAgentLogin',
  tenantId: 1,
  placeId: 'Place_1001',
  agentId: 'agent1',
  mediaList: { email: 1, chat: 0 },
};

function without(o: Json, key: string): Json {
  const { [key]: _drop, ...rest } = o;
  return rest;
}

before(async () => {
  srv = await startServer();
  ms = await client(srv, 'MediaServer', 'EmailServer');
  urs = await client(srv, 'RoutingEngine', 'URS');
  re = await client(srv, 'ReportingEngine', 'StatServer');
  re2 = await client(srv, 'ReportingEngine', 'StatServer');
  desk1 = await client(srv, 'AgentApplication', 'Desktop');
  desk2 = await client(srv, 'AgentApplication', 'Desktop2');
  all = [ms, urs, re, re2, desk1, desk2];
});

after(async () => {
  for (const c of all) c.close();
  assert.equal(await srv.stop(), 0);
  cleanup(srv.dataDir);
});

/** Asserts that nobody got anything. */
async function nobody(): Promise<void> {
  assert.deepEqual(
    await quiet(all),
    all.map(() => []),
  );
}

describe('RequestAgentLogin validation (nothing changes, nobody hears of it)', () => {
  const cases: [string, Json, number, string][] = [
    ['no tenantId -> 6', without(LOGIN, 'tenantId'), 6, 'TenantId'],
    ['unknown tenant -> 7', { ...LOGIN, tenantId: 42 }, 7, '42'],
    ['no placeId -> 8', without(LOGIN, 'placeId'), 8, 'PlaceId'],
    ['unknown place -> 9', { ...LOGIN, placeId: 'Place_9999' }, 9, 'Place_9999'],
    ['a place of another tenant -> 9', { ...LOGIN, placeId: 'Place_2001' }, 9, 'Place_2001'],
    ['no agentId -> 38', without(LOGIN, 'agentId'), 38, 'AgentId'],
    ['unknown agent -> 10', { ...LOGIN, agentId: 'agent77' }, 10, 'agent77'],
    ['an agent of another tenant -> 10', { ...LOGIN, agentId: 'agent9' }, 10, 'agent9'],
    ['a media list value that is not an integer -> 17', { ...LOGIN, mediaList: { email: 'ready' } }, 17, 'email'],
    ['an unknown media type in the media list -> 18', { ...LOGIN, mediaList: { fax: 1 } }, 18, 'fax'],
  ];
  for (const [title, req, code, mentions] of cases) {
    it(title, async () => {
      const r = await refusedWith(desk1, req, code, mentions);
      assert.equal(typeof r.referenceId, 'number');
      await nobody();
    });
  }

  it('clients other than agent applications -> 4', async () => {
    await refusedWith(ms, LOGIN, 4, 'MediaServer');
    await refusedWith(re, LOGIN, 4, 'ReportingEngine');
    await nobody();
  });

  it('a refused login leaves the agent logged out (logout -> 34)', async () => {
    await refusedWith(desk1, { message: 'RequestAgentLogout' }, 34);
    await nobody();
  });
});

describe('login and logout (reference §2.2)', () => {
  it('success -> EventAck; every reporting engine gets EventAgentLogin; nobody else anything', async () => {
    const r = await desk1.request({ ...LOGIN, referenceId: 501 });
    assert.equal(r.message, 'EventAck', JSON.stringify(r));
    assert.equal(r.referenceId, 501);
    const [gMs, gUrs, gRe, gRe2, g1, g2] = await quiet(all);
    assert.deepEqual(gMs, []);
    assert.deepEqual(gUrs, []);
    assert.deepEqual(g1, [], 'the agent gets only its ack');
    assert.deepEqual(g2, []);
    for (const g of [gRe, gRe2]) {
      assert.equal(g?.length, 1, JSON.stringify(g));
      const ev = g?.[0] as Json;
      assert.equal(ev.message, 'EventAgentLogin');
      assert.equal(ev.tenantId, 1);
      assert.equal(ev.placeId, 'Place_1001');
      assert.equal(ev.agentId, 'agent1');
      assert.deepEqual(ev.mediaList, { email: 1, chat: 0 });
      assert.equal(ev.referenceId, undefined);
      assert.equal(typeof ev.eventTime, 'string');
    }
  });

  it('already logged in on this connection -> 14', async () => {
    await refusedWith(desk1, LOGIN, 14, 'agent1');
    await refusedWith(desk1, { ...LOGIN, agentId: 'agent2', placeId: 'Place_1002' }, 14, 'agent1');
    await nobody();
  });

  it('a place occupied by another agent -> 12 naming the place and the occupant', async () => {
    await refusedWith(desk2, { ...LOGIN, agentId: 'agent2' }, 12, 'Place_1001', 'agent1');
    await nobody();
  });

  it('a second agent logs in at a free place', async () => {
    const r = await desk2.request({ ...LOGIN, agentId: 'agent2', placeId: 'Place_1002', mediaList: { chat: 1 } });
    assert.equal(r.message, 'EventAck');
    const ev = await expectEvent(re, 'EventAgentLogin');
    assert.equal(ev.agentId, 'agent2');
    assert.deepEqual(ev.mediaList, { chat: 1 });
    await quiet(all);
  });

  it('RequestAgentLogout -> EventAck; reporting gets EventAgentLogout', async () => {
    const r = await desk2.request({ message: 'RequestAgentLogout', referenceId: 77 });
    assert.equal(r.message, 'EventAck');
    assert.equal(r.referenceId, 77);
    const [gMs, gUrs, gRe, gRe2, g1, g2] = await quiet(all);
    assert.deepEqual([gMs, gUrs, g1, g2], [[], [], [], []]);
    for (const g of [gRe, gRe2]) {
      assert.equal(g?.length, 1, JSON.stringify(g));
      const ev = g?.[0] as Json;
      assert.equal(ev.message, 'EventAgentLogout');
      assert.equal(ev.tenantId, 1);
      assert.equal(ev.agentId, 'agent2');
      assert.equal(ev.placeId, 'Place_1002');
    }
  });

  it('logout when not logged in -> 34; from a non-agent client -> 4', async () => {
    await refusedWith(desk2, { message: 'RequestAgentLogout' }, 34);
    await refusedWith(ms, { message: 'RequestAgentLogout' }, 4);
    await nobody();
  });

  it('after logout the place is free and the agent may log in again', async () => {
    const r = await desk2.request({ ...LOGIN, agentId: 'agent2', placeId: 'Place_1002' });
    assert.equal(r.message, 'EventAck');
    await expectEvent(re, 'EventAgentLogin');
    assert.equal((await desk2.request({ message: 'RequestAgentLogout' })).message, 'EventAck');
    await expectEvent(re, 'EventAgentLogout');
    await quiet(all);
  });
});

describe('disconnection (reference §2.3)', () => {
  it('connection loss of a logged-in agent -> reporting EventAgentLogout; the place is free again', async () => {
    const d = await client(srv, 'AgentApplication', 'Desktop2');
    await loginAgent(d, 'agent2', 'Place_1002');
    await expectEvent(re, 'EventAgentLogin');
    await expectEvent(re2, 'EventAgentLogin');
    d.close();
    for (const r of [re, re2]) {
      const ev = await expectEvent(r, 'EventAgentLogout');
      assert.equal(ev.agentId, 'agent2');
      assert.equal(ev.placeId, 'Place_1002');
      assert.equal(ev.tenantId, 1);
    }
    await nobody();
    const e = await client(srv, 'AgentApplication', 'Desktop2');
    await loginAgent(e, 'agent2', 'Place_1002');
    await expectEvent(re, 'EventAgentLogin');
    e.close();
    await expectEvent(re, 'EventAgentLogout');
    await quiet(all);
  });

  it('connection loss of an agent application that is not logged in -> nothing', async () => {
    const d = await client(srv, 'AgentApplication', 'Desktop2');
    d.close();
    assert.equal(await closedWithin(d, 2000), true);
    await nobody();
  });

  it('connection loss after a logout -> nothing more', async () => {
    const d = await client(srv, 'AgentApplication', 'Desktop2');
    await loginAgent(d, 'agent2', 'Place_1002');
    await expectEvent(re, 'EventAgentLogin');
    assert.equal((await d.request({ message: 'RequestAgentLogout' })).message, 'EventAck');
    await expectEvent(re, 'EventAgentLogout');
    await quiet(all);
    d.close();
    assert.equal(await closedWithin(d, 2000), true);
    await nobody();
  });
});
