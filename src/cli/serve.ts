import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { TlsOptions } from 'node:tls';
import { setFlagsFromString } from 'node:v8';
/** `ixs serve`: runs the server in the foreground until SIGTERM/SIGINT (spec §4). */
import { ConfigError, loadConfig } from '../config/load.ts';
import type { Config } from '../config/schema.ts';
import { createLogger } from '../obs/logger.ts';
import { Metrics } from '../obs/metrics.ts';
import { IxsServer } from '../server/ixs-server.ts';
import { openSqliteStore } from '../store/sqlite/sqlite-store.ts';
import { startWsListener } from '../transport/ws/ws-listener.ts';
import { startTcpListener } from '../transport/tcp/tcp-listener.ts';
import { apiTokens } from '../http/auth.ts';
import { buildHttpApp, startHttp } from '../http/http-server.ts';

export interface ServeOptions {
  readonly config?: string;
  readonly dataDir: string;
  readonly tcpPort: number;
  readonly wsPort: number;
  readonly httpPort: number;
  /** Listen address; default: the configuration's `listen.host`, else loopback only. */
  readonly host?: string;
}

/**
 * How far V8 lets the heap grow past what its last full collection kept, in percent, once the state is loaded. V8's own
 * factor (up to 4x) suits short programs; a server holding a million interactions (about 550 MB live) stood at
 * 0.9-1.7 GB between collections. Measured at 1M (docs/performance.md): 20 % kept it under 850 MB but made full
 * collections so frequent that a change cost 210 µs of CPU instead of 138; 40 % keeps it under 950 MB at V8's cost
 * per request (79 µs per submit, 129 per change). Not applied while loading: collections at every step of a growing
 * heap would slow the start. IXS_HEAP_GROWTH_PERCENT overrides it; 0 leaves V8's default.
 */
const HEAP_GROWTH_PERCENT = 40;

function limitHeapGrowth(logger: ReturnType<typeof createLogger>): void {
  const env = process.env.IXS_HEAP_GROWTH_PERCENT;
  const percent = env === undefined || env === '' ? HEAP_GROWTH_PERCENT : Number(env);
  if (!Number.isInteger(percent) || percent < 0) {
    logger.warn(
      { IXS_HEAP_GROWTH_PERCENT: env },
      'IXS_HEAP_GROWTH_PERCENT is not a whole number >= 0; using the default',
    );
    setFlagsFromString(`--heap-growing-percent=${String(HEAP_GROWTH_PERCENT)}`);
    return;
  }
  if (percent > 0) setFlagsFromString(`--heap-growing-percent=${String(percent)}`);
}

