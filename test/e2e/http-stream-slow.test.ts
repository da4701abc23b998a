/**
 * A stalled event-stream reader costs the server no memory (docs/http.md, The event stream): with 200,000 events in
 * the log (about 220 MB of JSON), a client that asks for the stream from the start and never reads holds the server
 * at one page plus the socket's buffers — its RSS stays flat — and everyone else is served meanwhile.
 */
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { after, describe, it } from 'node:test';
import { cleanup, client, rssMb, startServer, submit, type JsonClient, type RunningServer } from './harness.ts';

const EVENTS = 200_000;
/** Requests in flight at once while the log is filled. */
const WINDOW = 512;

describe('event stream: a stalled reader', () => {
  let srv: RunningServer;
  let ms: JsonClient;
  let stalled: Socket | undefined;
  after(async () => {
    stalled?.destroy();
    ms.close();
    assert.equal(await srv.stop(), 0);
    cleanup(srv.dataDir);
  });

  it(`with ${String(EVENTS)} events behind keeps the server's RSS flat and everyone served`, async () => {
    srv = await startServer();
    ms = await client(srv, 'MediaServer', 'EmailServer');
    const ids = await Promise.all(Array.from({ length: 8 }, () => submit(ms, 'Email Out')));
    // The log: 200,000 property changes (each event carries the interaction's ~1 KB of properties).
    const body = 'x'.repeat(900);
    let next = 0;
    const worker = async (): Promise<void> => {
      for (let i = next++; i < EVENTS; i = next++) {
        const r = await ms.request({
          message: 'RequestChangeProperties',
          interactionId: ids[i % ids.length],
          changedProperties: { Body: `${body}${String(i)}` },
        });
        if (r.message !== 'EventAck') throw new Error(JSON.stringify(r));
      }
    };
    await Promise.all(Array.from({ length: WINDOW }, worker));
    await new Promise((r) => setTimeout(r, 1500));
    const pid = srv.proc.pid as number;
    const before = rssMb(pid);

    // A reader asks for everything from the start and never reads a byte.
    stalled = connect(srv.httpPort, '127.0.0.1');
    await new Promise<void>((resolve) => stalled?.once('connect', resolve));
    stalled.pause();
    stalled.write(
      `GET /api/events/stream?after=0 HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${srv.token ?? ''}\r\n\r\n`,
    );
    await new Promise((r) => setTimeout(r, 3000));
    const during = rssMb(pid);
    assert.ok(
      during - before < 80,
      `RSS grew from ${before.toFixed(0)} to ${during.toFixed(0)} MB with a stalled reader ${String(EVENTS)} events behind`,
    );
    // Everyone else is served meanwhile.
    const id = await submit(ms, 'Email Out');
    const r = await ms.request({ message: 'RequestGetInteractionProperties', interactionId: id });
    assert.equal(r.message, 'EventInteractionProperties');
  });
});
