/**
 * The Genesys binary front door: a TCP listener, one FrameParser per connection. Undecodable framing closes that
 * connection cleanly with a log line; a decodable frame with an unknown message id or a bad attribute is answered
 * with EventError and changes nothing. ADDP keep-alive packets are answered in place.
 */
import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { isMessageById } from '../../protocol/catalogue.ts';
import { errorNameOf, ProtocolError } from '../../protocol/errors.ts';
import { tlibError, type AttrValue, type Message } from '../../protocol/message.ts';
import { TLIB_ERRORS, tlibErrorCodeOf, tlibWireMessageById } from '../../protocol/tlib-wire.ts';
import type { Logger } from '../../obs/logger.ts';
import type { Connection, ConnectionHandler } from '../connection.ts';
import { createServer as createTlsServer, type TlsOptions } from 'node:tls';
import { limitConnections, logTlsFailures, newConnectionId, peerNameOf, whenDrained } from '../ws/ws-listener.ts';
import { addpReply } from './addp.ts';
import { FrameParser } from './frame-parser.ts';
import { decodeIsFrame, encodeIsMessage } from './is-codec.ts';
import { decodeTlibFrame, encodeTlibMessage } from './tlib-codec.ts';

/** T-Library's RequestRegisterClient: a first frame with this id (no IS message has it) opens a T-Library link. */
const TLIB_REGISTER_CLIENT = 0;

class TcpConnection implements Connection {
  readonly transport = 'tcp' as const;
  readonly peerName: string | undefined;
  /** The protocol this connection speaks, fixed by its first frame (urs-routing §9.8 A); undefined before it. */
  dialect: 'is' | 'tlib' | undefined;
  constructor(
    readonly id: number,
    readonly remote: string,
    private readonly socket: Socket,
    private readonly logger: Logger,
  ) {
    this.peerName = peerNameOf(socket);
  }
  send(message: Message): void {
    if (this.socket.destroyed || !this.socket.writable) return;
    if (this.dialect === 'tlib') {
      this.socket.write(encodeTlibMessage(asTlibEvent(message)));
      return;
    }
    if (message.protocol !== 'is') {
      // The T-Library facade's messages travel on the JSON door only (the core plans none for this session).
      this.logger.warn({ conn: this.id, message: message.name }, 'T-Library message not sent on an IS connection');
      return;
    }
    this.socket.write(encodeIsMessage(message));
  }
  cork(): void {
    this.socket.cork();
  }
  uncork(): void {
    this.socket.uncork();
  }
  bufferedBytes(): number {
    return this.socket.writableLength;
  }
  onDrain(fn: () => void): void {
    whenDrained(this.socket, fn);
  }
  abort(): void {
    this.socket.destroy();
  }
  pause(): void {
    this.socket.pause();
  }
  resume(): void {
    this.socket.resume();
  }
  close(): void {
    this.socket.end();
    // A peer that does not close its side within 2 s is cut off (no half-open sockets kept).
    setTimeout(() => this.socket.destroy(), 2000).unref();
  }
}

/**
 * A message for a T-Library connection, as a T-Library event with its time (TimeinSecs, TimeinuSecs), as T-Servers
 * stamp every event. The server's refusals are Interaction Server EventErrors: they become T-Library EventErrors with
 * the T-Library code of the same meaning (tlibErrorCodeOf) and the same description.
 */
function asTlibEvent(m: Message): Message {
  let attrs: Record<string, AttrValue> = { ...m.attrs };
  if (m.protocol === 'is') {
    if (m.name !== 'EventError') throw new Error(`Interaction Server message ${m.name} planned for a T-Library client`);
    const code = m.attrs.ErrorCode;
    const known = typeof code === 'number' ? errorNameOf(code) : undefined;
    const description = typeof m.attrs.ErrorDescription === 'string' ? m.attrs.ErrorDescription : '';
    const tlibCode = known === undefined ? TLIB_ERRORS.TERR_UNKNOWN_ERROR : tlibErrorCodeOf(known);
    attrs = { ...tlibError(m.attrs.ReferenceId, tlibCode, description).attrs };
  }
  const now = Date.now();
  attrs.TimeinSecs = Math.floor(now / 1000);
  attrs.TimeinuSecs = (now % 1000) * 1000;
  return { protocol: 'tlib', name: m.name, attrs };
}

/**
 * A frame of a T-Library connection decoded like an Interaction Server one: a refusal as the IS error whose T-Library
 * code is the one the codec chose (TERR_INVALID_ATTR or TERR_UNSUP_OPER; asTlibEvent maps it back on the way out).
 */
