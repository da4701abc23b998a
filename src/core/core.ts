/**
 * The core: sessions, interactions, property rules, routing hand-off and the fan-out plan. No I/O and no clock reads
 * (the clock is injected). Every command validates first and throws a ProtocolError before touching anything, so a
 * refused request changes nothing; an accepted one returns a Plan: the durable operations and, for each party, the
 * messages it gets once those operations are committed.
 */
import type { Config } from '../config/schema.ts';
import { type ClientTypeName, enumValueName, InteractionState, Operation } from '../protocol/enums.ts';
import { ProtocolError } from '../protocol/errors.ts';
import { kvGet, kvWireSize, type KvList, type KvPair, type KvValue } from '../protocol/kv.ts';
import { formatDate, isMsg, tlibMsg, type AttrValue, type Message } from '../protocol/message.ts';
import type { AgentLogin, EventRecord, Interaction, Outbound, Plan, Session, StoreOp } from './model.ts';
import { SYSTEM_PROPERTIES } from './properties.ts';

/** Options of the core. */
export interface CoreOptions {
  readonly config: Config;
  /** Milliseconds since the epoch; injected so tests can control time. */
  readonly clock: () => number;
  /** Generates interaction ids when RequestSubmit carries none. */
  readonly newInteractionId?: () => string;
  /** Server version reported in the registration ack's Extension (ServerVersion). */
  readonly serverVersion?: string;
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };
type Draft = Mutable<Interaction>;
type Attrs = Record<string, AttrValue | undefined>;

const SERVER_VERSION = 'IXS 0.1.0';

const NO_SESSIONS: ReadonlySet<Session> = new Set();

/** Builds a command's plan while it runs. */
class Tx {
  readonly store: StoreOp[] = [];
  readonly out: Outbound[] = [];
  constructor(
    readonly core: Core,
    readonly now: string,
  ) {}
  send(to: number | undefined, message: Message): void {
    if (to !== undefined) this.out.push({ to, message });
  }
  /** A reporting event: durable in the event log and sent to every reporting engine. */
  report(d: Draft | null, name: string, attrs: Attrs): Message {
    // Built in place (the hottest allocation of a change): the interaction's attributes, EventTime, then attrs.
    const all: Record<string, AttrValue> = d ? this.core.itxAttrs(d) : {};
    all.EventTime = this.now;
    for (const k in attrs) {
      const v = attrs[k];
      if (v !== undefined) all[k] = v;
    }
    const message: Message = { protocol: 'is', name, attrs: all };
    let ixnSeq: number | null = null;
    if (d) {
      d.eventSeq += 1;
      ixnSeq = d.eventSeq;
    }
    const event: EventRecord = { interactionId: d ? d.id : null, ixnSeq, time: this.now, message };
    this.store.push({ op: 'event', event });
    for (const s of this.core.sessionsOfType('ReportingEngine')) this.send(s.id, message);
    return message;
  }
  plan(): Plan {
    return { store: this.store, out: this.out };
  }
}

/** The Interaction Server core. */
export class Core {
  readonly interactions = new Map<string, Interaction>();
  readonly sessions = new Map<number, Session>();
  /** Sessions by client type, and by the agent logged in on them (the fan-out looks them up on every change). */
  private readonly byType = new Map<ClientTypeName, Set<Session>>();
  private readonly byAgent = new Map<string, Set<Session>>();
  private readonly cfg: Config;
  private readonly clock: () => number;
  private readonly newId: () => string;
  private readonly serverVersion: string;
  private nextSessionId = 1001;
  private nextTicketId = 1;
  private routerTurn = 0;
  private idCounter = 0;
  /** Interactions waiting to be offered to a routing engine or an agent. */
  private readonly toOffer = new Set<string>();
  private readonly queues: Map<string, Config['queues'][number]>;

  constructor(opts: CoreOptions) {
    this.cfg = opts.config;
    this.clock = opts.clock;
    this.newId = opts.newInteractionId ?? (() => this.generateId());
    this.serverVersion = opts.serverVersion ?? SERVER_VERSION;
    this.queues = new Map(this.cfg.queues.map((q) => [q.name, q]));
  }

  private generateId(): string {
    // 16 characters like Genesys ids: time in base 36 plus a counter, unique within this process and across restarts.
    this.idCounter = (this.idCounter + 1) % 36 ** 4;
    return (this.clock().toString(36).padStart(10, '0') + 'IX' + this.idCounter.toString(36).padStart(4, '0'))
      .toUpperCase()
      .slice(-16);
  }

  /**
   * Restores interactions from the store. Interactions a routing engine held go back to their queue (no engine is
   * connected after a restart) and are offered again when one registers; so do those offered to an agent (the invited
   * agent's session is gone with the restart, and session ids start again).
   */
  load(interactions: readonly Interaction[]): void {
    for (const ix of interactions) {
      let r = ix;
      if ((r.state === InteractionState.Routing || r.invite) && r.state !== InteractionState.Handling) {
        const { routerName: _routerName, invite: _invite, ...rest } = r;
        r = { ...rest, state: InteractionState.Queued };
      }
      this.interactions.set(r.id, r);
      if (r.state === InteractionState.Queued) this.toOffer.add(r.id);
    }
  }

  // ---------------------------------------------------------------- registration

  /**
   * RequestRegisterClient. `viaProxy` is the proxy session when a proxy registers one of its clients.
   * Returns the new session (on success) and the plan (ack or error).
   */
  register(msg: Message, viaProxy?: Session): { plan: Plan; session?: Session; error?: Message } {
    const tx = new Tx(this, formatDate(this.clock()));
    const ref = msg.attrs.ReferenceId as number | undefined;
    try {
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
      const app = this.cfg.applications.find((a) => a.name === name);
      if (!app) throw new ProtocolError('ErrorUnknownClientId', `no application named '${name}' is configured`);
      if (app.type !== typeName) {
        throw new ProtocolError(
          'ErrorUnknownClientType',
          `application '${name}' is configured as ${app.type}, not ${typeName}`,
        );
      }
      if (typeName === 'MediaServer') {
        for (const s of this.sessions.values()) {
          if (s.clientType === 'MediaServer' && s.clientName === name) {
            throw new ProtocolError(
              'ErrorUnknownClientId',
              `a media server named '${name}' is already connected; media server names must be unique`,
            );
          }
        }
      }
      const ext = msg.attrs.Extension as KvList | undefined;
      const flag = (k: string): boolean => {
        const v = kvGet(ext, k);
        return v !== undefined && v !== 0 && v !== '0' && v !== '';
      };
      const session: Session = {
        id: this.nextSessionId++,
        clientType: typeName,
        clientName: name,
        ...(typeof msg.attrs.MediaType === 'string' ? { mediaType: msg.attrs.MediaType } : {}),
        wantsPropertiesChanged: flag('event_properties_changed'),
        wantsProcessingStopped: flag('event_processing_stopped'),
      };
      this.addSession(session);
      tx.send(
        session.id,
        isMsg('EventAck', {
          ReferenceId: ref,
          ProxyClientId: session.id,
          Extension: [{ key: 'ServerVersion', value: this.serverVersion }],
        }),
      );
      if (typeName === 'RoutingEngine' || typeName === 'AgentApplication') this.offerAll(tx);
      return { plan: tx.plan(), session };
    } catch (e) {
      if (!(e instanceof ProtocolError)) throw e;
      return { plan: { store: [], out: [] }, error: errorMessage(e, ref) };
    }
  }

