/** One client connection, whatever its front door (TCP binary or WebSocket JSON). */
import type { ProtocolError } from '../protocol/errors.ts';
import type { Message } from '../protocol/message.ts';

export interface Connection {
  /** Unique per server process. */
  readonly id: number;
  /** `http`: the HTTP door's in-process connection of its write-token sessions. */
  readonly transport: 'tcp' | 'ws' | 'http';
  /** Remote address, for logs. */
  readonly remote: string;
  /** With mutual TLS: the common name of the client certificate the server verified (the application it may be). */
  readonly peerName?: string;
  /** Encodes and writes one message (no-op once closed). */
  send(message: Message): void;
  /** Closes the connection (pending writes are flushed first). */
  close(): void;
  /** Buffers writes until uncork() (the server corks every connection while it delivers one batch). */
  cork(): void;
  uncork(): void;
  /** Bytes written but not yet taken by the operating system (the peer is not reading fast enough). */
  bufferedBytes(): number;
  /** Calls `fn` once, when the bytes buffered so far have been handed to the operating system (at once if none). */
  onDrain(fn: () => void): void;
  /** Drops the connection at once, discarding what is buffered (a slow consumer over its budget). */
  abort(): void;
  /** Stops reading requests (the peer's further frames wait in the operating system's buffers) until resume(). */
  pause(): void;
  resume(): void;
}

/** What a transport reports to the server. */
export interface ConnectionHandler {
  opened(conn: Connection): void;
  /** A decoded, catalogue-validated request. */
  request(conn: Connection, message: Message): void;
  /** A decodable frame that was refused (unknown message, bad attribute): answered with EventError. */
  refused(conn: Connection, error: ProtocolError, referenceId?: number): void;
  closed(conn: Connection): void;
}
