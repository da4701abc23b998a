/**
 * Durability (spec §5 "nothing acknowledged is ever lost", "reporting is complete and ordered"):
 * - restart: SIGTERM (exit 0) and start again on the same data dir; every interaction comes back with its user data,
 *   version, queue and state; those a routing engine held (or that were offered to an agent) come back queued and are
 *   offered again when an engine registers;
 * - crash: kill -9 in the middle of a stream of acknowledged RequestChangeProperties; after a restart every acked change
 *   is there, and the durable event log (read straight from SQLite once the process is gone) has an
 *   EventPropertiesChanged for each, numbered 1..n per interaction without gaps.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import {
  cleanup,
  client,
  clientOver,
  configWith,
  expectEvent,
  loginAgent,
  quiet,
  refusedWith,
  startServer,
  submit,
  type Json,
  type RunningServer,
} from './harness.ts';

interface EventRow {
  seq: number;
  interaction_id: string | null;
  ixn_seq: number | null;
  name: string;
  time: string;
  payload: string;
}

/** The durable event log, read-only, straight from the database (call only when no server process is running). */
function readEventLog(dataDir: string): EventRow[] {
  const db = new Database(join(dataDir, 'ixs.db'), { readonly: true, fileMustExist: true });
  try {
    return db.prepare('SELECT * FROM event_log ORDER BY seq').all() as EventRow[];
  } finally {
    db.close();
  }
}

/** Asserts that every interaction's events are numbered 1..n in log order, without gaps or repeats. */
function assertGapless(rows: EventRow[]): Map<string, EventRow[]> {
  const by = new Map<string, EventRow[]>();
  for (const r of rows) {
    if (r.interaction_id === null) {
      assert.equal(r.ixn_seq, null, `agent event ${String(r.seq)} has no ixn_seq`);
      continue;
    }
    const list = by.get(r.interaction_id) ?? [];
    list.push(r);
    by.set(r.interaction_id, list);
  }
  for (const [id, list] of by) {
    assert.deepEqual(
      list.map((r) => r.ixn_seq),
      list.map((_r, i) => i + 1),
      `ixn_seq of ${id} is 1..n in order`,
    );
  }
  return by;
}

const dirs: string[] = [];
after(() => {
  for (const d of dirs) cleanup(d);
});

describe('SIGTERM with clients still connected', () => {
  it('exits 0 after committing what their closing connections end (agent logouts on both doors)', async () => {
    for (let round = 0; round < 3; round++) {
      const srv = await startServer();
      dirs.push(srv.dataDir);
      const overTcp = await clientOver(srv, 'tcp', 'AgentApplication', 'Desktop');
      const overWs = await clientOver(srv, 'ws', 'AgentApplication', 'Desktop2');
      await loginAgent(overTcp, 'agent1', 'Place_1001');
      await loginAgent(overWs, 'agent2', 'Place_1002');
      assert.equal(await srv.stop(), 0, `round ${String(round)}: SIGTERM exits 0`);
      const names = readEventLog(srv.dataDir).map((r) => `${r.name}:${String(JSON.parse(r.payload).agentId)}`);
      assert.deepEqual(names.filter((n) => n.startsWith('EventAgentLogout')).sort(), [
        'EventAgentLogout:agent1',
        'EventAgentLogout:agent2',
      ]);
    }
  });
});