  /** A session ended (connection lost, RequestUnregisterClient, proxy client gone). */
  sessionClosed(sessionId: number): Plan {
    const s = this.sessions.get(sessionId);
    const tx = new Tx(this, formatDate(this.clock()));
    if (!s) return tx.plan();
    this.removeSession(s);
    if (s.agent) this.reportAgentLogout(tx, s, s.agent);
    if (s.clientType === 'RoutingEngine' && !this.sessionsNamed(s.clientName, 'RoutingEngine').length) {
      // The interactions it held go back to their queues and are offered again (issue #2).
      for (const ix of [...this.interactions.values()]) {
        if (ix.routerName !== s.clientName) continue;
        const d: Draft = { ...ix };
        delete d.routerName;
        if (d.invite) {
          const { routerName: _r, routeReferenceId: _ref, ...inv } = d.invite;
          d.invite = inv;
        } else if (d.state === InteractionState.Routing) {
          tx.report(d, 'EventPartyRemoved', {
            ...this.strategyParty(d, s.clientName),
            Operation: Operation.PartyDisconnect,
          });
          d.state = InteractionState.Queued;
          this.toOffer.add(d.id);
        }
        this.put(tx, d);
      }
      this.offerAll(tx);
    }
    this.withdrawInvitesTo(tx, sessionId);
    if (s.agent) this.offerAll(tx);
    return tx.plan();
  }

  // ---------------------------------------------------------------- requests

  /** Handles one request of a registered session. Never throws a ProtocolError: it becomes an EventError. */
  handle(session: Session, msg: Message): Plan {
    const tx = new Tx(this, formatDate(this.clock()));
    try {
      this.dispatch(tx, session, msg);
      return tx.plan();
    } catch (e) {
      if (!(e instanceof ProtocolError)) throw e;
      return { store: [], out: [{ to: session.id, message: errorMessage(e, msg.attrs.ReferenceId) }] };
    }
  }

  /** The command of each supported request. */
  private readonly commands: Readonly<Record<string, (tx: Tx, s: Session, m: Message) => void>> = {
    RequestSubmit: (tx, s, m) => {
      this.submit(tx, s, m);
    },
    RequestChangeProperties: (tx, s, m) => {
      this.changeProperties(tx, s, m);
    },
    RequestUpdateUserData: (tx, s, m) => {
      this.tlibUserData(tx, s, m);
    },
    RequestDeleteUserData: (tx, s, m) => {
      this.tlibUserData(tx, s, m);
    },
    RequestStopProcessing: (tx, s, m) => {
      this.stopProcessing(tx, s, m);
    },
    RequestGetInteractionProperties: (tx, s, m) => {
      this.getProperties(tx, s, m);
    },
    RequestAgentLogin: (tx, s, m) => {
      this.agentLogin(tx, s, m);
    },
    RequestAgentLogout: (tx, s, m) => {
      this.agentLogout(tx, s, m);
    },
    RequestRouteCall: (tx, s, m) => {
      this.routeCall(tx, s, m);
    },
    RequestAccept: (tx, s, m) => {
      this.accept(tx, s, m);
    },
    RequestReject: (tx, s, m) => {
      this.reject(tx, s, m);
    },
  };

  private dispatch(tx: Tx, s: Session, m: Message): void {
    const command = Object.hasOwn(this.commands, m.name) ? this.commands[m.name] : undefined;
    if (!command)
      throw new ProtocolError('ErrorUnsupportedProtocolElement', `${m.name} is not supported by this server`);
    command(tx, s, m);
  }

  // ---------------------------------------------------------------- submit

  private submit(tx: Tx, s: Session, m: Message): void {
    const a = m.attrs;
    if (s.clientType !== 'MediaServer' && s.clientType !== 'AgentApplication') {
      throw notAllowed(m, s);
    }
    if (s.clientType === 'AgentApplication' && !s.agent) {
      throw new ProtocolError(
        'Error_client_not_logged_in',
        'RequestSubmit from an agent application needs RequestAgentLogin first',
      );
    }
    if (a.TenantId === undefined) throw new ProtocolError('Error_tenant_not_specified', 'RequestSubmit needs TenantId');
    const tenantId = a.TenantId as number;
    if (!this.cfg.tenants.some((t) => t.id === tenantId)) {
      throw new ProtocolError(
        'Error_unknown_tenant_in_request',
        `TenantId ${String(tenantId)} is not a configured tenant`,
      );
    }
    const mediaType = a.MediaType as string | undefined;
    if (!mediaType) throw new ProtocolError('Error_media_type_not_specified', 'RequestSubmit needs MediaType');
    if (!this.cfg.mediaTypes.includes(mediaType)) {
      throw new ProtocolError(
        'Error_unsupported_media_type',
        `MediaType '${mediaType}' is not configured (configured: ${this.cfg.mediaTypes.join(', ')})`,
      );
    }
    const type = a.InteractionType as string | undefined;
    if (!type) throw new ProtocolError('Error_interaction_type_not_specified', 'RequestSubmit needs InteractionType');
    const subtypes = this.cfg.interactionTypes[type];
    if (!subtypes)
      throw new ProtocolError('Error_unsupported_interaction_type', `InteractionType '${type}' is not configured`);
    const subtype = a.InteractionSubtype as string | undefined;
    if (!subtype)
      throw new ProtocolError('Error_interaction_subtype_not_specified', 'RequestSubmit needs InteractionSubtype');
    if (!subtypes.includes(subtype)) {
      throw new ProtocolError(
        'Error_unsupported_interaction_subtype',
        `InteractionSubtype '${subtype}' is not configured for InteractionType '${type}'`,
      );
    }
    const queue = a.Queue as string | undefined;
    if (!queue && s.clientType === 'MediaServer')
      throw new ProtocolError('Error_queue_not_specified', 'RequestSubmit needs Queue');
    if (queue) {
      const q = this.queues.get(queue);
      if (!q || q.tenant !== tenantId) {
        throw new ProtocolError(
          'Error_unknown_queue_in_request',
          `Queue '${queue}' is not a configured queue of tenant ${String(tenantId)}`,
        );
      }
    }
    if (a.WorkbinTypeId !== undefined) {
      throw new ProtocolError(
        'ErrorUnsupportedProtocolElement',
        'RequestSubmit into a workbin (WorkbinTypeId) is not supported yet; submit to a queue',
      );
    }
    let id = a.InteractionId as string | undefined;
    if (id !== undefined) {
      if (id === '') throw new ProtocolError('Error_invalid_protocol_message', 'InteractionId must not be empty');
      if (this.interactions.has(id))
        throw new ProtocolError('Error_duplicated_interaction_id', `an interaction with id '${id}' already exists`);
    } else {
      do id = this.newId();
      while (this.interactions.has(id));
    }
    const userData = (a.UserData as KvList | undefined) ?? [];
    this.checkUserData(userData, 'UserData');
    const dupe = firstDuplicateKey(userData);
    if (dupe !== undefined) throw new ProtocolError('Error_duplicated_properties', `UserData has key '${dupe}' twice`);
    const byAgent = s.clientType === 'AgentApplication' && s.agent;
    const d: Draft = {
      id,
      tenantId,
      mediaType,
      type,
      subtype,
      queue: queue ?? '',
      state: byAgent ? InteractionState.Handling : InteractionState.Queued,
      submittedBy: s.clientName,
      submittedAt: tx.now,
      receivedAt: (a.ReceivedAt as string | undefined) ?? tx.now,
      isOnline: a.IsOnline === true,
      userData,
      version: 1,
      eventSeq: 0,
      agents: byAgent && s.agent ? [s.agent.agentId] : [],
      ...(typeof a.ParentInteractionId === 'string' ? { parentId: a.ParentInteractionId } : {}),
      ...(queue ? { placedInQueueAt: tx.now } : {}),
    };
    tx.send(s.id, isMsg('EventAck', { ReferenceId: a.ReferenceId, InteractionId: id, Version: d.version }));
    tx.report(d, 'EventInteractionSubmitted', this.actorOf(s, d));
    if (byAgent && s.agent) {
      tx.report(d, 'EventPartyAdded', { ...this.actorOf(s, d), ...agentParty(s.agent), Operation: Operation.Create });
    } else {
      this.toOffer.add(id);
    }
    this.put(tx, d);
    this.offerAll(tx);
  }

