/**
 * Brings a target to the state the load runs against: media-server connections, agents handling interactions those
 * media servers submitted, one reporting engine, and a probe change that measures the frame sizes each party gets.
 *
 * IXS: interactions are submitted to a queue with `routing: "external"`, the routing engine routes each one to an
 * agent with RequestRouteCall, the agent accepts (state Handling). The floor has no state machine: the bench names
 * the interactions and each agent connection claims its share with RequestAccept.
 */
import { readFileSync } from 'node:fs';
import type { Json, LoadClient } from './load-client.ts';
import { TlibRouter } from './tlib-router.ts';

/** Who is connected and which interactions each media-server connection may change. */
export interface Topology {
  readonly mediaServers: readonly LoadClient[];
  readonly agents: readonly LoadClient[];
  readonly reporting: LoadClient;
  /** Connections that take no part in the load (the routing engine). */
  readonly others: readonly { close(): Promise<void>; takeEvents(): unknown[] }[];
  /** interactions[i]: ids submitted by mediaServers[i], each handled by one agent. */
  readonly interactions: readonly (readonly string[])[];
  /** Frame sizes of one change (bytes): the requester's ack, the agent's event, the reporting engine's event. */
  readonly frameBytes: { readonly ack: number; readonly agent: number; readonly reporting: number };
}

/** How big a setup to build. */
export interface Shape {
  /** Media-server connections wanted (capped by the configured MediaServer applications). */
  readonly mediaServers: number;
  /** Agent connections wanted (capped by configured agents and places). */
  readonly agents: number;
  /** Interactions in all. */
  readonly interactions: number;
}

/** ~100 bytes of property value, as the issue asks. */
export const PAYLOAD = 'x'.repeat(100);

/** The parts of a configuration file the benches read. */
export interface ConfigFile {
  tenants: { id: number }[];
  interactionTypes: Record<string, string[]>;
  applications: { name: string; type: string }[];
  places?: { id: string; tenant: number }[];
  agents?: { id: string; tenant: number; media?: Record<string, number> }[];
  queues?: { name: string; tenant: number; routing?: unknown }[];
}

type Factory = (url: string) => LoadClient;

async function open(factory: Factory, url: string): Promise<LoadClient> {
  const c = factory(url);
  await c.connect();
  return c;
}

function expect(m: Json, name: string, what: string): Json {
  if (m.message !== name) throw new Error(`${what}: expected ${name}, got ${JSON.stringify(m)}`);
  return m;
}

/** Sets up the real server, reading the configuration it runs with to pick applications, agents and the queue. */
export async function setupIxs(
  url: string,
  configFile: string,
  shape: Shape,
  factory: Factory,
  /**
   * Where the routing engine connects: a `tcp://` URL gets the binary door's T-Library dialect (as a Genesys URS), a
   * `ws://` one the JSON T-Library facade.
   */
  routerUrl: string = url,
): Promise<Topology> {
  const cfg = JSON.parse(readFileSync(configFile, 'utf8')) as ConfigFile;
  const tenantId = cfg.tenants[0]?.id ?? 1;
  const appsOf = (type: string): string[] => cfg.applications.filter((a) => a.type === type).map((a) => a.name);
  const msApps = appsOf('MediaServer').slice(0, shape.mediaServers);
  const [reApp] = appsOf('ReportingEngine');
  const [rtApp] = appsOf('RoutingEngine');
  const [agentApp] = appsOf('AgentApplication');
  const places = (cfg.places ?? []).filter((p) => p.tenant === tenantId);
  const agentIds = (cfg.agents ?? [])
    .filter((a) => a.tenant === tenantId && (a.media?.email ?? 0) > 0)
    .map((a) => a.id);
  const queue = (cfg.queues ?? []).find((q) => q.tenant === tenantId && q.routing === 'external')?.name;
  const [type, subtypes] = Object.entries(cfg.interactionTypes)[0] ?? [];
  const agentCount = Math.min(shape.agents, places.length, agentIds.length);
  if (!msApps.length || !reApp || !rtApp || !agentApp || !queue || !type || !subtypes?.[0] || !agentCount) {
    throw new Error(
      `${configFile} needs a MediaServer, a RoutingEngine, a ReportingEngine and an AgentApplication application, ` +
        `agents with email capacity and places in tenant ${String(tenantId)}, and a queue with routing "external"`,
    );
  }

  const reporting = await open(factory, url);
  await reporting.register('ReportingEngine', reApp);
  const binaryRouter = routerUrl.startsWith('tcp:');
  const urs = binaryRouter ? undefined : await open(factory, routerUrl);
  await urs?.register('RoutingEngine', rtApp);
  const tlib = binaryRouter ? await TlibRouter.open(routerUrl, rtApp, queue) : undefined;
  const agents: LoadClient[] = [];
  for (let i = 0; i < agentCount; i++) {
    const a = await open(factory, url);
    await a.register('AgentApplication', agentApp);
    const login = await a.request({
      message: 'RequestAgentLogin',
      tenantId,
      placeId: places[i]?.id,
      agentId: agentIds[i],
      mediaList: { email: 1 },
    });
    expect(login, 'EventAck', `login of ${String(agentIds[i])}`);
    agents.push(a);
  }
  const mediaServers: LoadClient[] = [];
  for (const name of msApps) {
    const ms = await open(factory, url);
    await ms.register('MediaServer', name, { mediaType: 'email' });
    mediaServers.push(ms);
  }

  const interactions: string[][] = mediaServers.map(() => []);
  for (let k = 0; k < shape.interactions; k++) {
    const m = k % mediaServers.length;
    const ms = mediaServers[m] as LoadClient;
    const agentIndex = k % agents.length;
    const agent = agents[agentIndex] as LoadClient;
    const ack = expect(
      await ms.request({
        message: 'RequestSubmit',
        tenantId,
        mediaType: 'email',
        interactionType: type,
        interactionSubtype: subtypes[0],
        queue,
        userData: { Subject: 'Benchmark interaction', Priority: 3, CustomerId: `C-${String(100_000 + k)}` },
      }),
      'EventAck',
      'submit',
    );
    const id = ack.interactionId as string;
    let routed: Promise<Json>;
    if (tlib) {
      const rr = await tlib.nextRouteRequest();
      if (rr.interactionId !== id) throw new Error(`routing of ${id}: EventRouteRequest for ${rr.interactionId}`);
      routed = tlib
        .routeToPlace(rr.connId, places[agentIndex]?.id as string, queue)
        .then((m) => ({ message: m.name, ...m.attrs }));
    } else {
      const json = urs as LoadClient;
      expect(await json.nextEvent(), 'EventRouteRequest', `routing of ${id}`);
      routed = json.request({
        message: 'RequestRouteCall',
        connId: id,
        targetType: 'agent',
        targetAgent: agentIds[agentIndex],
      });
    }
    const invite = expect(await agent.nextEvent(), 'EventInvite', `invite for ${id}`);
    expect(
      await agent.request({ message: 'RequestAccept', ticketId: invite.ticketId, interactionId: id }),
      'EventAck',
      `accept of ${id}`,
    );
    expect(await routed, 'EventRouteUsed', `route of ${id}`);
    interactions[m]?.push(id);
  }
  return finish({ mediaServers, agents, reporting, others: [urs ?? (tlib as TlibRouter)], interactions });
}