describe('restart on the same data dir (SIGTERM)', () => {
  it('every interaction comes back: user data, version, queue, state; routing-held ones are offered again', async () => {
    let srv: RunningServer = await startServer();
    dirs.push(srv.dataDir);
    const ms = await client(srv, 'MediaServer', 'EmailServer');
    const urs = await client(srv, 'RoutingEngine', 'URS');
    const desk = await client(srv, 'AgentApplication', 'Desktop');
    const re = await client(srv, 'ReportingEngine', 'StatServer');
    await loginAgent(desk, 'agent1', 'Place_1001', { email: 1 });

    // a: queued in 'Email Out', changed twice -> version 3.
    const a = await submit(ms, 'Email Out', { userData: { Subject: 'A', Priority: 1 } });
    assert.equal(
      (
        await ms.request({
          message: 'RequestChangeProperties',
          interactionId: a,
          changedProperties: { Subject: 'A2' },
          addedProperties: { Case: 'C-1' },
        })
      ).version,
      2,
    );
    assert.equal(
      (await ms.request({ message: 'RequestChangeProperties', interactionId: a, deletedProperties: { Priority: '' } }))
        .version,
      3,
    );
    // b: held by the routing engine, which attached data -> version 2.
    const b = await submit(ms, 'Inbound', { userData: { Subject: 'B' } });
    assert.equal((await expectEvent(urs, 'EventRouteRequest')).connId, b);
    assert.equal(
      (await urs.request({ message: 'RequestUpdateUserData', connId: b, userData: { Routed: 'yes' } })).version,
      2,
    );
    // c: routed to agent1 and accepted -> Handling.
    const c = await submit(ms, 'Inbound', { userData: { Subject: 'C' } });
    assert.equal((await expectEvent(urs, 'EventRouteRequest')).connId, c);
    const routed = urs.request({ message: 'RequestRouteCall', connId: c, targetType: 'agent', targetAgent: 'agent1' });
    const inv = await expectEvent(desk, 'EventInvite');
    assert.equal(
      (await desk.request({ message: 'RequestAccept', interactionId: c, ticketId: inv.ticketId })).message,
      'EventAck',
    );
    assert.equal((await routed).message, 'EventRouteUsed');
    // d: placed in agent1's workbin 'Drafts'.
    const d = await submit(ms, 'Inbound', { userData: { Subject: 'D' } });
    assert.equal((await expectEvent(urs, 'EventRouteRequest')).connId, d);
    assert.equal(
      (
        await urs.request({
          message: 'RequestRouteCall',
          connId: d,
          targetType: 'workbin',
          targetWorkbin: 'Drafts',
          targetAgent: 'agent1',
        })
      ).message,
      'EventRouteUsed',
    );
    // e: offered to agent1, not answered when the server stops.
    const e = await submit(ms, 'Inbound', { userData: { Subject: 'E' } });
    assert.equal((await expectEvent(urs, 'EventRouteRequest')).connId, e);
    const pending = urs.request(
      { message: 'RequestRouteCall', connId: e, targetType: 'agent', targetAgent: 'agent1' },
      1000,
    );
    pending.catch(() => undefined);
    assert.equal((await expectEvent(desk, 'EventInvite')).interactionId, e);
    // f: stopped -> gone.
    const f = await submit(ms, 'Email Out');
    assert.equal((await ms.request({ message: 'RequestStopProcessing', interactionId: f })).message, 'EventAck');
    // g: a given id and every kind of value.
    const gData = { S: 'x', I: -7, L: 9007199254740991, N: { deep: { er: 'y' } }, B: { $binary: 'AP8=' } };
    const g = await submit(ms, 'Email Out', { interactionId: 'KEEP-ME-1', userData: gData });
    assert.equal(g, 'KEEP-ME-1');

    const before = new Map<string, Json>();
    for (const id of [a, b, c, d, e, g]) {
      before.set(id, await re.request({ message: 'RequestGetInteractionProperties', interactionId: id }));
    }
    assert.equal(before.get(b)?.interactionState, 'Routing');
    assert.equal(before.get(c)?.interactionState, 'Handling');

    for (const cl of [ms, urs, desk, re]) cl.close();
    assert.equal(await srv.stop(), 0, 'SIGTERM stops cleanly');

    srv = await startServer({ dataDir: srv.dataDir });
    const ms2 = await client(srv, 'MediaServer', 'EmailServer');
    const re2 = await client(srv, 'ReportingEngine', 'StatServer');
    const get = (id: string): Promise<Json> =>
      ms2.request({ message: 'RequestGetInteractionProperties', interactionId: id });
    const same = (p: Json, q: Json | undefined, fields: string[]): void => {
      for (const k of fields) assert.deepEqual(p[k], q?.[k], `${String(p.interactionId)}: ${k}`);
    };
    const FIELDS = [
      'interactionUserData',
      'version',
      'interactionQueue',
      'interactionMediatype',
      'interactionType',
      'interactionSubtype',
      'interactionTenantId',
      'interactionSubmittedBy',
      'interactionSubmittedAt',
      'interactionReceivedAt',
    ];

    const pa = await get(a);
    same(pa, before.get(a), [...FIELDS, 'interactionState']);
    assert.deepEqual(pa.interactionUserData, { Subject: 'A2', Case: 'C-1' });
    assert.equal(pa.version, 3);
    assert.equal(pa.interactionState, 'Queued');

    const pb = await get(b);
    same(pb, before.get(b), FIELDS);
    assert.deepEqual(pb.interactionUserData, { Subject: 'B', Routed: 'yes' });
    assert.equal(pb.interactionState, 'Queued', 'no routing engine after a restart: back in its queue');
    assert.equal(pb.interactionQueue, 'Inbound');

    const pc = await get(c);
    same(pc, before.get(c), [...FIELDS, 'interactionState', 'interactionDeliveredAt']);

    const pd = await get(d);
    same(pd, before.get(d), [...FIELDS, 'interactionState', 'interactionWorkbinTypeId', 'interactionAgentId']);
    assert.equal(pd.interactionWorkbinTypeId, 'Drafts');

    const pe = await get(e);
    same(pe, before.get(e), FIELDS);
    assert.equal(pe.interactionState, 'Queued', 'the offer died with the connections: back in its queue');

    await refusedWith(ms2, { message: 'RequestGetInteractionProperties', interactionId: f }, 43, f);

    const pg = await get(g);
    same(pg, before.get(g), [...FIELDS, 'interactionState']);
    assert.deepEqual(pg.interactionUserData, gData);

    // A routing engine registers: the queued 'Inbound' interactions are offered to it.
    const urs2 = await client(srv, 'RoutingEngine', 'URS');
    const offered = new Set([
      (await expectEvent(urs2, 'EventRouteRequest')).connId,
      (await expectEvent(urs2, 'EventRouteRequest')).connId,
    ]);
    assert.deepEqual(offered, new Set([b, e]));
    assert.deepEqual((await quiet([urs2]))[0], []);
    assert.equal((await get(b)).interactionState, 'Routing');
    assert.equal(
      (await urs2.request({ message: 'RequestRouteCall', connId: e, targetType: 'queue', targetQueue: 'Email Out' }))
        .message,
      'EventRouteUsed',
    );

    // agent1 still handles c: after logging in again it may change it.
    const desk2 = await client(srv, 'AgentApplication', 'Desktop');
    await loginAgent(desk2, 'agent1', 'Place_1001', { email: 0 });
    const ch = await desk2.request({
      message: 'RequestChangeProperties',
      interactionId: c,
      addedProperties: { Note: 'n' },
    });
    assert.equal(ch.message, 'EventAck');
    assert.equal(ch.version, (before.get(c)?.version as number) + 1);

    // A new interaction does not collide with any restored one, and a given id stays taken.
    const h = await submit(ms2, 'Email Out');
    assert.ok(![a, b, c, d, e, f, g].includes(h));
    await refusedWith(
      ms2,
      {
        message: 'RequestSubmit',
        tenantId: 1,
        mediaType: 'email',
        interactionType: 'Inbound',
        interactionSubtype: 'InboundNew',
        queue: 'Email Out',
        interactionId: g,
      },
      81,
      g,
    );

    for (const cl of [ms2, re2, urs2, desk2]) cl.close();
    assert.equal(await srv.stop(), 0);

    // The event log is complete and numbered without gaps across the restart.
    const rows = readEventLog(srv.dataDir);
    const by = assertGapless(rows);
    const namesOf = (id: string): string[] => (by.get(id) ?? []).map((r) => r.name);
    assert.deepEqual(namesOf(a), ['EventInteractionSubmitted', 'EventPropertiesChanged', 'EventPropertiesChanged']);
    assert.deepEqual(namesOf(f), ['EventInteractionSubmitted', 'EventProcessingStopped']);
    assert.deepEqual(
      namesOf(b).slice(-2),
      ['EventPartyAdded', 'EventPartyRemoved'],
      'offered again after the restart, back in the queue when that engine left',
    );
    assert.ok(rows.some((r) => r.name === 'EventAgentLogin'));
  });
});