  // ---------------------------------------------------------------- properties

  private changeProperties(tx: Tx, s: Session, m: Message): void {
    const a = m.attrs;
    const d = this.owned(s, m, a.InteractionId);
    this.checkVersion(d, a.ExpectedVersion);
    const added = (a.AddedProperties as KvList | undefined) ?? [];
    const changed = (a.ChangedProperties as KvList | undefined) ?? [];
    const deleted = (a.DeletedProperties as KvList | undefined) ?? [];
    const seen = new Map<string, string>();
    for (const [list, label] of [
      [added, 'AddedProperties'],
      [changed, 'ChangedProperties'],
      [deleted, 'DeletedProperties'],
    ] as const) {
      for (const p of list) {
        const prev = seen.get(p.key);
        if (prev !== undefined) {
          throw new ProtocolError(
            'Error_duplicated_properties',
            prev === label
              ? `key '${p.key}' appears twice in ${label}`
              : `key '${p.key}' appears in both ${prev} and ${label}`,
          );
        }
        seen.set(p.key, label);
      }
    }
    for (const p of [...added, ...changed, ...deleted]) checkWritable(p.key);
    for (const p of added) {
      if (kvGet(d.userData, p.key) !== undefined) {
        throw new ProtocolError(
          'Error_duplicated_properties',
          `AddedProperties key '${p.key}' already exists; use ChangedProperties to replace it`,
        );
      }
    }
    for (const p of deleted) {
      if (kvGet(d.userData, p.key) === undefined) {
        throw new ProtocolError(
          'Error_invalid_interaction_data',
          `DeletedProperties key '${p.key}' does not exist in interaction '${d.id}'`,
        );
      }
    }
    this.applyChange(
      tx,
      s,
      m,
      d,
      added,
      changed,
      deleted.map((p) => p.key),
    );
  }

  /** T-Library RequestUpdateUserData (merge) and RequestDeleteUserData (keys, or all keys). */
  private tlibUserData(tx: Tx, s: Session, m: Message): void {
    const a = m.attrs;
    if (s.clientType !== 'RoutingEngine') throw notAllowed(m, s);
    const d = this.owned(s, m, a.ConnId);
    this.checkVersion(d, a.ExpectedVersion);
    if (m.name === 'RequestUpdateUserData') {
      const ud = a.UserData as KvList | undefined;
      if (!ud) throw new ProtocolError('Error_invalid_protocol_message', 'RequestUpdateUserData needs userData');
      const dupe = firstDuplicateKey(ud);
      if (dupe !== undefined)
        throw new ProtocolError('Error_duplicated_properties', `userData has key '${dupe}' twice`);
      for (const p of ud) checkWritable(p.key);
      this.applyChange(tx, s, m, d, [], ud, []);
    } else {
      const keys = a.Keys as readonly string[] | undefined;
      let del: string[];
      if (keys === undefined) {
        del = d.userData.map((p) => p.key).filter((k) => !SYSTEM_PROPERTIES.has(k));
      } else {
        const dupe = keys.find((k, i) => keys.indexOf(k) !== i);
        if (dupe !== undefined) throw new ProtocolError('Error_duplicated_properties', `keys names '${dupe}' twice`);
        for (const k of keys) checkWritable(k);
        for (const k of keys) {
          if (kvGet(d.userData, k) === undefined) {
            throw new ProtocolError(
              'Error_invalid_interaction_data',
              `key '${k}' does not exist in interaction '${d.id}'`,
            );
          }
        }
        del = [...keys];
      }
      this.applyChange(tx, s, m, d, [], [], del);
    }
  }

  /**
   * Applies a validated change atomically and plans its fan-out (spec §2): the requester's ack, EventPropertiesChanged
   * to reporting engines, the handling agents and an opted-in submitting media server, EventAttachedDataChanged to the
   * routing engine holding it. Nobody gets its own change echoed, and nobody gets it twice.
   */
  private applyChange(
    tx: Tx,
    s: Session,
    m: Message,
    d: Draft,
    added: KvList,
    changed: KvList,
    deleted: readonly string[],
  ): void {
    const next = new Map<string, KvValue>(d.userData.map((p) => [p.key, p.value]));
    const evAdded: KvPair[] = [...added];
    const evChanged: KvPair[] = [];
    for (const p of changed) {
      if (next.has(p.key)) evChanged.push(p);
      else evAdded.push(p);
    }
    for (const p of added) next.set(p.key, p.value);
    for (const p of changed) next.set(p.key, p.value);
    for (const k of deleted) next.delete(k);
    const userData: KvList = [...next].map(([key, value]) => ({ key, value }));
    const evDeleted: KvPair[] = deleted.map((key) => ({ key, value: '' }));
    const isTlib = m.protocol === 'tlib';
    const noChange = evAdded.length + evChanged.length + evDeleted.length === 0;
    if (!noChange) {
      this.checkUserData(userData, `the user data of interaction '${d.id}' after this change`);
      d.userData = userData;
      d.version += 1;
      const pk = userData.find((p) => p.key === 'ParentId');
      if (pk && typeof pk.value === 'string') d.parentId = pk.value;
    }
    // The requester: its ack (EventAttachedDataChanged stands in for EventAck on the T-Library facade).
    if (isTlib) {
      tx.send(s.id, this.attachedDataChanged(d, m.attrs.ReferenceId, evAdded, evChanged, evDeleted));
    } else {
      tx.send(s.id, isMsg('EventAck', { ReferenceId: m.attrs.ReferenceId, Version: d.version }));
    }
    if (noChange) return;
    const delta = {
      ...(evAdded.length ? { AddedProperties: evAdded } : {}),
      ...(evChanged.length ? { ChangedProperties: evChanged } : {}),
      ...(evDeleted.length ? { DeletedProperties: evDeleted } : {}),
    };
    const eventAttrs = { ...this.actorOf(s, d), ...delta, Version: d.version };
    // The same message object for reporting engines, agents and the media server: it is encoded only once.
    const pc = tx.report(d, 'EventPropertiesChanged', eventAttrs);
    const told = this.requesterAndReporting(s);
    const tell = (id: number, msg: Message): void => {
      if (told.has(id)) return;
      told.add(id);
      tx.send(id, msg);
    };
    if (d.state === InteractionState.Handling) {
      for (const agentId of d.agents) for (const as of this.agentSessions(agentId)) tell(as.id, pc);
    }
    if (d.routerName) {
      const adc = this.attachedDataChanged(d, undefined, evAdded, evChanged, evDeleted);
      for (const rs of this.sessionsNamed(d.routerName, 'RoutingEngine')) tell(rs.id, adc);
    }
    for (const ms of this.sessionsNamed(d.submittedBy, 'MediaServer')) if (ms.wantsPropertiesChanged) tell(ms.id, pc);
    this.put(tx, d, true);
  }