/** Connection and interaction counts, to give the floor the topology IXS had. */
export interface Counts {
  readonly mediaServers: number;
  readonly agents: number;
  /** Interactions per media-server connection. */
  readonly interactions: readonly number[];
}

/** The counts of a topology. */
export function countsOf(t: Topology): Counts {
  return {
    mediaServers: t.mediaServers.length,
    agents: t.agents.length,
    interactions: t.interactions.map((l) => l.length),
  };
}

/** Sets up the floor with the given counts (those of the IXS topology, so both targets see the same load). */
export async function setupFloor(url: string, counts: Counts, factory: Factory): Promise<Topology> {
  const reporting = await open(factory, url);
  await reporting.register('ReportingEngine', 'StatServer');
  const agents: LoadClient[] = [];
  for (let i = 0; i < counts.agents; i++) {
    const a = await open(factory, url);
    await a.register('AgentApplication', 'Desktop');
    agents.push(a);
  }
  const mediaServers: LoadClient[] = [];
  const interactions: string[][] = [];
  let k = 0;
  for (let m = 0; m < counts.mediaServers; m++) {
    const ms = await open(factory, url);
    await ms.register('MediaServer', `BenchMS${String(m + 1)}`);
    mediaServers.push(ms);
    const ids: string[] = [];
    for (let j = 0; j < (counts.interactions[m] ?? 0); j++, k++) {
      // 16 characters, like IXS (and Genesys) ids.
      const id = `FLOOR${String(k).padStart(11, '0')}`;
      const agent = agents[k % agents.length] as LoadClient;
      expect(await agent.request({ message: 'RequestAccept', interactionId: id }), 'EventAck', `claim of ${id}`);
      ids.push(id);
    }
    interactions.push(ids);
  }
  return finish({ mediaServers, agents, reporting, others: [], interactions });
}

/** Lets setup traffic settle, then makes one probe change and measures the three frames it produces. */
async function finish(t: Omit<Topology, 'frameBytes'>): Promise<Topology> {
  await settle(t);
  const ms = t.mediaServers[0] as LoadClient;
  const id = t.interactions[0]?.[0];
  if (!id) throw new Error('setup produced no interaction');
  const ack = await ms.request({
    message: 'RequestChangeProperties',
    interactionId: id,
    changedProperties: { Counter: 0, Payload: PAYLOAD },
  });
  expect(ack, 'EventAck', 'probe change');
  const ackBytes = Buffer.byteLength(JSON.stringify(ack));
  const fromAgents = await firstEvent(t.agents);
  const fromReporting = await firstEvent([t.reporting]);
  expect(fromAgents, 'EventPropertiesChanged', 'probe change: agent event');
  expect(fromReporting, 'EventPropertiesChanged', 'probe change: reporting event');
  await settle(t);
  return {
    ...t,
    frameBytes: {
      ack: ackBytes,
      agent: Buffer.byteLength(JSON.stringify(fromAgents)),
      reporting: Buffer.byteLength(JSON.stringify(fromReporting)),
    },
  };
}

async function firstEvent(clients: readonly LoadClient[], timeoutMs = 5000): Promise<Json> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    for (const c of clients) {
      const [e] = c.takeEvents();
      if (e) return e;
    }
    await new Promise((r) => setTimeout(r, 5));
  }
  throw new Error('probe change: no event within 5 s');
}

async function settle(t: Omit<Topology, 'frameBytes'>): Promise<void> {
  // Long enough for the last setup events to arrive on loopback; they are then dropped.
  await new Promise((r) => setTimeout(r, 200));
  for (const c of [...t.mediaServers, ...t.agents, t.reporting, ...t.others]) c.takeEvents();
}
