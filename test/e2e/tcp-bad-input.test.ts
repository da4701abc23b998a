/**
 * Bad input on the binary front door (issue #3): undecodable framing closes that connection cleanly with a log line;
 * a decodable frame with an unknown message id or a bad attribute gets EventError 4 or 65 and changes nothing; the
 * server keeps serving everyone else.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { encodeFrame } from '../../src/transport/tcp/frame-encoder.ts';
import {
  cleanup,
  client,
  quiet,
  startServer,
  submit,
  TcpClient,
  type JsonClient,
  type RunningServer,
} from './harness.ts';

let srv: RunningServer;
let re: JsonClient;
let ms: TcpClient;

before(async () => {
  srv = await startServer({ extraArgs: [] });
  re = await client(srv, 'ReportingEngine', 'StatServer');
  ms = await TcpClient.connect('127.0.0.1', srv.tcpPort);
  await ms.register('MediaServer', 'EmailServer');
});

after(async () => {
  re.close();
  ms.close();
  assert.equal(await srv.stop(), 0);
  cleanup(srv.dataDir);
});

async function closesCleanly(bytes: Buffer): Promise<void> {
  const c = await TcpClient.connect('127.0.0.1', srv.tcpPort);
  c.sendRaw(bytes);
  const t0 = Date.now();
  while (!c.closed && Date.now() - t0 < 3000) await new Promise((r) => setTimeout(r, 20));
  assert.ok(c.closed, 'connection closed by the server');
  assert.deepEqual(c.received, [], 'no reply to undecodable bytes');
}

async function stillServing(): Promise<void> {
  const id = await submit(ms, 'Email Out');
  const ev = await re.nextEvent();
  assert.equal(ev.message, 'EventInteractionSubmitted');
  assert.equal(ev.interactionId, id);
}

describe('binary bad input', () => {
  it('an unknown type tag closes the connection; others keep being served', async () => {
    // length 10: count 1, message id 101, attribute id 3 with tag 'z'
    await closesCleanly(Buffer.from('0000000a01000000650000000' + '37a', 'hex'));
    await stillServing();
    assert.ok(
      srv.logs.some((l) => l.includes('undecodable framing')),
      'a log line says why',
    );
  });

  it('a length over the frame cap closes the connection without buffering it', async () => {
    await closesCleanly(Buffer.from('7fffffff00', 'hex'));
    await stillServing();
  });

  it('a truncated KV list closes the connection', async () => {
    // RequestSubmit with UserData 'b' claiming 2 pairs but holding none.
    await closesCleanly(Buffer.from('0000000f01000000650000001962000400020000', 'hex').subarray(0, 19));
    await stillServing();
  });

  it('an unknown message id gets EventError 4 and the connection stays', async () => {
    const c = await TcpClient.connect('127.0.0.1', srv.tcpPort);
    await c.register('AgentApplication', 'Desktop');
    c.sendRaw(encodeFrame(4242, [{ id: 2, tag: 'i', value: 9 }]));
    const r = await c.nextEvent();
    assert.equal(r.message, 'EventError');
    assert.equal(r.errorCode, 4);
    assert.equal(r.referenceId, 9);
    assert.match(String(r.errorDescription), /4242/);
    c.sendRaw(encodeFrame(125, [{ id: 2, tag: 'i', value: 10 }]));
    const e2 = await c.nextEvent();
    assert.equal(e2.errorCode, 4, 'an event sent as a request is refused');
    const ok = await c.request({ message: 'RequestGetInteractionProperties', interactionId: 'none' });
    assert.equal(ok.errorCode, 43);
    const [got] = await quiet([re]);
    assert.deepEqual(got, [], 'no reporting for refused frames');
    c.close();
  });

  it('an unknown attribute id gets EventError 4; a wrong tag gets 65; nothing changes', async () => {
    const before = await ms.request({
      message: 'RequestSubmit',
      tenantId: 1,
      mediaType: 'email',
      interactionType: 'Inbound',
      interactionSubtype: 'InboundNew',
      queue: 'Email Out',
    });
    await re.nextEvent();
    const id = before.interactionId as string;
    ms.sendRaw(
      encodeFrame(103, [
        { id: 2, tag: 'i', value: 501 },
        { id: 3, tag: 's', value: id },
        { id: 999, tag: 's', value: 'x' },
      ]),
    );
    const e1 = await ms.nextEvent();
    assert.equal(e1.errorCode, 4);
    assert.match(String(e1.errorDescription), /999/);
    ms.sendRaw(
      encodeFrame(103, [
        { id: 2, tag: 'i', value: 502 },
        { id: 3, tag: 's', value: id },
        { id: 23, tag: 's', value: 'not a list' },
      ]),
    );
    const e2 = await ms.nextEvent();
    assert.equal(e2.errorCode, 65);
    assert.match(String(e2.errorDescription), /ChangedProperties/);
    const p = await ms.request({ message: 'RequestGetInteractionProperties', interactionId: id });
    assert.equal(p.version, 1);
    const [got] = await quiet([re]);
    assert.deepEqual(got, []);
  });

  it('requests before registration get EventError 1 and the connection is closed after the grace period', async () => {
    const c = await TcpClient.connect('127.0.0.1', srv.tcpPort);
    const r = await c.request({ message: 'RequestGetInteractionProperties', interactionId: 'x' });
    assert.equal(r.message, 'EventError');
    assert.equal(r.errorCode, 1);
    const t0 = Date.now();
    while (!c.closed && Date.now() - t0 < 3000) await new Promise((res) => setTimeout(res, 20));
    assert.ok(c.closed);
  });

  it('ADDP keep-alive packets are answered', async () => {
    const c = await TcpClient.connect('127.0.0.1', srv.tcpPort);
    const replies: Buffer[] = [];
    c.socket.prependListener('data', (d: Buffer) => replies.push(d));
    c.sendRaw(Buffer.from('7032498' + '00bb8', 'hex'));
    await c.register('AgentApplication', 'Desktop');
    c.sendRaw(Buffer.from('703250000001', 'hex'));
    await new Promise((r) => setTimeout(r, 100));
    const all = Buffer.concat(replies).toString('latin1');
    assert.ok(all.startsWith('p2i'), 'p2I answered with p2i before the registration ack');
    assert.ok(all.includes('p2p'), 'p2P answered with p2p');
    c.close();
  });
});