  private attachedDataChanged(
    d: Interaction,
    ref: AttrValue | undefined,
    added: KvList,
    changed: KvList,
    deleted: KvList,
  ): Message {
    return tlibMsg('EventAttachedDataChanged', {
      ReferenceId: ref,
      ConnId: d.id,
      ThisDN: d.queue,
      UserData: d.userData,
      ...(added.length ? { AddedProperties: added } : {}),
      ...(changed.length ? { ChangedProperties: changed } : {}),
      ...(deleted.length ? { DeletedProperties: deleted } : {}),
      Version: d.version,
    });
  }

  private getProperties(tx: Tx, s: Session, m: Message): void {
    const key = m.attrs.InteractionId;
    if (typeof key !== 'string' || !key) {
      throw new ProtocolError(
        'Error_interaction_id_not_specified',
        'RequestGetInteractionProperties needs InteractionId',
      );
    }
    let ix: Interaction | undefined;
    if (m.attrs.SearchByExternalId === true) {
      for (const x of this.interactions.values()) if (kvGet(x.userData, 'ExternalId') === key) ix = x;
    } else {
      ix = this.interactions.get(key);
    }
    if (!ix) {
      const what = m.attrs.SearchByExternalId === true ? `with ExternalId '${key}'` : `'${key}'`;
      throw new ProtocolError('Error_unknown_interaction', `there is no interaction ${what}`);
    }
    this.checkTenant(s, ix);
    tx.send(
      s.id,
      isMsg('EventInteractionProperties', {
        ReferenceId: m.attrs.ReferenceId,
        ...this.itxAttrs(ix),
        SubmittedToRouterAt: ix.submittedToRouterAt,
        Version: ix.version,
      }),
    );
  }

  // ---------------------------------------------------------------- stop

  private stopProcessing(tx: Tx, s: Session, m: Message): void {
    const d = this.owned(s, m, m.attrs.InteractionId);
    tx.send(s.id, isMsg('EventAck', { ReferenceId: m.attrs.ReferenceId }));
    this.stop(tx, s, d, reasonOf(m.attrs), null);
  }

  /**
   * Stops an interaction: parties removed, revoked or told, reporting, row deleted (reference §2.13). `routeRef` is the
   * ReferenceId of the RequestRouteCall that asked for it (EventRouteUsed stands in for the ack), null otherwise.
   */
  private stop(tx: Tx, s: Session, d: Draft, reason: Attrs, routeRef: AttrValue | undefined | null): void {
    const actor = this.actorOf(s, d);
    if (d.invite) {
      const inv = d.invite;
      const as = this.sessions.get(inv.sessionId);
      const revoked = isMsg('EventRevoked', {
        ...this.itxAttrs(d),
        EventTime: tx.now,
        ...actor,
        AgentId: inv.agentId,
        PlaceId: inv.placeId,
        Operation: Operation.Stop,
        ...reason,
      });
      if (as && as.id !== s.id) tx.send(as.id, revoked);
    }
    if (d.state === InteractionState.Handling) {
      for (const agentId of d.agents) {
        tx.report(d, 'EventPartyRemoved', {
          ...actor,
          ...this.agentPartyById(d, agentId),
          Operation: Operation.Stop,
          ...reason,
        });
      }
    } else if (d.state === InteractionState.Routing && d.routerName && !d.invite) {
      // (With an invitation pending, the strategy party was already removed when it routed to the agent.)
      tx.report(d, 'EventPartyRemoved', {
        ...actor,
        ...this.strategyParty(d, d.routerName),
        Operation: Operation.Stop,
        ...reason,
      });
    }
    tx.report(d, 'EventProcessingStopped', { ...actor, ...reason });
    const stopped = isMsg('EventProcessingStopped', { ...this.itxAttrs(d), EventTime: tx.now, ...actor, ...reason });
    const told = this.requesterAndReporting(s);
    if (d.state === InteractionState.Handling) {
      const revoked = isMsg('EventRevoked', {
        ...this.itxAttrs(d),
        EventTime: tx.now,
        ...actor,
        Operation: Operation.Stop,
        ...reason,
      });
      for (const agentId of d.agents) {
        for (const as of this.agentSessions(agentId)) {
          if (!told.has(as.id)) tx.send(as.id, revoked);
          told.add(as.id);
        }
      }
    }
    if (d.routerName) {
      for (const rs of this.sessionsNamed(d.routerName, 'RoutingEngine')) {
        if (rs.id === s.id) {
          if (routeRef === null) continue; // RequestStopProcessing: its EventAck was the answer.
          tx.send(
            rs.id,
            tlibMsg('EventRouteUsed', { ReferenceId: routeRef, ConnId: d.id, ThisDN: d.queue, Result: 'stopped' }),
          );
        } else if (!told.has(rs.id)) {
          tx.send(rs.id, tlibMsg('EventAbandoned', { ConnId: d.id, ThisDN: d.queue, Reason: reasonText(reason) }));
        }
        told.add(rs.id);
      }
    }
    for (const ms of this.sessionsNamed(d.submittedBy, 'MediaServer')) {
      if (ms.wantsProcessingStopped && !told.has(ms.id)) tx.send(ms.id, stopped);
      told.add(ms.id);
    }
    this.interactions.delete(d.id);
    this.toOffer.delete(d.id);
    tx.store.push({ op: 'delete', id: d.id });
    this.offerAll(tx);
  }

  // ---------------------------------------------------------------- agents

