/**
 * The client library installs on its own: `npm pack` of the workspace package @ixs/client, extracted into the
 * node_modules of an empty folder beside only its runtime dependency (ws), is imported by a plain `node` script (no
 * tsx, no repository on the resolution path) that talks to a real server over JSON (Session) and the binary protocol
 * (TcpClient); and a TypeScript consumer typechecks against the declarations in the tarball.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  realpathSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { api, ROOT, startServer, stopClean, type Json, type RunningServer } from './harness.ts';

const run = promisify(execFile);
const PKG = new URL('packages/client/', ROOT).pathname;
const DIST = join(PKG, 'dist');
/** The repository's own dependencies, which the consumer folder links to one by one. */
const REPO_MODULES = new URL('node_modules/', ROOT).pathname;

let srv: RunningServer | undefined;
let tmp: string;
let entries: string[];
/** A dist/ that was there before (e.g. CI's `npm run build`) stays; one this test made is removed. */
const hadDist = existsSync(DIST);

/** Links one package of the repository's node_modules into the consumer's. */
function link(name: string): void {
  const to = join(tmp, 'node_modules', name);
  mkdirSync(join(to, '..'), { recursive: true });
  symlinkSync(join(REPO_MODULES, name), to);
}

before(async () => {
  tmp = realpathSync(mkdtempSync(join(tmpdir(), 'ixs-client-pkg-')));
  await run('npm', ['run', 'build', '-w', '@ixs/client'], { cwd: ROOT.pathname, timeout: 60_000 });
  const packed = await run('npm', ['pack', '-w', '@ixs/client', '--pack-destination', tmp, '--json'], {
    cwd: ROOT.pathname,
    timeout: 30_000,
  });
  const [{ filename }] = JSON.parse(packed.stdout) as [{ filename: string }];
  const tarball = join(tmp, filename);
  entries = (await run('tar', ['-tzf', tarball])).stdout.trim().split('\n');
  const into = join(tmp, 'node_modules/@ixs/client');
  mkdirSync(into, { recursive: true });
  await run('tar', ['-xzf', tarball, '-C', into, '--strip-components=1']);
  // Only what the bundle leaves external at run time.
  link('ws');
  srv = await startServer();
});

after(async () => {
  await stopClean(srv);
  if (tmp) rmSync(tmp, { recursive: true, force: true });
  if (!hadDist) rmSync(DIST, { recursive: true, force: true });
});

