/**
 * End-to-end harness: starts the real `ixs serve` process on port 0 with a fresh data dir and talks to it over real
 * sockets. No mocks.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Socket } from 'node:net';
import { createInterface } from 'node:readline';
import { JsonClient, TcpClient, type Json } from '@ixs/client';

export const ROOT = new URL('../../', import.meta.url);
export const BIN = new URL('bin/ixs.js', ROOT).pathname;
export const FIXTURE_CONFIG = new URL('./fixtures/config.json', import.meta.url).pathname;

/** A running server process. */
export interface RunningServer {
  readonly proc: ChildProcess;
  readonly tcpPort: number;
  readonly wsPort: number;
  readonly httpPort: number;
  readonly dataDir: string;
  readonly wsUrl: string;
  /** The HTTP API's admin token the server generated into its data dir (no token configured), else undefined. */
  readonly token: string | undefined;
  /** stderr lines so far (pino JSON logs). */
  readonly logs: string[];
  /** SIGTERM and wait for exit; resolves to the exit code. */
  stop(): Promise<number | null>;
  /** SIGKILL and wait. */
  kill(): Promise<void>;
}

/**
 * Servers started by this test file and not yet stopped: killed when the file's process exits, even after a failed
 * test. Their handles are unref'd so that a server a failed test left running cannot keep the file from ending.
 */
const live = new Set<ChildProcess>();
process.once('exit', () => {
  for (const p of live) p.kill('SIGKILL');
});

/**
 * A copy of a configuration file with some `settings` changed (e.g. short timeouts), written to a fresh temp folder;
 * returns its path.
 */
export function configWith(settings: Json, base: string = FIXTURE_CONFIG): string {
  return configEdited((config) => {
    config.settings = { ...(config.settings ?? {}), ...settings };
  }, base);
}

/** A copy of a configuration file as `edit` changes it, written to a fresh temp folder; returns its path. */
export function configEdited(edit: (config: Json) => void, base: string = FIXTURE_CONFIG): string {
  const config = JSON.parse(readFileSync(base, 'utf8')) as Json;
  edit(config);
  const path = join(mkdtempSync(join(tmpdir(), 'ixs-config-')), 'config.json');
  writeFileSync(path, JSON.stringify(config));
  return path;
}

/** Starts `ixs serve` on port 0. Reuses `dataDir` when given (restart tests). */
export async function startServer(
  opts: {
    dataDir?: string;
    config?: string;
    extraArgs?: string[];
    viaBin?: boolean;
    env?: Record<string, string>;
  } = {},
): Promise<RunningServer> {
  const dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), 'ixs-e2e-'));
  const args = [
    // Tests run the TypeScript sources with tsx (STYLE.md); bin/ixs.js runs the compiled build when there is one.
    ...(opts.viaBin ? [BIN] : ['--import', 'tsx', new URL('src/cli/main.ts', ROOT).pathname]),
    'serve',
    '--config',
    opts.config ?? FIXTURE_CONFIG,
    '--data-dir',
    dataDir,
    '--tcp-port',
    '0',
    '--ws-port',
    '0',
    '--http-port',
    '0',
    // No --host: every test runs on the default listen address (loopback), as a user's server does.
    ...(opts.extraArgs ?? []),
  ];
  const proc = spawn(process.execPath, args, {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, IXS_LOG_LEVEL: process.env.IXS_LOG_LEVEL ?? 'warn', ...opts.env },
  });
  const logs: string[] = [];
  createInterface({ input: proc.stderr }).on('line', (l) => logs.push(l));
  live.add(proc);
  proc.unref();
  // The stdio pipes of a spawned child are net.Socket instances.
  for (const pipe of [proc.stdout, proc.stderr]) if (pipe instanceof Socket) pipe.unref();
  proc.once('exit', () => live.delete(proc));
  const exited = new Promise<number | null>((resolve) =>
    proc.once('exit', (code) => {
      resolve(code);
    }),
  );
  const ready = await new Promise<Json>((resolve, reject) => {
    const rl = createInterface({ input: proc.stdout });
    const t = setTimeout(() => {
      reject(new Error(`server did not print its ready line in 20 s; stderr:\n${logs.join('\n')}`));
    }, 20_000);
    rl.once('line', (line) => {
      clearTimeout(t);
      try {
        resolve(JSON.parse(line) as Json);
      } catch {
        reject(new Error(`bad ready line: ${line}`));
      }
    });
    void exited.then((code) => {
      reject(new Error(`server exited with ${String(code)} before ready; stderr:\n${logs.join('\n')}`));
    });
  });
  const wsPort = ready.wsPort as number;
  const tokenFile = join(dataDir, 'admin-token');
  const token = existsSync(tokenFile) ? readFileSync(tokenFile, 'utf8').trim() : undefined;
  return {
    token,
    proc,
    tcpPort: ready.tcpPort as number,
    wsPort,
    httpPort: ready.httpPort as number,
    dataDir,
    wsUrl: `ws://127.0.0.1:${String(wsPort)}/`,
    logs,
    // Waiting for the exit holds the event loop (the process handle is unref'd otherwise).
    stop: async () => {
      proc.ref();
      proc.kill('SIGTERM');
      return exited;
    },
    kill: async () => {
      proc.ref();
      proc.kill('SIGKILL');
      await exited;
    },
  };
}

