/**
 * Place/agent state reporting registrations (lifecycle §7), over both doors: a reporting engine on the JSON WebSocket
 * door and one on the binary Genesys door each send RequestStartPlaceAgentStateReporting(All) and get EventAck, then
 * one EventPlaceAgentState per occupied place they asked for (an empty place: nothing), and nobody else gets anything;
 * the Stop requests are acknowledged and change nothing of what reporting engines get; other client types, unknown
 * places and tenants are refused with the Genesys codes. Exact per-party messages, "nothing else" by a barrier.
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
  type AnyClient,
  type Json,
  type JsonClient,
  type RunningServer,
} from './harness.ts';

let srv: RunningServer;
let reWs: AnyClient;
let reTcp: AnyClient;
let ms: AnyClient;
let desk1: AnyClient;
let desk9: AnyClient;
let other: JsonClient;
let ixId: string;
let all: AnyClient[];

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;

before(async () => {
  srv = await startServer();
  reWs = await clientOver(srv, 'ws', 'ReportingEngine', 'StatServer');
  reTcp = await clientOver(srv, 'tcp', 'ReportingEngine', 'StatServer');
  ms = await clientOver(srv, 'ws', 'MediaServer', 'EmailServer');
  desk1 = await clientOver(srv, 'tcp', 'AgentApplication', 'Desktop');
  await loginAgent(desk1, 'agent1', 'Place_1001', { email: 1, chat: 0 });
  desk9 = await clientOver(srv, 'ws', 'AgentApplication', 'Desktop');
  await loginAgent(desk9, 'agent9', 'Place_2001', { email: 0 }, 2);
  other = await client(srv, 'AgentApplication', 'Desktop2');
  // agent1 handles an interaction it submitted itself.
  const r = await desk1.request({
    message: 'RequestSubmit',
    tenantId: 1,
    mediaType: 'email',
    interactionType: 'Inbound',
    interactionSubtype: 'InboundNew',
    queue: 'Email Out',
    userData: { Subject: 'Hello' },
  });
  assert.equal(r.message, 'EventAck', JSON.stringify(r));
  ixId = r.interactionId as string;
  all = [reWs, reTcp, ms, desk1, desk9, other];
  await barrier(all);
});

after(async () => {
  for (const c of all) c.close();
  assert.equal(await srv.stop(), 0);
  cleanup(srv.dataDir);
});

/** agent1's EventPlaceAgentState as a reporting engine gets it (its times checked, then taken from it). */
function agent1State(ev: Json): Json {
  for (const k of ['eventTime', 'loggedInAt', 'dndChangedAt']) assert.match(String(ev[k]), ISO, k);
  const at = ev.loggedInAt;
  assert.equal(ev.dndChangedAt, at, 'DND unchanged since the login');
  const props = (ev.interactions as Record<string, Json> | undefined)?.[ixId] ?? {};
  assert.equal(props.InteractionId, ixId);
  assert.equal(props.Subject, 'Hello');
  assert.equal(props.Queue, 'Email Out');
  return {
    message: 'EventPlaceAgentState',
    doNotDisturb: 0,
    dndChangedAt: at,
    mediaList: { email: 1, chat: 0 },
    mediaListEx: {
      email: { MediaAddedAt: at, MediaStateChangedAt: at },
      chat: { MediaAddedAt: at, MediaStateChangedAt: at },
    },
    interactions: { [ixId]: props },
    actorType: 'Agent',
    actorTenantId: 1,
    actorAgentId: 'agent1',
    actorPlaceId: 'Place_1001',
    loggedInAt: at,
    eventTime: ev.eventTime,
  };
}

/** agent9's, likewise; its do-not-disturb may have been switched on and off since its login (the Stop tests). */
function agent9State(ev: Json): Json {
  for (const k of ['eventTime', 'loggedInAt', 'dndChangedAt']) assert.match(String(ev[k]), ISO, k);
  const at = ev.loggedInAt;
  assert.ok(String(ev.dndChangedAt) >= String(at) && String(ev.dndChangedAt) <= String(ev.eventTime));
  return {
    message: 'EventPlaceAgentState',
    doNotDisturb: 0,
    dndChangedAt: ev.dndChangedAt,
    mediaList: { email: 0 },
    mediaListEx: { email: { MediaAddedAt: at, MediaStateChangedAt: at } },
    interactions: {},
    actorType: 'Agent',
    actorTenantId: 2,
    actorAgentId: 'agent9',
    actorPlaceId: 'Place_2001',
    loggedInAt: at,
    eventTime: ev.eventTime,
  };
}

/** Sends a request that must be acknowledged; returns, per client of `all`, what it got besides the ack. */
async function acked(c: AnyClient, req: Json): Promise<Json[][]> {
  const r = await c.request(req);
  assert.equal(r.message, 'EventAck', JSON.stringify(r));
  assert.deepEqual(Object.keys(r).sort(), ['message', 'referenceId']);
  return barrier(all);
}

