/** A raw T-Library client for the end-to-end tests of routing engines on the binary door. */
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { tlibMsg, type AttrValue, type Message } from '../../src/protocol/message.ts';
import { FrameParser } from '../../src/transport/tcp/frame-parser.ts';
import { decodeTlibFrame, encodeTlibMessage } from '../../src/transport/tcp/tlib-codec.ts';

/** A raw T-Library client: frames out, every frame in decoded as a T-Library message. */
export class TlibClient {
  readonly received: Message[] = [];
  closed = false;
  private waiters: (() => void)[] = [];

  private constructor(private readonly socket: Socket) {
    const parser = new FrameParser({ maxFrameBytes: 1 << 20 });
    socket.on('data', (chunk) => {
      for (const ev of parser.push(chunk)) {
        if (ev.kind !== 'frame') continue;
        const r = decodeTlibFrame(ev.messageId, ev.attrs);
        assert.ok(r.ok, `the server sent a frame T-Library cannot decode: ${JSON.stringify(r)}`);
        this.received.push(r.message);
      }
      for (const w of this.waiters.splice(0)) w();
    });
    socket.on('close', () => {
      this.closed = true;
      for (const w of this.waiters.splice(0)) w();
    });
  }

  static async open(port: number): Promise<TlibClient> {
    const socket = connect(port, '127.0.0.1');
    await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
    return new TlibClient(socket);
  }

  send(name: string, attrs: Record<string, AttrValue>): void {
    this.socket.write(encodeTlibMessage(tlibMsg(name, attrs)));
  }

  sendRaw(bytes: Buffer): void {
    this.socket.write(bytes);
  }

  /** Waits for the next message (fails after 5 s). */
  async next(): Promise<Message> {
    const t0 = Date.now();
    while (this.received.length === 0) {
      if (this.closed) throw new Error('connection closed');
      if (Date.now() - t0 > 5000) throw new Error('no message within 5 s');
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        setTimeout(resolve, 100);
      });
    }
    return this.received.shift() as Message;
  }

  /** A request's reply, checked to be the only message that came before it. */
  async reply(name: string, attrs: Record<string, AttrValue>): Promise<Message> {
    this.send(name, attrs);
    const m = await this.next();
    assert.deepEqual(this.received, [], 'nothing else came');
    return m;
  }

  close(): void {
    this.socket.destroy();
  }
}

export const REGISTER = { ProtocolVersion: 'tserver protocol 4.2', SessionID: 0 };

/** The attributes of a message without its time stamp (checked to be there and plausible). */
export function untimed(m: Message): Record<string, AttrValue> {
  const { TimeinSecs, TimeinuSecs, ...rest } = m.attrs;
  const now = Date.now() / 1000;
  assert.ok(typeof TimeinSecs === 'number' && Math.abs(TimeinSecs - now) < 60, `TimeinSecs ${String(TimeinSecs)}`);
  assert.ok(typeof TimeinuSecs === 'number' && TimeinuSecs >= 0 && TimeinuSecs < 1_000_000);
  return rest;
}
