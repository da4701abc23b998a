/**
 * The one-way layering of STYLE.md and docs/architecture.md: no import cycles anywhere in src/, and each layer
 * imports only the layers above it (protocol <- core/model <- store <- core <- transport <- server/http/cli/obs/config; condition, the condition language, is used by core and config).
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, it } from 'node:test';

const SRC = new URL('../../src/', import.meta.url).pathname;

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? files(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

/** Relative imports of a file (static `import ... from`, `export ... from` and `import()` of a literal). */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const out: string[] = [];
  for (const m of text.matchAll(/(?:from|import\()\s*'(\.[^']+)'/g)) out.push(resolve(dirname(file), m[1]!));
  return out;
}

const graph = new Map(files(SRC).map((f) => [f, importsOf(f).filter((t) => t.endsWith('.ts'))]));
const layerOf = (f: string): string => {
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
  client: ['protocol', 'transport', 'client'],
  cli: ['protocol', 'model', 'store', 'core', 'transport', 'config', 'obs', 'server', 'http', 'client', 'cli'],
};

describe('layering', () => {
  it('every relative import points at a file that exists', () => {
    const all = new Set(graph.keys());
    for (const [f, deps] of graph)
      for (const d of deps) assert.ok(all.has(d), `${relative(SRC, f)} imports missing ${relative(SRC, d)}`);
  });

  it('each layer imports only the layers above it', () => {
    for (const [f, deps] of graph) {
      const from = layerOf(f);
      const allowed = ALLOWED[from];
      assert.ok(allowed, `unknown layer ${from}`);
      for (const d of deps)
        assert.ok(
          allowed.includes(layerOf(d)),
          `${relative(SRC, f)} (${from}) must not import ${relative(SRC, d)} (${layerOf(d)})`,
        );
    }
  });

  it('there are no import cycles', () => {
    const state = new Map<string, 'visiting' | 'done'>();
    const stack: string[] = [];
    const visit = (f: string): void => {
      if (state.get(f) === 'done') return;
      if (state.get(f) === 'visiting')
        assert.fail(`import cycle: ${[...stack.slice(stack.indexOf(f)), f].map((x) => relative(SRC, x)).join(' -> ')}`);
      state.set(f, 'visiting');
      stack.push(f);
      for (const d of graph.get(f) ?? []) visit(d);
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
      assert.equal(m, null, `${relative(SRC, f)} writes .${m?.[1] ?? ''} (use core/interaction-machine.ts)`);
    }
  });
});
