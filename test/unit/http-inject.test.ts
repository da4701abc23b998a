/**
 * The HTTP door through `fastify.inject()` on an in-process server (a real IxsServer on an in-memory store): tokens,
 * problem+json, the write path through the token's session with If-Match, and the OpenAPI document. The same
 * behaviour over a real socket is in test/e2e/http-*.test.ts.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import pino from 'pino';
import { parseConfig } from '../../src/config/load.ts';
import { DEMO_CONFIG } from '../../src/config/demo.ts';
import { buildHttpApp } from '../../src/http/http-server.ts';
import { Metrics } from '../../src/obs/metrics.ts';
import { IxsServer } from '../../src/server/ixs-server.ts';
import { openSqliteStore } from '../../src/store/sqlite/sqlite-store.ts';
import type { Store } from '../../src/store/store.ts';

const WRITE = 'inject-write-0123456789';
const READ = 'inject-read-0123456789';

describe('HTTP door (inject)', () => {
  let app: FastifyInstance;
  let store: Store;
  before(async () => {
    const config = parseConfig(
      {
        ...DEMO_CONFIG,
        http: {
          tokens: [
            { name: 'w', token: WRITE, access: 'write', application: 'EmailServer' },
            { name: 'r', token: READ, access: 'read' },
          ],
        },
      },
      'test',
    );
    store = await openSqliteStore(':memory:');
    const server = new IxsServer({ config, store, logger: pino({ level: 'silent' }), metrics: new Metrics() });
    await server.load();
    server.lifecycle = 'ready';
    app = buildHttpApp({
      server,
      store,
      metrics: new Metrics(),
      tokens: [
        { name: 'w', token: WRITE, access: 'write', actor: 'EmailServer' },
        { name: 'r', token: READ, access: 'read', actor: 'r' },
      ],
    });
  });
  after(async () => {
    await app.close();
    await store.close();
  });

  const call = (method: 'GET' | 'POST' | 'PATCH', url: string, token?: string, body?: unknown, headers = {}) =>
    app.inject({
      method,
      url,
      headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers },
      ...(body === undefined ? {} : { payload: body as Record<string, unknown> }),
    });

  it('401 without a token, 403 for a read token writing, both problem+json', async () => {
    let r = await call('GET', '/api/sessions');
    assert.equal(r.statusCode, 401);
    assert.equal(r.headers['content-type'], 'application/problem+json; charset=utf-8');
    assert.equal(r.json<{ status: number }>().status, 401);
    r = await call('POST', '/api/interactions', READ, {});
    assert.equal(r.statusCode, 403);
    assert.match(r.json<{ detail: string }>().detail, /token 'r' may only read/);
    assert.equal((await call('GET', '/ready')).statusCode, 200);
  });

  it('submit, then a change with If-Match: the right version wins, a stale one is 412 with 89', async () => {
    const r = await call('POST', '/api/interactions', WRITE, {
      tenantId: 1,
      queue: 'Email Out',
      mediaType: 'email',
      interactionType: 'Inbound',
      interactionSubtype: 'InboundNew',
      userData: { Subject: 'inject' },
    });
    assert.equal(r.statusCode, 201, r.body);
    const { interactionId } = r.json<{ interactionId: string }>();
    assert.equal(r.headers.etag, '"1"');
    const ok = await call(
      'PATCH',
      `/api/interactions/${interactionId}/properties`,
      WRITE,
      { changedProperties: { Subject: 'v2' } },
      { 'if-match': '"1"' },
    );
    assert.equal(ok.statusCode, 200, ok.body);
    assert.equal(ok.headers.etag, '"2"');
    const stale = await call(
      'PATCH',
      `/api/interactions/${interactionId}/properties`,
      WRITE,
      { changedProperties: { Subject: 'v3' } },
      { 'if-match': '"1"' },
    );
    assert.equal(stale.statusCode, 412);
    assert.deepEqual(
      [stale.json<{ errorCode: number }>().errorCode, stale.json<{ errorName: string }>().errorName],
      [89, 'Error_invalid_interaction_state'],
    );
    const read = await call('GET', `/api/interactions/${interactionId}`, READ);
    assert.equal(read.headers.etag, '"2"');
    assert.deepEqual(read.json<{ interactionUserData: unknown }>().interactionUserData, { Subject: 'v2' });
    const hist = await call('GET', `/api/interactions/${interactionId}/history`, READ);
    assert.deepEqual(
      hist.json<{ items: { version: number }[] }>().items.map((i) => i.version),
      [1, 2],
    );
  });

  it('/openapi.json is OpenAPI 3.1 and every path and method it names is a route of the door', async () => {
    const doc = (await call('GET', '/openapi.json')).json<{
      openapi: string;
      paths: Record<string, Record<string, unknown>>;
    }>();
    assert.equal(doc.openapi, '3.1.0');
    let n = 0;
    for (const [p, methods] of Object.entries(doc.paths)) {
      const url = p.replace(/\{(\w+)\}/g, ':$1');
      for (const m of Object.keys(methods)) {
        n++;
        assert.ok(app.hasRoute({ method: m.toUpperCase(), url }), `${m.toUpperCase()} ${url} is a route`);
      }
    }
    assert.ok(n >= 14, `${String(n)} operations`);
    assert.equal(app.hasRoute({ method: 'DELETE', url: '/api/interactions/:id' }), false, 'the check can fail');
  });
});
