/**
 * The binary door's T-Library dialect, link only (issue #12, urs-routing §9.8 A): a connection whose first frame is
 * T-Library's RequestRegisterClient speaks T-Library; a configured routing engine gets EventLinkConnected and
 * RequestQueryServer gets EventServerInfo. Interactions are not handed to it yet, so RequestRegisterAddress and every
 * other T-Library request are refused with a T-Library EventError whose text says so, and nobody else hears of it.
 */
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { tlibMsg, type AttrValue, type Message } from '../../src/protocol/message.ts';
import { encodeFrame } from '../../src/transport/tcp/frame-encoder.ts';
import { FrameParser } from '../../src/transport/tcp/frame-parser.ts';
import { decodeTlibFrame, encodeTlibMessage } from '../../src/transport/tcp/tlib-codec.ts';
import { barrier, cleanup, client, startServer, submit, type JsonClient, type RunningServer } from './harness.ts';

/** A raw T-Library client: frames out, every frame in decoded as a T-Library message. */
class TlibClient {
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

const REGISTER = { ProtocolVersion: 'tserver protocol 4.2', SessionID: 0 };

/** The attributes of a message without its time stamp (checked to be there and plausible). */
function untimed(m: Message): Record<string, AttrValue> {
  const { TimeinSecs, TimeinuSecs, ...rest } = m.attrs;
  const now = Date.now() / 1000;
  assert.ok(typeof TimeinSecs === 'number' && Math.abs(TimeinSecs - now) < 60, `TimeinSecs ${String(TimeinSecs)}`);
  assert.ok(typeof TimeinuSecs === 'number' && TimeinuSecs >= 0 && TimeinuSecs < 1_000_000);
  return rest;
}

/** A T-Library EventError: its code, its ReferenceId and that its text names every one of `mentions`. */
function assertTlibError(m: Message, code: number, ref: number | undefined, ...mentions: string[]): void {
  assert.equal(m.protocol, 'tlib');
  assert.equal(m.name, 'EventError', JSON.stringify(m));
  const a = untimed(m);
  assert.equal(a.ErrorCode, code, JSON.stringify(a));
  assert.equal(a.ReferenceId, ref);
  assert.equal(typeof a.ErrorMessage, 'string');
  for (const w of mentions) assert.ok((a.ErrorMessage as string).includes(w), `'${w}' in ${String(a.ErrorMessage)}`);
  assert.deepEqual(
    Object.keys(a).sort(),
    ref === undefined ? ['ErrorCode', 'ErrorMessage'] : ['ErrorCode', 'ErrorMessage', 'ReferenceId'],
  );
}

let srv: RunningServer;
let re: JsonClient;
let facade: JsonClient;
let ms: JsonClient;

before(async () => {
  srv = await startServer();
  re = await client(srv, 'ReportingEngine', 'StatServer');
  facade = await client(srv, 'RoutingEngine', 'URS2');
  ms = await client(srv, 'MediaServer', 'EmailServer');
});

after(async () => {
  for (const c of [re, facade, ms]) c.close();
  assert.equal(await srv.stop(), 0);
  cleanup(srv.dataDir);
});

describe('binary door, T-Library link (issue #12)', () => {
  it('a routing engine opens the link: EventLinkConnected, then EventServerInfo for RequestQueryServer', async () => {
    const urs = await TlibClient.open(srv.tcpPort);
    urs.send('RequestRegisterClient', { ...REGISTER, ApplicationName: 'URS' });
    const linked = untimed(await urs.next());
    assert.equal(typeof linked.ServerVersion, 'string');
    assert.ok(typeof linked.SessionID === 'number' && linked.SessionID > 0);
    assert.deepEqual(linked, {
      ServerVersion: linked.ServerVersion,
      ServerRole: 0,
      RegistrationCode: 0,
      SessionID: linked.SessionID,
    });
    const info = await urs.reply('RequestQueryServer', { ReferenceId: 1 });
    assert.equal(info.name, 'EventServerInfo');
    assert.deepEqual(untimed(info), { ReferenceId: 1, ServerVersion: linked.ServerVersion, ServerRole: 0 });

    // Not handed interactions yet: registering a strategy DN, and every other request, is refused saying so.
    assertTlibError(
      await urs.reply('RequestRegisterAddress', {
        ReferenceId: 2,
        RegisterMode: 0,
        ControlMode: 0,
        ThisDN: 'Inbound',
        AddressType: 1,
      }),
      51,
      2,
      "DN 'Inbound' not registered",
      'T-Library facade',
    );
    assertTlibError(
      await urs.reply('RequestUpdateUserData', {
        ConnId: '006502a3b4c5d6e7',
        ReferenceId: 3,
        UserData: [{ key: 'Subject', value: 'x' }],
        ThisDN: 'Inbound',
      }),
      51,
      3,
      'RequestUpdateUserData is not served on the binary T-Library dialect',
    );
    // A second registration on the same connection.
    assertTlibError(
      await urs.reply('RequestRegisterClient', { ...REGISTER, ApplicationName: 'URS' }),
      53,
      undefined,
      'already registered',
    );

    // The interaction goes to the facade's routing engine, never to the link; the others heard nothing of the link.
    const id = await submit(ms, 'Inbound');
    const offered = await facade.nextEvent();
    assert.equal(offered.message, 'EventRouteRequest');
    assert.equal(offered.connId, id);
    const [toRe, toFacade, toMs] = await barrier([re, facade, ms]);
    assert.deepEqual(
      toRe?.map((m) => m.message),
      ['EventInteractionSubmitted', 'EventPartyAdded'],
      'reporting: the submission and the hand-off only',
    );
    assert.deepEqual(toFacade, []);
    assert.deepEqual(toMs, []);
    const last = await urs.reply('RequestQueryServer', { ReferenceId: 4 });
    assert.equal(last.name, 'EventServerInfo');
    urs.close();
  });

  it('a T-Library registration of an unknown application or of a media server is refused; the link stays unopened', async () => {
    const c = await TlibClient.open(srv.tcpPort);
    c.send('RequestRegisterClient', { ...REGISTER, ApplicationName: 'Nope' });
    assertTlibError(await c.next(), 59, undefined, "'Nope'");
    // Not registered: a request now is refused as such.
    assertTlibError(await c.reply('RequestQueryServer', { ReferenceId: 7 }), 41, 7, 'register first');
    c.close();
    const m = await TlibClient.open(srv.tcpPort);
    m.send('RequestRegisterClient', { ...REGISTER, ApplicationName: 'EmailServer' });
    assertTlibError(await m.next(), 59, undefined, 'configured as MediaServer');
    m.close();
    const n = await TlibClient.open(srv.tcpPort);
    n.send('RequestRegisterClient', { ...REGISTER });
    assertTlibError(await n.next(), 59, undefined, 'ApplicationName');
    n.close();
  });

  it('bad T-Library frames get TERR_INVALID_ATTR or TERR_UNSUP_OPER naming what is wrong, and the link keeps serving', async () => {
    const urs = await TlibClient.open(srv.tcpPort);
    urs.send('RequestRegisterClient', { ...REGISTER, ApplicationName: 'URS' });
    assert.equal((await urs.next()).name, 'EventLinkConnected');
    // RequestQueryServer (1) with ReferenceID 5 and an attribute id the table does not know (999).
    urs.sendRaw(
      encodeFrame(1, [
        { id: 2, tag: 'i', value: 5 },
        { id: 999, tag: 'i', value: 1 },
      ]),
    );
    assertTlibError(await urs.next(), 53, 5, 'attribute id 999');
    // ReferenceID as a string.
    urs.sendRaw(encodeFrame(1, [{ id: 2, tag: 's', value: 'x' }]));
    assertTlibError(await urs.next(), 53, undefined, 'ReferenceId');
    // A message id T-Library's table does not have, and an event sent as a request.
    urs.sendRaw(encodeFrame(4000, [{ id: 2, tag: 'i', value: 6 }]));
    assertTlibError(await urs.next(), 51, 6, '4000');
    urs.sendRaw(encodeFrame(93, [{ id: 2, tag: 'i', value: 8 }]));
    assertTlibError(await urs.next(), 51, 8, 'EventServerInfo is an event');
    assert.equal((await urs.reply('RequestQueryServer', { ReferenceId: 9 })).name, 'EventServerInfo');
    urs.close();
  });
});
