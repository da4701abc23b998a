/** A small JSON-over-WebSocket client: used by the CLI verbs, the benchmark and the tests. */
import WebSocket from 'ws';
import { MatchingClient, type Json } from './reply-matcher.ts';

export type { Json };

/** A connected JSON client with request/response matching by referenceId and an event queue. */
export class JsonClient extends MatchingClient {
  closed = false;

  private constructor(readonly ws: WebSocket) {
    super();
    ws.on('message', (data) => {
      const buf = Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as ArrayBuffer);
      this.matcher.dispatch(JSON.parse(buf.toString('utf8')) as Json);
    });
    ws.on('close', () => {
      this.closed = true;
      this.matcher.failAll('connection closed');
    });
  }

  /** Opens a connection (`wss://` with `options.ca`, and `cert`/`key` for mutual TLS, when the door is TLS). */
  static async connect(url: string, options?: WebSocket.ClientOptions): Promise<JsonClient> {
    const ws = new WebSocket(url, options);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => {
        resolve();
      });
      ws.once('error', reject);
    });
    return new JsonClient(ws);
  }

  protected write(full: Json): void {
    this.ws.send(JSON.stringify(full));
  }

  /** Sends raw text (for bad-input tests). */
  sendRaw(text: string): void {
    this.ws.send(text);
  }

  close(): void {
    this.ws.close();
  }
}
