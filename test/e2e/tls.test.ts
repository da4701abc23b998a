/**
 * TLS and client identity (issue #11; docs/tls.md) against the real server, with a throwaway CA made by openssl:
 * - TLS on all three doors: the binary protocol over TLS, the JSON protocol as wss://, the HTTP door as https://;
 *   a plain-text client on a TLS port is closed, and the others are served;
 * - an application configured with a secret registers only with it in Extension `ixs-secret` (error 3 otherwise);
 * - mutual TLS: a client without a certificate the CA signed is closed in the handshake; a certificate names the one
 *   application its connection may register as (error 3 for another), no secret needed.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  FIXTURE_CONFIG,
  JsonClient,
  logLine,
  startServer,
  stopClean,
  TcpClient,
  type Json,
  type RunningServer,
} from './harness.ts';

const SECRET = 'email-server-secret';
/** Without openssl the CA cannot be made: skipped with the reason, except in CI (.ci/run installs it). */
const SKIP =
  spawnSync('openssl', ['version']).status === 0 || process.env.CI === 'true'
    ? false
    : 'openssl is not installed (the test makes its CA with it)';
let dir: string;

function openssl(...args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });
}

/** A key and a certificate signed by the test CA, for `cn` (the server's also for 127.0.0.1). */
function issue(name: string, cn: string, san?: string): void {
  openssl('genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', `${name}.key`);
  openssl('req', '-new', '-key', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${cn}`);
  const ext = san ? ['-extfile', `${name}.ext`] : [];
  if (san) writeFileSync(join(dir, `${name}.ext`), `subjectAltName=${san}\n`);
  openssl(
    'x509',
    '-req',
    '-in',
    `${name}.csr`,
    '-CA',
    'ca.crt',
    '-CAkey',
    'ca.key',
    '-CAcreateserial',
    '-days',
    '2',
    '-out',
    `${name}.crt`,
    ...ext,
  );
}

const file = (name: string): Buffer => readFileSync(join(dir, name));

function config(mutual: boolean): string {
  const c = JSON.parse(readFileSync(FIXTURE_CONFIG, 'utf8')) as Json & { applications: Json[] };
  c.applications = c.applications.map((a) => (a.name === 'EmailServer' ? { ...a, secret: SECRET } : a));
  // Relative to the configuration file.
  c.tls = { cert: 'server.crt', key: 'server.key', ...(mutual ? { clientCa: 'ca.crt' } : {}) };
  const path = join(dir, mutual ? 'mutual.json' : 'tls.json');
  writeFileSync(path, JSON.stringify(c));
  return path;
}

before(() => {
  if (SKIP) return;
  dir = mkdtempSync(join(tmpdir(), 'ixs-tls-'));
  openssl(
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:prime256v1',
    '-nodes',
    '-keyout',
    'ca.key',
    '-out',
    'ca.crt',
    '-subj',
    '/CN=IXS test CA',
    '-days',
    '2',
  );
  issue('server', 'localhost', 'IP:127.0.0.1,DNS:localhost');
  issue('email', 'EmailServer');
});

after(() => {
  if (!SKIP) rmSync(dir, { recursive: true, force: true });
});

const register = (c: JsonClient | TcpClient, clientType: string, clientName: string, extra: Json = {}): Promise<Json> =>
  c.request({ message: 'RequestRegisterClient', clientType, clientName, ...extra });

describe('TLS on every door, with application secrets', { skip: SKIP }, () => {
  let srv: RunningServer;
  before(async () => {
    srv = await startServer({ config: config(false) });
  });
  after(async () => {
    await stopClean(srv);
  });
  const ca = (): { ca: Buffer } => ({ ca: file('ca.crt') });

  it('wss:// and the binary protocol over TLS; a secret is asked of the application that has one', async () => {
    const wss = await JsonClient.connect(`wss://127.0.0.1:${String(srv.wsPort)}/`, ca());
    const none = await register(wss, 'MediaServer', 'EmailServer');
    assert.deepEqual([none.message, none.errorCode], ['EventError', 3]);
    assert.match(String(none.errorDescription), /must give its secret in Extension 'ixs-secret'/);
    const wrong = await register(wss, 'MediaServer', 'EmailServer', { extension: { 'ixs-secret': 'not-the-secret' } });
    assert.deepEqual([wrong.message, wrong.errorCode], ['EventError', 3]);
    assert.match(String(wrong.errorDescription), /is not application 'EmailServer's/);
    const ok = await register(wss, 'MediaServer', 'EmailServer', { extension: { 'ixs-secret': SECRET } });
    assert.equal(ok.message, 'EventAck');
    assert.ok(await logLine(srv, 'registration refused'));

    const bin = await TcpClient.connect('127.0.0.1', srv.tcpPort, { ...ca(), servername: 'localhost' });
    const stat = await register(bin, 'ReportingEngine', 'StatServer');
    assert.equal(stat.message, 'EventAck', 'an application without a secret registers as before');
    wss.close();
    bin.close();
  });

  it('https:// for the HTTP door; the configuration it shows masks the secret', async () => {
    const get = (path: string): Promise<{ status: number; body: string }> =>
      new Promise((resolve, reject) => {
        const req = request(
          {
            host: '127.0.0.1',
            port: srv.httpPort,
            path,
            ...ca(),
            servername: 'localhost',
            headers: { authorization: `Bearer ${String(srv.token)}` },
          },
          (res) => {
            let body = '';
            res.on('data', (c: Buffer) => (body += c.toString()));
            res.on('end', () => {
              resolve({ status: res.statusCode ?? 0, body });
            });
          },
        );
        req.on('error', reject);
        req.end();
      });
    assert.equal((await get('/health')).status, 200);
    const cfg = JSON.parse((await get('/api/config')).body) as { applications: Json[] };
    assert.equal(cfg.applications.find((a) => a.name === 'EmailServer')?.secret, '********');
    assert.ok(!JSON.stringify(cfg).includes(SECRET));
  });

  it('a plain-text client on a TLS port is closed; the others are served', async () => {
    const plain = connect(srv.tcpPort, '127.0.0.1');
    await new Promise<void>((resolve) => plain.once('connect', resolve));
    plain.write(
      TcpClient.encode({
        message: 'RequestRegisterClient',
        clientType: 'ReportingEngine',
        clientName: 'StatServer',
        referenceId: 1,
      }),
    );
    let got = 0;
    plain.on('data', (d: Buffer) => (got += d.length));
    plain.on('error', () => undefined);
    await new Promise<void>((resolve) =>
      plain.once('close', () => {
        resolve();
      }),
    );
    assert.equal(got, 0, 'no protocol bytes came back');
    assert.ok(await logLine(srv, 'TLS handshake failed'));
    const wss = await JsonClient.connect(`wss://127.0.0.1:${String(srv.wsPort)}/`, ca());
    assert.equal((await register(wss, 'ReportingEngine', 'StatServer')).message, 'EventAck');
    wss.close();
  });
});

