/**
 * The listen address: loopback unless `--host` or the configuration's `listen.host` says otherwise. The bound
 * address of each door is read from the kernel's socket table (/proc/net/tcp), so no test traffic leaves loopback.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { logLine, cleanup, FIXTURE_CONFIG, startServer, type RunningServer } from './harness.ts';

const PROC_TCP = '/proc/net/tcp';
const skip = existsSync(PROC_TCP) ? false : `${PROC_TCP} is not available on this system`;

/** The IPv4 addresses listening on `port`, from the kernel's table ("0100007F:1BD0 ... 0A" = 127.0.0.1:7120 LISTEN). */
function listeningAddresses(port: number): string[] {
  const rows = readFileSync(PROC_TCP, 'utf8').trim().split('\n').slice(1);
  const found: string[] = [];
  for (const row of rows) {
    const [, local, , state] = row.trim().split(/\s+/);
    if (state !== '0A' || local === undefined) continue; // 0A = TCP_LISTEN
    const [hexAddr = '', hexPort = ''] = local.split(':');
    if (parseInt(hexPort, 16) !== port) continue;
    // Little-endian bytes of the IPv4 address.
    const bytes = hexAddr.match(/../g)?.map((b) => parseInt(b, 16)) ?? [];
    found.push(bytes.reverse().join('.'));
  }
  return found;
}

/** The first log line containing `text`; stderr may trail the ready line on stdout, so wait up to 5 s. */
function doors(srv: RunningServer): number[] {
  return [srv.tcpPort, srv.wsPort, srv.httpPort];
}

async function withServer(
  opts: Parameters<typeof startServer>[0],
  check: (srv: RunningServer) => unknown,
): Promise<void> {
  const srv = await startServer(opts);
  try {
    await check(srv);
  } finally {
    assert.equal(await srv.stop(), 0);
    cleanup(srv.dataDir);
  }
}

describe('listen address', { skip }, () => {
  it('defaults to loopback on all three doors, without a warning', async () => {
    await withServer({}, (srv) => {
      for (const port of doors(srv)) assert.deepEqual(listeningAddresses(port), ['127.0.0.1'], `port ${port}`);
      assert.equal(
        srv.logs.some((l) => l.includes('listening beyond loopback')),
        false,
      );
    });
  });

  it('--host 0.0.0.0 listens on every interface and warns that the protocol ports are open', async () => {
    await withServer({ extraArgs: ['--host', '0.0.0.0'] }, async (srv) => {
      for (const port of doors(srv)) assert.deepEqual(listeningAddresses(port), ['0.0.0.0'], `port ${port}`);
      const warning = await logLine(srv, 'listening beyond loopback');
      assert.ok(
        warning?.includes('anyone who reaches the protocol ports can register') === true,
        'a warning names the exposure',
      );
      assert.equal((JSON.parse(warning) as { host: string }).host, '0.0.0.0');
    });
  });

  it("the configuration's listen.host is used, and --host overrides it", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ixs-listen-'));
    const config = join(dir, 'config.json');
    const base = JSON.parse(readFileSync(FIXTURE_CONFIG, 'utf8')) as Record<string, unknown>;
    writeFileSync(config, JSON.stringify({ ...base, listen: { host: '0.0.0.0' } }));
    try {
      await withServer({ config }, (srv) => {
        for (const port of doors(srv)) assert.deepEqual(listeningAddresses(port), ['0.0.0.0']);
      });
      await withServer({ config, extraArgs: ['--host', '127.0.0.1'] }, (srv) => {
        for (const port of doors(srv)) assert.deepEqual(listeningAddresses(port), ['127.0.0.1']);
      });
    } finally {
      cleanup(dir);
    }
  });
});