/** A request to the server's HTTP door with its admin token (`init.headers` add to or override it). */
export function api(srv: RunningServer, path: string, init: RequestInit = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  if (!headers.has('authorization') && srv.token !== undefined) headers.set('authorization', `Bearer ${srv.token}`);
  return fetch(`http://127.0.0.1:${String(srv.httpPort)}${path}`, { ...init, headers });
}

/** The first log line of a server that contains `text`, waiting up to 5 s for it (stderr arrives asynchronously). */
export async function logLine(srv: RunningServer, text: string): Promise<string | undefined> {
  for (let waited = 0; waited < 5000; waited += 20) {
    const line = srv.logs.find((l) => l.includes(text));
    if (line !== undefined) return line;
    await new Promise((r) => setTimeout(r, 20));
  }
  return undefined;
}

/** Stops a server a test started (it must exit 0) and removes its data dir; nothing when there is none. */
export async function stopClean(srv: RunningServer | undefined): Promise<void> {
  if (!srv) return;
  const code = await srv.stop();
  if (code !== 0) throw new Error(`the server exited with ${String(code)}, not 0`);
  cleanup(srv.dataDir);
}

/** A process's resident memory (MB, from /proc/<pid>/status VmRSS); 0 when it cannot be read (gone, not Linux). */
export function rssMb(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${String(pid)}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : 0;
  } catch {
    return 0;
  }
}

