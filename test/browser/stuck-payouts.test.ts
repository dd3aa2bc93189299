import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { stuckQuery, webUiListUrl, type StuckCategory } from '../../client/stuck';
import { creatorPayoutWorkflowId, type PayoutStatus } from '../../workflows/payouts/contract';
import { until } from '../support/wait';
import { startStuckPayouts, type StuckPayouts } from './stuck-payouts-stack';
import { browserTest, chromiumMissing, launchChromium } from '../support/chromium';
import { SCREENSHOTS, startWebUiServer, type WebUiServer } from './web-ui-server';

/**
 * The runbook's path through the real Web UI: open the list link of a stuck category (what `npm run ops -- stuck`
 * prints), find the payout's row, open it, and read what it waits on and since when.
 */
describe('stuck payouts in the real Web UI (own dev server with the UI and the codec server)', () => {
  let ui: WebUiServer;
  let stack: StuckPayouts;
  let browser: Browser;
  const run = Date.now().toString(36);
  const kycPayout = `ui-kyc-${run}`;
  const pspPayout = `ui-psp-${run}`;
  let parked: PayoutStatus;

  beforeAll(async () => {
    mkdirSync(SCREENSHOTS, { recursive: true });
    ui = await startWebUiServer('browser-stuck');
    stack = await startStuckPayouts(ui.config);
    parked = await stack.parkOnKyc(kycPayout);
    await stack.failAtPsp(pspPayout, 3);
    if (!chromiumMissing) browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
    await ui?.stop();
  });

  /** The category's list link as ops get it; reloads until the row shows (visibility is eventually consistent). */
  async function findInList(page: Page, category: StuckCategory, workflowId: string, shot: string): Promise<void> {
    const url = webUiListUrl(ui.uiBase, ui.config.TEMPORAL_NAMESPACE, stuckQuery(category, new Date()));
    const deadline = Date.now() + 60_000;
    for (;;) {
      await page.goto(url, { waitUntil: 'load' });
      const row = page.getByRole('link', { name: workflowId }).first();
      try {
        await row.waitFor({ timeout: 10_000 });
        break;
      } catch (err) {
        if (Date.now() > deadline) {
          await page.screenshot({ path: join(SCREENSHOTS, `${shot}-not-found.png`), fullPage: true });
          throw err;
        }
      }
    }
    await page.screenshot({ path: join(SCREENSHOTS, `${shot}-list.png`), fullPage: true });
    await page.getByRole('link', { name: workflowId }).first().click();
    await page.waitForURL(new RegExp(`/workflows/${encodeURIComponent(workflowId)}/`), { timeout: 30_000 });
  }

  /** All the page's text, its frames' included (the UI renders user metadata markdown in a sandboxed iframe). */
  const pageText = async (page: Page) =>
    (
      await Promise.all(
        page.frames().map((f) =>
          f
            .locator('body')
            .innerText()
            .catch(() => ''),
        ),
      )
    ).join('\n');

  /** Waits until the page shows `text` (the UI renders asynchronously and decodes through the codec server). */
  async function shows(page: Page, text: string | RegExp, shot: string): Promise<string> {
    const has = (body: string) => (typeof text === 'string' ? body.includes(text) : text.test(body));
    let body = '';
    try {
      return await until(async () => (has((body = await pageText(page))) ? body : undefined), 30_000);
    } finally {
      await page.screenshot({ path: join(SCREENSHOTS, `${shot}.png`), fullPage: true });
      writeFileSync(join(SCREENSHOTS, `${shot}.txt`), body);
    }
  }

  browserTest(
    `when a payout is parked on KYC, then the runbook's "parked" link lists it and its page says it waits on the creator and since when`,
    async () => {
      const page = await browser.newPage({ viewport: { width: 1600, height: 1200 } });
      await findInList(page, 'parked', creatorPayoutWorkflowId(kycPayout), 'kyc');
      // The current details (rendered markdown, under "User Metadata"): who it waits on, since when, the error code.
      await page.locator('a', { hasText: 'User Metadata' }).first().click();
      const body = await shows(page, `since ${parked.awaiting?.since ?? '?'}`, 'kyc-workflow');
      expect(body).toContain(`Waiting on creator since ${parked.awaiting?.since ?? '?'}`);
      expect(body).toContain('kyc_pending');
      expect(body).toContain('awaiting_payability');
    },
  );

  browserTest(
    `when a payout's PSP call keeps failing, then the runbook's "retrying" link lists it and its page shows the failing attempt`,
    async () => {
      const page = await browser.newPage({ viewport: { width: 1600, height: 1200 } });
      await findInList(page, 'retrying', creatorPayoutWorkflowId(pspPayout), 'psp');
      await shows(page, 'initiatePspPayout', 'psp-workflow');
      await page.locator('a', { hasText: 'Pending Activities' }).first().click();
      // The last failure's message is encrypted at rest: the page shows it decoded through the codec server.
      const body = await shows(page, 'PSP unavailable (500)', 'psp-pending-activities');
      expect(body).toMatch(/Attempt\s+\d+ of Unlimited/);
      // What it waits on and since when, in the current details: the retrying activity, its attempt and error code.
      await page.locator('a', { hasText: 'User Metadata' }).first().click();
      const details = await shows(page, 'retrying initiatePspPayout since', 'psp-workflow-details');
      expect(details).toMatch(/retrying initiatePspPayout since \d{4}-\d\d-\d\dT[\d:.]+Z, attempt \d+, last error \w+/);
    },
  );
});
