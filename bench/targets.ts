/**
 * Starts the processes under test, each on port 0 with a fresh temp data dir: the real IXS server (as
 * test/e2e/harness.ts does) and the floor (bench/floor.ts). Both print one JSON ready line with their wsPort.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

const ROOT = new URL('../', import.meta.url);
/** The configuration the bench gives `ixs serve`. */
export const BENCH_CONFIG = new URL('./ixs-bench.config.json', import.meta.url).pathname;

/** A running process under test. */
export interface Target {
  readonly name: string;
  readonly proc: ChildProcess;
  readonly pid: number;
  readonly wsUrl: string;
  readonly httpPort: number;
  /** The Genesys binary port (IXS only; 0 for the floor). */
  readonly tcpPort: number;
  /** The configuration file the server runs with (IXS only). */
  readonly configFile?: string;
  readonly dataDir: string;
  /** stderr lines so far. */
  readonly logs: string[];
  /** stdout lines after the ready line (the floor prints its stats there on exit). */
  readonly out: string[];
  /** SIGTERM, wait for exit (kill after 15 s), remove the data dir; resolves to the exit code. */
  stop(): Promise<number | null>;
}

const live = new Set<ChildProcess>();
process.on('exit', () => {
  for (const p of live) p.kill('SIGKILL');
});

/** Extra node flags for the processes under test (e.g. --cpu-prof). */
export interface StartOptions {
  readonly nodeFlags?: readonly string[];
}

let built = false;

