/**
 * Proxy clients (issue #3): one binary connection carries many logical clients told apart by ProxyClientId;
 * RequestUnregisterClient for one of them; EventForcedDisconnect when the server forces one off.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { api, cleanup, client, quiet, startServer, TcpClient, type JsonClient, type RunningServer } from './harness.ts';

let srv: RunningServer;
let proxy: TcpClient;
let watcher: JsonClient; // a reporting engine on its own WebSocket, to see what the proxied clients cause
let proxyId: number;
let msId: number;
let reId: number;
let agentId: number;

before(async () => {
  srv = await startServer();
  watcher = await client(srv, 'ReportingEngine', 'StatServer');
  proxy = await TcpClient.connect('127.0.0.1', srv.tcpPort);
  proxyId = (await proxy.register('Proxy', 'Proxy')).proxyClientId as number;
});

after(async () => {
  watcher.close();
  proxy.close();
  assert.equal(await srv.stop(), 0);
  cleanup(srv.dataDir);
});

describe('proxy clients', () => {
  it('registers logical clients through the proxy, each with its own ProxyClientId', async () => {
    const ms = await proxy.request({
      message: 'RequestRegisterClient',
      clientType: 'MediaServer',
      clientName: 'EmailServer',
      extension: { event_properties_changed: 1 },
    });
    const re = await proxy.request({
      message: 'RequestRegisterClient',
      clientType: 'ReportingEngine',
      clientName: 'StatServer',
    });
    const ag = await proxy.request({
      message: 'RequestRegisterClient',
      clientType: 'AgentApplication',
      clientName: 'Desktop',
    });
    for (const r of [ms, re, ag]) assert.equal(r.message, 'EventAck');
    msId = ms.proxyClientId as number;
    reId = re.proxyClientId as number;
    agentId = ag.proxyClientId as number;
    assert.equal(new Set([proxyId, msId, reId, agentId]).size, 4, 'distinct ids');
  });

  it('routes requests by ProxyClientId and tags every reply and event with the logical client it is for', async () => {
    const ack = await proxy.request({
      message: 'RequestSubmit',
      proxyClientId: msId,
      tenantId: 1,
      mediaType: 'email',
      interactionType: 'Inbound',
      interactionSubtype: 'InboundNew',
      queue: 'Email Out',
      userData: { Subject: 'via proxy' },
    });
    assert.equal(ack.message, 'EventAck');
    assert.equal(ack.proxyClientId, msId);
    const ev = await proxy.nextEvent();
    assert.equal(ev.message, 'EventInteractionSubmitted');
    assert.equal(ev.proxyClientId, reId, 'reporting event for the proxied reporting engine');
    assert.equal(ev.actorMediaServerId, 'EmailServer');
    const w = await watcher.nextEvent();
    assert.equal(w.message, 'EventInteractionSubmitted');
    assert.equal(w.proxyClientId, undefined, 'direct clients get no ProxyClientId');
    assert.deepEqual(proxy.pendingEvents(), []);

    const login = await proxy.request({
      message: 'RequestAgentLogin',
      proxyClientId: agentId,
      tenantId: 1,
      placeId: 'Place_1001',
      agentId: 'agent1',
      mediaList: { email: 1 },
    });
    assert.equal(login.message, 'EventAck');
    assert.equal(login.proxyClientId, agentId);
    assert.equal((await proxy.nextEvent()).message, 'EventAgentLogin');
    assert.equal((await watcher.nextEvent()).message, 'EventAgentLogin');
  });

  it('an unknown ProxyClientId gets EventError 3 and the connection keeps working', async () => {
    const r = await proxy.request({
      message: 'RequestGetInteractionProperties',
      proxyClientId: 99999,
      interactionId: 'x',
    });
    assert.equal(r.message, 'EventError');
    assert.equal(r.errorCode, 3);
    assert.match(String(r.errorDescription), /99999/);
    const ok = await proxy.request({
      message: 'RequestGetInteractionProperties',
      proxyClientId: reId,
      interactionId: 'x',
    });
    assert.equal(ok.errorCode, 43);
  });

  it('a proxy cannot register another proxy through itself (error 5)', async () => {
    const r = await proxy.request({ message: 'RequestRegisterClient', clientType: 'Proxy', clientName: 'Proxy' });
    assert.equal(r.message, 'EventError');
    assert.equal(r.errorCode, 5);
  });

  it('RequestUnregisterClient ends one logical client only (the agent is logged out)', async () => {
    const r = await proxy.request({ message: 'RequestUnregisterClient', proxyClientId: agentId });
    assert.equal(r.message, 'EventAck');
    assert.equal(r.proxyClientId, agentId);
    const lo = await watcher.nextEvent();
    assert.equal(lo.message, 'EventAgentLogout');
    assert.equal(lo.agentId, 'agent1');
    assert.equal((await proxy.nextEvent()).message, 'EventAgentLogout', 'the proxied reporting engine hears it too');
    const gone = await proxy.request({ message: 'RequestAgentLogout', proxyClientId: agentId });
    assert.equal(gone.errorCode, 3);
    const still = await proxy.request({
      message: 'RequestGetInteractionProperties',
      proxyClientId: msId,
      interactionId: 'x',
    });
    assert.equal(still.errorCode, 43, 'other logical clients keep working');
  });

  it('a forced disconnect reaches the proxy as EventForcedDisconnect with the client id', async () => {
    const sessions = (await (await api(srv, '/api/sessions')).json()) as {
      id: number;
      clientName: string;
      proxy?: number;
    }[];
    const ms = sessions.find((s) => s.id === msId);
    assert.equal(ms?.clientName, 'EmailServer');
    assert.equal(ms?.proxy, proxyId);
    const res = await api(srv, `/api/sessions/${String(msId)}`, {
      method: 'DELETE',
    });
    assert.equal(res.status, 200);
    const fd = await proxy.nextEvent();
    assert.equal(fd.message, 'EventForcedDisconnect');
    assert.equal(fd.proxyClientId, msId);
    const r = await proxy.request({
      message: 'RequestGetInteractionProperties',
      proxyClientId: msId,
      interactionId: 'x',
    });
    assert.equal(r.errorCode, 3);
    assert.equal((await api(srv, '/api/sessions/424242', { method: 'DELETE' })).status, 404);
  });

  it('when the proxy connection closes, every logical client ends with it', async () => {
    const ag = await proxy.request({
      message: 'RequestRegisterClient',
      clientType: 'AgentApplication',
      clientName: 'Desktop',
    });
    const id = ag.proxyClientId as number;
    await proxy.request({
      message: 'RequestAgentLogin',
      proxyClientId: id,
      tenantId: 1,
      placeId: 'Place_1002',
      agentId: 'agent2',
      mediaList: { email: 1 },
    });
    assert.equal((await watcher.nextEvent()).message, 'EventAgentLogin');
    proxy.close();
    const lo = await watcher.nextEvent();
    assert.equal(lo.message, 'EventAgentLogout');
    assert.equal(lo.agentId, 'agent2');
    const [rest] = await quiet([watcher]);
    assert.deepEqual(rest, []);
  });
});
