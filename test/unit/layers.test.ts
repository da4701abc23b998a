/**
 * The one-way layering of STYLE.md and docs/architecture.md: no import cycles anywhere in src/ and the client package,
 * and each layer imports only the layers above it (protocol <- core/model <- store <- core <- transport <-
 * server/http/cli/obs/config; condition, the condition language, is used by core and config). The client library is
 * the workspace package @ixs/client (packages/client/src): it imports only protocol and transport of src/ (and, of
 * packages, only node's built-ins and ws); of src/, only the cli imports it (by its name, @ixs/client).
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, it } from 'node:test';

const ROOT = new URL('../../', import.meta.url).pathname;
const SRC = join(ROOT, 'src/');
const CLIENT = join(ROOT, 'packages/client/src/');
const CLIENT_ENTRY = join(CLIENT, 'index.ts');

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? files(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

/** What a file imports (static `import ... from`, `export ... from` and `import()` of a literal). */
interface Imports {
  /** Files of this repository: relative imports, and `@ixs/client` as its entry point. */
  readonly local: string[];
  /** Package names and built-ins (`ws`, `node:net`, `zod`, ...). */
  readonly packages: string[];
}

function importsOf(file: string): Imports {
  const text = readFileSync(file, 'utf8');
  const local: string[] = [];
  const packages: string[] = [];
  for (const m of text.matchAll(/(?:from|import\()\s*'([^']+)'/g)) {
    const spec = m[1]!;
    if (spec.startsWith('.')) local.push(resolve(dirname(file), spec));
    else if (spec === '@ixs/client') local.push(CLIENT_ENTRY);
    else packages.push(spec);
  }
  return { local: local.filter((t) => t.endsWith('.ts')), packages };
}

const name = (f: string): string => relative(ROOT, f);

const layerOf = (f: string): string => {
  if (f.startsWith(CLIENT)) return 'client';
  if (!f.startsWith(SRC)) return `outside (${name(f)})`;
  const [top = '', sub] = relative(SRC, f).split('/');
  // core/model is the bottom of the core: the store keeps what it defines.
  return top === 'core' && sub === 'model' ? 'model' : top;
};

/** Which layers each layer may import (itself included). */
const ALLOWED: Record<string, string[]> = {
  protocol: ['protocol'],
  model: ['protocol', 'model'],
  store: ['protocol', 'model', 'store'],
  condition: ['condition'],
  core: ['protocol', 'model', 'store', 'core', 'config', 'condition'],
  transport: ['protocol', 'transport', 'obs'],
  config: ['config', 'condition'],
  obs: ['obs'],
  server: ['protocol', 'model', 'store', 'core', 'transport', 'config', 'obs', 'server'],
  http: ['protocol', 'model', 'store', 'core', 'condition', 'transport', 'server', 'config', 'obs', 'http'],
  cli: ['protocol', 'model', 'store', 'core', 'transport', 'config', 'obs', 'server', 'http', 'client', 'cli'],
  // packages/client/src, the package @ixs/client: bundled with what it takes of protocol and transport.
  client: ['protocol', 'transport', 'client'],
};

/** The packages the client package may import: what its bundle leaves external (the dependencies in its package.json). */
const CLIENT_PACKAGES = (spec: string): boolean => spec.startsWith('node:') || spec === 'ws';

/** Every import that breaks the layering, as a sentence. */
function violations(graph: ReadonlyMap<string, Imports>): string[] {
  const out: string[] = [];
  for (const [f, deps] of graph) {
    const from = layerOf(f);
    const allowed = ALLOWED[from];
    if (!allowed) {
      out.push(`${name(f)}: unknown layer ${from}`);
      continue;
    }
    for (const d of deps.local)
      if (!allowed.includes(layerOf(d))) out.push(`${name(f)} (${from}) must not import ${name(d)} (${layerOf(d)})`);
    if (from === 'client')
      for (const p of deps.packages)
        if (!CLIENT_PACKAGES(p)) out.push(`${name(f)} (client) must not import the package ${p}`);
  }
  return out;
}

const graph = new Map([...files(SRC), ...files(CLIENT)].map((f) => [f, importsOf(f)]));

describe('layering', () => {
  it('every relative import points at a file that exists', () => {
    const all = new Set(graph.keys());
    for (const [f, deps] of graph)
      for (const d of deps.local) assert.ok(all.has(d), `${name(f)} imports missing ${name(d)}`);
  });

  it('each layer imports only the layers above it', () => {
    assert.deepEqual(violations(graph), []);
  });

  it('the check itself refuses a forbidden import (core -> @ixs/client, client -> core, client -> fastify)', () => {
    const core = join(SRC, 'core/core.ts');
    const session = join(CLIENT, 'session.ts');
    assert.ok(graph.has(core) && graph.has(session));
    const bad = new Map(graph);
    bad.set(core, { local: [...graph.get(core)!.local, CLIENT_ENTRY], packages: [] });
    bad.set(session, { local: [join(SRC, 'core/state.ts')], packages: ['fastify', 'node:net', 'ws'] });
    assert.deepEqual(violations(bad), [
      'src/core/core.ts (core) must not import packages/client/src/index.ts (client)',
      'packages/client/src/session.ts (client) must not import src/core/state.ts (core)',
      'packages/client/src/session.ts (client) must not import the package fastify',
    ]);
  });

  it('there are no import cycles', () => {
    const state = new Map<string, 'visiting' | 'done'>();
    const stack: string[] = [];
    const visit = (f: string): void => {
      if (state.get(f) === 'done') return;
      if (state.get(f) === 'visiting')
        assert.fail(`import cycle: ${[...stack.slice(stack.indexOf(f)), f].map(name).join(' -> ')}`);
      state.set(f, 'visiting');
      stack.push(f);
      for (const d of graph.get(f)?.local ?? []) visit(d);
      stack.pop();
      state.set(f, 'done');
    };
    for (const f of graph.keys()) visit(f);
  });

  it("only the transition module writes an interaction's placement, parties and invitations", () => {
    const owner = join(SRC, 'core/interaction-machine.ts');
    for (const f of graph.keys()) {
      if (f === owner || layerOf(f) === 'model') continue;
      const text = readFileSync(f, 'utf8');
      const m = /\.(placement|parties|invitations)\s*=[^=]/.exec(text);
      assert.equal(m, null, `${name(f)} writes .${m?.[1] ?? ''} (use core/interaction-machine.ts)`);
    }
  });
});