  private agentLogin(tx: Tx, s: Session, m: Message): void {
    const a = m.attrs;
    if (s.clientType !== 'AgentApplication') throw notAllowed(m, s);
    if (s.agent)
      throw new ProtocolError(
        'Error_already_logged_in',
        `this connection is already logged in as agent '${s.agent.agentId}'`,
      );
    if (a.TenantId === undefined)
      throw new ProtocolError('Error_tenant_not_specified', 'RequestAgentLogin needs TenantId');
    const tenantId = a.TenantId as number;
    if (!this.cfg.tenants.some((t) => t.id === tenantId)) {
      throw new ProtocolError(
        'Error_unknown_tenant_in_request',
        `TenantId ${String(tenantId)} is not a configured tenant`,
      );
    }
    const placeId = a.PlaceId as string | undefined;
    if (!placeId) throw new ProtocolError('Error_place_not_specified', 'RequestAgentLogin needs PlaceId');
    if (!this.cfg.places.some((p) => p.id === placeId && p.tenant === tenantId)) {
      throw new ProtocolError(
        'Error_unknown_place_in_request',
        `PlaceId '${placeId}' is not a configured place of tenant ${String(tenantId)}`,
      );
    }
    const agentId = a.AgentId as string | undefined;
    if (!agentId) throw new ProtocolError('Error_agent_not_specified', 'RequestAgentLogin needs AgentId');
    if (!this.cfg.agents.some((x) => x.id === agentId && x.tenant === tenantId)) {
      throw new ProtocolError(
        'Error_unknown_agent_in_request',
        `AgentId '${agentId}' is not a configured agent of tenant ${String(tenantId)}`,
      );
    }
    for (const o of this.sessions.values()) {
      if (o.agent && o.agent.placeId === placeId && o.agent.agentId !== agentId) {
        throw new ProtocolError('Error_place_occupied', `place '${placeId}' is occupied by agent '${o.agent.agentId}'`);
      }
    }
    const media = new Map<string, number>();
    for (const p of (a.MediaList as KvList | undefined) ?? []) {
      if (typeof p.value !== 'number') {
        throw new ProtocolError(
          'Error_incorrect_media_list',
          `MediaList value of '${p.key}' must be an integer (0 not ready, non-zero ready)`,
        );
      }
      if (!this.cfg.mediaTypes.includes(p.key)) {
        throw new ProtocolError(
          'Error_unsupported_media_type',
          `MediaList names media type '${p.key}', which is not configured`,
        );
      }
      media.set(p.key, p.value);
    }
    const login: AgentLogin = { tenantId, agentId, placeId, media, loggedInAt: tx.now };
    this.setAgent(s, login);
    tx.send(s.id, isMsg('EventAck', { ReferenceId: a.ReferenceId }));
    tx.report(null, 'EventAgentLogin', {
      ...agentDescription(login),
      MediaList: [...media].map(([key, value]) => ({ key, value })),
      ...(a.DonotDisturb !== undefined ? { DonotDisturb: a.DonotDisturb } : {}),
      ActorType: 2,
      ActorTenantId: tenantId,
      ActorAgentId: agentId,
      ActorPlaceId: placeId,
    });
    this.offerAll(tx);
  }

  private agentLogout(tx: Tx, s: Session, m: Message): void {
    if (s.clientType !== 'AgentApplication') throw notAllowed(m, s);
    const login = s.agent;
    if (!login)
      throw new ProtocolError(
        'Error_client_not_logged_in',
        'RequestAgentLogout: no agent is logged in on this connection',
      );
    tx.send(s.id, isMsg('EventAck', { ReferenceId: m.attrs.ReferenceId }));
    this.reportAgentLogout(tx, s, login);
    this.withdrawInvitesTo(tx, s.id);
    this.offerAll(tx);
  }

  /** Sessions that already hear of a change: the requester (its reply) and every reporting engine (the event). */
  private requesterAndReporting(s: Session): Set<number> {
    const told = new Set<number>([s.id]);
    for (const r of this.sessionsOfType('ReportingEngine')) told.add(r.id);
    return told;
  }

  /** Invitations to a session whose agent left (logout, lost connection) are withdrawn: back to the queue. */
  private withdrawInvitesTo(tx: Tx, sessionId: number): void {
    for (const ix of [...this.interactions.values()]) {
      if (ix.invite?.sessionId !== sessionId) continue;
      const d: Draft = { ...ix };
      this.cancelInvite(tx, d, 'timeout');
      this.put(tx, d);
    }
  }

  private reportAgentLogout(tx: Tx, s: Session, login: AgentLogin): void {
    this.setAgent(s, undefined);
    tx.report(null, 'EventAgentLogout', {
      ...agentDescription(login),
      ActorType: 2,
      ActorTenantId: login.tenantId,
      ActorAgentId: login.agentId,
      ActorPlaceId: login.placeId,
    });
  }

  // ---------------------------------------------------------------- routing

