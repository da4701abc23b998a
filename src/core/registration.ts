/** RequestRegisterClient: which clients may register, and how (the configured applications). */
import { enumValueName, type ClientTypeName } from '../protocol/enums.ts';
import { ProtocolError } from '../protocol/errors.ts';
import { kvGet, type KvList } from '../protocol/kv.ts';
import { isMsg, tlibMsg, type Message } from '../protocol/message.ts';
import { SERVER_ROLE_PRIMARY } from './tlib-link.ts';
import type { Services } from './context.ts';
import { show } from './context.ts';
import type { Dialect, Session } from './model/session.ts';
import type { PlanBuilder } from './plan.ts';

/** Validates a registration and plans its ack; returns the new session (the core adds it). */
export function register(
  core: Services,
  tx: PlanBuilder,
  msg: Message,
  id: number,
  viaProxy: Session | undefined,
  dialect: Dialect,
): Session {
  const ct = msg.attrs.ClientType;
  const name = msg.attrs.ClientName;
  if (ct === undefined) throw new ProtocolError('ErrorUnknownClientType', 'RequestRegisterClient needs ClientType');
  if (typeof name !== 'string' || name === '') {
    throw new ProtocolError('ErrorUnknownClientId', 'RequestRegisterClient needs a non-empty ClientName');
  }
  const typeName = enumValueName('ClientType', ct as number) as ClientTypeName | undefined;
  if (!typeName || typeName === 'Unknown') {
    throw new ProtocolError('ErrorUnknownClientType', `unknown ClientType ${show(ct)}`);
  }
  if (viaProxy && typeName === 'Proxy') {
    throw new ProtocolError(
      'Error_proxy_through_proxy',
      `proxy '${name}' cannot register through proxy '${viaProxy.clientName}'`,
    );
  }
  const app = core.dir.applications.get(name);
  if (!app) throw new ProtocolError('ErrorUnknownClientId', `no application named '${name}' is configured`);
  if (app.type !== typeName) {
    throw new ProtocolError(
      'ErrorUnknownClientType',
      `application '${name}' is configured as ${app.type}, not ${typeName}`,
    );
  }
  if (typeName === 'MediaServer') {
    if ([...core.state.sessionsNamed('MediaServer', name)].some((other) => other.supervisor !== true)) {
      throw new ProtocolError(
        'ErrorUnknownClientId',
        `a media server named '${name}' is already connected; media server names must be unique`,
      );
    }
  }
  // A routing engine registered with the IS protocol on the binary door (ORS-style) is never handed interactions (it
  // could not read EventRouteRequest): it pulls them (RequestPull, pull-for-strategy) and uses the IS requests.
  const ext = msg.attrs.Extension as KvList | undefined;
  const flag = (k: string): boolean => {
    const v = kvGet(ext, k);
    return v !== undefined && v !== 0 && v !== '0' && v !== '';
  };
  const session: Session = {
    id,
    clientType: typeName,
    clientName: name,
    dialect,
    ...(dialect === 'tlib' ? { strategies: new Set<string>() } : {}),
    ...(typeof msg.attrs.MediaType === 'string' ? { mediaType: msg.attrs.MediaType } : {}),
    wantsPropertiesChanged: flag('event_properties_changed'),
    wantsProcessingStopped: flag('event_processing_stopped'),
  };
  if (dialect === 'tlib') {
    // The T-Library channel opens on EventLinkConnected (the SDK checks RegistrationCode Primary).
    tx.send(
      session.id,
      tlibMsg('EventLinkConnected', {
        ServerVersion: core.serverVersion,
        ServerRole: SERVER_ROLE_PRIMARY,
        RegistrationCode: SERVER_ROLE_PRIMARY,
        SessionID: session.id,
      }),
    );
    return session;
  }
  tx.send(
    session.id,
    isMsg('EventAck', {
      ReferenceId: msg.attrs.ReferenceId,
      ProxyClientId: session.id,
      Extension: [{ key: 'ServerVersion', value: core.serverVersion }],
    }),
  );
  return session;
}