describe('crash (kill -9) while interactions are held', () => {
  it('an interaction held by a routing engine comes back queued; invitations end at their original deadline', async () => {
    // Invitations pending at the crash are revoked at their deadline, then offered again: 2 s keeps the test short.
    const config = configWith({ deliveringTimeout: 2 });
    let srv: RunningServer = await startServer({ config });
    dirs.push(srv.dataDir);
    const ms = await client(srv, 'MediaServer', 'EmailServer');
    const urs = await client(srv, 'RoutingEngine', 'URS');
    const desk = await client(srv, 'AgentApplication', 'Desktop');
    await loginAgent(desk, 'agent1', 'Place_1001', { email: 1 });
    const held = await submit(ms, 'Inbound', { userData: { Subject: 'held' } });
    assert.equal((await expectEvent(urs, 'EventRouteRequest')).connId, held);
    const offered = await submit(ms, 'Inbound', { userData: { Subject: 'offered' } });
    assert.equal((await expectEvent(urs, 'EventRouteRequest')).connId, offered);
    const pending = urs.request(
      { message: 'RequestRouteCall', connId: offered, targetType: 'agent', targetAgent: 'agent1' },
      1000,
    );
    pending.catch(() => undefined);
    assert.equal((await expectEvent(desk, 'EventInvite')).interactionId, offered);
    const sales = await submit(ms, 'Sales', { userData: { Subject: 'built-in offer' } });
    assert.equal((await expectEvent(desk, 'EventInvite')).interactionId, sales);
    await srv.kill();
    for (const c of [ms, urs, desk]) c.close();

    srv = await startServer({ dataDir: srv.dataDir, config });
    const ms2 = await client(srv, 'MediaServer', 'EmailServer');
    for (const [id, queue] of [
      [held, 'Inbound'],
      [offered, 'Inbound'],
      [sales, 'Sales'],
    ] as const) {
      const p = await ms2.request({ message: 'RequestGetInteractionProperties', interactionId: id });
      assert.equal(p.interactionState, 'Queued', `${id} is back in its queue`);
      assert.equal(p.interactionQueue, queue);
    }
    const urs2 = await client(srv, 'RoutingEngine', 'URS');
    // The held one at once; the one the engine had sent to agent1 once that invitation's deadline has passed.
    assert.equal((await expectEvent(urs2, 'EventRouteRequest')).connId, held);
    assert.equal((await expectEvent(urs2, 'EventRouteRequest')).connId, offered);
    // The new agent session is not mistaken for the one that was invited before the crash: it is invited anew once
    // the old invitation has ended.
    const desk2 = await client(srv, 'AgentApplication', 'Desktop');
    await loginAgent(desk2, 'agent1', 'Place_1001', { email: 1 });
    const inv = await expectEvent(desk2, 'EventInvite');
    assert.equal(inv.interactionId, sales);
    assert.equal(
      (await desk2.request({ message: 'RequestAccept', interactionId: sales, ticketId: inv.ticketId })).message,
      'EventAck',
    );
    for (const c of [ms2, urs2, desk2]) c.close();
    assert.equal(await srv.stop(), 0);
    assertGapless(readEventLog(srv.dataDir));
  });
});

