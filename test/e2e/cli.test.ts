/**
 * The `ixs` command as a person uses it: `ixs serve` through the package's bin (the compiled build in CI), and the
 * client verbs submit, props set/get, watch and send against it.
 */
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { api, BIN, cleanup, startServer, type Json, type RunningServer } from './harness.ts';

const run = promisify(execFile);
let srv: RunningServer;
let url: string;

async function ixs(...args: string[]): Promise<{ code: number; out: Json[] }> {
  try {
    const r = await run(process.execPath, [BIN, ...args], { timeout: 20_000 });
    return {
      code: 0,
      out: r.stdout
        .trim()
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as Json),
    };
  } catch (e) {
    const err = e as { code: number; stdout: string };
    return {
      code: err.code,
      out: err.stdout
        .trim()
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as Json),
    };
  }
}

before(async () => {
  srv = await startServer({ viaBin: true });
  url = srv.wsUrl;
});

after(async () => {
  assert.equal(await srv.stop(), 0, 'SIGTERM exits 0');
  cleanup(srv.dataDir);
});

describe('ixs CLI', () => {
  it('serve printed the ready line with three real ports', () => {
    for (const p of [srv.tcpPort, srv.wsPort, srv.httpPort]) assert.ok(Number.isInteger(p) && p > 0);
  });

  it('watch prints events as JSON lines while submit and props change an interaction', async () => {
    const watch = spawn(process.execPath, [BIN, 'watch', '--url', url, '--count', '2'], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const lines: Json[] = [];
    createInterface({ input: watch.stdout }).on('line', (l) => lines.push(JSON.parse(l) as Json));
    const done = new Promise<number | null>((r) => watch.once('exit', r));
    // Wait until the watcher is registered: the server lists it as a session.
    for (let i = 0; i < 100; i++) {
      const s = (await (await api(srv, '/api/sessions')).json()) as {
        clientName: string;
      }[];
      if (s.some((x) => x.clientName === 'StatServer')) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    const sub = await ixs('submit', '--url', url, '--queue', 'Email Out', '--data', '{"Subject":"from the shell"}');
    assert.equal(sub.code, 0);
    assert.equal(sub.out[0]?.message, 'EventAck');
    const id = sub.out[0]?.interactionId as string;
    assert.ok(id);
    const set = await ixs(
      'props',
      'set',
      id,
      '--url',
      url,
      '--change',
      '{"Subject":"changed"}',
      '--expected-version',
      '1',
    );
    assert.equal(set.code, 0);
    assert.equal(set.out[0]?.version, 2);
    assert.equal(await done, 0);
    assert.deepEqual(
      lines.map((l) => l.message),
      ['EventInteractionSubmitted', 'EventPropertiesChanged'],
    );
    assert.deepEqual(lines[1]?.changedProperties, { Subject: 'changed' });
    const get = await ixs('props', 'get', id, '--url', url);
    assert.equal(get.out[0]?.message, 'EventInteractionProperties');
    assert.deepEqual(get.out[0]?.interactionUserData, { Subject: 'changed' });
    const stale = await ixs(
      'props',
      'set',
      id,
      '--url',
      url,
      '--change',
      '{"Subject":"again"}',
      '--expected-version',
      '1',
    );
    assert.equal(stale.code, 1, 'a refused change exits non-zero');
    assert.equal(stale.out[0]?.errorCode, 89);
  });

  it('send registers as any application and prints the reply', async () => {
    const r = await ixs(
      'send',
      '--url',
      url,
      '--name',
      'Desktop',
      '--client-type',
      'AgentApplication',
      '{"message":"RequestAgentLogin","tenantId":1,"placeId":"Place_1001","agentId":"agent1","mediaList":{"email":1}}',
    );
    assert.equal(r.code, 0);
    assert.equal(r.out[0]?.message, 'EventAck');
  });

  it('serve refuses a bad configuration with a message naming the field', async () => {
    const r = await run(process.execPath, [
      BIN,
      'serve',
      '--config',
      '/nonexistent.json',
      '--tcp-port',
      '0',
      '--ws-port',
      '0',
      '--http-port',
      '0',
    ]).catch((e: unknown) => e as { code: number; stderr: string });
    assert.equal((r as { code: number }).code, 1);
    assert.match((r as { stderr: string }).stderr, /cannot read configuration \/nonexistent.json/);
  });
});
