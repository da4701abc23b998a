/**
 * The client library (@ixs/client, packages/client): the REST client calls only operations the OpenAPI document
 * describes, and a JSON-protocol session registers, answers requests (EventError as RequestError), delivers events to
 * listeners, and after its connection is dropped reconnects with back-off, registers again and runs onRegistered
 * again — against a real in-process server on real sockets.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import pino from 'pino';
import { REST_OPERATIONS, RequestError, Session } from '@ixs/client';
import { parseConfig } from '../../src/config/load.ts';
import { DEMO_CONFIG } from '../../src/config/demo.ts';
import { openApiDocument } from '../../src/http/openapi.ts';
import { Metrics } from '../../src/obs/metrics.ts';
import { IxsServer } from '../../src/server/ixs-server.ts';
import { openSqliteStore } from '../../src/store/sqlite/sqlite-store.ts';
import type { Store } from '../../src/store/store.ts';
import { startWsListener } from '../../src/transport/ws/ws-listener.ts';

describe('REST client', () => {
  it('every operation it calls is in the OpenAPI document', () => {
    const paths = openApiDocument().paths as Record<string, Record<string, unknown>>;
    for (const op of REST_OPERATIONS) {
      const [method = '', path = ''] = op.split(' ');
      assert.ok(paths[path]?.[method.toLowerCase()], `${op} is documented`);
    }
    assert.equal(paths['/api/interactions/{id}']?.delete, undefined, 'the check can fail');
  });
});

describe('JSON-protocol session', () => {
  let store: Store;
  let server: IxsServer;
  let ws: Awaited<ReturnType<typeof startWsListener>>;
  before(async () => {
    store = await openSqliteStore(':memory:');
    const logger = pino({ level: 'silent' });
    server = new IxsServer({ config: parseConfig(DEMO_CONFIG, 'test'), store, logger, metrics: new Metrics() });
    await server.load();
    ws = await startWsListener({ host: '127.0.0.1', port: 0, maxFrameBytes: 1 << 20, handler: server, logger });
  });
  after(async () => {
    // As `ixs serve` drains: the sessions' ends are committed before the store closes.
    server.closeAll();
    await ws.close();
    await server.allClosed(2000);
    await server.drain();
    await store.close();
  });

  it('registers, answers, refuses with RequestError, delivers events, and comes back after a drop', async () => {
    const url = `ws://127.0.0.1:${String(ws.port)}/`;
    let logins = 0;
    const desk = await Session.open({
      url,
      clientType: 'AgentApplication',
      clientName: 'Desktop',
      backoffMs: 20,
      onRegistered: async (s) => {
        await s.request({
          message: 'RequestAgentLogin',
          tenantId: 1,
          agentId: 'agent1',
          placeId: 'Place_1001',
          mediaList: { email: 1 },
        });
        logins++;
      },
    });
    const media = await Session.open({ url, clientType: 'MediaServer', clientName: 'EmailServer' });
    assert.equal(logins, 1);
    const invites: string[] = [];
    desk.on('EventInvite', (e) => invites.push(String(e.interactionId)));
    const submit = async (): Promise<string> =>
      String(
        (
          await media.request({
            message: 'RequestSubmit',
            tenantId: 1,
            mediaType: 'email',
            interactionType: 'Inbound',
            interactionSubtype: 'InboundNew',
            queue: 'Sales',
          })
        ).interactionId,
      );
    const first = await submit();
    await new Promise((r) => setTimeout(r, 200));
    assert.deepEqual(invites, [first]);
    await assert.rejects(
      media.request({ message: 'RequestStopProcessing', interactionId: 'NOPE' }),
      (e: unknown) => e instanceof RequestError && e.errorCode === 43,
    );

    // The server drops the desktop: it reconnects, registers and logs its agent in again.
    const before = server.listSessions().find((s) => s.clientName === 'Desktop')?.id as number;
    assert.ok(server.forceDisconnect(before, 'test'));
    for (let i = 0; i < 100 && desk.registrations < 2; i++) await new Promise((r) => setTimeout(r, 20));
    assert.equal(desk.registrations, 2);
    for (let i = 0; i < 100 && logins < 2; i++) await new Promise((r) => setTimeout(r, 20));
    assert.equal(logins, 2);
    const after = server.listSessions().find((s) => s.clientName === 'Desktop')?.id;
    assert.ok(after !== undefined && after !== before, 'a new session');
    desk.close();
    media.close();
  });
});
