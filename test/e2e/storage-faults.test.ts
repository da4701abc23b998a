/**
 * Storage faults (issue #11; docs/reliability.md): the disk fills up under load (SQLite's max_page_count, set through
 * IXS_SQLITE_MAX_PAGE_COUNT, makes a commit fail with SQLITE_FULL as a full disk would). The batch that could not be
 * written is never acknowledged, the process exits 70, the database passes SQLite's integrity check, and a restart
 * (with room again) has exactly what was acknowledged.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { cleanup, client, startServer, type Json } from './harness.ts';

const BODY = 'y'.repeat(20_000);

function pragma(dataDir: string, name: string): unknown {
  const db = new Database(join(dataDir, 'ixs.db'), { readonly: true, fileMustExist: true });
  try {
    return db.pragma(name, { simple: true });
  } finally {
    db.close();
  }
}

describe('storage faults', () => {
  it('a full disk: nothing unwritten is acknowledged, exit 70, an intact store that restarts with what was acked', async () => {
    const first = await startServer();
    const dataDir = first.dataDir;
    assert.equal(await first.stop(), 0);
    const pages = pragma(dataDir, 'page_count') as number;

    // Room for a few submissions of ~20 KB (each writes its row and its event: about ten 4 KiB pages).
    const srv = await startServer({ dataDir, env: { IXS_SQLITE_MAX_PAGE_COUNT: String(pages + 60) } });
    const ms = await client(srv, 'MediaServer', 'EmailServer');
    const acked: string[] = [];
    let refused: Json | undefined;
    for (let i = 0; i < 100 && refused === undefined; i++) {
      const r = await ms
        .request({
          message: 'RequestSubmit',
          tenantId: 1,
          mediaType: 'email',
          interactionType: 'Inbound',
          interactionSubtype: 'InboundNew',
          queue: 'Email Out',
          userData: { Subject: `Full disk ${String(i)}`, Body: BODY },
        })
        .catch((e: unknown): Json => ({ message: 'closed', why: String(e) }));
      if (r.message === 'EventAck') acked.push(r.interactionId as string);
      else refused = r;
    }
    assert.ok(acked.length >= 1, 'some submissions fit');
    assert.equal(refused?.message, 'closed', `the one that did not fit got no answer: ${JSON.stringify(refused)}`);
    assert.equal(await srv.stop(), 70, 'the server exits 70');
    assert.ok(srv.logs.some((l) => l.includes('store commit failed')));
    assert.equal(pragma(dataDir, 'integrity_check'), 'ok');

    // Room again: exactly what was acknowledged.
    const again = await startServer({ dataDir });
    const re = await client(again, 'ReportingEngine', 'StatServer');
    for (const id of acked) {
      const r = await re.request({ message: 'RequestGetInteractionProperties', interactionId: id });
      assert.equal(r.message, 'EventInteractionProperties', id);
      assert.equal(((r.interactionUserData as Json).Body as string).length, BODY.length);
    }
    const live = await (
      await fetch(`http://127.0.0.1:${String(again.httpPort)}/api/queues`, {
        headers: { authorization: `Bearer ${String(again.token)}` },
      })
    ).json();
    const q = (live as { items: Json[] }).items.find((x) => x.name === 'Email Out');
    assert.equal(q?.waiting, acked.length, 'nothing more than what was acknowledged');
    re.close();
    ms.close();
    assert.equal(await again.stop(), 0);
    cleanup(dataDir);
  });
});