  private routeCall(tx: Tx, s: Session, m: Message): void {
    if (s.clientType !== 'RoutingEngine') throw notAllowed(m, s);
    const a = m.attrs;
    const d = this.owned(s, m, a.ConnId);
    if (d.invite) {
      throw new ProtocolError(
        'Error_invalid_interaction_state',
        `interaction '${d.id}' is already being delivered to agent '${d.invite.agentId}' (ticket ${String(d.invite.ticketId)})`,
      );
    }
    const target = a.TargetType as number | undefined;
    const actor = this.actorOf(s, d);
    const routerName = s.clientName;
    switch (target) {
      case 1: {
        const agentId = a.TargetAgent as string | undefined;
        const placeId = a.TargetPlace as string | undefined;
        if (!agentId && !placeId)
          throw new ProtocolError(
            'Error_target_is_not_specified',
            'RequestRouteCall to an agent needs targetAgent or targetPlace',
          );
        const as = [...this.sessions.values()].find(
          (x) =>
            x.agent &&
            x.agent.tenantId === d.tenantId &&
            (!agentId || x.agent.agentId === agentId) &&
            (!placeId || x.agent.placeId === placeId),
        );
        if (!as?.agent) {
          throw new ProtocolError(
            'Error_routing_target_invalid',
            `no agent ${agentId ? `'${agentId}' ` : ''}${placeId ? `at place '${placeId}' ` : ''}is logged in for tenant ${String(d.tenantId)}`,
          );
        }
        if (!as.agent.media.get(d.mediaType)) {
          throw new ProtocolError(
            'Error_routing_target_invalid',
            `agent '${as.agent.agentId}' is not ready for media '${d.mediaType}'`,
          );
        }
        tx.report(d, 'EventPartyRemoved', {
          ...actor,
          ...this.strategyParty(d, routerName),
          Operation: Operation.Route,
        });
        this.invite(tx, d, as, actor, {
          routerName,
          ...(a.ReferenceId !== undefined ? { routeReferenceId: a.ReferenceId as number } : {}),
        });
        this.put(tx, d);
        return;
      }
      case 2: {
        const queue = a.TargetQueue as string | undefined;
        if (!queue)
          throw new ProtocolError('Error_queue_not_specified', 'RequestRouteCall to a queue needs targetQueue');
        const q = this.queues.get(queue);
        if (!q || q.tenant !== d.tenantId) {
          throw new ProtocolError(
            'Error_unknown_queue_in_request',
            `targetQueue '${queue}' is not a configured queue of tenant ${String(d.tenantId)}`,
          );
        }
        tx.report(d, 'EventPartyRemoved', {
          ...actor,
          ...this.strategyParty(d, routerName),
          Operation: Operation.PlaceInQueue,
        });
        const old = d.queue;
        this.placeInQueue(tx, d, queue);
        delete d.workbin;
        tx.report(d, 'EventPlacedInQueue', { ...actor, OldQueue: old });
        tx.send(
          s.id,
          tlibMsg('EventRouteUsed', {
            ReferenceId: a.ReferenceId,
            ConnId: d.id,
            ThisDN: old,
            OtherDN: queue,
            Result: 'queued',
          }),
        );
        this.put(tx, d);
        this.offerAll(tx);
        return;
      }
      case 3: {
        const wb = a.TargetWorkbin as string | undefined;
        if (!wb)
          throw new ProtocolError('Error_workbin_not_specified', 'RequestRouteCall to a workbin needs targetWorkbin');
        const w = this.cfg.workbins.find((x) => x.name === wb && x.tenant === d.tenantId);
        if (!w)
          throw new ProtocolError(
            'Error_routing_target_invalid',
            `targetWorkbin '${wb}' is not a configured workbin of tenant ${String(d.tenantId)}`,
          );
        const owner = (a.TargetAgent ?? a.TargetPlace) as string | undefined;
        if (!owner)
          throw new ProtocolError(
            'Error_target_is_not_specified',
            `workbin '${wb}' needs its owner: targetAgent or targetPlace`,
          );
        tx.report(d, 'EventPartyRemoved', {
          ...actor,
          ...this.strategyParty(d, routerName),
          Operation: Operation.PlaceInWorkbin,
        });
        const old = d.queue;
        this.placeInQueue(tx, d, wb);
        d.workbin = { name: wb, ...(a.TargetAgent ? { agentId: a.TargetAgent as string } : { placeId: owner }) };
        tx.report(d, 'EventPlacedInQueue', { ...actor, OldQueue: old });
        tx.report(d, 'EventPlacedInWorkbin', {
          ...actor,
          OldQueue: old,
          WorkbinTypeId: wb,
          ...(a.TargetAgent ? { WorkbinAgentId: a.TargetAgent } : { WorkbinPlaceId: owner }),
        });
        tx.send(
          s.id,
          tlibMsg('EventRouteUsed', {
            ReferenceId: a.ReferenceId,
            ConnId: d.id,
            ThisDN: old,
            OtherDN: wb,
            Result: 'workbin',
          }),
        );
        this.put(tx, d);
        return;
      }
      case 4:
        this.stop(
          tx,
          s,
          d,
          typeof a.Reason === 'string' ? { Reason: 0, ReasonSystemName: a.Reason } : {},
          a.ReferenceId,
        );
        return;
      default:
        throw new ProtocolError(
          'Error_target_is_not_specified',
          'RequestRouteCall needs targetType: agent, queue, workbin or stop',
        );
    }
  }

  private placeInQueue(tx: Tx, d: Draft, queue: string): void {
    if (queue !== d.queue) d.movedToQueueAt = tx.now;
    d.queue = queue;
    d.placedInQueueAt = tx.now;
    d.state = InteractionState.Queued;
    d.agents = [];
    delete d.routerName;
  }

  /** Sends EventInvite to an agent session and reports EventAgentInvited. */
  private invite(
    tx: Tx,
    d: Draft,
    as: Session,
    actor: Attrs,
    via: { routerName?: string; routeReferenceId?: number },
  ): void {
    const agent = as.agent as AgentLogin;
    const ticketId = this.nextTicketId++;
    d.invite = { ticketId, agentId: agent.agentId, placeId: agent.placeId, sessionId: as.id, ...via };
    tx.send(
      as.id,
      isMsg('EventInvite', { ...this.itxAttrs(d), TicketId: ticketId, SubmittedToRouterAt: d.submittedToRouterAt }),
    );
    tx.report(d, 'EventAgentInvited', {
      ...actor,
      ...agentParty(agent),
      TicketId: ticketId,
      Operation: Operation.Route,
    });
  }

  private accept(tx: Tx, s: Session, m: Message): void {
    const d = this.invited(s, m);
    const inv = d.invite as NonNullable<Draft['invite']>;
    delete d.invite;
    d.state = InteractionState.Handling;
    d.agents = [inv.agentId];
    delete d.routerName;
    d.deliveredAt ??= tx.now;
    tx.send(s.id, isMsg('EventAck', { ReferenceId: m.attrs.ReferenceId }));
    tx.report(d, 'EventPartyAdded', {
      ...this.actorOf(s, d),
      ...agentParty(s.agent as AgentLogin),
      Operation: Operation.Route,
    });
    if (inv.routerName) {
      for (const rs of this.sessionsNamed(inv.routerName, 'RoutingEngine')) {
        tx.send(
          rs.id,
          tlibMsg('EventRouteUsed', {
            ReferenceId: inv.routeReferenceId,
            ConnId: d.id,
            ThisDN: d.queue,
            OtherDN: inv.placeId,
            Result: 'accepted',
          }),
        );
      }
    }
    this.put(tx, d);
  }

  private reject(tx: Tx, s: Session, m: Message): void {
    const d = this.invited(s, m);
    tx.send(s.id, isMsg('EventAck', { ReferenceId: m.attrs.ReferenceId }));
    this.cancelInvite(tx, d, 'rejected', this.actorOf(s, d), reasonOf(m.attrs));
    this.put(tx, d);
    this.offerAll(tx, s.id);
  }

  /** Ends a pending invitation (rejected, or the agent left): back to its queue and offered again. */
  private cancelInvite(tx: Tx, d: Draft, result: 'rejected' | 'timeout', actor: Attrs = {}, reason: Attrs = {}): void {
    const inv = d.invite;
    if (!inv) return;
    delete d.invite;
    tx.report(d, 'EventRejected', {
      ...actor,
      ...reason,
      AgentId: inv.agentId,
      PlaceId: inv.placeId,
      TenantId: d.tenantId,
      PartyType: 2,
      TicketId: inv.ticketId,
    });
    if (inv.routerName) {
      for (const rs of this.sessionsNamed(inv.routerName, 'RoutingEngine')) {
        tx.send(
          rs.id,
          tlibMsg('EventRouteUsed', {
            ReferenceId: inv.routeReferenceId,
            ConnId: d.id,
            ThisDN: d.queue,
            OtherDN: inv.placeId,
            Result: result,
          }),
        );
      }
    }
    // Withdrawn (not rejected): the invited desktop, if still connected (agent logout), is told.
    const invited = this.sessions.get(inv.sessionId);
    if (result !== 'rejected' && invited) {
      tx.send(
        invited.id,
        isMsg('EventRevoked', { ...this.itxAttrs(d), EventTime: tx.now, Operation: Operation.Timeout }),
      );
    }
    d.state = InteractionState.Queued;
    delete d.routerName;
    this.toOffer.add(d.id);
  }

