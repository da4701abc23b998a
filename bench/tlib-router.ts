/**
 * The bench's routing engine on the binary door's T-Library dialect (`--mode tcp`): it links with T-Library's
 * RequestRegisterClient, registers the routed queue as its strategy DN, and routes each EventRouteRequest to a place
 * with RequestRouteCall (OtherDN), as a Genesys URS does. Setup only: every frame is decoded with IXS's own codec.
 */
import { connect, type Socket } from 'node:net';
import { tlibMsg, type AttrValue, type Message } from '../src/protocol/message.ts';
import { FrameParser } from '../src/transport/tcp/frame-parser.ts';
import { decodeTlibFrame, encodeTlibMessage } from '../src/transport/tcp/tlib-codec.ts';

/** A T-Library routing engine for the setup of the hot-path bench. */
export class TlibRouter {
  private readonly inbox: Message[] = [];
  private wake: (() => void) | undefined;
  private closed = false;
  private nextRef = 1;

  private constructor(private readonly socket: Socket) {
    const parser = new FrameParser({ maxFrameBytes: 1 << 24 });
    socket.on('data', (chunk) => {
      for (const ev of parser.push(chunk)) {
        if (ev.kind !== 'frame') continue;
        const r = decodeTlibFrame(ev.messageId, ev.attrs);
        if (!r.ok) throw new Error(`T-Library frame the codec refuses: ${r.description}`);
        this.inbox.push(r.message);
      }
      this.wake?.();
    });
    socket.on('close', () => {
      this.closed = true;
      this.wake?.();
    });
  }

  /** Connects to `tcp://host:port`, links as `application` and registers `strategy`. */
  static async open(url: string, application: string, strategy: string): Promise<TlibRouter> {
    const u = new URL(url);
    const socket = connect(Number(u.port), u.hostname);
    await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
    socket.setNoDelay(true);
    const r = new TlibRouter(socket);
    r.send('RequestRegisterClient', {
      ProtocolVersion: 'tserver protocol 4.2',
      SessionID: 0,
      ApplicationName: application,
    });
    r.expect(await r.next(), 'EventLinkConnected', 'T-Library link');
    const ref = r.nextRef++;
    r.send('RequestRegisterAddress', {
      ReferenceId: ref,
      RegisterMode: 0,
      ControlMode: 0,
      ThisDN: strategy,
      AddressType: 1,
    });
    r.expect(await r.next(), 'EventRegistered', `registration of ${strategy}`);
    return r;
  }

  /** The next EventRouteRequest: its ConnID and the interaction id it carries. */
  async nextRouteRequest(): Promise<{ connId: string; interactionId: string }> {
    const m = this.expect(await this.next(), 'EventRouteRequest', 'a hand-off');
    const ud = m.attrs.UserData as { key: string; value: AttrValue }[];
    return {
      connId: m.attrs.ConnId as string,
      interactionId: ud.find((p) => p.key === 'InteractionId')?.value as string,
    };
  }

  /** RequestRouteCall to a place; resolves with the answer (EventRouteUsed once the agent accepted). */
  async routeToPlace(connId: string, place: string, strategy: string): Promise<Message> {
    this.send('RequestRouteCall', {
      ConnId: connId,
      RouteType: 1,
      ReferenceId: this.nextRef++,
      ThisDN: strategy,
      OtherDN: place,
    });
    return this.next();
  }

  /** Drops what arrived so far (end of setup). */
  takeEvents(): Message[] {
    return this.inbox.splice(0);
  }

  close(): Promise<void> {
    this.socket.end();
    return Promise.resolve();
  }

  private send(name: string, attrs: Record<string, AttrValue>): void {
    this.socket.write(encodeTlibMessage(tlibMsg(name, attrs)));
  }

  private async next(timeoutMs = 10_000): Promise<Message> {
    const end = Date.now() + timeoutMs;
    while (this.inbox.length === 0) {
      if (this.closed) throw new Error('the T-Library connection closed');
      if (Date.now() >= end) throw new Error(`no T-Library message within ${String(timeoutMs)} ms`);
      await new Promise<void>((resolve) => {
        this.wake = resolve;
        setTimeout(resolve, 100);
      });
    }
    return this.inbox.shift() as Message;
  }

  private expect(m: Message, name: string, what: string): Message {
    if (m.name !== name) throw new Error(`${what}: expected ${name}, got ${m.name} ${JSON.stringify(m.attrs)}`);
    return m;
  }
}