describe('crash (kill -9) in the middle of a stream of changes', () => {
  it('every acknowledged change survives, and the event log has each one numbered without gaps', async () => {
    const STREAMS = 4;
    const PER_STREAM = 500; // 2,000 requests in all
    const KILL_AFTER = 300;
    let srv: RunningServer = await startServer();
    dirs.push(srv.dataDir);
    const ms = await client(srv, 'MediaServer', 'EmailServer');
    const ids: string[] = [];
    for (let i = 0; i < STREAMS; i++) ids.push(await submit(ms, 'Email Out', { userData: { Stream: i } }));

    /** Every acked change: interaction, key, value, version. */
    const acked: { id: string; key: string; value: number; version: number }[] = [];
    let killed = false;
    let kill: Promise<void> | undefined;
    const run = async (s: number): Promise<void> => {
      const id = ids[s] as string;
      for (let i = 0; i < PER_STREAM && !killed; i++) {
        const key = `k${String(i)}`;
        let r: Json;
        try {
          r = await ms.request(
            { message: 'RequestChangeProperties', interactionId: id, changedProperties: { [key]: i } },
            1500,
          );
        } catch {
          return; // the server is gone
        }
        if (r.message !== 'EventAck') throw new Error(`change refused: ${JSON.stringify(r)}`);
        acked.push({ id, key, value: i, version: r.version as number });
        if (acked.length >= KILL_AFTER && !kill) {
          killed = true;
          kill = srv.kill();
        }
      }
    };
    await Promise.all(Array.from({ length: STREAMS }, (_x, s) => run(s)));
    assert.ok(kill, `the server was killed mid-stream (acks: ${String(acked.length)})`);
    await kill;
    assert.ok(acked.length >= KILL_AFTER && acked.length < STREAMS * PER_STREAM);
    ms.close();

    // The durable log, straight from the database of the killed process.
    const ackedBy = new Map<string, typeof acked>();
    for (const x of acked) ackedBy.set(x.id, [...(ackedBy.get(x.id) ?? []), x]);
    const checkLog = (): void => {
      const by = assertGapless(readEventLog(srv.dataDir));
      for (const id of ids) {
        const mine = ackedBy.get(id) ?? [];
        const rows = (by.get(id) ?? []).filter((r) => r.name === 'EventPropertiesChanged');
        assert.ok(rows.length >= mine.length, `${id}: ${String(rows.length)} events for ${String(mine.length)} acks`);
        const versions = new Set(rows.map((r) => (JSON.parse(r.payload) as Json).version));
        for (const x of mine)
          assert.ok(versions.has(x.version), `${id}: the event of acked version ${String(x.version)}`);
      }
    };
    checkLog();

    // Restart on the same data dir: every acked change is there.
    srv = await startServer({ dataDir: srv.dataDir });
    const ms2 = await client(srv, 'MediaServer', 'EmailServer');
    for (const id of ids) {
      const p = await ms2.request({ message: 'RequestGetInteractionProperties', interactionId: id });
      assert.equal(p.message, 'EventInteractionProperties');
      const ud = p.interactionUserData as Json;
      const mine = ackedBy.get(id) ?? [];
      for (const x of mine) assert.equal(ud[x.key], x.value, `${id}: acked ${x.key}=${String(x.value)}`);
      const last = Math.max(1, ...mine.map((x) => x.version));
      assert.ok((p.version as number) >= last, `${id}: version ${String(p.version)} >= last acked ${String(last)}`);
      // Versions were acked in order, one apart.
      assert.deepEqual(
        mine.map((x) => x.version),
        mine.map((_x, i) => i + 2),
      );
    }
    // The server keeps going where it stopped.
    const id0 = ids[0] as string;
    const cur = (await ms2.request({ message: 'RequestGetInteractionProperties', interactionId: id0 }))
      .version as number;
    const r = await ms2.request({
      message: 'RequestChangeProperties',
      interactionId: id0,
      changedProperties: { after: 1 },
    });
    assert.equal(r.version, cur + 1);
    ms2.close();
    assert.equal(await srv.stop(), 0);
    checkLog();
  });

  it('pipelined requests: a kill -9 loses none of the acknowledged ones', async () => {
    let srv: RunningServer = await startServer();
    dirs.push(srv.dataDir);
    const ms = await client(srv, 'MediaServer', 'EmailServer');
    const id = await submit(ms, 'Email Out', { userData: {} });
    const acked: { key: string; version: number }[] = [];
    let kill: Promise<void> | undefined;
    const refused: string[] = [];
    // A sliding window: every answer sends the next request, so the server always has a window of requests in flight
    // when the kill (at the 100th ack) lands, however fast it answers; at most 2,500 in all (user data stays small).
    const WINDOW = 500;
    const TOTAL = 2500;
    let sent = 0;
    let settled = 0;
    let done!: () => void;
    const finished = new Promise<void>((r) => (done = r));
    const send = (): void => {
      const i = sent++;
      const key = `p${String(i)}`;
      // A generous timeout: on a loaded CI machine a request waits for the whole window before it; the kill closes
      // the socket, which fails every request still waiting at once.
      ms.request({ message: 'RequestChangeProperties', interactionId: id, addedProperties: { [key]: i } }, 60_000)
        .then(
          (m) => {
            if (m.message !== 'EventAck') {
              refused.push(JSON.stringify(m));
              return;
            }
            acked.push({ key, version: m.version as number });
            if (acked.length >= 100 && !kill) kill = srv.kill();
            if (!kill && sent < TOTAL) send();
          },
          () => undefined,
        )
        .finally(() => {
          if (++settled === sent) done();
        });
    };
    for (let i = 0; i < WINDOW; i++) send();
    await finished;
    assert.deepEqual(refused, []);
    assert.ok(kill, `killed mid-stream (acks: ${String(acked.length)})`);
    await kill;
    ms.close();
    assert.ok(acked.length < sent, 'some requests were never acknowledged');

    const rows = readEventLog(srv.dataDir).filter((row) => row.interaction_id === id);
    assertGapless(rows);
    assert.ok(rows.filter((row) => row.name === 'EventPropertiesChanged').length >= acked.length);

    srv = await startServer({ dataDir: srv.dataDir });
    const ms2 = await client(srv, 'MediaServer', 'EmailServer');
    const p = await ms2.request({ message: 'RequestGetInteractionProperties', interactionId: id });
    const ud = p.interactionUserData as Json;
    for (const x of acked) assert.equal(ud[x.key], Number(x.key.slice(1)), `acked ${x.key} survives`);
    assert.ok((p.version as number) >= Math.max(...acked.map((x) => x.version)));
    ms2.close();
    assert.equal(await srv.stop(), 0);
  });
});
