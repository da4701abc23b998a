/**
 * External services (ESP, lifecycle §7, reference §7.4): a client's Request3rdServer is relayed to a third-party server
 * (a registered `ThirdPartyServer` application) chosen by the envelope's `AppName`, or by `AppType` round-robin over
 * every connected one; that server's Event3rdServerResponse / Event3rdServerFault goes back to the requester under the
 * requester's own ReferenceId. Reporting engines get EventExternalServiceRequested and EventExternalServiceResponded
 * (kept in the event log). A request in flight lives with both sessions: when the server goes away its requesters get
 * Event3rdServerFault; when the requester goes away the answer is still reported but sent to nobody. Nothing here is durable (like sessions).
 */
import { ProtocolError } from '../protocol/errors.ts';
import { kvGet, isKvList, type KvList } from '../protocol/kv.ts';
import { isMsg, tlibMsg } from '../protocol/message.ts';
import { requesterActor, type Ctx } from './context.ts';
import type { EspRelay, InFlight } from './esp-relay.ts';
import type { Session } from './model/session.ts';
import type { PlanBuilder } from './plan.ts';

/** EspResponseType of EventExternalServiceResponded: the ESP message that ended the request (our choice). */
export const ESP_RESPONSE = 501;
export const ESP_FAULT = 502;

/** The ESP envelope of a request: its `Envelope3rdServer` entry when it has one, else the Request list itself. */
export function envelopeOf(request: KvList): KvList {
  const inner = kvGet(request, 'Envelope3rdServer');
  return isKvList(inner) ? inner : request;
}

/** Request3rdServer {Request, UserData?}: relayed to a third-party server; its answer comes back later. */
export function request3rdServer(ctx: Ctx<'Request3rdServer'>): void {
  const request = ctx.a.Request;
  if (!request) throw new ProtocolError('Error_invalid_protocol_message', 'Request3rdServer needs Request');
  relay(ctx, request, ctx.a.UserData, ctx.a.ReferenceId);
}

/**
 * T-Library RequestPrivateService {Extensions: Envelope3rdServer, UserData?, ConnID?, ThisDN?, PrivateMsgID?} from a
 * routing engine on the binary door: relayed like Request3rdServer (the envelope as `Request.Envelope3rdServer`); the
 * answer comes back as EventPrivateInfo.
 */
export function privateService(ctx: Ctx): void {
  const a = ctx.m.attrs;
  const env = isKvList(a.Extensions) ? kvGet(a.Extensions, 'Envelope3rdServer') : undefined;
  if (!isKvList(env)) {
    throw new ProtocolError(
      'Error_invalid_protocol_message',
      'RequestPrivateService needs the ESP request in Extensions, key Envelope3rdServer (a list)',
    );
  }
  const tlib = {
    ...(typeof a.ConnId === 'string' ? { connId: a.ConnId } : {}),
    ...(typeof a.ThisDN === 'string' ? { thisDN: a.ThisDN } : {}),
    ...(typeof a.PrivateMsgID === 'number' ? { privateMsgId: a.PrivateMsgID } : {}),
  };
  const ref = typeof a.ReferenceId === 'number' ? a.ReferenceId : undefined;
  relay(ctx, [{ key: 'Envelope3rdServer', value: env }], isKvList(a.UserData) ? a.UserData : undefined, ref, tlib);
}

/** Relays an ESP request to a third-party server (see the module comment). */
function relay(
  ctx: Ctx,
  request: KvList,
  userData: KvList | undefined,
  clientRef: number | undefined,
  tlib?: InFlight['tlib'],
): void {
  const { s, tx, core } = ctx;
  const envelope = envelopeOf(request);
  const named = kvGet(envelope, 'AppName');
  const appName = typeof named === 'string' && named !== '' ? named : undefined;
  if (appName === undefined && kvGet(envelope, 'AppType') === undefined) {
    throw new ProtocolError(
      'Error_invalid_protocol_message',
      `${ctx.m.name} needs AppName or AppType in its ESP envelope (Request, or its Envelope3rdServer)`,
    );
  }
  if (appName !== undefined && core.dir.applications.get(appName)?.type !== 'ThirdPartyServer') {
    throw new ProtocolError(
      'Error_party_unavailable',
      `AppName '${appName}' is not a configured ThirdPartyServer application`,
    );
  }
  const servers = [
    ...(appName === undefined
      ? core.state.sessionsOfType('ThirdPartyServer')
      : core.state.sessionsNamed('ThirdPartyServer', appName)),
  ];
  if (servers.length === 0) {
    throw new ProtocolError(
      'Error_party_unavailable',
      appName === undefined ? 'no third-party server is connected' : `third-party server '${appName}' is not connected`,
    );
  }
  const inFlight = core.esp;
  const server = servers[inFlight.nextTurn() % servers.length] as Session;
  const serverRef = inFlight.newRef();
  const requestId = `${String(s.id)}-${String(serverRef)}-${String(tx.nowMs)}`;
  const actor = requesterActor(ctx);
  tx.report(null, 'EventExternalServiceRequested', {
    ...actor,
    EspClientRefid: clientRef,
    EspServerRefid: serverRef,
    EspRequestEnvelope: envelope,
    UserData: userData,
    EspRequestId: requestId,
  });
  tx.send(server.id, isMsg('Request3rdServer', { ReferenceId: serverRef, Request: request, UserData: userData }));
  inFlight.add({
    serverRef,
    server: server.id,
    requester: s.id,
    clientRef,
    envelope,
    userData,
    requestId,
    actor,
    ...(tlib ? { tlib } : {}),
  });
}