function decodeTlibRequest(
  messageId: number,
  attrs: Parameters<typeof decodeTlibFrame>[1],
): { ok: true; message: Message } | { ok: false; error: ProtocolError; referenceId?: number } {
  const r = decodeTlibFrame(messageId, attrs);
  if (r.ok) return r;
  const name =
    r.errorCode === TLIB_ERRORS.TERR_INVALID_ATTR
      ? 'Error_invalid_protocol_message'
      : 'ErrorUnsupportedProtocolElement';
  const error = new ProtocolError(name, r.description);
  return r.referenceId === undefined ? { ok: false, error } : { ok: false, error, referenceId: r.referenceId };
}

/** A listening TCP front door. */
export interface TcpListener {
  readonly port: number;
  /** Stops accepting new connections. */
  stopAccepting(): Promise<void>;
  /** Destroys the remaining sockets. */
  close(): Promise<void>;
}

/** Starts the TCP listener. */
export async function startTcpListener(opts: {
  host: string;
  port: number;
  maxFrameBytes: number;
  handler: ConnectionHandler;
  logger: Logger;
  /** Connections at once; one more is closed as it arrives (onRefused is told). Unlimited when absent. */
  maxConnections?: number;
  onRefused?: () => void;
  /** Serve the binary protocol over TLS with these (certificate, key, and for mutual TLS the client CA). */
  tls?: TlsOptions;
}): Promise<TcpListener> {
  const sockets = new Set<Socket>();
  const onSocket = (socket: Socket): void => {
    sockets.add(socket);
    socket.setNoDelay(true);
    const conn = new TcpConnection(
      newConnectionId(),
      `${socket.remoteAddress ?? '?'}:${String(socket.remotePort ?? 0)}`,
      socket,
      opts.logger,
    );
    const parser = new FrameParser({ maxFrameBytes: opts.maxFrameBytes });
    opts.handler.opened(conn);
    let failed = false;
    const handleFrame = (messageId: number, attrs: Parameters<typeof decodeIsFrame>[1]): void => {
      conn.dialect ??= messageId === TLIB_REGISTER_CLIENT && !isMessageById(messageId) ? 'tlib' : 'is';
      const tlib = conn.dialect === 'tlib';
      const r = tlib ? decodeTlibRequest(messageId, attrs) : decodeIsFrame(messageId, attrs);
      if (!r.ok) {
        opts.handler.refused(conn, r.error, r.referenceId);
      } else if ((tlib ? tlibWireMessageById(messageId) : isMessageById(messageId))?.kind !== 'request') {
        const ref = r.message.attrs.ReferenceId;
        const why = `${r.message.name} is an event, not a request a client may send`;
        opts.handler.refused(
          conn,
          new ProtocolError('ErrorUnsupportedProtocolElement', why),
          typeof ref === 'number' ? ref : undefined,
        );
      } else {
        opts.handler.request(conn, r.message);
      }
    };
    socket.on('data', (chunk) => {
      if (failed) return;
      for (const ev of parser.push(chunk)) {
        if (ev.kind === 'addp') {
          const reply = addpReply(ev.command, ev.data);
          if (reply) socket.write(reply);
        } else if (ev.kind === 'fatal') {
          failed = true;
          opts.logger.warn(
            { conn: conn.id, remote: conn.remote, reason: ev.reason },
            'undecodable framing; closing connection',
          );
          socket.destroy();
          return;
        } else {
          try {
            handleFrame(ev.messageId, ev.attrs);
          } catch (e) {
            // A server bug must not take the process (and every other client) down: log it, answer, keep serving.
            opts.logger.error({ conn: conn.id, err: e }, 'internal error handling a request');
            opts.handler.refused(
              conn,
              new ProtocolError('Error_itx_manager_internal', 'internal server error; the request was not applied'),
            );
          }
        }
      }
    });
    socket.on('close', () => {
      sockets.delete(socket);
      opts.handler.closed(conn);
    });
    socket.on('error', (err) => {
      opts.logger.info({ conn: conn.id, err: err.message }, 'tcp socket error');
    });
  };
  // Over TLS the handler gets each connection once its handshake has succeeded.
  const server: Server = opts.tls ? createTlsServer(opts.tls, onSocket) : createServer(onSocket);
  if (opts.tls) logTlsFailures(server, 'binary', opts.logger);
  limitConnections(server, 'binary', opts);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => {
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  let stopped: Promise<void> | undefined;
  const stopAccepting = (): Promise<void> => {
    stopped ??= new Promise<void>((resolve) => {
      server.close(() => {
        resolve();
      });
    });
    return Promise.resolve();
  };
  return {
    port,
    stopAccepting,
    close: async () => {
      void stopAccepting();
      for (const s of sockets) s.destroy();
      await stopped;
    },
  };
}