/** `npm run build`, once per bench run; a failure shows the build's last lines. */
export function buildOnce(): void {
  if (built) return;
  try {
    execFileSync('npm', ['run', 'build'], { cwd: ROOT.pathname, stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' });
  } catch (e) {
    const out = e as { stdout?: string; stderr?: string };
    const text = `${out.stdout ?? ''}${out.stderr ?? ''}`.trim().split('\n').slice(-20).join('\n');
    throw new Error(`npm run build failed:\n${text}`, { cause: e });
  }
  built = true;
}

/** The commit the sources are at, and whether src/ has uncommitted changes; '?' outside a git work tree. */
export function sourceVersion(): string {
  try {
    const git = (...a: string[]): string =>
      execFileSync('git', a, { cwd: ROOT.pathname, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    const dirty = git('status', '--porcelain', '--', 'src') !== '';
    return `${git('rev-parse', '--short', 'HEAD')}${dirty ? ' + uncommitted changes in src/' : ''}`;
  } catch {
    return '?';
  }
}

/**
 * Starts IXS as users run it: `npm run build` once per bench run (so the build is never stale), then the compiled
 * `ixs serve` (dist/) with the bench configuration.
 */
export function startIxs(opts: StartOptions = {}): Promise<Target> {
  buildOnce();
  const dataDir = mkdtempSync(join(tmpdir(), 'ixs-bench-'));
  const args = serveArgs(BENCH_CONFIG, dataDir);
  return startProcess('IXS', [...(opts.nodeFlags ?? []), ...args], dataDir, BENCH_CONFIG);
}

/** A process's resident memory (MB, from /proc/<pid>/status VmRSS); 0 when it cannot be read. */
export function rssMb(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${String(pid)}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : 0;
  } catch {
    return 0;
  }
}

/** What runs as IXS. */
export function ixsBuildNote(): string {
  return 'ixs serve runs the compiled build (npm run build at the start of the bench)';
}

/** Starts the floor: a bare ws + better-sqlite3 server with the same commit discipline (bench/floor.ts). */
export function startFloor(opts: StartOptions = {}): Promise<Target> {
  const dataDir = mkdtempSync(join(tmpdir(), 'ixs-floor-'));
  const script = new URL('./floor.ts', import.meta.url).pathname;
  return startProcess(
    'floor',
    [...SERVER_NODE_FLAGS, ...(opts.nodeFlags ?? []), '--import', 'tsx', script, '--data-dir', dataDir],
    dataDir,
  );
}

/** Spawns `node ...args` and waits for its JSON ready line (with wsPort; httpPort optional). */
export async function startProcess(
  name: string,
  args: string[],
  dataDir: string,
  configFile?: string,
): Promise<Target> {
  const proc = spawn(process.execPath, args, {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, IXS_LOG_LEVEL: process.env.IXS_LOG_LEVEL ?? 'warn' },
  });
  live.add(proc);
  const logs: string[] = [];
  const out: string[] = [];
  createInterface({ input: proc.stderr }).on('line', (l) => logs.push(l));
  const exited = new Promise<number | null>((resolve) =>
    proc.once('exit', (code) => {
      live.delete(proc);
      resolve(code);
    }),
  );
  const ready = await new Promise<Record<string, unknown>>((resolve, reject) => {
    const rl = createInterface({ input: proc.stdout });
    // Generous: tsx compiles the server's sources on first start.
    const t = setTimeout(() => {
      reject(new Error(`${name} did not print its ready line in 30 s; stderr:\n${logs.join('\n')}`));
    }, 30_000);
    let first = true;
    rl.on('line', (line) => {
      if (!first) {
        out.push(line);
        return;
      }
      first = false;
      clearTimeout(t);
      try {
        resolve(JSON.parse(line) as Record<string, unknown>);
      } catch {
        reject(new Error(`${name}: bad ready line: ${line}`));
      }
    });
    void exited.then((code) => {
      reject(new Error(`${name} exited with ${String(code)} before ready; stderr:\n${logs.join('\n')}`));
    });
  });
  const wsPort = ready.wsPort as number;
  return {
    name,
    proc,
    pid: proc.pid ?? -1,
    wsUrl: `ws://127.0.0.1:${String(wsPort)}/`,
    httpPort: typeof ready.httpPort === 'number' ? ready.httpPort : 0,
    tcpPort: typeof ready.tcpPort === 'number' ? ready.tcpPort : 0,
    ...(configFile ? { configFile } : {}),
    dataDir,
    logs,
    out,
    stop: async () => {
      proc.kill('SIGTERM');
      const t = setTimeout(() => proc.kill('SIGKILL'), 15_000);
      const code = await exited;
      clearTimeout(t);
      rmSync(dataDir, { recursive: true, force: true });
      return code;
    },
  };
}

/** CPU time (ms) one thread of a process has used so far, with the thread's name (`comm`) and id. */
export interface ThreadCpu {
  readonly tid: number;
  readonly name: string;
  readonly ms: number;
}

/**
 * CPU time (user + system, ms) of every thread of a process so far, from /proc/<pid>/task; empty where /proc is
 * missing. The main thread's tid is the pid; Node's worker threads are named `node` like it, V8's own threads `v8:...`.
 */
export function threadCpuMs(pid: number): ThreadCpu[] {
  try {
    return readdirSync(`/proc/${String(pid)}/task`).flatMap((t) => {
      try {
        const dir = `/proc/${String(pid)}/task/${t}`;
        const ms = statCpuMs(readFileSync(`${dir}/stat`, 'utf8'));
        return [{ tid: Number(t), name: readFileSync(`${dir}/comm`, 'utf8').trim(), ms }];
      } catch {
        return [];
      }
    });
  } catch {
    return [];
  }
}

/**
 * Server CPU per request of each thread between two {@link threadCpuMs} readings (µs), busiest first: `main` for the
 * main thread, `name:tid` for the others; threads under 1 µs per request are left out.
 */
export function threadCosts(
  pid: number,
  before: readonly ThreadCpu[],
  after: readonly ThreadCpu[],
  requests: number,
): { thread: string; us: number }[] {
  if (requests <= 0) return [];
  const was = new Map(before.map((t) => [t.tid, t.ms]));
  return after
    .map((t) => ({
      thread: t.tid === pid ? 'main' : `${t.name}:${String(t.tid)}`,
      us: ((t.ms - (was.get(t.tid) ?? 0)) * 1000) / requests,
    }))
    .filter((t) => t.us >= 1)
    .sort((a, b) => b.us - a.us);
}

/** CPU time (user + system, ms) a process has used so far, from /proc; undefined where /proc is missing. */
export function processCpuMs(pid: number): number | undefined {
  try {
    return statCpuMs(readFileSync(`/proc/${String(pid)}/stat`, 'utf8'));
  } catch {
    return undefined;
  }
}

/** User + system CPU time (ms) in the text of a /proc `stat` file (a process's or one of its threads'). */
function statCpuMs(stat: string): number {
  // Fields after the parenthesised command name; utime and stime are fields 14 and 15 (1-based).
  const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // USER_HZ is 100 on Linux for every architecture Node supports.
  return (Number(rest[11]) + Number(rest[12])) * 10;
}

/**
 * The V8 flags `ixs serve` runs with (bin/ixs.js's first line, `npm start`; docs/operations.md): a 32 MB semi-space, so
 * that a request's short-lived objects die young instead of being promoted into a heap of a million interactions
 * (docs/performance.md). The floor gets them too: both sides of a comparison run on the same runtime settings.
 */
export const SERVER_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=32'];

/** The command line of the compiled `ixs serve` on `dataDir`: every port picked by the system, loopback only. */
export function serveArgs(config: string, dataDir: string): string[] {
  return [
    ...SERVER_NODE_FLAGS,
    new URL('dist/cli/main.js', ROOT).pathname,
    'serve',
    '--config',
    config,
    '--data-dir',
    dataDir,
    '--tcp-port',
    '0',
    '--ws-port',
    '0',
    '--http-port',
    '0',
    '--host',
    '127.0.0.1',
  ];
}
