/**
 * The repository is complete on its own: no file of the sources, tests, scripts, benchmarks or docs names a path
 * outside it. A relative path is resolved against the folder of the file that names it (as an import, a
 * `new URL(path, import.meta.url)` or a Markdown link is); absolute paths into a workspace are refused outright.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CHECKED = ['src', 'test', 'scripts', 'bench', 'docs', 'README.md', 'package.json', '.ci'];

/** Tracked and untracked (not ignored) files under the checked folders; the big JSON vectors are data, not paths. */
function files(): string[] {
  const out = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard', '--', ...CHECKED], {
    cwd: ROOT,
    encoding: 'utf8',
  });
  return out
    .split('\n')
    .filter((f) => f !== '' && !f.startsWith('test/fixtures/vectors/'))
    .filter((f) => !/\.(png|jpe?g|ico|woff2?)$/.test(f));
}

/** Relative paths that climb (`../x`, `../../x`), with what follows them up to a delimiter. */
const CLIMBING = /(?:^|[^\w.])((?:\.\.\/)+[\w.@\-/]*)/g;
/** Absolute paths into the machine's workspace or a sibling checkout. */
const ABSOLUTE = /(?:^|[\s'"`(])(\/work\/[\w.\-/]*)/g;

/** Every path in `text` that leaves the repository, with its line number. */
function outsidePaths(file: string, text: string): string[] {
  const found: string[] = [];
  const lines = text.split('\n');
  const base = dirname(join(ROOT, file));
  lines.forEach((line, i) => {
    for (const m of line.matchAll(CLIMBING)) {
      const path = m[1] ?? '';
      const target = resolve(base, path);
      const rel = relative(ROOT, target);
      if (rel === '..' || rel.startsWith(`..${sep}`)) found.push(`${file}:${String(i + 1)}: ${path}`);
    }
    for (const m of line.matchAll(ABSOLUTE)) found.push(`${file}:${String(i + 1)}: ${m[1] ?? ''}`);
  });
  return found;
}

describe('the repository names no path outside itself', () => {
  it('finds a path that leaves the repository (the check can fail)', () => {
    const sibling = ['..', 'shared', 'vectors'].join('/');
    assert.deepEqual(outsidePaths('test/unit/x.test.ts', `const v = '../../${sibling}/a.json';`), [
      `test/unit/x.test.ts:1: ../../${sibling}/a.json`,
    ]);
    assert.deepEqual(outsidePaths('README.md', `see [spec](${sibling}/README.md)`), [
      `README.md:1: ${sibling}/README.md`,
    ]);
    assert.equal(outsidePaths('docs/a.md', 'ok: [b](../README.md), import x from "../src/a.ts"').length, 0);
  });

  it('no file of the repository mentions the reference folder that used to sit beside it', () => {
    const mention = ['..', 'shared'].join('/');
    // git grep exits 1 when nothing matches; --untracked also reads new files not yet committed.
    const r = spawnSync('git', ['grep', '--untracked', '-l', '-F', mention, '--', '.'], {
      cwd: ROOT,
      encoding: 'utf8',
    });
    assert.equal(r.status, 1, `files mentioning ${mention}:\n${r.stdout}`);
  });

  it('src, test, scripts, bench, docs, README, package.json and .ci stay inside', () => {
    const list = files();
    assert.ok(list.length > 50, `expected the repository's files, got ${String(list.length)}`);
    const bad = list.flatMap((f) => outsidePaths(f, readFileSync(join(ROOT, f), 'utf8')));
    assert.deepEqual(bad, []);
  });
});
