/**
 * Bounded memory per connection (limits.maxOutboundBytes; docs/operations.md) against the real server: a reporting
 * engine that stops reading is served from the durable event log once it is over the budget — when it reads again it
 * gets every event once, in order, then live ones — while the media server making the changes is answered as usual;
 * any other client that stops reading is disconnected, with a log line and a metric, and the others go on.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  api,
  barrier,
  client,
  expectEvent,
  FIXTURE_CONFIG,
  loginAgent,
  logLine,
  startServer,
  stopClean,
  submit,
  type Json,
  type JsonClient,
  type RunningServer,
} from './harness.ts';

/** 64 KiB: the kernel's socket buffers take a few MB more before the server holds anything itself. */
const BUDGET = 65_536;
/** Changes made while a party does not read, each reported with ~16 KB of user data: ~30 MB in all. */
const CHANGES = 2000;
const BIG = 'x'.repeat(8000);

let srv: RunningServer;

before(async () => {
  const c = JSON.parse(readFileSync(FIXTURE_CONFIG, 'utf8')) as Json;
  c.limits = { ...(c.limits as Json | undefined), maxOutboundBytes: BUDGET };
  const path = join(mkdtempSync(join(tmpdir(), 'ixs-config-')), 'config.json');
  writeFileSync(path, JSON.stringify(c));
  srv = await startServer({ config: path });
});

after(async () => {
  await stopClean(srv);
});

/** The TCP socket under a JSON client's WebSocket: pausing it stops reading, as a stuck client does. */
const socketOf = (c: JsonClient): Socket => (c.ws as unknown as { _socket: Socket })._socket;

/** Makes `n` changes (Step 1..n, each with BIG), 100 outstanding at a time; every one must be acknowledged. */
async function changes(ms: JsonClient, id: string, from: number, n: number): Promise<void> {
  for (let i = from; i < from + n; i += 100) {
    const replies = await Promise.all(
      Array.from({ length: Math.min(100, from + n - i) }, (_, k) =>
        ms.request({
          message: 'RequestChangeProperties',
          interactionId: id,
          changedProperties: { Step: i + k, Big: BIG },
        }),
      ),
    );
    for (const r of replies) assert.equal(r.message, 'EventAck', JSON.stringify(r));
  }
}

async function metric(name: string): Promise<string[]> {
  const text = await (await api(srv, '/metrics')).text();
  return text.split('\n').filter((l) => l.startsWith(name));
}

describe('slow consumers', () => {
  it('a reporting engine that stops reading catches up from the event log: every event once, in order', async () => {
    const re = await client(srv, 'ReportingEngine', 'StatServer');
    const ms = await client(srv, 'MediaServer', 'EmailServer');
    const id = await submit(ms, 'Email Out', { userData: { Subject: 'Slow reader' } });
    await expectEvent(re, 'EventInteractionSubmitted');

    socketOf(re).pause();
    await changes(ms, id, 1, CHANGES);
    assert.ok(await logLine(srv, 'reporting engine fell behind'), 'the server says it serves the engine from the log');
    assert.deepEqual(await metric('ixs_slow_consumers_total{action="catch_up"}'), [
      'ixs_slow_consumers_total{action="catch_up"} 1',
    ]);
    assert.deepEqual(await metric('ixs_reporting_catching_up'), ['ixs_reporting_catching_up 1']);

    socketOf(re).resume();
    const steps: number[] = [];
    while (steps.length < CHANGES) {
      const e = await expectEvent(re, 'EventPropertiesChanged', 20_000);
      assert.equal(e.interactionId, id);
      // The first change adds its keys (addedProperties), the others change them.
      steps.push(((e.addedProperties ?? e.changedProperties) as Json).Step as number);
    }
    assert.deepEqual(
      steps,
      Array.from({ length: CHANGES }, (_, i) => i + 1),
      'each change once, in order',
    );
    assert.deepEqual(await metric('ixs_reporting_catching_up'), ['ixs_reporting_catching_up 0']);

    // Live again: the next change comes at once, and nothing else came.
    await changes(ms, id, CHANGES + 1, 1);
    const [reGot, msGot] = await barrier([re, ms]);
    assert.deepEqual(
      reGot?.map((m) => [m.message, (m.changedProperties as Json | undefined)?.Step]),
      [['EventPropertiesChanged', CHANGES + 1]],
    );
    assert.deepEqual(msGot, []);
    re.close();
    ms.close();
  });

  it('any other client that stops reading is disconnected; the one making the changes is answered as usual', async () => {
    // An agent handling the interaction is told of every change others make to it.
    const slow = await client(srv, 'AgentApplication', 'Desktop');
    await loginAgent(slow, 'agent1', 'Place_1001', { email: 1 });
    const ms = await client(srv, 'MediaServer', 'ChatServer');
    const id = await submit(ms, 'Sales', { userData: { Subject: 'Told of changes' } });
    const inv = await expectEvent(slow, 'EventInvite');
    const accepted = await slow.request({ message: 'RequestAccept', interactionId: id, ticketId: inv.ticketId });
    assert.equal(accepted.message, 'EventAck');
    await changes(ms, id, 1, 1);
    assert.equal((await expectEvent(slow, 'EventPropertiesChanged')).interactionId, id);

    socketOf(slow).pause();
    await changes(ms, id, 2, CHANGES);
    const line = await logLine(srv, 'client does not read its messages');
    assert.match(line ?? '', /AgentApplication Desktop/);
    assert.deepEqual(await metric('ixs_slow_consumers_total{action="disconnect"}'), [
      'ixs_slow_consumers_total{action="disconnect"} 1',
    ]);
    socketOf(slow).resume();
    for (let waited = 0; !slow.closed && waited < 5000; waited += 50) await new Promise((r) => setTimeout(r, 50));
    assert.equal(slow.closed, true, 'its connection was closed');
    // The agent was logged out with its session; the interaction and the other party are unaffected.
    const got = (await (await api(srv, `/api/interactions/${id}`)).json()) as Json;
    assert.equal((got.interactionUserData as Json).Step, CHANGES + 1);
    assert.deepEqual(await barrier([ms]), [[]]);
    ms.close();
  });
});