/** Removes a data dir. */
export function cleanup(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

/** Connects and registers a JSON client. */
export async function client(
  srv: RunningServer,
  clientType: string,
  clientName: string,
  extra: Json = {},
): Promise<JsonClient> {
  const c = await JsonClient.connect(srv.wsUrl);
  await c.register(clientType, clientName, extra);
  return c;
}

/** Waits a little and returns every unsolicited message a client got meanwhile (for "receives nothing" checks). */
export async function quiet(clients: (JsonClient | TcpClient)[], ms = 150): Promise<Json[][]> {
  await new Promise((r) => setTimeout(r, ms));
  return clients.map((c) => c.pendingEvents());
}

/** Submits a standard e-mail interaction as the given media server client. */
export async function submit(ms: JsonClient | TcpClient, queue: string, extra: Json = {}): Promise<string> {
  const r = await ms.request({
    message: 'RequestSubmit',
    tenantId: 1,
    mediaType: 'email',
    interactionType: 'Inbound',
    interactionSubtype: 'InboundNew',
    queue,
    userData: { Subject: 'Hello', Priority: 3 },
    ...extra,
  });
  if (r.message !== 'EventAck') throw new Error(`submit failed: ${JSON.stringify(r)}`);
  return r.interactionId as string;
}

export type { Json };
export { JsonClient, TcpClient };

/** Which front door a party uses. */
export type Door = 'ws' | 'tcp';

/** A client of either front door, with the JSON-level API. */
export type AnyClient = JsonClient | TcpClient;

/** Connects and registers a client over the given front door (the binary one speaks the Genesys protocol). */
export async function clientOver(
  srv: RunningServer,
  door: Door,
  clientType: string,
  clientName: string,
  extra: Json = {},
): Promise<AnyClient> {
  const c = door === 'ws' ? await JsonClient.connect(srv.wsUrl) : await TcpClient.connect('127.0.0.1', srv.tcpPort);
  await c.register(clientType, clientName, extra);
  return c;
}

/** Opens a JSON connection without registering it. */
export function connect(srv: RunningServer): Promise<JsonClient> {
  return JsonClient.connect(srv.wsUrl);
}

/** Resolves true once the client's connection is closed, false if it is still open after `ms`. */
export function closedWithin(c: JsonClient, ms: number): Promise<boolean> {
  if (c.closed) return Promise.resolve(true);
  return new Promise((resolve) => {
    const t = setTimeout(() => {
      resolve(false);
    }, ms);
    c.ws.once('close', () => {
      clearTimeout(t);
      resolve(true);
    });
  });
}

/** Logs an agent in on an agent application client; throws on EventError. */
export async function loginAgent(
  c: AnyClient,
  agentId: string,
  placeId: string,
  mediaList: Json = { email: 1, chat: 1 },
  tenantId = 1,
): Promise<Json> {
  const r = await c.request({ message: 'RequestAgentLogin', tenantId, placeId, agentId, mediaList });
  if (r.message !== 'EventAck') throw new Error(`agent login failed: ${JSON.stringify(r)}`);
  return r;
}

/** Sends a request that must be refused; returns the EventError (throws when the reply is anything else). */
export async function refusedWith(c: AnyClient, req: Json, code: number, ...mentions: string[]): Promise<Json> {
  const r = await c.request(req);
  if (r.message !== 'EventError') throw new Error(`expected EventError ${code}, got ${JSON.stringify(r)}`);
  if (r.errorCode !== code) throw new Error(`expected error code ${code}, got ${JSON.stringify(r)}`);
  for (const m of mentions) {
    if (!String(r.errorDescription).includes(m))
      throw new Error(`error description "${String(r.errorDescription)}" does not name ${m}`);
  }
  return r;
}

/** The next unsolicited message of a client, which must be `name`. */
export async function expectEvent(c: AnyClient, name: string, timeoutMs = 5000): Promise<Json> {
  const e = await c.nextEvent(timeoutMs);
  if (e.message !== name) throw new Error(`expected ${name}, got ${JSON.stringify(e)}`);
  return e;
}

/**
 * A barrier instead of a sleep: each client sends a request whose reply (EventError 43, unknown interaction) can only
 * come after every message the server had already planned for it. Returns, per client, the unsolicited messages that
 * arrived before that reply — exactly what it received, so "nothing else" is proven without waiting and hoping.
 */
export async function barrier(clients: AnyClient[]): Promise<Json[][]> {
  await Promise.all(
    clients.map(async (c) => {
      const r = await c.request({ message: 'RequestGetInteractionProperties', interactionId: '~barrier~' });
      if (r.message !== 'EventError' || r.errorCode !== 43) throw new Error(`barrier: ${JSON.stringify(r)}`);
    }),
  );
  return clients.map((c) => c.pendingEvents());
}

/** The message names of a list of messages. */
export function names(messages: Json[]): string[] {
  return messages.map((m) => String(m.message));
}