/** The request in flight a third-party server's answer names (it must be one that server was sent). */
function inFlightOf(ctx: Ctx<'Event3rdServerResponse' | 'Event3rdServerFault'>): InFlight {
  const ref = ctx.a.ReferenceId;
  const f = typeof ref === 'number' ? ctx.core.esp.get(ref) : undefined;
  if (!f || f.server !== ctx.s.id) {
    throw new ProtocolError(
      'Error_invalid_protocol_message',
      `${ctx.m.name}: no Request3rdServer with ReferenceId ${JSON.stringify(ref ?? null)} waits for an answer from this server`,
    );
  }
  return f;
}

/** Event3rdServerResponse / Event3rdServerFault from the third-party server: relayed to the requester. */
export function answer3rdServer(ctx: Ctx<'Event3rdServerResponse' | 'Event3rdServerFault'>): void {
  const f = inFlightOf(ctx);
  const fault = ctx.m.name === 'Event3rdServerFault';
  const userData = fault ? undefined : (ctx.a as { UserData?: KvList }).UserData;
  finish(ctx.tx, ctx.core.esp, f, fault, ctx.a.Request, userData);
}

/** Ends a request: the requester gets the answer (when still there); reporting EventExternalServiceResponded. */
function finish(
  tx: PlanBuilder,
  relay: EspRelay,
  f: InFlight,
  fault: boolean,
  request: KvList | undefined,
  userData: KvList | undefined,
): void {
  relay.remove(f);
  tx.report(null, 'EventExternalServiceResponded', {
    ...f.actor,
    EspClientRefid: f.clientRef,
    EspServerRefid: f.serverRef,
    EspResponseType: fault ? ESP_FAULT : ESP_RESPONSE,
    EspRequestEnvelope: fault ? [...f.envelope, ...faultPairs(request)] : f.envelope,
    UserData: userData ?? f.userData,
    EspRequestId: f.requestId,
  });
  if (f.requesterGone === true) return;
  if (f.tlib) {
    // The T-Library form: the answer's envelope in Extensions; a fault is an envelope with FaultCode / FaultString.
    tx.send(
      f.requester,
      tlibMsg('EventPrivateInfo', {
        ReferenceId: f.clientRef,
        ConnId: f.tlib.connId,
        ThisDN: f.tlib.thisDN,
        PrivateMsgID: f.tlib.privateMsgId,
        UserData: userData ?? f.userData,
        Extensions: [{ key: 'Envelope3rdServer', value: request ?? [] }],
      }),
    );
    return;
  }
  tx.send(
    f.requester,
    fault
      ? isMsg('Event3rdServerFault', { ReferenceId: f.clientRef, Request: request })
      : isMsg('Event3rdServerResponse', { ReferenceId: f.clientRef, Request: request, UserData: userData }),
  );
}

/** FaultCode / FaultString of a fault's Request, for the reporting copy of the envelope. */
function faultPairs(request: KvList | undefined): KvList {
  if (!request) return [];
  return request.filter((p) => p.key === 'FaultCode' || p.key === 'FaultString');
}

/**
 * A session ended: requests it was serving fail (its requesters get Event3rdServerFault, FaultCode `ServerGone`);
 * the answers to requests it made will go to nobody. Costs the session's own requests, nothing more.
 */
export function espSessionEnded(tx: PlanBuilder, relay: EspRelay, s: Session): void {
  for (const f of relay.of(s.id)) {
    if (f.server === s.id) {
      const request: KvList = [
        { key: 'FaultCode', value: 'ServerGone' },
        { key: 'FaultString', value: `third-party server '${s.clientName}' disconnected before it answered` },
      ];
      finish(tx, relay, f, true, request, undefined);
    } else {
      relay.detachRequester(f);
    }
  }
}
