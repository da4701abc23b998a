/**
 * Queues and views seen from outside (lifecycle.md §1–§2): the gauges on /metrics read the core's indexes — waiting
 * interactions per queue and media, and per view those matching its condition — and follow submits, property
 * changes, offers and stops, and a restart (the indexes are rebuilt from the store).
 */
import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { barrier, client, loginAgent, startServer, submit, type RunningServer, stopClean } from './harness.ts';

const CONFIG = new URL('./fixtures/router.json', import.meta.url).pathname;

/** The samples of one metric on /metrics, as `labels -> value`. */
async function gauge(srv: RunningServer, name: string): Promise<Record<string, number>> {
  const text = await (await fetch(`http://127.0.0.1:${String(srv.httpPort)}/metrics`)).text();
  const out: Record<string, number> = {};
  for (const line of text.split('\n')) {
    const m = new RegExp(`^${name}\\{([^}]*)\\} (\\S+)$`).exec(line);
    if (m) out[m[1] as string] = Number(m[2]);
  }
  return out;
}

describe('queue and view gauges on /metrics', () => {
  let srv: RunningServer | undefined;
  afterEach(async () => {
    await stopClean(srv);
    srv = undefined;
  });

  it('count what waits, per queue and media and per view, through changes, offers, stops and a restart', async () => {
    srv = await startServer({ config: CONFIG });
    const ms = await client(srv, 'MediaServer', 'EmailServer');
    const desk = await client(srv, 'AgentApplication', 'Desktop');
    const gold1 = await submit(ms, 'Backlog', { userData: { Segment: 'gold', Priority: 1 } });
    await submit(ms, 'Backlog', { userData: { Segment: 'silver' } });
    const gold2 = await submit(ms, 'Backlog', { userData: { Segment: 'gold', Priority: 5 } });
    await submit(ms, 'Backlog', { mediaType: 'chat', userData: { Segment: 'gold' } });
    await submit(ms, 'Sales', { userData: { Segment: 'gold' } });
    assert.deepEqual(await gauge(srv, 'ixs_view_interactions'), {
      'view="Backlog.gold"': 3,
      'view="Backlog.all"': 4,
    });
    assert.deepEqual(await gauge(srv, 'ixs_queue_waiting'), {
      'queue="Backlog",media="email"': 3,
      'queue="Backlog",media="chat"': 1,
      'queue="Sales",media="email"': 1,
    });

    // A change that leaves the view's condition takes the interaction out of the view, not out of the queue.
    const changed = await ms.request({
      message: 'RequestChangeProperties',
      interactionId: gold1,
      changedProperties: { Segment: 'bronze' },
    });
    assert.equal(changed.message, 'EventAck');
    // An offer takes the Sales interaction out of waiting; a stop takes gold2 out of everything.
    await loginAgent(desk, 'a1', 'P1', { email: 1 });
    const stopped = await ms.request({ message: 'RequestStopProcessing', interactionId: gold2 });
    assert.equal(stopped.message, 'EventAck');
    await barrier([ms, desk]);
    const expectViews = { 'view="Backlog.gold"': 1, 'view="Backlog.all"': 3 };
    const expectWaiting = {
      'queue="Backlog",media="email"': 2,
      'queue="Backlog",media="chat"': 1,
      'queue="Sales",media="email"': 0,
    };
    assert.deepEqual(await gauge(srv, 'ixs_view_interactions'), expectViews);
    assert.deepEqual(await gauge(srv, 'ixs_queue_waiting'), expectWaiting);

    // After a restart the indexes are rebuilt from the store: the same numbers, but the interaction offered to a1 is
    // queued again (the stop closed a1's desktop, which withdrew its invitation before the store closed).
    const dataDir = srv.dataDir;
    assert.equal(await srv.stop(), 0);
    srv = await startServer({ config: CONFIG, dataDir });
    assert.deepEqual(await gauge(srv, 'ixs_view_interactions'), expectViews);
    assert.deepEqual(await gauge(srv, 'ixs_queue_waiting'), { ...expectWaiting, 'queue="Sales",media="email"': 1 });
  });
});
