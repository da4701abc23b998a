/**
 * Limits (docs/operations.md) against the real server: a listener holding limits.maxConnections closes one more
 * connection as it arrives (each door on its own), logged and counted, while the connections it holds are served; a
 * proxy registering more than limits.maxClientsPerProxy logical clients gets error 86 naming the limit; a client
 * pipelining more than limits.maxOutstandingRequests is no longer read until half are answered, and loses nothing.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import WebSocket from 'ws';
import {
  api,
  FIXTURE_CONFIG,
  JsonClient,
  logLine,
  startServer,
  stopClean,
  TcpClient,
  type Json,
  type RunningServer,
} from './harness.ts';

let srv: RunningServer;

before(async () => {
  const c = JSON.parse(readFileSync(FIXTURE_CONFIG, 'utf8')) as Json;
  c.limits = { ...(c.limits as Json | undefined), maxConnections: 3, maxClientsPerProxy: 2, maxOutstandingRequests: 4 };
  const path = join(mkdtempSync(join(tmpdir(), 'ixs-config-')), 'config.json');
  writeFileSync(path, JSON.stringify(c));
  srv = await startServer({ config: path });
});

after(async () => {
  await stopClean(srv);
});

/** Opens a TCP connection; resolves once connected. */
function tcp(): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect(srv.tcpPort, '127.0.0.1', () => {
      resolve(s);
    });
    s.once('error', reject);
  });
}

/** Whether a freshly connected socket is closed by the server within `ms` (without a byte sent to it). */
function closedSoon(s: Socket, ms = 2000): Promise<boolean> {
  return new Promise((resolve) => {
    if (s.destroyed) {
      resolve(true);
      return;
    }
    const t = setTimeout(() => {
      resolve(false);
    }, ms);
    s.once('close', () => {
      clearTimeout(t);
      resolve(true);
    });
    s.on('error', () => undefined);
  });
}

/** A WebSocket that never opens: the server closed the connection under it. */
function wsRefused(): Promise<boolean> {
  return new Promise((resolve) => {
    const ws = new WebSocket(srv.wsUrl);
    ws.once('open', () => {
      ws.close();
      resolve(false);
    });
    ws.once('error', () => {
      resolve(true);
    });
  });
}

async function refusals(limit: string): Promise<string[]> {
  const text = await (await api(srv, '/metrics')).text();
  return text.split('\n').filter((l) => l.startsWith(`ixs_limit_refusals_total{limit="${limit}"}`));
}

describe('limits', () => {
  it('each listener holds at most limits.maxConnections; one more is closed, the others are served', async () => {
    const held = await Promise.all([tcp(), tcp(), tcp()]);
    const extra = await tcp();
    assert.equal(await closedSoon(extra), true, 'the fourth binary connection is closed');
    assert.equal(await closedSoon(held[0], 300), false, 'the three held stay open');
    for (const s of held) s.destroy();

    const json = await Promise.all([0, 1, 2].map(() => JsonClient.connect(srv.wsUrl)));
    assert.equal(await wsRefused(), true, 'the fourth JSON connection is closed');
    // Those it holds are served as usual.
    const r = await (json[0] as JsonClient).register('MediaServer', 'EmailServer');
    assert.equal(r.message, 'EventAck');
    assert.match((await logLine(srv, 'limits.maxConnections')) ?? '', /connection refused/);
    assert.deepEqual(await refusals('connections'), ['ixs_limit_refusals_total{limit="connections"} 2']);
    for (const c of json) c.close();
    // Room again once one has gone.
    for (let waited = 0; waited < 3000; waited += 100) {
      if (!(await wsRefused())) break;
      await new Promise((res) => setTimeout(res, 100));
    }
    const again = await JsonClient.connect(srv.wsUrl);
    again.close();
  });

  it('a proxy carries at most limits.maxClientsPerProxy logical clients: one more gets error 86', async () => {
    const proxy = await TcpClient.connect('127.0.0.1', srv.tcpPort);
    await proxy.register('Proxy', 'Proxy');
    for (const [clientType, clientName] of [
      ['MediaServer', 'ChatServer'],
      ['ReportingEngine', 'StatServer'],
    ]) {
      const r = await proxy.request({ message: 'RequestRegisterClient', clientType, clientName });
      assert.equal(r.message, 'EventAck', JSON.stringify(r));
    }
    const third = await proxy.request({
      message: 'RequestRegisterClient',
      clientType: 'AgentApplication',
      clientName: 'Desktop',
    });
    assert.equal(third.message, 'EventError');
    assert.equal(third.errorCode, 86);
    assert.match(String(third.errorDescription), /already carries 2 clients \(limits\.maxClientsPerProxy\)/);
    assert.deepEqual(await refusals('proxy_clients'), ['ixs_limit_refusals_total{limit="proxy_clients"} 1']);
    proxy.close();
  });

  it('a client pipelining past limits.maxOutstandingRequests is read again as answers go out: every request answered', async () => {
    const ms = await JsonClient.connect(srv.wsUrl);
    await ms.register('MediaServer', 'EmailServer');
    const sub = await ms.request({
      message: 'RequestSubmit',
      tenantId: 1,
      mediaType: 'email',
      interactionType: 'Inbound',
      interactionSubtype: 'InboundNew',
      queue: 'Email Out',
      userData: { Subject: 'Pipelined' },
    });
    assert.equal(sub.message, 'EventAck');
    const replies = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        ms.request({
          message: 'RequestChangeProperties',
          interactionId: sub.interactionId,
          changedProperties: { Step: i + 1 },
        }),
      ),
    );
    assert.deepEqual(
      replies.map((r) => [r.message, r.version]),
      Array.from({ length: 50 }, (_, i) => ['EventAck', i + 2]),
    );
    const paused = await refusals('outstanding_requests');
    assert.equal(paused.length, 1);
    assert.ok(Number(paused[0]?.split(' ')[1]) >= 1, `reading was paused (${String(paused[0])})`);
    ms.close();
  });
});
