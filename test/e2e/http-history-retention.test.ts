/**
 * History retention (settings.historyRetention, docs/http.md) against the real server: a stopped interaction's
 * history stays readable for the retention after its stop, then the store removes it (its events leave the log and
 * its history answers 404), while a live interaction's history stays. The log's newest row is never removed, so an
 * event seq never repeats: a stop that is the newest event waits for the next event before it expires.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { api, configWith, stopClean, startServer, type Json, type RunningServer } from './harness.ts';

/** Seconds. The purge looks every quarter of it (500 ms). */
const RETENTION = 2;

let srv: RunningServer;

before(async () => {
  srv = await startServer({ config: configWith({ historyRetention: RETENTION }) });
});

after(async () => {
  await stopClean(srv);
});

const json = async (path: string, init: RequestInit = {}): Promise<{ status: number; body: Json }> => {
  const res = await api(srv, path, {
    ...init,
    headers: { 'content-type': 'application/json', ...(init.headers as Record<string, string> | undefined) },
  });
  return { status: res.status, body: (await res.json()) as Json };
};

async function submit(subject: string): Promise<string> {
  const r = await json('/api/interactions', {
    method: 'POST',
    body: JSON.stringify({
      tenantId: 1,
      queue: 'Email Out',
      mediaType: 'email',
      interactionType: 'Inbound',
      interactionSubtype: 'InboundNew',
      userData: { Subject: subject },
    }),
  });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  return r.body.interactionId as string;
}

async function stop(id: string): Promise<number> {
  const r = await json(`/api/interactions/${id}/stop`, { method: 'POST', body: '{}' });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return Date.now();
}

/** The versions listed by an interaction's history, or its HTTP status when it has none. */
async function history(id: string): Promise<number[] | number> {
  const r = await json(`/api/interactions/${id}/history`);
  if (r.status !== 200) return r.status;
  return (r.body.items as Json[]).map((e) => e.version as number);
}

/** Every event in the log: [seq, interaction id, name]. */
async function log(): Promise<[number, string | null, string][]> {
  const r = await api(srv, '/api/events?limit=10000');
  return ((await r.json()) as Json[]).map((e) => [e.seq as number, e.interactionId as string | null, e.name as string]);
}

/** Polls until the history of `id` is gone (404); returns when that was seen. */
async function goneBy(id: string, withinMs: number): Promise<number> {
  const end = Date.now() + withinMs;
  for (;;) {
    const h = await history(id);
    if (h === 404) return Date.now();
    assert.ok(Date.now() < end, `the history of ${id} is still there (${JSON.stringify(h)})`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('history retention', () => {
  it('a stopped interaction’s history lasts the retention, then its events leave the log; live ones stay', async () => {
    const a = await submit('A');
    const changed = await json(`/api/interactions/${a}/properties`, {
      method: 'PATCH',
      body: JSON.stringify({ changedProperties: { Subject: 'A2' } }),
    });
    assert.equal(changed.status, 200, JSON.stringify(changed.body));
    const stoppedAt = await stop(a);
    assert.deepEqual(await history(a), [1, 2], 'readable right after the stop');
    const b = await submit('B');
    const aEvents = (await log()).filter((e) => e[1] === a).map((e) => e[2]);
    assert.deepEqual(aEvents, ['EventInteractionSubmitted', 'EventPropertiesChanged', 'EventProcessingStopped']);

    const gone = await goneBy(a, 15_000);
    assert.ok(gone - stoppedAt >= RETENTION * 1000 - 100, `kept ${String(gone - stoppedAt)} ms, not the retention`);
    const after = await log();
    assert.deepEqual(
      after.filter((e) => e[1] === a),
      [],
      'its events left the log',
    );
    assert.deepEqual(await history(b), [1], 'a live interaction keeps its history');
    const r = await json(`/api/interactions/${a}/history`);
    assert.match(String(r.body.detail), /historyRetention/, 'the 404 says why');
  });

  it('the newest event of the log stays until another follows (seq never repeats)', async () => {
    const c = await submit('C');
    await stop(c);
    const stopSeq = Math.max(...(await log()).map((e) => e[0]));
    assert.equal((await log()).find((e) => e[0] === stopSeq)?.[2], 'EventProcessingStopped');
    // Well past the retention and several purges: still there, its stop being the log's newest row.
    await new Promise((r) => setTimeout(r, (RETENTION + 2) * 1000));
    assert.deepEqual(await history(c), [1], 'kept while its stop is the newest row');
    const d = await submit('D');
    await goneBy(c, 15_000);
    const dSeq = (await log()).find((e) => e[1] === d)?.[0];
    assert.ok(dSeq !== undefined && dSeq > stopSeq, `the next event's seq ${String(dSeq)} follows ${String(stopSeq)}`);
  });
});