describe('mutual TLS', { skip: SKIP }, () => {
  let srv: RunningServer;
  before(async () => {
    srv = await startServer({ config: config(true) });
  });
  after(async () => {
    await stopClean(srv);
  });
  const email = (): { ca: Buffer; cert: Buffer; key: Buffer } => ({
    ca: file('ca.crt'),
    cert: file('email.crt'),
    key: file('email.key'),
  });

  it('the certificate names the one application a connection may register as; no secret needed', async () => {
    const bin = await TcpClient.connect('127.0.0.1', srv.tcpPort, { ...email(), servername: 'localhost' });
    const other = await register(bin, 'MediaServer', 'ChatServer');
    assert.deepEqual([other.message, other.errorCode], ['EventError', 3]);
    assert.match(String(other.errorDescription), /certificate names 'EmailServer'.*not 'ChatServer'/);
    assert.equal((await register(bin, 'MediaServer', 'EmailServer')).message, 'EventAck');
    bin.close();
  });

  it('a client without a certificate is closed in the handshake', async () => {
    await assert.rejects(JsonClient.connect(`wss://127.0.0.1:${String(srv.wsPort)}/`, { ca: file('ca.crt') }));
    const wss = await JsonClient.connect(`wss://127.0.0.1:${String(srv.wsPort)}/`, email());
    assert.equal((await register(wss, 'MediaServer', 'EmailServer')).message, 'EventAck');
    wss.close();
  });
});