  private invited(s: Session, m: Message): Draft {
    if (s.clientType !== 'AgentApplication') throw notAllowed(m, s);
    if (!s.agent) throw new ProtocolError('Error_client_not_logged_in', `${m.name} needs RequestAgentLogin first`);
    const id = m.attrs.InteractionId;
    if (typeof id !== 'string' || !id)
      throw new ProtocolError('Error_interaction_id_not_specified', `${m.name} needs InteractionId`);
    const ix = this.interactions.get(id);
    if (!ix) throw new ProtocolError('Error_unknown_interaction', `there is no interaction '${id}'`);
    const ticket = m.attrs.TicketId;
    if (!ix.invite || ix.invite.sessionId !== s.id || (ticket !== undefined && ix.invite.ticketId !== ticket)) {
      throw new ProtocolError(
        'Error_not_invited',
        `this agent holds no invitation${ticket !== undefined ? ` with TicketId ${show(ticket)}` : ''} for interaction '${id}'`,
      );
    }
    return { ...ix };
  }

  /**
   * Offers waiting interactions: queues with `routing: "external"` go to a registered routing engine (round-robin,
   * EventRouteRequest); queues with an agent list go to the first listed agent that is logged in, ready for the media
   * and below its capacity (EventInvite).
   */
  private offerAll(tx: Tx, skipSession?: number): void {
    for (const id of [...this.toOffer]) {
      const ix = this.interactions.get(id);
      if (!ix || ix.state !== InteractionState.Queued || ix.invite || ix.workbin) {
        this.toOffer.delete(id);
        continue;
      }
      const q = this.queues.get(ix.queue);
      if (!q?.routing) {
        this.toOffer.delete(id);
        continue;
      }
      if (q.routing === 'external') {
        const engines = [...this.sessionsOfType('RoutingEngine')];
        if (!engines.length) continue;
        const engine = engines[this.routerTurn++ % engines.length] as Session;
        const d: Draft = { ...ix, state: InteractionState.Routing, routerName: engine.clientName };
        d.submittedToRouterAt ??= tx.now;
        this.toOffer.delete(id);
        tx.report(d, 'EventPartyAdded', { ...this.strategyParty(d, engine.clientName), Operation: Operation.Route });
        tx.send(
          engine.id,
          tlibMsg('EventRouteRequest', {
            ConnId: d.id,
            ThisDN: d.queue,
            ThisQueue: d.queue,
            UserData: d.userData,
            ...omitUserData(this.itxAttrs(d)),
            SubmittedToRouterAt: d.submittedToRouterAt,
          }),
        );
        this.put(tx, d);
      } else {
        const agentIds = q.routing.agents;
        const as = [...this.sessions.values()].find(
          (x) =>
            x.id !== skipSession &&
            x.agent &&
            agentIds.includes(x.agent.agentId) &&
            x.agent.tenantId === ix.tenantId &&
            (x.agent.media.get(ix.mediaType) ?? 0) !== 0 &&
            this.hasCapacity(x.agent.agentId, ix.mediaType),
        );
        if (!as) continue;
        const d: Draft = { ...ix };
        this.toOffer.delete(id);
        this.invite(tx, d, as, {}, {});
        this.put(tx, d);
      }
    }
  }

  private hasCapacity(agentId: string, media: string): boolean {
    const cap = this.cfg.agents.find((a) => a.id === agentId)?.media[media] ?? 0;
    let used = 0;
    for (const ix of this.interactions.values()) {
      if (ix.mediaType !== media) continue;
      if (ix.agents.includes(agentId) || ix.invite?.agentId === agentId) used++;
    }
    return used < cap;
  }

  // ---------------------------------------------------------------- helpers

  /** The interaction a request names, if the requester may act on it (spec §2 ownership rules). */
  private owned(s: Session, m: Message, idAttr: AttrValue | undefined): Draft {
    const label = m.protocol === 'tlib' ? 'connId' : 'InteractionId';
    if (typeof idAttr !== 'string' || idAttr === '') {
      throw new ProtocolError('Error_interaction_id_not_specified', `${m.name} needs ${label}`);
    }
    const ix = this.interactions.get(idAttr);
    if (!ix) throw new ProtocolError('Error_unknown_interaction', `there is no interaction '${idAttr}'`);
    this.checkTenant(s, ix);
    switch (s.clientType) {
      case 'MediaServer':
        if (ix.submittedBy !== s.clientName) {
          throw new ProtocolError(
            'Error_not_an_owner',
            `media server '${s.clientName}' did not submit interaction '${ix.id}' (submitted by '${ix.submittedBy}')`,
          );
        }
        break;
      case 'AgentApplication': {
        if (!s.agent)
          throw new ProtocolError(
            'Error_client_not_logged_in',
            `${m.name} from an agent application needs RequestAgentLogin first`,
          );
        if (ix.state !== InteractionState.Handling || !ix.agents.includes(s.agent.agentId)) {
          throw new ProtocolError(
            'Error_not_an_owner',
            `agent '${s.agent.agentId}' does not handle interaction '${ix.id}'`,
          );
        }
        break;
      }
      case 'RoutingEngine':
        if (ix.routerName !== s.clientName || ix.state !== InteractionState.Routing) {
          throw new ProtocolError(
            'Error_not_an_owner',
            `routing engine '${s.clientName}' does not hold interaction '${ix.id}'`,
          );
        }
        break;
      default:
        throw new ProtocolError(
          'Error_not_an_owner',
          `a ${s.clientType} client cannot use ${m.name} on interaction '${ix.id}'`,
        );
    }
    return { ...ix };
  }

  private checkTenant(s: Session, ix: Interaction): void {
    if (s.agent && s.agent.tenantId !== ix.tenantId) {
      throw new ProtocolError(
        'Error_tenancy_violation',
        `interaction '${ix.id}' belongs to tenant ${String(ix.tenantId)}, agent '${s.agent.agentId}' to tenant ${String(s.agent.tenantId)}`,
      );
    }
  }

  private checkVersion(d: Interaction, expected: AttrValue | undefined): void {
    if (expected !== undefined && expected !== d.version) {
      throw new ProtocolError(
        'Error_invalid_interaction_state',
        `version mismatch on interaction '${d.id}': expected version ${show(expected)}, current version ${String(d.version)}`,
      );
    }
  }

  private checkUserData(ud: KvList, what: string): void {
    const bytes = kvWireSize(ud);
    const cap = this.cfg.limits.maxUserDataBytes;
    if (bytes > cap) {
      throw new ProtocolError(
        'Error_invalid_interaction_data',
        `${what} would be ${String(bytes)} bytes, over the limit of ${String(cap)} bytes per interaction`,
      );
    }
  }

