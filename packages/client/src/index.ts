/**
 * @ixs/client, the client library of IXS: the JSON (WebSocket) and Genesys-binary (TCP) protocol clients, the
 * long-lived `Session` (registration, typed event listeners, reconnects) and the typed REST client of the HTTP door.
 * Built from the server repository's catalogue (src/protocol) and codecs (src/transport) into one bundle.
 */
export type { Json } from './reply-matcher.ts';
export { MatchingClient, ReplyMatcher } from './reply-matcher.ts';
export { JsonClient } from './ws-client.ts';
export { TcpClient } from './tcp-client.ts';
export { RequestError, Session, type SessionOptions } from './session.ts';
export { ProblemError, REST_OPERATIONS, RestClient } from './rest.ts';
export type { Body, Result } from '../../../src/protocol/http-api.ts';
export type { IsMessageName } from '../../../src/protocol/message.ts';
