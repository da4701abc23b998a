/** Runs the Store conformance suite against the SQLite adapter, on a fresh file database per test. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqliteStore } from '../../src/store/sqlite/sqlite-store.ts';
import { storeConformance } from './conformance.ts';

for (const worker of [true, false]) {
  storeConformance(worker ? 'sqlite (commit worker)' : 'sqlite (inline commits)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ixs-store-'));
    return Promise.resolve({
      open: () => openSqliteStore(dir, { worker }),
      destroy: () => {
        rmSync(dir, { recursive: true, force: true });
        return Promise.resolve();
      },
    });
  });
}