/** Starts every listener, prints the ready line, and drains on SIGTERM. */
export async function serve(o: ServeOptions): Promise<void> {
  const logger = createLogger();
  const config = loadConfig(o.config);
  const host = o.host ?? config.listen.host;
  // IXS_COMMIT_WORKER=0 commits on the main thread (for measurements); the default is the commit worker.
  const metrics = new Metrics();
  const store = await openSqliteStore(o.dataDir, {
    worker: process.env.IXS_COMMIT_WORKER !== '0',
    historyRetentionMs: config.settings.historyRetention * 1000,
    onTransaction: (t) => {
      metrics.transactionSeconds.observe(t.ms / 1000);
    },
  });
  metrics.observeStore(() => store.settleLag);
  const server = new IxsServer({ config, store, logger, metrics });
  await server.load();
  limitHeapGrowth(logger);
  const tls = tlsFor(config, o.config);
  const on = (door: 'tcp' | 'ws' | 'http'): boolean => config.tls?.doors.includes(door) === true;
  const ws = await startWsListener({
    host,
    port: o.wsPort,
    maxFrameBytes: config.limits.maxFrameBytes,
    handler: server,
    logger,
    ...(tls && on('ws') ? { tls: tls.protocol } : {}),
    maxConnections: config.limits.maxConnections,
    onRefused: () => {
      metrics.limitRefusals.inc({ limit: 'connections' });
    },
  });
  const tcp = await startTcpListener({
    host,
    port: o.tcpPort,
    maxFrameBytes: config.limits.maxFrameBytes,
    handler: server,
    logger,
    ...(tls && on('tcp') ? { tls: tls.protocol } : {}),
    maxConnections: config.limits.maxConnections,
    onRefused: () => {
      metrics.limitRefusals.inc({ limit: 'connections' });
    },
  });
  const { tokens, generated } = apiTokens(config, o.dataDir);
  // Where the generated token is, never the token itself.
  if (generated !== undefined)
    logger.info({ file: generated }, 'HTTP API: no token configured; using the admin token in this file');
  const http = await startHttp(
    buildHttpApp({
      server,
      store,
      metrics,
      tokens,
      metricsPublic: config.http.metricsPublic,
      ...(tls && on('http') ? { https: tls.http } : {}),
    }),
    host,
    o.httpPort,
  );
  let stopping = false;
  const stop = async (signal: string): Promise<void> => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'draining');
    server.lifecycle = 'draining';
    server.stopTimers();
    // Stop taking connections but keep the open ones until the drain has answered every request they sent.
    ws.stopAccepting();
    // The HTTP door stops accepting at once; its open connections close once the drain has answered their requests.
    const httpClosed = http.close();
    await tcp.stopAccepting();
    await server.drain();
    http.dropConnections();
    await httpClosed;
    server.closeAll();
    await Promise.all([tcp.close(), ws.close()]);
    // Closed connections end their sessions (an agent's logout is reported): those commits finish before the store.
    // 5 s: every socket was destroyed above, so their close handlers run within a few event-loop turns.
    await server.allClosed(5000);
    await server.drain();
    await store.close();
    server.lifecycle = 'closed';
    logger.info('closed');
    logger.flush();
    process.exit(0);
  };
  // Installed before the ready line: a SIGTERM sent as soon as the line is read must drain, not kill (Node's default
  // action until a listener exists).
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));

  server.lifecycle = 'ready';
  process.stdout.write(`${JSON.stringify({ ready: true, tcpPort: tcp.port, wsPort: ws.port, httpPort: http.port })}\n`);
  logger.info(
    {
      host,
      tcpPort: tcp.port,
      wsPort: ws.port,
      httpPort: http.port,
      dataDir: o.dataDir,
      ...(config.tls ? { tls: config.tls.doors, mutualTls: config.tls.clientCa !== undefined } : {}),
    },
    'ready',
  );
  if (!isLoopback(host) && !config.tls?.clientCa && !config.applications.every((a) => a.secret !== undefined))
    logger.warn(
      { host },
      'listening beyond loopback without mutual TLS and with applications that have no secret: anyone who reaches the protocol ports can register as those (docs/tls.md); the HTTP API needs a bearer token',
    );
}

/**
 * The TLS settings of the configuration, its files read (paths relative to the configuration file): the protocol
 * doors ask for and verify a client certificate when `clientCa` is set (mutual TLS); the HTTP door, which has its
 * bearer tokens, serves TLS without asking for one.
 */
function tlsFor(
  config: Config,
  configFile: string | undefined,
): { protocol: TlsOptions; http: TlsOptions } | undefined {
  const t = config.tls;
  if (!t) return undefined;
  const base = configFile ? dirname(resolve(configFile)) : process.cwd();
  const read = (f: string, what: string): Buffer => {
    try {
      return readFileSync(resolve(base, f));
    } catch (e) {
      throw new ConfigError(`tls.${what}: cannot read ${resolve(base, f)}: ${(e as Error).message}`);
    }
  };
  const http: TlsOptions = { cert: read(t.cert, 'cert'), key: read(t.key, 'key') };
  const protocol: TlsOptions = t.clientCa
    ? { ...http, ca: read(t.clientCa, 'clientCa'), requestCert: true, rejectUnauthorized: true }
    : http;
  return { protocol, http };
}

/** Whether an address only accepts connections from this machine. */
function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || host.startsWith('127.');
}
