/** The HTTP door's tokens (src/http/auth.ts): which header names which token; the generated admin token. */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parseConfig } from '../../src/config/load.ts';
import { DEMO_CONFIG } from '../../src/config/demo.ts';
import { apiTokens, tokenOf, type ApiToken } from '../../src/http/auth.ts';

const TOKENS: ApiToken[] = [
  { name: 'r', token: 'read-token-0123456789', access: 'read', actor: 'r' },
  { name: 'w', token: 'write-token-0123456789', access: 'write', actor: 'WebApi', tenants: [1] },
];

describe('tokenOf', () => {
  it('accepts exactly "Bearer <token>" of a known token, case-insensitive scheme', () => {
    assert.equal(tokenOf('Bearer read-token-0123456789', TOKENS)?.name, 'r');
    assert.equal(tokenOf('bearer write-token-0123456789', TOKENS)?.name, 'w');
    assert.equal(tokenOf('Bearer   write-token-0123456789  ', TOKENS)?.name, 'w');
    for (const bad of [
      undefined,
      '',
      'Bearer',
      'Basic cmVhZC10b2tlbg==',
      'Bearer read-token-012345678',
      'Bearer read-token-01234567890',
      'Bearer read-token-0123456789 extra',
      'read-token-0123456789',
    ])
      assert.equal(tokenOf(bad, TOKENS), undefined, String(bad));
  });
});

describe('apiTokens', () => {
  it('configured tokens are used as given (the application is the actor); nothing is generated', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ixs-tok-'));
    try {
      const config = parseConfig(
        {
          ...DEMO_CONFIG,
          http: {
            tokens: [{ name: 'ops', token: 'x'.repeat(20), access: 'write', application: 'EmailServer', tenants: [1] }],
          },
        },
        't',
      );
      const r = apiTokens(config, dir);
      assert.deepEqual(r, {
        tokens: [{ name: 'ops', token: 'x'.repeat(20), access: 'write', actor: 'EmailServer', tenants: [1] }],
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('none configured: a write token is generated once into admin-token (0600) and read back after', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ixs-tok-'));
    try {
      const config = parseConfig(DEMO_CONFIG, 't');
      const first = apiTokens(config, dir);
      const file = join(dir, 'admin-token');
      assert.equal(first.generated, file);
      const token = first.tokens[0]?.token ?? '';
      assert.ok(token.length >= 32);
      assert.equal(readFileSync(file, 'utf8').trim(), token);
      assert.equal(statSync(file).mode & 0o777, 0o600);
      assert.deepEqual(first.tokens, [{ name: 'admin', token, access: 'write', actor: 'admin' }]);
      assert.equal(apiTokens(config, dir).tokens[0]?.token, token, 'the same token at the next start');
      // A file that cannot hold a token (emptied by hand) gets a fresh one.
      writeFileSync(file, '\n');
      assert.notEqual(apiTokens(config, dir).tokens[0]?.token, token);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
