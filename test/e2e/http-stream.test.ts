/**
 * `GET /api/events/stream` against the real server (docs/http.md): server-sent events from the durable log. A reader
 * that disconnects mid-stream and reconnects with Last-Event-ID — with a server restart in between — gets every event
 * exactly once, in order; without a position the stream is live from now; filters by name, interaction and queue; a
 * stream needs a token like every /api path.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import {
  api,
  cleanup,
  client,
  startServer,
  submit,
  type Json,
  type JsonClient,
  type RunningServer,
} from './harness.ts';

interface Sse {
  id: number;
  event: string;
  data: Json;
}

/** An open stream: its events as they arrive, and a way to wait for some. */
class Stream {
  readonly events: Sse[] = [];
  private buf = '';
  private waiters: (() => void)[] = [];
  private readonly abort = new AbortController();
  status = 0;

  static async open(srv: RunningServer, query = '', headers: Record<string, string> = {}): Promise<Stream> {
    const s = new Stream();
    const res = await api(srv, `/api/events/stream${query}`, { headers, signal: s.abort.signal });
    s.status = res.status;
    assert.equal(res.headers.get('content-type'), 'text/event-stream; charset=utf-8');
    const body = res.body;
    assert.ok(body);
    void (async () => {
      const dec = new TextDecoder();
      try {
        for await (const chunk of body) s.feed(dec.decode(chunk as Uint8Array, { stream: true }));
      } catch {
        // aborted
      }
    })();
    return s;
  }

  private feed(text: string): void {
    this.buf += text;
    for (let i = this.buf.indexOf('\n\n'); i >= 0; i = this.buf.indexOf('\n\n')) {
      const frame = this.buf.slice(0, i);
      this.buf = this.buf.slice(i + 2);
      const f: Record<string, string> = {};
      for (const line of frame.split('\n')) {
        if (line.startsWith(':')) continue;
        const k = line.indexOf(':');
        f[line.slice(0, k)] = line.slice(k + 1).trimStart();
      }
      if (f.id === undefined) continue;
      this.events.push({ id: Number(f.id), event: f.event ?? '', data: JSON.parse(f.data ?? 'null') as Json });
    }
    for (const w of this.waiters.splice(0)) w();
  }

  /** Waits until at least `n` events arrived (fails after 10 s). */
  async until(n: number): Promise<Sse[]> {
    const deadline = Date.now() + 10_000;
    while (this.events.length < n) {
      if (Date.now() > deadline) throw new Error(`only ${String(this.events.length)} of ${String(n)} events came`);
      await new Promise<void>((r) => {
        this.waiters.push(r);
        setTimeout(r, 200);
      });
    }
    return this.events;
  }

  close(): void {
    this.abort.abort();
  }
}

const label = (e: Sse): string => `${e.event} ${String(e.data.interactionId)}`;

describe('event stream', () => {
  let srv: RunningServer;
  let ms: JsonClient;
  after(async () => {
    ms.close();
    assert.equal(await srv.stop(), 0);
    cleanup(srv.dataDir);
  });

  it('resumes with Last-Event-ID exactly after the last event seen, across a restart: every event once, in order', async () => {
    srv = await startServer();
    ms = await client(srv, 'MediaServer', 'EmailServer');
    const a = await submit(ms, 'Email Out');
    const b = await submit(ms, 'Email Out');
    const s1 = await Stream.open(srv, '?after=0');
    assert.equal(s1.status, 200);
    const first = await s1.until(2);
    assert.deepEqual(first.map(label), [`EventInteractionSubmitted ${a}`, `EventInteractionSubmitted ${b}`]);
    assert.ok((first[0]?.id ?? 0) < (first[1]?.id ?? 0));
    assert.equal(first[0]?.data.message, 'EventInteractionSubmitted');
    // Live: a change made now arrives on the open stream.
    assert.equal(
      (await ms.request({ message: 'RequestChangeProperties', interactionId: a, addedProperties: { N: 1 } })).message,
      'EventAck',
    );
    await s1.until(3);
    assert.equal(label(s1.events[2] as Sse), `EventPropertiesChanged ${a}`);
    const seen = s1.events[2]?.id ?? 0;
    s1.close();

    // While nobody reads: more events, then a restart.
    const c = await submit(ms, 'Email Out');
    await ms.request({ message: 'RequestStopProcessing', interactionId: b });
    ms.close();
    const dataDir = srv.dataDir;
    assert.equal(await srv.stop(), 0);
    srv = await startServer({ dataDir });
    ms = await client(srv, 'MediaServer', 'EmailServer');
    const d = await submit(ms, 'Email Out');

    const s2 = await Stream.open(srv, '?after=1', { 'last-event-id': String(seen) });
    const rest = await s2.until(3);
    assert.deepEqual(rest.map(label), [
      `EventInteractionSubmitted ${c}`,
      `EventProcessingStopped ${b}`,
      `EventInteractionSubmitted ${d}`,
    ]);
    assert.ok(
      rest.every((e) => e.id > seen),
      'Last-Event-ID wins over after, nothing before it again',
    );
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(s2.events.length, 3, 'no duplicate');
    s2.close();
  });

  it('without a position it is live from now; filters by name, interaction and queue', async () => {
    const old = await submit(ms, 'Email Out');
    const live = await Stream.open(srv);
    const changes = await Stream.open(srv, '?name=EventPropertiesChanged,EventProcessingStopped');
    const one = await Stream.open(srv, `?interactionId=${old}`);
    const other = await Stream.open(srv, '?queue=Other');
    const x = await submit(ms, 'Email Out');
    await ms.request({ message: 'RequestChangeProperties', interactionId: old, addedProperties: { N: 2 } });
    await ms.request({ message: 'RequestStopProcessing', interactionId: x });
    assert.deepEqual((await live.until(3)).map(label), [
      `EventInteractionSubmitted ${x}`,
      `EventPropertiesChanged ${old}`,
      `EventProcessingStopped ${x}`,
    ]);
    assert.deepEqual((await changes.until(2)).map(label), [
      `EventPropertiesChanged ${old}`,
      `EventProcessingStopped ${x}`,
    ]);
    assert.deepEqual((await one.until(1)).map(label), [`EventPropertiesChanged ${old}`]);
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(live.events.length, 3);
    assert.equal(one.events.length, 1);
    assert.deepEqual(other.events, [], 'nothing in queue Other');
    for (const s of [live, changes, one, other]) s.close();
  });

  it('needs a token; a bad Last-Event-ID is 400', async () => {
    const r = await fetch(`http://127.0.0.1:${String(srv.httpPort)}/api/events/stream`);
    assert.equal(r.status, 401);
    const bad = await api(srv, '/api/events/stream', { headers: { 'last-event-id': 'abc' } });
    assert.equal(bad.status, 400);
    assert.equal(bad.headers.get('content-type')?.split(';')[0], 'application/problem+json');
    // A stream left open does not hold up a graceful stop (the after hook asserts exit 0).
    await Stream.open(srv, '?after=0');
  });
});
