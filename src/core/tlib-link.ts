/**
 * Routing engines on the binary door's T-Library dialect (urs-routing §9.8): the link (registration answered with
 * EventLinkConnected in registration.ts; RequestQueryServer), strategy DNs (RequestRegisterAddress /
 * RequestUnregisterAddress: the engine is handed the interactions of the strategies it registered; a strategy is what
 * an `external` queue is known by, `queues[].strategy` or its name), and the requests on a held interaction, which name
 * it by its hand-off's ConnID: RequestUpdateUserData, RequestAttachUserData, RequestDeleteUserData, RequestDeletePair
 * and RequestRouteCall; besides them RequestPrivateService (ESP, esp.ts) and RequestReserveAgent (reservations.ts).
 * Those run the same handlers as the T-Library facade of the JSON door (properties.ts, routing-engine.ts) once the
 * ConnID is resolved and the route target read from the T-Library attributes (resolveRouteTarget); what the engine gets
 * back is turned into the T-Library wire form on the way out (PlanBuilder.send, render.ts tlibWireForm).
 */
import { ProtocolError } from '../protocol/errors.ts';
import { kvGet, type KvList } from '../protocol/kv.ts';
import { tlibMsg, type AttrValue, type Message } from '../protocol/message.ts';
import type { Command } from './commands.ts';
import type { Ctx } from './context.ts';
import { privateService } from './esp.ts';
import { deleteUserData, updateUserData } from './properties.ts';
import { routeCall } from './routing-engine.ts';

/** ServerRole / RegistrationCode Primary: what the SDK's T-Library channel checks when it opens. */
export const SERVER_ROLE_PRIMARY = 0;

/** T-Library RouteType values that end the interaction instead of routing it (Reject, CallDisconnect). */
const ROUTE_TYPE_STOP = new Set([7, 14]);

/** The one command of a binary T-Library session: dispatches on the request's T-Library name. */
export const TLIB_LINK: Command = { run: tlibRequest };

function tlibRequest(ctx: Ctx): void {
  const { tx, s, m, core } = ctx;
  const a = m.attrs;
  switch (m.name) {
    case 'RequestQueryServer':
      tx.send(
        s.id,
        tlibMsg('EventServerInfo', {
          ReferenceId: a.ReferenceId,
          ServerVersion: core.serverVersion,
          ServerRole: SERVER_ROLE_PRIMARY,
        }),
      );
      return;
    case 'RequestRegisterAddress':
    case 'RequestUnregisterAddress': {
      const dn = a.ThisDN;
      if (typeof dn !== 'string' || dn === '') {
        throw new ProtocolError('Error_invalid_protocol_message', `${m.name} needs ThisDN (the strategy)`);
      }
      if (m.name === 'RequestRegisterAddress') {
        s.strategies?.add(dn);
        // Interactions already waiting for this strategy are offered now.
        core.state.offerExternalAgain();
        tx.send(
          s.id,
          tlibMsg('EventRegistered', { ReferenceId: a.ReferenceId, ThisDN: dn, AddressType: a.AddressType }),
        );
      } else {
        s.strategies?.delete(dn);
        tx.send(s.id, tlibMsg('EventUnregistered', { ReferenceId: a.ReferenceId, ThisDN: dn }));
      }
      return;
    }
    // RequestAttachUserData: interaction properties are one list per key, so attaching merges like an update.
    case 'RequestAttachUserData':
    case 'RequestUpdateUserData':
      updateUserData(onHeld(ctx, heldId(ctx), { UserData: a.UserData }));
      return;
    case 'RequestDeleteUserData':
      deleteUserData(onHeld(ctx, heldId(ctx), {}));
      return;
    case 'RequestDeletePair': {
      const key = a.DataKey;
      if (typeof key !== 'string' || key === '') {
        throw new ProtocolError('Error_invalid_protocol_message', 'RequestDeletePair needs DataKey');
      }
      deleteUserData(onHeld(ctx, heldId(ctx), { Keys: [key] }));
      return;
    }
    case 'RequestRouteCall': {
      const id = heldId(ctx);
      const tenant = core.state.interactions.get(id)?.tenantId;
      routeCall(onHeld(ctx, id, resolveRouteTarget(ctx, tenant)));
      return;
    }
    case 'RequestPrivateService':
      privateService(ctx);
      return;
    case 'RequestReserveAgent': {
      const r = core.dir.config.settings.agentReservation;
      core.reservations.request(
        { s, tx, attrs: a, occupantOf: (place) => core.state.placeOccupant.get(place) },
        r.requestCollectionTime,
        r.reservationTime,
        r.rejectSubsequentRequest,
      );
      return;
    }
    default:
      throw new ProtocolError(
        'ErrorUnsupportedProtocolElement',
        `${m.name} is not served on the binary T-Library dialect yet`,
      );
  }
}

/**
 * The interaction the request's ConnID names now (a ConnID of a hand-off that has ended names nothing:
 * TERR_INV_CONNID, never the interaction's later hand-off).
 */