for (const door of ['ws', 'tcp'] as const) {
  describe(`place/agent state reporting (a reporting engine on the ${door} door)`, () => {
    const re = (): AnyClient => (door === 'ws' ? reWs : reTcp);
    /** What every client but the requester got: must be nothing. */
    const othersOf = (got: Json[][]): Json[][] => got.filter((_, i) => all[i] !== re());

    it('Start for a place: EventAck, then the agent’s state there; an empty place: EventAck only', async () => {
      const got = await acked(re(), {
        message: 'RequestStartPlaceAgentStateReporting',
        placeId: 'Place_1001',
        tenantId: 1,
      });
      const mine = got[all.indexOf(re())] ?? [];
      assert.equal(mine.length, 1, JSON.stringify(mine));
      assert.deepEqual(mine[0], agent1State(mine[0] ?? {}));
      assert.deepEqual(othersOf(got), [[], [], [], [], []]);

      const empty = await acked(re(), { message: 'RequestStartPlaceAgentStateReporting', placeId: 'Place_1002' });
      assert.deepEqual(empty, [[], [], [], [], [], []]);
    });

    it('Start All: one EventPlaceAgentState per occupied place the TenantList selects', async () => {
      const everything = await acked(re(), { message: 'RequestStartPlaceAgentStateReportingAll', tenantList: {} });
      const mine = everything[all.indexOf(re())] ?? [];
      assert.deepEqual(mine, [agent1State(mine[0] ?? {}), agent9State(mine[1] ?? {})], 'configuration order');
      assert.deepEqual(othersOf(everything), [[], [], [], [], []]);

      const two = await acked(re(), { message: 'RequestStartPlaceAgentStateReportingAll', tenantList: { '2': '' } });
      const mine2 = two[all.indexOf(re())] ?? [];
      assert.deepEqual(mine2, [agent9State(mine2[0] ?? {})]);
      assert.deepEqual(othersOf(two), [[], [], [], [], []]);

      const named = await acked(re(), {
        message: 'RequestStartPlaceAgentStateReportingAll',
        tenantList: { ESP: '', '1': { Places: { Place_1002: '' }, Queues: '' } },
      });
      assert.deepEqual(named, [[], [], [], [], [], []], 'an empty named place: nothing');
    });

    it('Stop and Stop All: EventAck only; the agent reporting events reach every reporting engine as before', async () => {
      assert.deepEqual(
        await acked(re(), { message: 'RequestStopPlaceAgentStateReporting', placeId: 'Place_1001', tenantId: 1 }),
        [[], [], [], [], [], []],
      );
      assert.deepEqual(
        await acked(re(), { message: 'RequestStopPlaceAgentStateReportingAll', tenantList: { '1': '' } }),
        [[], [], [], [], [], []],
      );
      assert.equal((await desk9.request({ message: 'RequestDoNotDisturbOn' })).message, 'EventAck');
      assert.equal((await desk9.request({ message: 'RequestDoNotDisturbOff' })).message, 'EventAck');
      const got = await barrier(all);
      for (const c of [reWs, reTcp]) {
        assert.deepEqual(
          got[all.indexOf(c)]?.map((m) => m.message),
          ['EventDoNotDisturbOn', 'EventDoNotDisturbOff'],
        );
      }
      assert.deepEqual(got.slice(2), [[], [], [], []]);
    });

    it('refused: other client types (4), unknown place (9) or tenant (7), a bad TenantList (79); nobody gets anything', async () => {
      await refusedWith(
        desk1,
        { message: 'RequestStartPlaceAgentStateReporting', placeId: 'Place_1001' },
        4,
        'not allowed for a AgentApplication',
      );
      await refusedWith(
        ms,
        { message: 'RequestStartPlaceAgentStateReportingAll', tenantList: {} },
        4,
        'not allowed for a MediaServer',
      );
      await refusedWith(re(), { message: 'RequestStartPlaceAgentStateReporting', placeId: 'Nowhere' }, 9, "'Nowhere'");
      await refusedWith(
        re(),
        { message: 'RequestStartPlaceAgentStateReporting', placeId: 'Place_2001', tenantId: 1 },
        9,
        "'Place_2001' is not a configured place of tenant 1",
      );
      await refusedWith(re(), { message: 'RequestStartPlaceAgentStateReporting' }, 8, 'PlaceId');
      await refusedWith(
        re(),
        { message: 'RequestStartPlaceAgentStateReporting', placeId: 'Place_1001', tenantId: 42 },
        7,
        '42',
      );
      await refusedWith(
        re(),
        { message: 'RequestStartPlaceAgentStateReportingAll', tenantList: { '1': '', '42': '' } },
        7,
        "'42'",
      );
      await refusedWith(
        re(),
        { message: 'RequestStartPlaceAgentStateReportingAll', tenantList: { '1': { Places: { Place_2001: '' } } } },
        9,
        "'Place_2001'",
        'tenant 1',
      );
      await refusedWith(
        re(),
        { message: 'RequestStopPlaceAgentStateReportingAll', tenantList: { '1': { Agents: '' } } },
        79,
        "'Agents'",
      );
      assert.deepEqual(await barrier(all), [[], [], [], [], [], []]);
    });
  });
}
