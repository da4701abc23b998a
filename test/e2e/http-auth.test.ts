/**
 * The HTTP door's authentication against the real server (docs/http.md): `/api/*` needs a bearer token (401 without
 * or with a wrong one, 403 for a read token that writes), all as problem+json; `/health` and `/ready` are open and
 * `/metrics` is open unless configured otherwise. With no token configured the server generates a write token into
 * its data dir (mode 0600), logs where it is and never the token, and keeps it across restarts.
 */
import assert from 'node:assert/strict';
import { readFileSync, statSync, writeFileSync, mkdtempSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, it } from 'node:test';
import { api, FIXTURE_CONFIG, logLine, startServer, type Json, type RunningServer, stopClean } from './harness.ts';

const READ = 'read-token-0123456789';
const WRITE = 'write-token-0123456789';

/** The fixture configuration with an `http` section. */
function configWithHttp(http: Json): string {
  const config = JSON.parse(readFileSync(FIXTURE_CONFIG, 'utf8')) as Json;
  config.http = http;
  const path = join(mkdtempSync(join(tmpdir(), 'ixs-config-')), 'config.json');
  writeFileSync(path, JSON.stringify(config));
  return path;
}

async function problem(res: Response, status: number, mentions: string): Promise<Json> {
  assert.equal(res.status, status);
  assert.equal(res.headers.get('content-type')?.split(';')[0], 'application/problem+json');
  const body = (await res.json()) as Json;
  assert.equal(body.status, status);
  assert.equal(typeof body.title, 'string');
  assert.match(String(body.detail), new RegExp(mentions));
  return body;
}

describe('HTTP authentication', () => {
  let srv: RunningServer | undefined;
  afterEach(async () => {
    await stopClean(srv);
    srv = undefined;
  });

  it('no token configured: a generated admin token (0600, logged by path only, kept across restarts) opens /api', async () => {
    srv = await startServer({ env: { IXS_LOG_LEVEL: 'info' } });
    const file = join(srv.dataDir, 'admin-token');
    assert.ok(srv.token !== undefined && srv.token.length >= 16);
    assert.equal(statSync(file).mode & 0o777, 0o600);
    const logged = await logLine(srv, 'admin token');
    assert.ok(logged?.includes(file), 'the start-up log names the file');
    assert.ok(!srv.logs.some((l) => l.includes(srv?.token ?? '~')), 'no log line holds the token');

    assert.equal((await api(srv, '/api/sessions')).status, 200);
    await problem(
      await fetch(`http://127.0.0.1:${String(srv.httpPort)}/api/sessions`),
      401,
      'needs an Authorization: Bearer',
    );
    const wrong = await api(srv, '/api/sessions', { headers: { authorization: 'Bearer not-the-token-at-all' } });
    assert.equal(wrong.headers.get('www-authenticate'), 'Bearer');
    await problem(wrong, 401, 'not one of the configured tokens');
    // Open paths.
    for (const path of ['/health', '/ready', '/metrics']) {
      const r = await fetch(`http://127.0.0.1:${String(srv.httpPort)}${path}`);
      assert.equal(r.status, 200, path);
    }
    assert.deepEqual(await (await fetch(`http://127.0.0.1:${String(srv.httpPort)}/ready`)).json(), {
      ready: true,
      status: 'ready',
    });
    // A write with the admin token reaches the route (an unknown session: 404 problem with the registry's code).
    const del = await problem(await api(srv, '/api/sessions/424242', { method: 'DELETE' }), 404, 'no client session');
    assert.deepEqual([del.errorCode, del.errorName], [3, 'ErrorUnknownClientId']);

    const token = srv.token;
    const dataDir = srv.dataDir;
    assert.equal(await srv.stop(), 0);
    srv = await startServer({ dataDir });
    assert.equal(srv.token, token, 'the same token after a restart');
    assert.equal((await api(srv, '/api/sessions')).status, 200);
  });

  it('configured tokens: read reads, writing with it is 403; write writes; /metrics can be closed', async () => {
    srv = await startServer({
      config: configWithHttp({
        tokens: [
          { name: 'wallboard', token: READ, access: 'read' },
          { name: 'ops', token: WRITE, access: 'write', application: 'EmailServer' },
        ],
        metricsPublic: false,
      }),
    });
    assert.equal(srv.token, undefined);
    assert.equal(existsSync(join(srv.dataDir, 'admin-token')), false, 'no token is generated when some are configured');
    const as = (token: string, path: string, init: RequestInit = {}): Promise<Response> =>
      api(srv as RunningServer, path, { ...init, headers: { authorization: `Bearer ${token}` } });
    assert.equal((await as(READ, '/api/sessions')).status, 200);
    assert.equal((await as(READ, '/api/events?limit=1')).status, 200);
    await problem(await as(READ, '/api/sessions/1', { method: 'DELETE' }), 403, "token 'wallboard' may only read");
    await problem(await as(WRITE, '/api/sessions/424242', { method: 'DELETE' }), 404, 'no client session');
    await problem(await api(srv, '/api/sessions'), 401, 'needs an Authorization');
    await problem(await fetch(`http://127.0.0.1:${String(srv.httpPort)}/metrics`), 401, 'needs an Authorization');
    const metrics = await as(READ, '/metrics');
    assert.equal(metrics.status, 200);
    assert.match(await metrics.text(), /ixs_/);
    assert.equal((await fetch(`http://127.0.0.1:${String(srv.httpPort)}/health`)).status, 200);
    await problem(await as(READ, '/api/nothing-here'), 404, 'no route GET /api/nothing-here');
  });
});
