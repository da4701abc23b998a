/**
 * The REST API over interactions against the real server, over a real socket (docs/http.md): submit, read with its
 * ETag, change properties with If-Match (412 when the version moved), place in a queue, stop — each answered after
 * its commit, reported to reporting engines with the token's application as the actor, and told to the parties the
 * protocol tells (a media server that submitted over the protocol hears nothing it did not opt into). Bad bodies and
 * refusals are problem+json with the registry's code; a read token cannot write; a token limited to other tenants
 * sees nothing. `/openapi.json` describes the same bodies the routes validate.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  loginAgent,
  expectEvent,
  api,
  barrier,
  cleanup,
  client,
  FIXTURE_CONFIG,
  startServer,
  submit,
  type Json,
  type JsonClient,
  type RunningServer,
} from './harness.ts';

const WRITE = 'write-token-0123456789';
const READ = 'read-token-0123456789';
const OTHER = 'other-tenant-0123456789';

function config(): string {
  const c = JSON.parse(readFileSync(FIXTURE_CONFIG, 'utf8')) as Json & { applications: Json[]; tenants: Json[] };
  c.applications.push({ name: 'WebApi', type: 'MediaServer' });
  c.tenants.push({ id: 2, name: 'Other' });
  c.http = {
    tokens: [
      { name: 'ops', token: WRITE, access: 'write', application: 'WebApi' },
      { name: 'wall', token: READ, access: 'read' },
      { name: 'elsewhere', token: OTHER, access: 'write', application: 'WebApi', tenants: [2] },
    ],
  };
  const path = join(mkdtempSync(join(tmpdir(), 'ixs-config-')), 'config.json');
  writeFileSync(path, JSON.stringify(c));
  return path;
}

let srv: RunningServer;
let stat: JsonClient;
let ms: JsonClient;

const as = (token: string, path: string, init: RequestInit & { json?: unknown } = {}): Promise<Response> => {
  const { json, ...rest } = init;
  const headers = new Headers(rest.headers);
  headers.set('authorization', `Bearer ${token}`);
  if (json !== undefined) headers.set('content-type', 'application/json');
  return api(srv, path, { ...rest, headers, ...(json !== undefined ? { body: JSON.stringify(json) } : {}) });
};

async function problem(res: Response, status: number, code: number | undefined, mentions: string): Promise<void> {
  assert.equal(res.headers.get('content-type')?.split(';')[0], 'application/problem+json');
  const body = (await res.json()) as Json;
  assert.equal(res.status, status, JSON.stringify(body));
  assert.equal(body.errorCode, code, JSON.stringify(body));
  assert.match(String(body.detail), new RegExp(mentions));
}

const SUBMIT = {
  tenantId: 1,
  queue: 'Email Out',
  mediaType: 'email',
  interactionType: 'Inbound',
  interactionSubtype: 'InboundNew',
  userData: { Subject: 'Hello from curl', Priority: 2 },
};

before(async () => {
  srv = await startServer({ config: config() });
  stat = await client(srv, 'ReportingEngine', 'StatServer');
  ms = await client(srv, 'MediaServer', 'EmailServer');
});

after(async () => {
  for (const c of [stat, ms]) c.close();
  assert.equal(await srv.stop(), 0);
  cleanup(srv.dataDir);
});

describe('REST: interactions', () => {
  it('submit, read, change with If-Match, place in a queue, stop: each reported with the application as actor', async () => {
    const res = await as(WRITE, '/api/interactions', { method: 'POST', json: SUBMIT });
    assert.equal(res.status, 201);
    const created = (await res.json()) as { interactionId: string; version: number };
    const id = created.interactionId;
    assert.equal(created.version, 1);
    assert.equal(res.headers.get('etag'), '"1"');
    assert.equal(res.headers.get('location'), `/api/interactions/${id}`);

    const read = await as(READ, `/api/interactions/${id}`);
    assert.equal(read.status, 200);
    assert.equal(read.headers.get('etag'), '"1"');
    const props = (await read.json()) as Json;
    assert.equal(props.interactionQueue, 'Email Out');
    assert.deepEqual(props.interactionUserData, { Subject: 'Hello from curl', Priority: 2 });

    const patched = await as(WRITE, `/api/interactions/${id}/properties`, {
      method: 'PATCH',
      headers: { 'if-match': '"1"' },
      json: { changedProperties: { Subject: 'Re: Hello' }, addedProperties: { Segment: 'gold' } },
    });
    assert.equal(patched.status, 200);
    assert.deepEqual(await patched.json(), { interactionId: id, version: 2 });
    assert.equal(patched.headers.get('etag'), '"2"');
    // The version moved underneath: 412, nothing changes.
    await problem(
      await as(WRITE, `/api/interactions/${id}/properties`, {
        method: 'PATCH',
        headers: { 'if-match': '"1"' },
        json: { changedProperties: { Subject: 'stale' } },
      }),
      412,
      89,
      'expected version 1, current version 2',
    );

    const placed = await as(WRITE, `/api/interactions/${id}/place-in-queue`, {
      method: 'POST',
      json: { queue: 'Sales' },
    });
    assert.equal(placed.status, 200, await placed.clone().text());
    await problem(
      await as(WRITE, `/api/interactions/${id}/place-in-queue`, { method: 'POST', json: { queue: 'Sales' } }),
      409,
      100,
      'already in queue',
    );
    const stopped = await as(WRITE, `/api/interactions/${id}/stop`, { method: 'POST', json: {} });
    assert.equal(stopped.status, 200);
    assert.deepEqual(await stopped.json(), { interactionId: id, stopped: true });
    await problem(await as(READ, `/api/interactions/${id}`), 404, 43, id);

    const [toStat, toMs] = await barrier([stat, ms]);
    const mine = (toStat as Json[]).filter((m) => m.interactionId === id);
    assert.deepEqual(
      mine.map((m) => m.message),
      ['EventInteractionSubmitted', 'EventPropertiesChanged', 'EventPlacedInQueue', 'EventProcessingStopped'],
    );
    for (const m of mine) {
      assert.equal(m.actorType, 'MediaServer');
      assert.equal(m.actorMediaServerId, 'WebApi');
    }
    assert.equal(mine[0]?.interactionSubmittedBy, 'WebApi');
    assert.deepEqual(toMs, [], 'the protocol media server hears nothing of it');
  });

  it('acts on interactions it did not submit, like a supervisor; the submitter is told only what it opted into', async () => {
    const id = await submit(ms, 'Email Out');
    const r = await as(WRITE, `/api/interactions/${id}/properties`, {
      method: 'PATCH',
      json: { addedProperties: { Note: 'from the console' } },
    });
    assert.equal(r.status, 200);
    const [toStat, toMs] = await barrier([stat, ms]);
    assert.deepEqual(
      (toStat as Json[]).map((m) => `${String(m.message)} ${String(m.actorMediaServerId)}`),
      ['EventInteractionSubmitted EmailServer', 'EventPropertiesChanged WebApi'],
    );
    assert.deepEqual(toMs, []);
  });

  it('bad bodies and refusals: 400 naming the field, the registry code of the protocol refusal; nothing changes', async () => {
    const noQueue = await as(WRITE, '/api/interactions', { method: 'POST', json: { ...SUBMIT, queue: undefined } });
    await problem(noQueue, 400, 79, '^queue: ');
    await problem(
      await as(WRITE, '/api/interactions', { method: 'POST', json: { ...SUBMIT, colour: 'red' } }),
      400,
      79,
      'colour',
    );
    await problem(
      await as(WRITE, '/api/interactions', { method: 'POST', json: { ...SUBMIT, queue: 'Nowhere' } }),
      400,
      21,
      "'Nowhere'",
    );
    await problem(
      await as(WRITE, '/api/interactions', { method: 'POST', json: { ...SUBMIT, userData: { Deep: [1, 2] } } }),
      400,
      65,
      "property 'Deep'",
    );
    await problem(await as(WRITE, '/api/interactions/NOPE/stop', { method: 'POST', json: {} }), 404, 43, 'NOPE');
    const id = await submit(ms, 'Email Out');
    await problem(
      await as(WRITE, `/api/interactions/${id}/properties`, {
        method: 'PATCH',
        headers: { 'if-match': 'three' },
        json: { addedProperties: { A: 1 } },
      }),
      400,
      undefined,
      'If-Match must be one version in quotes',
    );
    // A read token cannot write; a token of tenant 2 does not see tenant 1's interaction, nor submit into it.
    assert.equal((await as(READ, '/api/interactions', { method: 'POST', json: SUBMIT })).status, 403);
    await problem(await as(OTHER, `/api/interactions/${id}`), 404, 43, id);
    await problem(await as(OTHER, `/api/interactions/${id}/stop`, { method: 'POST', json: {} }), 404, 43, id);
    await problem(await as(OTHER, '/api/interactions', { method: 'POST', json: SUBMIT }), 403, 36, 'tenant 1');
    const still = (await (await as(READ, `/api/interactions/${id}`)).json()) as Json;
    assert.equal(still.version, 1);
    const [toStat] = await barrier([stat, ms]);
    assert.deepEqual(
      (toStat as Json[]).map((m) => m.message),
      ['EventInteractionSubmitted'],
      'refusals are reported nowhere',
    );
  });

  it('history: every change by three actors read back exactly, ?version=N for each N, also after a stop', async () => {
    const desk = await client(srv, 'AgentApplication', 'Desktop');
    await loginAgent(desk, 'agent1', 'Place_1001', { email: 1 });
    const id = await submit(ms, 'Sales', { userData: { Subject: 'Order 7', Step: 0 } });
    const inv = await expectEvent(desk, 'EventInvite');
    assert.equal(
      (await desk.request({ message: 'RequestAccept', interactionId: id, ticketId: inv.ticketId })).message,
      'EventAck',
    );
    const change = async (c: JsonClient, attrs: Json): Promise<void> => {
      const r = await c.request({ message: 'RequestChangeProperties', interactionId: id, ...attrs });
      assert.equal(r.message, 'EventAck', JSON.stringify(r));
    };
    await change(desk, { changedProperties: { Step: 1 }, addedProperties: { Agent: 'agent1' } });
    await change(ms, { deletedProperties: { Agent: '' } });
    const r = await as(WRITE, `/api/interactions/${id}/properties`, {
      method: 'PATCH',
      json: { changedProperties: { Subject: 'Order 7 (done)' } },
    });
    assert.equal(r.status, 200);
    assert.equal((await desk.request({ message: 'RequestStopProcessing', interactionId: id })).message, 'EventAck');
    desk.close();

    const res = await as(READ, `/api/interactions/${id}/history`);
    assert.equal(res.status, 200);
    const h = (await res.json()) as { interactionId: string; items: Json[] };
    const strip = (e: Json): Json => {
      const { time, ...rest } = e;
      assert.match(String(time), /^\d{4}-\d\d-\d\dT/);
      return rest;
    };
    assert.deepEqual(h.items.map(strip), [
      {
        version: 1,
        actor: { actorType: 'MediaServer', actorMediaServerId: 'EmailServer', actorTenantId: 1 },
        addedProperties: { Subject: 'Order 7', Step: 0 },
        changedProperties: {},
        deletedProperties: {},
      },
      {
        version: 2,
        actor: { actorType: 'Agent', actorAgentId: 'agent1', actorPlaceId: 'Place_1001', actorTenantId: 1 },
        addedProperties: { Agent: 'agent1' },
        changedProperties: { Step: 1 },
        deletedProperties: {},
      },
      {
        version: 3,
        actor: { actorType: 'MediaServer', actorMediaServerId: 'EmailServer', actorTenantId: 1 },
        addedProperties: {},
        changedProperties: {},
        deletedProperties: { Agent: '' },
      },
      {
        version: 4,
        actor: { actorType: 'MediaServer', actorMediaServerId: 'WebApi', actorTenantId: 1 },
        addedProperties: {},
        changedProperties: { Subject: 'Order 7 (done)' },
        deletedProperties: {},
      },
    ]);
    const at = async (v: number): Promise<Json> => {
      const x = await as(READ, `/api/interactions/${id}/history?version=${String(v)}`);
      assert.equal(x.status, 200);
      const body = (await x.json()) as Json;
      assert.equal(body.version, v);
      return body.userData as Json;
    };
    assert.deepEqual(await at(1), { Subject: 'Order 7', Step: 0 });
    assert.deepEqual(await at(2), { Subject: 'Order 7', Step: 1, Agent: 'agent1' });
    assert.deepEqual(await at(3), { Subject: 'Order 7', Step: 1 });
    assert.deepEqual(await at(4), { Subject: 'Order 7 (done)', Step: 1 });
    await problem(await as(READ, `/api/interactions/${id}/history?version=5`), 404, 43, 'no version 5');
    await problem(await as(READ, '/api/interactions/NOPE/history'), 404, 43, 'NOPE');
    await problem(await as(OTHER, `/api/interactions/${id}/history`), 404, 43, id);
    await barrier([stat, ms]);
  });

  it('views: queues with their waiting counts, logged-in agents with load per media, the configuration masked', async () => {
    const waitingIn = async (token: string, queue: string): Promise<Json | undefined> =>
      ((await (await as(token, '/api/queues')).json()) as { items: Json[] }).items.find((q) => q.name === queue);
    const before = (await waitingIn(READ, 'Email Out'))?.waiting as number;
    const first = await submit(ms, 'Email Out');
    await submit(ms, 'Email Out', { mediaType: 'chat' });
    const q = await waitingIn(READ, 'Email Out');
    assert.equal(q?.waiting, before + 2);
    // The oldest waiting: the first of the queue's interactions, or one still older when some waited before.
    const submittedAt = ((await (await as(READ, `/api/interactions/${first}`)).json()) as Json)
      .interactionSubmittedAt as string;
    const since = q?.oldestSince as string;
    assert.ok(before === 0 ? since === submittedAt : since <= submittedAt, `${since} vs ${submittedAt}`);
    const age = Math.floor((Date.now() - Date.parse(since)) / 1000);
    assert.ok(q?.oldestAgeSeconds === age || q?.oldestAgeSeconds === age - 1, `age ${String(q?.oldestAgeSeconds)}`);
    const other = await waitingIn(OTHER, 'Other');
    assert.deepEqual([other?.waiting, other?.oldestSince, other?.oldestAgeSeconds], [0, null, null], 'none waits');
    assert.equal(q?.routing, 'none');
    assert.equal(q?.tenantId, 1);
    assert.ok(((q?.waitingByMedia as Json).chat as number) >= 1, 'counted per media');
    assert.equal((await waitingIn(READ, 'Sales'))?.routing, 'builtin');
    assert.equal(await waitingIn(OTHER, 'Email Out'), undefined, "a tenant-2 token does not see tenant 1's queues");
    assert.equal((await waitingIn(OTHER, 'Other'))?.tenantId, 2);

    const desk = await client(srv, 'AgentApplication', 'Desktop');
    await loginAgent(desk, 'agent1', 'Place_1001', { email: 1, chat: 0 });
    const agents = ((await (await as(READ, '/api/agents')).json()) as { items: Json[] }).items;
    const a1 = agents.find((a) => a.agentId === 'agent1');
    assert.deepEqual(
      { ...a1, loggedInAt: undefined },
      {
        agentId: 'agent1',
        tenantId: 1,
        placeId: 'Place_1001',
        dnd: false,
        loggedInAt: undefined,
        sessions: 1,
        media: { email: { ready: true, load: 0, capacity: 5 }, chat: { ready: false, load: 0, capacity: 3 } },
      },
    );
    desk.close();

    const config = (await (await as(READ, '/api/config')).json()) as { http: { tokens: Json[] }; queues: Json[] };
    assert.ok(config.http.tokens.length === 3 && config.http.tokens.every((t) => t.token === '********'));
    assert.ok(!JSON.stringify(config).includes(WRITE), 'no token in the configuration shown');
    assert.ok(config.queues.some((x) => x.name === 'Sales'));
    await barrier([stat, ms]);
  });

  it('search: the condition language over the named queues, in order, paged with a cursor that survives changes', async () => {
    const ids: string[] = [];
    for (let n = 1; n <= 5; n++) ids.push(await submit(ms, 'Email Out', { userData: { Batch: 'S', N: n } }));
    const search = async (query: string): Promise<{ items: Json[]; nextCursor: string | null }> => {
      const r = await as(READ, `/api/interactions?${query}`);
      assert.equal(r.status, 200, await r.clone().text());
      return (await r.json()) as { items: Json[]; nextCursor: string | null };
    };
    const cond = `condition=${encodeURIComponent("Queue = 'Email Out' AND Batch = 'S'")}&order=${encodeURIComponent('N DESC')}`;
    const p1 = await search(`${cond}&limit=2`);
    assert.deepEqual(
      p1.items.map((i) => i.interactionId),
      [ids[4], ids[3]],
    );
    assert.equal((p1.items[0]?.interactionUserData as Json).N, 5);
    assert.ok(p1.nextCursor);
    // Meanwhile: one that sorts before the cursor arrives (not on later pages), one of the next page stops.
    await submit(ms, 'Email Out', { userData: { Batch: 'S', N: 9 } });
    assert.equal((await ms.request({ message: 'RequestStopProcessing', interactionId: ids[2] })).message, 'EventAck');
    const p2 = await search(`${cond}&limit=2&cursor=${p1.nextCursor ?? ''}`);
    assert.deepEqual(
      p2.items.map((i) => i.interactionId),
      [ids[1], ids[0]],
    );
    assert.equal(p2.nextCursor, null);
    const all = await search(cond);
    assert.deepEqual(
      all.items.map((i) => (i.interactionUserData as Json).N),
      [9, 5, 4, 2, 1],
    );
    const bad = async (query: string, code: number | undefined, mentions: string): Promise<void> => {
      await problem(await as(READ, `/api/interactions?${query}`), 400, code, mentions);
    };
    await bad('limit=5', 97, 'condition is required');
    await bad(`condition=${encodeURIComponent("Batch = 'S'")}`, 97, 'must name the queues');
    await bad(`condition=${encodeURIComponent("Queue = 'Email Out' AND")}`, 97, '');
    await bad(`${cond}&limit=0`, undefined, 'limit must be');
    await bad(`${cond}&cursor=bm90LWEtY3Vyc29y`, undefined, 'cursor is not one');
    await barrier([stat, ms]);
  });

  it('/openapi.json: OpenAPI 3.1 with the bodies the routes validate', async () => {
    const res = await fetch(`http://127.0.0.1:${String(srv.httpPort)}/openapi.json`);
    assert.equal(res.status, 200);
    const doc = (await res.json()) as {
      openapi: string;
      paths: Record<string, unknown>;
      components: { schemas: Record<string, { required?: string[]; additionalProperties?: boolean }> };
    };
    assert.equal(doc.openapi, '3.1.0');
    for (const p of [
      '/api/interactions',
      '/api/interactions/{id}',
      '/api/interactions/{id}/properties',
      '/api/interactions/{id}/stop',
      '/api/interactions/{id}/place-in-queue',
      '/api/interactions/{id}/place-in-workbin',
    ])
      assert.ok(p in doc.paths, p);
    assert.deepEqual(doc.components.schemas.SubmitBody?.required?.sort(), [
      'interactionSubtype',
      'interactionType',
      'mediaType',
      'queue',
      'tenantId',
    ]);
    assert.equal(doc.components.schemas.SubmitBody?.additionalProperties, false);
  });
});