describe('@ixs/client as a package', () => {
  it('the tarball holds the bundle, its declarations, package.json and README, and nothing else', () => {
    for (const must of ['package/package.json', 'package/README.md', 'package/dist/index.js'])
      assert.ok(entries.includes(must), `${must} is missing`);
    for (const e of entries) {
      assert.ok(e.startsWith('package/') && !e.includes('..'), `${e} is outside the package`);
      const path = e.slice('package/'.length);
      assert.ok(
        path === 'package.json' || path === 'README.md' || path.startsWith('dist/'),
        `${e} is not part of the package`,
      );
      assert.ok(!/\.[cm]?tsx?$/.test(path) || /\.d\.[cm]?ts$/.test(path), `${e} is TypeScript source`);
    }
    const manifest = JSON.parse(readFileSync(join(tmp, 'node_modules/@ixs/client/package.json'), 'utf8')) as {
      exports: { '.': { types: string; import: string } };
    };
    for (const target of [manifest.exports['.'].types, manifest.exports['.'].import])
      assert.ok(entries.includes(`package/${target.replace(/^\.\//, '')}`), `${target} is not in the tarball`);
    // The catalogue and codecs it is built from are inside the bundle, and their declarations inside dist/.
    assert.ok(entries.some((e) => e.startsWith('package/dist/types/src/protocol/')));
  });

  it('a plain node script registers, submits, is refused with a RequestError, and speaks the binary protocol', async () => {
    const script = join(tmp, 'consumer.mjs');
    writeFileSync(
      script,
      `import { RequestError, Session, TcpClient } from '@ixs/client';
const [url, tcpPort] = process.argv.slice(2);
const out = { resolved: import.meta.resolve('@ixs/client') };
const ms = await Session.open({ url, clientType: 'MediaServer', clientName: 'EmailServer' });
out.registrations = ms.registrations;
out.submitted = await ms.request({
  message: 'RequestSubmit', tenantId: 1, queue: 'Email Out', mediaType: 'email',
  interactionType: 'Inbound', interactionSubtype: 'InboundNew', userData: { Subject: 'from the package' },
});
try {
  await ms.request({ message: 'RequestStopProcessing', interactionId: 'no-such-interaction' });
} catch (e) {
  out.refused = e instanceof RequestError ? { errorCode: e.errorCode, reply: e.reply.message } : String(e);
}
ms.close();
const tcp = await TcpClient.connect('127.0.0.1', Number(tcpPort));
out.tcpRegistered = await tcp.register('MediaServer', 'ChatServer');
tcp.close();
console.log(JSON.stringify(out));
`,
    );
    const env = { ...process.env };
    delete env.NODE_OPTIONS;
    const r = await run(process.execPath, [script, srv!.wsUrl, String(srv!.tcpPort)], {
      cwd: tmp,
      env,
      timeout: 20_000,
    });
    const out = JSON.parse(r.stdout) as {
      resolved: string;
      registrations: number;
      submitted: Json;
      refused: unknown;
      tcpRegistered: Json;
    };
    assert.equal(out.resolved, `file://${tmp}/node_modules/@ixs/client/dist/index.js`);
    assert.equal(out.registrations, 1);
    const { interactionId, ...rest } = out.submitted;
    assert.equal(typeof interactionId, 'string');
    assert.deepEqual(rest, { message: 'EventAck', referenceId: 2, version: 1 });
    assert.deepEqual(out.refused, { errorCode: 43, reply: 'EventError' });
    const { proxyClientId, extension, ...registered } = out.tcpRegistered;
    assert.deepEqual(registered, { message: 'EventAck', referenceId: 1 });
    assert.equal(typeof proxyClientId, 'number');
    assert.match(String((extension as Json).ServerVersion), /^IXS \d/);
    // The interaction is really there, as the server's HTTP door shows it.
    const res = await api(srv!, `/api/interactions/${String(interactionId)}`);
    assert.equal(res.status, 200);
    assert.deepEqual(((await res.json()) as Json).interactionUserData, { Subject: 'from the package' });
  });

  it('a TypeScript consumer typechecks against the declarations in the tarball', async () => {
    for (const name of ['@types/node', '@types/ws', 'zod']) link(name);
    writeFileSync(
      join(tmp, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          target: 'ES2022',
          module: 'NodeNext',
          moduleResolution: 'NodeNext',
          strict: true,
          noEmit: true,
          skipLibCheck: false,
        },
        files: ['consumer.ts'],
      }),
    );
    writeFileSync(join(tmp, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
    writeFileSync(
      join(tmp, 'consumer.ts'),
      `import { JsonClient, RequestError, RestClient, Session, TcpClient, type Body, type Json } from '@ixs/client';
const s: Session = await Session.open({ url: 'ws://127.0.0.1:7121/', clientType: 'MediaServer', clientName: 'x' });
const stop: () => void = s.on('EventProcessingStopped', (e: Json) => console.log(e.interactionId));
stop();
const body: Body<'SubmitBody'> = {
  tenantId: 1, queue: 'Inbound', mediaType: 'email', interactionType: 'Inbound', interactionSubtype: 'InboundNew',
};
const written = await new RestClient('http://127.0.0.1:7122', 'token').submit(body);
const version: number = written.version;
// @ts-expect-error the schema's tenantId is a number
const wrong: Body<'SubmitBody'> = { ...body, tenantId: 'one' };
const j: JsonClient = await JsonClient.connect('ws://127.0.0.1:7121/');
const t: TcpClient = await TcpClient.connect('127.0.0.1', 7120);
const code: number = new RequestError(43, 'unknown', {}).errorCode;
console.log(version, wrong, j.closed, t.closed, code);
`,
    );
    const tsc = new URL('node_modules/.bin/tsc', ROOT).pathname;
    const r = await run(tsc, ['-p', join(tmp, 'tsconfig.json')], { cwd: tmp, timeout: 60_000 }).catch(
      (e: unknown) => e as { code: number; stdout: string; stderr: string },
    );
    assert.equal('code' in r ? r.code : 0, 0, 'stdout' in r ? r.stdout + r.stderr : '');
  });
});