function heldId(ctx: Ctx): string {
  const connId = ctx.m.attrs.ConnId;
  if (typeof connId !== 'string') {
    throw new ProtocolError('Error_invalid_protocol_message', `${ctx.m.name} needs ConnID`);
  }
  const id = ctx.core.state.heldUnder(connId);
  if (id === undefined) {
    throw new ProtocolError(
      'Error_unknown_interaction',
      `ConnID ${connId} names no interaction a routing engine holds (its hand-off ended, or it never existed)`,
    );
  }
  return id;
}

/** The request as the facade's handler reads it: interaction `id` (heldId) and the given attributes. */
function onHeld(ctx: Ctx, id: string, attrs: Record<string, AttrValue | undefined>): Ctx {
  const a: Record<string, AttrValue> = { ConnId: id };
  if (ctx.m.attrs.ReferenceId !== undefined) a.ReferenceId = ctx.m.attrs.ReferenceId;
  for (const [k, v] of Object.entries(attrs)) if (v !== undefined) a[k] = v;
  const m: Message = { protocol: 'tlib', name: ctx.m.name, attrs: a };
  return { ...ctx, m, a };
}

/** An Extensions value of a route request by any of its names (case-insensitive), when it is text. */
function extension(ext: KvList | undefined, ...names: string[]): string | undefined {
  if (!ext) return undefined;
  for (const n of names) {
    const p = ext.find((e) => e.key.toLowerCase() === n.toLowerCase());
    if (p && typeof p.value === 'string' && p.value !== '') return p.value;
  }
  return undefined;
}

/**
 * The target of a T-Library RequestRouteCall, as the facade's attributes (TargetType 1 agent, 2 queue, 3 workbin,
 * 4 stop), read in this order: Extensions naming the target (`TargetType`/`type`: agent|A, place|AP, queue|iq,
 * workbin|wb, stop; `TargetAgent`/`agent`, `TargetPlace`/`place`, `TargetQueue`/`queue`, `TargetWorkbin`,
 * `StopReason`); RouteType Reject (7) or CallDisconnect (14): stop; OtherDN as a queue, a workbin of the
 * interaction's tenant `tenantId` (owner from the Extensions), a place or an agent. Nothing matched:
 * Error_routing_target_invalid (TERR_TARG_DN_INV).
 */
export function resolveRouteTarget(ctx: Ctx, tenantId: number | undefined): Record<string, AttrValue | undefined> {
  const a = ctx.m.attrs;
  const ext = a.Extensions as KvList | undefined;
  const agent = extension(ext, 'TargetAgent', 'agent');
  const place = extension(ext, 'TargetPlace', 'place');
  const dn = typeof a.OtherDN === 'string' && a.OtherDN !== '' ? a.OtherDN : undefined;
  const type = extension(ext, 'TargetType', 'type')?.toLowerCase();
  const reason =
    extension(ext, 'StopReason') ?? (kvGet(a.Reasons as KvList | undefined, 'Reason') as string | undefined);
  switch (type) {
    case undefined:
      break;
    case 'agent':
    case 'a':
      return { TargetType: 1, TargetAgent: agent ?? (place === undefined ? dn : undefined), TargetPlace: place };
    case 'place':
    case 'ap':
      return { TargetType: 1, TargetAgent: agent, TargetPlace: place ?? dn };
    case 'queue':
    case 'iq':
      return { TargetType: 2, TargetQueue: extension(ext, 'TargetQueue', 'queue', 'id') ?? dn };
    case 'workbin':
    case 'wb':
      return {
        TargetType: 3,
        TargetWorkbin: extension(ext, 'TargetWorkbin') ?? dn,
        TargetAgent: agent,
        TargetPlace: place,
      };
    case 'stop':
      return { TargetType: 4, Reason: reason };
    default:
      throw new ProtocolError(
        'Error_routing_target_invalid',
        `Extensions TargetType '${type}' is none of agent, place, queue, workbin, stop`,
      );
  }
  if (typeof a.RouteType === 'number' && ROUTE_TYPE_STOP.has(a.RouteType)) return { TargetType: 4, Reason: reason };
  const dir = ctx.core.dir;
  if (dn !== undefined) {
    if (dir.queues.has(dn)) return { TargetType: 2, TargetQueue: dn };
    if (tenantId !== undefined && dir.workbin(dn, tenantId)) {
      return { TargetType: 3, TargetWorkbin: dn, TargetAgent: agent, TargetPlace: place };
    }
    if (dir.places.has(dn)) return { TargetType: 1, TargetPlace: dn };
    if (dir.agents.has(dn)) return { TargetType: 1, TargetAgent: dn };
  }
  throw new ProtocolError(
    'Error_routing_target_invalid',
    dn === undefined
      ? 'RequestRouteCall names no target: no OtherDN, no target in Extensions, and a RouteType that does not stop'
      : `OtherDN '${dn}' is no queue, workbin, place or agent`,
  );
}
