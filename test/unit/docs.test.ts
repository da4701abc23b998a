/**
 * Drift tests for the generated documentation (Fastify's pattern): docs/protocol.md and docs/errors.md must equal what
 * scripts/gen-docs.ts renders from the catalogue and the error registry.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, test } from 'node:test';
import * as prettier from 'prettier';
import {
  EXAMPLE_SESSION,
  EXAMPLE_TLIB_REQUESTS,
  jsonLine,
  renderErrorsDoc,
  renderProtocolDoc,
} from '../../scripts/gen-docs.ts';
import { IS_CATALOGUE, TLIB_CATALOGUE, messageByName } from '../../src/protocol/catalogue.ts';
import { ERRORS } from '../../src/protocol/errors.ts';
import { attrFromJson } from '../../src/protocol/json-form.ts';

const PROTOCOL_MD = new URL('../../docs/protocol.md', import.meta.url);
const ERRORS_MD = new URL('../../docs/errors.md', import.meta.url);

function read(url: URL): string {
  try {
    return readFileSync(url, 'utf8');
  } catch {
    assert.fail(`${fileURLToPath(url)} is missing: run npm run docs`);
  }
}

describe('generated docs', () => {
  test('docs/protocol.md is up to date', () => {
    assert.equal(read(PROTOCOL_MD), renderProtocolDoc(), 'docs/protocol.md is out of date: run npm run docs');
  });

  test('docs/errors.md is up to date', () => {
    assert.equal(read(ERRORS_MD), renderErrorsDoc(), 'docs/errors.md is out of date: run npm run docs');
  });

  test('every error code 0..100 appears in docs/errors.md exactly once as a table row', () => {
    const counts = new Map<number, number>();
    for (const line of read(ERRORS_MD).split('\n')) {
      const m = /^\| (\d+) +\|/.exec(line);
      if (m) counts.set(Number(m[1]), (counts.get(Number(m[1])) ?? 0) + 1);
    }
    for (let code = 0; code <= 100; code++) {
      assert.equal(counts.get(code), 1, `error code ${String(code)} must be one table row of docs/errors.md`);
    }
    assert.deepEqual(
      [...counts.keys()].sort((a, b) => a - b),
      ERRORS.map((e) => e.code),
    );
  });

  test('every error row gives the registry name and meaning', () => {
    const text = read(ERRORS_MD);
    for (const e of ERRORS) {
      assert.ok(text.includes(`\`${e.name}\``), `${e.name} missing from docs/errors.md`);
      assert.ok(text.includes(e.meaning), `meaning of ${e.name} missing from docs/errors.md`);
    }
  });

  test('every catalogue message has a heading in docs/protocol.md', () => {
    const headings = new Set(
      read(PROTOCOL_MD)
        .split('\n')
        .filter((l) => l.startsWith('#'))
        .map((l) => l.replace(/^#+ /, '')),
    );
    for (const m of [...IS_CATALOGUE, ...TLIB_CATALOGUE]) {
      assert.ok(headings.has(m.name), `no heading for ${m.protocol} message ${m.name} in docs/protocol.md`);
    }
    // EventAbandoned exists in both protocols: two headings.
    const abandoned = read(PROTOCOL_MD)
      .split('\n')
      .filter((l) => l === '### EventAbandoned');
    assert.equal(abandoned.length, 2);
  });

  test('docs/protocol.md keeps the required sections', () => {
    const text = read(PROTOCOL_MD);
    for (const h of [
      '# IXS protocol reference',
      '## JSON over WebSocket (port 7121)',
      '### Registration',
      '### Worked example: a media server session',
      '### T-Library facade for routing engines',
      '## Supported requests',
      '## Binary protocol (TCP, port 7120)',
      '## Interaction Server messages',
      '## T-Library facade messages',
    ]) {
      assert.ok(text.split('\n').includes(h), `missing heading '${h}'`);
    }
  });

  test('every example frame is a catalogue message whose attributes decode with their catalogue types', () => {
    const text = read(PROTOCOL_MD);
    for (const f of [...EXAMPLE_SESSION, ...EXAMPLE_TLIB_REQUESTS]) {
      const line = jsonLine(f.message);
      assert.ok(text.includes(line), `example frame missing from docs/protocol.md: ${line}`);
      const obj = JSON.parse(line) as Record<string, unknown>;
      const def = messageByName(String(obj.message), f.message.protocol);
      assert.ok(def, `unknown message ${String(obj.message)}`);
      assert.equal(def.kind, f.from === 'client' ? 'request' : 'event');
      for (const [k, v] of Object.entries(obj)) {
        if (k === 'message') continue;
        const a = def.byJsonName.get(k);
        assert.ok(a, `${def.name} has no attribute '${k}'`);
        assert.doesNotThrow(() => attrFromJson(def, a, v), `${def.name}.${k} does not decode`);
      }
    }
  });

  test('the generated docs are Prettier-clean unless .prettierignore lists them', async (t) => {
    const ignorePath = fileURLToPath(new URL('../../.prettierignore', import.meta.url));
    for (const url of [PROTOCOL_MD, ERRORS_MD]) {
      const file = fileURLToPath(url);
      if ((await prettier.getFileInfo(file, { ignorePath })).ignored) {
        t.diagnostic(`${file} is in .prettierignore: not checked`);
        continue;
      }
      const options = (await prettier.resolveConfig(file)) ?? {};
      const text = read(url);
      assert.equal(
        await prettier.format(text, { ...options, filepath: file }),
        text,
        `${file} is not Prettier-formatted`,
      );
    }
  });
});
