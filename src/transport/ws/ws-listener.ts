/**
 * The JSON front door: a WebSocket server (ws@8) on its own port, path `/`, one JSON object per text frame.
 * Frames over the configured cap get EventError 79 and change nothing; frames over four times the cap are refused by
 * ws itself (close code 1009) so that one client cannot make the server buffer without bound.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { TLSSocket, type TlsOptions } from 'node:tls';
import { Socket, type AddressInfo, type Server as NetServer } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import { ProtocolError } from '../../protocol/errors.ts';
import type { Message } from '../../protocol/message.ts';
import type { Logger } from '../../obs/logger.ts';
import type { Connection, ConnectionHandler } from '../connection.ts';
import { decodeJsonRequest, encodeJsonBytes } from './json-codec.ts';

const TEXT = { binary: false } as const;

/** Hard ceiling relative to the frame cap: above it ws closes the connection instead of buffering. */
const HARD_LIMIT_FACTOR = 4;

let nextConnId = 1;
/** Connection ids shared by every transport of the process. */
export function newConnectionId(): number {
  return nextConnId++;
}

class WsConnection implements Connection {
  readonly transport = 'ws' as const;
  readonly peerName: string | undefined;
  constructor(
    readonly id: number,
    readonly remote: string,
    private readonly ws: WebSocket,
    socket: Socket,
  ) {
    this.peerName = peerNameOf(socket);
  }
  send(message: Message): void {
    // The UTF-8 bytes, encoded once per message however many parties get it; sent as a text frame.
    if (this.ws.readyState === this.ws.OPEN) this.ws.send(encodeJsonBytes(message), TEXT);
  }
  close(): void {
    this.ws.close(1000, 'closed by server');
  }
  cork(): void {
    socketOf(this.ws)?.cork();
  }
  uncork(): void {
    socketOf(this.ws)?.uncork();
  }
  bufferedBytes(): number {
    // ws counts what its socket holds plus what its sender has queued.
    return this.ws.bufferedAmount;
  }
  onDrain(fn: () => void): void {
    const socket = socketOf(this.ws);
    if (socket) whenDrained(socket, fn);
    else queueMicrotask(fn);
  }
  abort(): void {
    this.ws.terminate();
  }
  pause(): void {
    this.ws.pause();
  }
  resume(): void {
    this.ws.resume();
  }
}

/** The verified client certificate's subject common name (mutual TLS), if any. */
export function peerNameOf(socket: Socket): string | undefined {
  if (!(socket instanceof TLSSocket) || !socket.authorized) return undefined;
  const cn = socket.getPeerCertificate().subject?.CN;
  return typeof cn === 'string' && cn !== '' ? cn : undefined;
}

/**
 * A client that fails the TLS handshake (plain text on a TLS port, an unknown or missing client certificate) is
 * closed by Node; one log line says who and why.
 */
export function logTlsFailures(server: NetServer, door: string, logger: Logger): void {
  server.on('tlsClientError', (err: Error, socket: Socket) => {
    logger.warn(
      { door, remote: `${socket.remoteAddress ?? '?'}:${String(socket.remotePort ?? 0)}`, err: err.message },
      'TLS handshake failed; connection closed',
    );
  });
}

/**
 * Caps the connections a listener holds at once: the operating system accepts one more, which Node closes at once
 * (its 'drop' event); each refusal is logged and counted.
 */
export function limitConnections(
  server: NetServer,
  door: string,
  opts: { maxConnections?: number; onRefused?: () => void; logger: Logger },
): void {
  if (opts.maxConnections === undefined) return;
  server.maxConnections = opts.maxConnections;
  server.on('drop', (d?: { remoteAddress?: string; remotePort?: number }) => {
    opts.onRefused?.();
    opts.logger.warn(
      { door, remote: `${d?.remoteAddress ?? '?'}:${String(d?.remotePort ?? 0)}`, max: opts.maxConnections },
      'connection refused: the listener holds limits.maxConnections already',
    );
  });
}

/**
 * Calls `fn` once when the socket has nothing buffered, or once it is closed (so that whoever waits can see it
 * closed and stop).
 */
