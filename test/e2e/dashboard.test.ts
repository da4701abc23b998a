/**
 * The dashboard in a real browser (Debian's Chromium driven by playwright-core) against the real server: opened with
 * the generated token, it shows an interaction submitted through the API as it happens, a property changed in the UI
 * is saved with the version check and shows in the event log and the history, and a change made underneath is
 * refused with a clear message. Screenshots go to test-results/. Without /usr/bin/chromium the test is skipped with
 * the reason (in CI, where .ci/run installs it, a missing browser fails it).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { after, describe, it } from 'node:test';
import { chromium, type Browser, type Route } from 'playwright-core';
import { api, cleanup, ROOT, startServer, type RunningServer } from './harness.ts';

const CHROMIUM = '/usr/bin/chromium';
const RESULTS = new URL('test-results/', ROOT).pathname;
const missing = existsSync(CHROMIUM) ? undefined : `${CHROMIUM} is not installed (apt-get install chromium)`;
if (missing && process.env.CI) throw new Error(`the dashboard test must run in CI: ${missing}`);

describe('dashboard (Chromium)', { skip: missing }, () => {
  let srv: RunningServer | undefined;
  let browser: Browser | undefined;
  after(async () => {
    await browser?.close();
    if (srv) {
      assert.equal(await srv.stop(), 0);
      cleanup(srv.dataDir);
    }
  });

  it('live events, an edit with the version check, the history, and the conflict message', async () => {
    if (!existsSync(new URL('dist/dashboard/index.html', ROOT).pathname)) {
      const b = spawnSync('npm', ['run', 'build:dashboard'], { cwd: ROOT.pathname, stdio: 'inherit' });
      assert.equal(b.status, 0, 'the dashboard builds');
    }
    mkdirSync(RESULTS, { recursive: true });
    srv = await startServer();
    const s = srv;
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
    const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    await page.goto(`http://127.0.0.1:${String(s.httpPort)}/#token=${s.token ?? ''}`);
    await page.getByTestId('live').getByText('live').waitFor({ timeout: 10_000 });

    // Submitted through the API: it appears in the live event log.
    const res = await api(s, '/api/interactions', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        tenantId: 1,
        queue: 'Email Out',
        mediaType: 'email',
        interactionType: 'Inbound',
        interactionSubtype: 'InboundNew',
        userData: { Subject: 'Seen live' },
      }),
    });
    assert.equal(res.status, 201);
    const { interactionId: id } = (await res.json()) as { interactionId: string };
    const link = page.getByTestId('events').getByText(id).first();
    await link.waitFor({ timeout: 10_000 });
    // The queue shows it waiting, with the oldest waiting's age.
    const row = page.locator('[data-queue="Email Out"]');
    await row.getByTestId('waiting').getByText('1', { exact: true }).waitFor({ timeout: 10_000 });
    assert.match((await row.getByTestId('oldest').textContent()) ?? '', /^\d+s$/);
    await page.screenshot({ path: `${RESULTS}dashboard-live.png` });

    // Opened and edited in the UI: saved with If-Match, shown in the events and the history.
    await link.click();
    await page.getByTestId('version').getByText('version 1').waitFor();
    await page.getByTestId('key').fill('Subject');
    await page.getByTestId('value').fill('Changed in the UI');
    await page.getByTestId('save').click();
    await page.getByTestId('message').getByText('Saved: version 2.').waitFor();
    await page.locator('[data-prop="Subject"]').getByText('Changed in the UI').waitFor();
    await page.getByTestId('events').getByText('EventPropertiesChanged').first().waitFor();
    await page.getByTestId('history').locator('tbody tr').nth(1).waitFor();
    assert.equal(await page.getByTestId('history').locator('tbody tr').count(), 2);
    await page.screenshot({ path: `${RESULTS}dashboard-edit.png` });

    // Changed underneath (the page is kept from refreshing meanwhile): the save is refused with a clear message.
    let release: () => void = () => undefined;
    const held = new Promise<void>((r) => {
      release = r;
    });
    const hold = async (route: Route): Promise<void> => {
      if (route.request().method() === 'GET') await held;
      await route.continue();
    };
    await page.route(`**/api/interactions/${id}**`, hold);
    const other = await api(s, `/api/interactions/${id}/properties`, {
      method: 'PATCH',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ changedProperties: { Subject: 'Changed elsewhere' } }),
    });
    assert.equal(other.status, 200);
    await page.getByTestId('value').fill('My stale edit');
    await page.getByTestId('save').click();
    await page.getByTestId('message').getByText('Someone else changed this interaction first').waitFor();
    // Released: the held reads go on and the page shows what changed underneath.
    release();
    await page.locator('[data-prop="Subject"]').getByText('Changed elsewhere').waitFor();
    await page.getByTestId('version').getByText('version 3').waitFor();
    await page.screenshot({ path: `${RESULTS}dashboard-conflict.png` });
    const now = (await (await api(s, `/api/interactions/${id}`)).json()) as { interactionUserData: unknown };
    assert.deepEqual(now.interactionUserData, { Subject: 'Changed elsewhere' }, 'the stale edit changed nothing');

    // A queue's interactions, a page of 20 at a time from the server: 21 in Email Out make two pages.
    for (let i = 1; i <= 20; i++) {
      const r = await api(s, '/api/interactions', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          tenantId: 1,
          queue: 'Email Out',
          mediaType: 'email',
          interactionType: 'Inbound',
          interactionSubtype: 'InboundNew',
          userData: { Subject: `Backlog ${String(i)}` },
        }),
      });
      assert.equal(r.status, 201);
    }
    await page.locator('[data-queue="Email Out"]').getByTestId('open-queue').click();
    const list = page.getByTestId('queue-interactions');
    await list.locator(`[data-interaction="${id}"]`).getByTestId('row-version').getByText('3').waitFor();
    assert.equal(await list.locator('tbody tr').count(), 20);
    await list.getByTestId('page-next').click();
    await list.getByText('page 2').waitFor();
    await list.locator('tbody tr').getByText('Backlog 20').waitFor();
    assert.equal(await list.locator('tbody tr').count(), 1);
    await page.screenshot({ path: `${RESULTS}dashboard-queue.png` });
    await list.getByTestId('page-back').click();
    await list.locator(`[data-interaction="${id}"]`).waitFor();
  });
});
