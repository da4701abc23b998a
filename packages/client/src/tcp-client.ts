/**
 * A Genesys-binary (TCP) client with the same JSON-level API as JsonClient: requests are written in their JSON form,
 * encoded with the catalogue-driven binary codec, and every received frame is decoded back to its JSON form. Used by
 * the end-to-end tests (the same scenarios over TCP, WebSocket and mixed) and the benchmark's TCP mode.
 */
import { connect, type Socket } from 'node:net';
import { connect as tlsConnect, type ConnectionOptions } from 'node:tls';
import { toJsonObject } from '../../../src/protocol/json-form.ts';
import { FrameParser } from '../../../src/transport/tcp/frame-parser.ts';
import { decodeIsFrame, encodeIsMessage } from '../../../src/transport/tcp/is-codec.ts';
import { decodeJsonRequest } from '../../../src/transport/ws/json-codec.ts';
import { MatchingClient, type Json } from './reply-matcher.ts';

/** Frames above this are refused by the client too (matches the server default). */
const MAX_FRAME = 16 * 1024 * 1024;

export class TcpClient extends MatchingClient {
  private readonly parser = new FrameParser({ maxFrameBytes: MAX_FRAME });
  closed = false;
  /** Set when the server's bytes could not be decoded. */
  decodeError: string | undefined;

  private constructor(readonly socket: Socket) {
    super();
    socket.on('data', (chunk) => {
      for (const ev of this.parser.push(chunk)) {
        if (ev.kind === 'fatal') {
          this.decodeError = ev.reason;
          continue;
        }
        if (ev.kind !== 'frame') continue;
        const r = decodeIsFrame(ev.messageId, ev.attrs);
        if (!r.ok) {
          this.decodeError = r.error.message;
          continue;
        }
        this.matcher.dispatch(toJsonObject(r.message));
      }
    });
    const gone = (): void => {
      this.closed = true;
      this.matcher.failAll('connection closed');
    };
    socket.on('close', gone);
    socket.on('error', gone);
  }

  /**
   * Opens a TCP connection; with `tls`, a TLS one (a server serving the binary door over TLS: `ca` to trust its
   * certificate, `cert`/`key` for mutual TLS, `servername` as needed).
   */
  static async connect(host: string, port: number, tls?: ConnectionOptions): Promise<TcpClient> {
    const socket = tls ? tlsConnect({ host, port, ...tls }) : connect({ host, port });
    socket.setNoDelay(true);
    await new Promise<void>((resolve, reject) => {
      socket.once(tls ? 'secureConnect' : 'connect', () => {
        resolve();
      });
      socket.once('error', reject);
    });
    return new TcpClient(socket);
  }

  /** Encodes a request given in its JSON form. */
  static encode(msg: Json): Buffer {
    const r = decodeJsonRequest(JSON.stringify(msg));
    if (!r.ok) throw new Error(`not a valid request: ${r.error.message}`);
    if (r.message.protocol !== 'is') {
      throw new Error(`${r.message.name} is a T-Library facade message; it has no IS binary form`);
    }
    return encodeIsMessage(r.message);
  }

  protected write(full: Json): void {
    this.socket.write(TcpClient.encode(full));
  }

  /** Writes raw bytes (for bad-input tests). */
  sendRaw(bytes: Uint8Array): void {
    this.socket.write(bytes);
  }

  close(): void {
    this.socket.end();
  }
}