export function whenDrained(socket: Socket, fn: () => void): void {
  if (socket.writableLength === 0 || socket.destroyed) {
    queueMicrotask(fn);
    return;
  }
  const done = (): void => {
    socket.off('drain', done);
    socket.off('close', done);
    fn();
  };
  socket.on('drain', done);
  socket.on('close', done);
}

/** The TCP socket under a ws WebSocket (ws keeps it as `_socket`; absent, corking is skipped). */
function socketOf(ws: WebSocket): Socket | undefined {
  const s = (ws as unknown as { _socket?: unknown })._socket;
  return s instanceof Socket ? s : undefined;
}

/** A listening WebSocket front door. */
export interface WsListener {
  readonly port: number;
  /** Stops taking new connections; open ones keep being served (so a drain can answer them). */
  stopAccepting(): void;
  close(): Promise<void>;
}

/** Starts the WebSocket listener. */
export async function startWsListener(opts: {
  host: string;
  port: number;
  maxFrameBytes: number;
  handler: ConnectionHandler;
  logger: Logger;
  /** Connections at once; one more is closed as it arrives (onRefused is told). Unlimited when absent. */
  maxConnections?: number;
  onRefused?: () => void;
  /** Serve `wss://` with these (certificate, key, and for mutual TLS the client CA). */
  tls?: TlsOptions;
}): Promise<WsListener> {
  const onRequest = (_req: IncomingMessage, res: ServerResponse): void => {
    res.writeHead(426, { 'content-type': 'text/plain' }).end('IXS JSON protocol: connect with a WebSocket client\n');
  };
  const http: Server = opts.tls ? createHttpsServer(opts.tls, onRequest) : createServer(onRequest);
  if (opts.tls) logTlsFailures(http, 'JSON', opts.logger);
  limitConnections(http, 'JSON', opts);
  const wss = new WebSocketServer({ server: http, path: '/', maxPayload: opts.maxFrameBytes * HARD_LIMIT_FACTOR });
  wss.on('connection', (ws, req) => {
    const conn = new WsConnection(
      newConnectionId(),
      `${req.socket.remoteAddress ?? '?'}:${String(req.socket.remotePort ?? 0)}`,
      ws,
      req.socket,
    );
    opts.handler.opened(conn);
    ws.on('message', (data, isBinary) => {
      const buf = Buffer.isBuffer(data) ? data : Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data);
      if (isBinary) {
        opts.handler.refused(
          conn,
          new ProtocolError(
            'Error_invalid_protocol_message',
            'binary WebSocket frames are not accepted: send one JSON object per text frame',
          ),
        );
        return;
      }
      if (buf.length > opts.maxFrameBytes) {
        opts.handler.refused(
          conn,
          new ProtocolError(
            'Error_invalid_protocol_message',
            `frame of ${String(buf.length)} bytes is over the limit of ${String(opts.maxFrameBytes)} bytes`,
          ),
        );
        return;
      }
      try {
        const r = decodeJsonRequest(buf.toString('utf8'));
        if (r.ok) opts.handler.request(conn, r.message);
        else opts.handler.refused(conn, r.error, r.referenceId);
      } catch (e) {
        // A server bug must not take the process (and every other client) down: log it, answer, keep serving.
        opts.logger.error({ conn: conn.id, err: e }, 'internal error handling a request');
        opts.handler.refused(
          conn,
          new ProtocolError('Error_itx_manager_internal', 'internal server error; the request was not applied'),
        );
      }
    });
    ws.on('close', () => {
      opts.handler.closed(conn);
    });
    ws.on('error', (err) => {
      opts.logger.info({ conn: conn.id, err: err.message }, 'websocket error');
    });
  });
  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(opts.port, opts.host, () => {
      resolve();
    });
  });
  const port = (http.address() as AddressInfo).port;
  let stopped: Promise<void> | undefined;
  const stopAccepting = (): void => {
    stopped ??= new Promise<void>((resolve) => {
      http.close(() => {
        resolve();
      });
    });
  };
  return {
    port,
    stopAccepting,
    close: async () => {
      stopAccepting();
      for (const c of wss.clients) c.terminate();
      await new Promise<void>((resolve) => {
        wss.close(() => {
          resolve();
        });
      });
      await stopped;
    },
  };
}