  /**
   * Stores the new state of an interaction. `propertiesOnly`: only user data and version changed, and the change's
   * reporting event is in the same plan, so the store may keep the new state with that event (see StoreOp).
   */
  private put(tx: Tx, d: Draft, propertiesOnly = false): void {
    this.interactions.set(d.id, d);
    tx.store.push(propertiesOnly ? { op: 'upsert', interaction: d, propertiesOnly } : { op: 'upsert', interaction: d });
  }

  private addSession(s: Session): void {
    this.sessions.set(s.id, s);
    let set = this.byType.get(s.clientType);
    if (!set) this.byType.set(s.clientType, (set = new Set()));
    set.add(s);
    if (s.agent) this.setAgent(s, s.agent);
  }

  private removeSession(s: Session): void {
    this.sessions.delete(s.id);
    this.byType.get(s.clientType)?.delete(s);
    // s.agent stays: the caller still reports the logout.
    const set = s.agent && this.byAgent.get(s.agent.agentId);
    if (set) {
      set.delete(s);
      if (set.size === 0 && s.agent) this.byAgent.delete(s.agent.agentId);
    }
  }

  /** Logs an agent in on a session (or out, with undefined), keeping the agent index. */
  private setAgent(s: Session, login: AgentLogin | undefined): void {
    if (s.agent) {
      const set = this.byAgent.get(s.agent.agentId);
      set?.delete(s);
      if (set?.size === 0) this.byAgent.delete(s.agent.agentId);
    }
    if (!login) {
      delete s.agent;
      return;
    }
    s.agent = login;
    let set = this.byAgent.get(login.agentId);
    if (!set) this.byAgent.set(login.agentId, (set = new Set()));
    set.add(s);
  }

  /** The live sessions of one client type. */
  sessionsOfType(type: ClientTypeName): ReadonlySet<Session> {
    return this.byType.get(type) ?? NO_SESSIONS;
  }

  private sessionsNamed(name: string, type: ClientTypeName): Session[] {
    const out: Session[] = [];
    for (const s of this.sessionsOfType(type)) if (s.clientName === name) out.push(s);
    return out;
  }

  private agentSessions(agentId: string): Session[] {
    const set = this.byAgent.get(agentId);
    return set ? [...set] : [];
  }

  /** The flattened InteractionProperties of an interaction (reference §3.2); absent values are left out. */
  itxAttrs(ix: Interaction): Record<string, AttrValue> {
    const a: Record<string, AttrValue> = {
      InteractionId: ix.id,
      InteractionType: ix.type,
      InteractionSubtype: ix.subtype,
      InteractionMediatype: ix.mediaType,
      InteractionTenantId: ix.tenantId,
      InteractionState: ix.state,
      InteractionQueue: ix.queue,
      InteractionReceivedAt: ix.receivedAt,
      InteractionSubmittedAt: ix.submittedAt,
      InteractionSubmittedBy: ix.submittedBy,
      InteractionIsOnline: ix.isOnline,
      InteractionIsLocked: false,
      InteractionUserData: ix.userData,
    };
    if (ix.parentId !== undefined) a.InteractionParentInteractionId = ix.parentId;
    if (ix.deliveredAt !== undefined) a.InteractionDeliveredAt = ix.deliveredAt;
    if (ix.placedInQueueAt !== undefined) a.InteractionPlacedInQueueAt = ix.placedInQueueAt;
    if (ix.movedToQueueAt !== undefined) a.InteractionMovedToQueueAt = ix.movedToQueueAt;
    if (ix.workbin) {
      a.InteractionWorkbinTypeId = ix.workbin.name;
      if (ix.workbin.agentId !== undefined) a.InteractionAgentId = ix.workbin.agentId;
      if (ix.workbin.placeId !== undefined) a.InteractionPlaceId = ix.workbin.placeId;
    }
    return a;
  }

  /** ActorInfo of the requester (reference §3.2). */
  private actorOf(s: Session, ix: Interaction): Attrs {
    switch (s.clientType) {
      case 'MediaServer':
        return { ActorType: 3, ActorMediaServerId: s.clientName, ActorTenantId: ix.tenantId };
      case 'RoutingEngine':
        return { ActorType: 1, ActorRouterId: s.clientName, ActorStrategyId: ix.queue, ActorTenantId: ix.tenantId };
      default:
        return s.agent
          ? { ActorType: 2, ActorAgentId: s.agent.agentId, ActorPlaceId: s.agent.placeId, ActorTenantId: ix.tenantId }
          : { ActorTenantId: ix.tenantId };
    }
  }

  private strategyParty(ix: Interaction, routerName: string): Attrs {
    return { PartyType: 1, TenantId: ix.tenantId, RouterId: routerName, StrategyId: ix.queue };
  }

  private agentPartyById(ix: Interaction, agentId: string): Attrs {
    const place = this.agentSessions(agentId)[0]?.agent?.placeId;
    return { PartyType: 2, TenantId: ix.tenantId, AgentId: agentId, PlaceId: place };
  }
}

/** An attribute value in an error description. */
function show(v: AttrValue): string {
  return typeof v === 'object' ? JSON.stringify(v) : String(v);
}

function agentParty(a: AgentLogin): Attrs {
  return { PartyType: 2, TenantId: a.tenantId, AgentId: a.agentId, PlaceId: a.placeId };
}

function agentDescription(a: AgentLogin): Attrs {
  return { TenantId: a.tenantId, PlaceId: a.placeId, AgentId: a.agentId };
}

function omitUserData(a: Attrs): Attrs {
  const { InteractionUserData: _u, ...rest } = a;
  return rest;
}

function reasonOf(a: Readonly<Record<string, AttrValue>>): Attrs {
  const out: Attrs = {};
  for (const k of ['Reason', 'ReasonDescription', 'ReasonSystemName'] as const) if (a[k] !== undefined) out[k] = a[k];
  if (out.ReasonDescription !== undefined || out.ReasonSystemName !== undefined) out.Reason ??= 0;
  return out;
}

function reasonText(r: Attrs): string | undefined {
  return (r.ReasonSystemName ?? r.ReasonDescription) as string | undefined;
}

function checkWritable(key: string): void {
  if (SYSTEM_PROPERTIES.has(key)) {
    throw new ProtocolError(
      'Error_read_only_property',
      `property '${key}' is a read-only system property (only ExternalId and ParentId may be changed)`,
    );
  }
}

function firstDuplicateKey(list: KvList): string | undefined {
  const seen = new Set<string>();
  for (const p of list) {
    if (seen.has(p.key)) return p.key;
    seen.add(p.key);
  }
  return undefined;
}

function notAllowed(m: Message, s: Session): ProtocolError {
  return new ProtocolError('ErrorUnsupportedProtocolElement', `${m.name} is not allowed for a ${s.clientType} client`);
}

/** EventError for a refused request, echoing its ReferenceId. */
export function errorMessage(e: ProtocolError, ref: AttrValue | undefined): Message {
  return isMsg('EventError', { ReferenceId: ref, ErrorCode: e.code, ErrorDescription: e.message });
}
