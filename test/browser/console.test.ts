import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { approvals } from '../../client';
import { describeProviderQueue } from '../../client/psp-control';
import { samplePayoutSlaFacts } from '../../sandboxes/reports/sample-facts';
import { creatorPayoutWorkflowId } from '../../workflows/payouts/contract';
import { adjustmentPostingId } from '../../workflows/recon-breaks/contract';
import { factKey } from '../../workflows/shared/report-facts';
import { browserTest, chromiumMissing, launchChromium } from '../support/chromium';
import { until } from '../support/wait';
import { startConsoleStack, type ConsoleStack } from './console-stack';
import { SCREENSHOTS } from './web-ui-server';

/** axe-core's script, injected into each page (the console's policy allows no script of its own). */
const AXE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

/** The little of the DOM the forged-form helper touches. */
interface ElementLike {
  setAttribute(name: string, value: string): void;
  appendChild(child: ElementLike): void;
  submit(): void;
}
interface DocumentLike {
  createElement(tag: string): ElementLike;
  body: ElementLike;
}

/**
 * The console as people use it, in Chromium: each person signs in at the local identity provider (authorization
 * code with PKCE) in a browser context of their own; pages are server-rendered forms. Every page visited is
 * screenshot into test-results/screenshots/console-*.png and checked with axe-core (no serious or critical
 * violation).
 */
describe('the finance and ops console in Chromium (identity provider, decision service, worker on fakes)', () => {
  let stack: ConsoleStack;
  let browser: Browser;
  const people = new Map<string, { context: BrowserContext; page: Page }>();
  const run = Date.now().toString(36);
  const requestId = `req-ui-${run}`;
  const orderId = `ord-ui-${run}`;
  const customerId = `cus-ui-${run}`;
  const disputeId = `dp_ui${run}`;
  const payoutId = `ui-parked-${run}`;

  beforeAll(async () => {
    mkdirSync(SCREENSHOTS, { recursive: true });
    stack = await startConsoleStack();
    stack.addOrder(orderId, customerId);
    await Promise.all([stack.openDispute(disputeId, orderId), stack.parkOnKyc(payoutId)]);
    if (!chromiumMissing) browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
  });

  const url = (path: string) => new URL(path, stack.service.url).toString();

  /** The person's page, signed in: the console sends them to the provider, where they pick who they are. */
  async function as(staffId: string, name: string): Promise<Page> {
    const known = people.get(staffId);
    if (known) return known.page;
    const context = await browser.newContext({ viewport: { width: 1280, height: 1000 } });
    const page = await context.newPage();
    await page.goto(url('/console'));
    expect(new URL(page.url()).origin).toBe(new URL(stack.idp.url).origin);
    await page.getByRole('button', { name }).click();
    await page.waitForURL(url('/console'));
    expect(await page.locator('header').innerText()).toContain(`(${staffId};`);
    people.set(staffId, { context, page });
    return page;
  }

  /** Screenshot, then axe-core: no serious or critical violation on the page as it stands. */
  async function check(page: Page, shot: string): Promise<void> {
    await page.screenshot({ path: join(SCREENSHOTS, `console-${shot}.png`), fullPage: true });
    await page.evaluate(AXE);
    const violations = await page.evaluate(async () => {
      // The page's global scope (the test file is compiled without the DOM library).
      const axe = (globalThis as unknown as { axe: { run(): Promise<{ violations: Array<Record<string, unknown>> }> } })
        .axe;
      const result = await axe.run();
      return result.violations
        .filter((v) => v['impact'] === 'serious' || v['impact'] === 'critical')
        .map((v) => `${String(v['id'])}: ${String(v['help'])}`);
    });
    expect({ page: shot, violations }).toEqual({ page: shot, violations: [] });
  }

  /**
   * A hand-made form posted from inside the person's page (their cookies, this origin): what a forged request can
   * do at best. (Not `fetch`: the policy's `connect-src 'none'` stops scripts from calling out at all.)
   */
  async function post(page: Page, path: string, fields: Record<string, string>) {
    const [response] = await Promise.all([
      page.waitForResponse((r) => new URL(r.url()).pathname === path && r.request().method() === 'POST'),
      page.evaluate(
        ([p, f]) => {
          // The page's DOM (the test file is compiled without the DOM library).
          const doc = (globalThis as unknown as { document: DocumentLike }).document;
          const form = doc.createElement('form');
          form.setAttribute('method', 'post');
          form.setAttribute('action', p);
          for (const [name, value] of Object.entries(f)) {
            const input = doc.createElement('input');
            input.setAttribute('type', 'hidden');
            input.setAttribute('name', name);
            input.setAttribute('value', value);
            form.appendChild(input);
          }
          doc.body.appendChild(form);
          form.submit();
        },
        [path, fields] as const,
      ),
    ]);
    return { status: response.status(), text: await response.text() };
  }

  const csrfOf = (page: Page) => page.locator('input[name="_csrf"]').first().inputValue();

  browserTest(
    'when an agent signs in and files a compensation request, then the session cookie is sealed, httpOnly and SameSite=Lax, the page has a strict CSP, and the request waits for finance',
    async () => {
      const page = await as('cs.alice', 'Alice (CS agent)');
      const cookies = await page.context().cookies();
      const session = cookies.find((c) => c.name === 'payops_session');
      expect(session).toMatchObject({ httpOnly: true, sameSite: 'Lax', path: '/' });
      expect(session?.value).not.toContain(customerId);
      await check(page, 'agent-home');

      await page
        .getByRole('navigation', { name: 'Console' })
        .getByRole('link', { name: 'New compensation request' })
        .click();
      const response = await page.reload();
      const csp = response?.headers()['content-security-policy'] ?? '';
      expect(csp).toContain("default-src 'none'");
      expect(csp).toContain("frame-ancestors 'none'");
      expect(csp).not.toContain('unsafe-inline');
      await check(page, 'agent-new-request');
      await page.getByLabel('Request ID').fill(requestId);
      await page.getByLabel('Order ID').fill(orderId);
      await page.getByLabel('Customer ID').fill(customerId);
      await page.getByLabel('Reason').selectOption('damaged_item');
      await page.getByLabel('Currency').selectOption('EUR');
      await page.locator('select[name="refund"]').selectOption('partial');
      await page.getByLabel('Partial refund amount').fill('100.00');
      await page.getByRole('button', { name: 'File request' }).click();
      await page.waitForURL(new RegExp(`/console/approvals/${requestId}`));
      await until(async () => {
        const s = await approvals.getCompensationState(stack.client, requestId).catch(() => undefined);
        return s?.status === 'pending' ? s : undefined;
      }, 30_000);
      await page.reload();
      await expect(page.locator('main').innerText()).resolves.toContain('pending');
      expect(await page.locator('main').innerText()).toContain('Requested by\ncs.alice');
      await check(page, 'agent-request');
    },
  );

  browserTest(
    'when an agent without a finance role looks for the inbox or forges an approval, then neither page nor button shows and the POST is refused 403',
    async () => {
      const page = await as('cs.alice', 'Alice (CS agent)');
      await page.goto(url(`/console/approvals/${requestId}`));
      expect(await page.getByRole('link', { name: 'Approvals inbox' }).count()).toBe(0);
      expect(await page.getByRole('button', { name: 'Approve' }).count()).toBe(0);
      const inbox = await page.goto(url('/console/approvals'));
      expect(inbox?.status()).toBe(403);
      await check(page, 'agent-inbox-refused');

      const forged = await post(page, `/console/approvals/${requestId}/approve`, {
        _csrf: await page.goto(url('/console')).then(() => csrfOf(page)),
        reason: 'approving my own',
        amountMinor: '10000',
      });
      expect(forged.status).toBe(403);
      expect((await approvals.getCompensationState(stack.client, requestId)).status).toBe('pending');
    },
  );

  browserTest(
    "when a finance manager's form is posted without the session's CSRF token, then it is refused 403 and the request stays pending",
    async () => {
      const page = await as('fin.dave', 'Dave (finance manager)');
      await page.goto(url('/console'));
      const refused = await post(page, `/console/approvals/${requestId}/approve`, {
        reason: 'no token',
        amountMinor: '10000',
      });
      expect(refused.status).toBe(403);
      expect(refused.text).toContain('CSRF');
      const wrong = await post(page, `/console/approvals/${requestId}/approve`, {
        _csrf: 'not-the-token',
        reason: 'wrong token',
        amountMinor: '10000',
      });
      expect(wrong.status).toBe(403);
      expect((await approvals.getCompensationState(stack.client, requestId)).status).toBe('pending');
    },
  );

  browserTest(
    "when a finance manager approves from the inbox, then an edited amount is refused with the workflow validator's verdict, the real one is accepted, and the request page shows it executed with its decision log and audit trail",
    async () => {
      const page = await as('fin.dave', 'Dave (finance manager)');
      await until(async () => {
        await page.goto(url('/console/approvals'));
        return (await page.getByRole('link', { name: requestId }).count()) > 0 ? true : undefined;
      }, 30_000);
      await check(page, 'finance-inbox');
      await page.getByRole('link', { name: requestId }).click();
      const main = await page.locator('main').innerText();
      expect(main).toContain('You decide on EUR 100.00');
      expect(main).toContain('Daily budget');
      await check(page, 'finance-request');
      const approve = page.locator(`form[action="/console/approvals/${requestId}/approve"]`);
      // An amount other than the request's (a stale page, or an edited form): the workflow's validator refuses it,
      // and the page shows its verdict.
      await approve
        .locator('input[name="amountMinor"]')
        .evaluate((input) => ((input as unknown as { value: string }).value = '9999'));
      await approve.getByLabel('Reason (approve)').fill('checked the photos');
      await approve.getByRole('button', { name: 'Approve' }).click();
      await expect(page.getByRole('status').innerText()).resolves.toMatch(
        /^Refused by the workflow's validator: Conflict amount_changed: /,
      );
      await check(page, 'finance-refused-by-validator');
      await approve.getByLabel('Reason (approve)').fill('checked the photos');
      await approve.getByRole('button', { name: 'Approve' }).click();
      await expect(page.getByRole('status').innerText()).resolves.toContain('Accepted');
      await check(page, 'finance-approved');
      let last: string | undefined;
      await until(
        async () => {
          const s = await approvals.getCompensationState(stack.client, requestId);
          last = `${s.status} ${s.failure ?? ''}`;
          return s.status === 'executed' ? s : undefined;
        },
        30_000,
        () => `request executed (last: ${last})`,
      );
      await page.goto(url(`/console/approvals/${requestId}`));
      const after = await page.locator('main').innerText();
      expect(after).toContain('Status\nexecuted');
      expect(after).toMatch(/fin\.dave\s+finance_manager\s+approve/);
      expect(after).toContain('approval.approve');
      await check(page, 'finance-executed');
    },
  );

  browserTest(
    'when a finance manager reads the spend report, then an approval that executes changes it, it ties out to the ledger, its CSV downloads formula-safe, and the page passes axe; an agent is refused the page',
    async () => {
      const page = await as('fin.dave', 'Dave (finance manager)');
      const today = new Date().toISOString().slice(0, 10);
      const tomorrow = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);
      const query = `from=${today}&to=${tomorrow}&tz=UTC`;
      type Spend = {
        totals: Array<{ currency: string; count: number; netMinor: number }>;
        tieOut?: { currencies: Array<{ currency: string; equal: boolean }> };
        groups: { team: Array<{ currency: string; key: string; count: number; netMinor: number }> };
      };
      const eur = async () => {
        const res = await page.context().request.get(url(`/console/reports/spend.json?${query}`));
        expect(res.status()).toBe(200);
        const body = (await res.json()) as Spend;
        const team = body.groups.team.find((g) => g.currency === 'EUR' && g.key === 'cs-berlin');
        return {
          ...(body.totals.find((t) => t.currency === 'EUR') ?? { count: 0, netMinor: 0 }),
          tieOut: body.tieOut,
          berlin: team ?? { count: 0, netMinor: 0 },
        };
      };
      const before = await eur();

      // An agent files a request above the auto-approval limit on a fresh order; the finance manager approves it.
      const spendRequest = `req-spend-${run}`;
      const spendOrder = `ord-spend-${run}`;
      stack.addOrder(spendOrder, customerId);
      const agent = await as('cs.alice', 'Alice (CS agent)');
      expect(await agent.getByRole('link', { name: 'Reports' }).count()).toBe(0);
      expect((await agent.goto(url(`/console/reports/spend?${query}`)))?.status()).toBe(403);
      await agent.goto(url('/console/approvals/new'));
      await agent.getByLabel('Request ID').fill(spendRequest);
      await agent.getByLabel('Order ID').fill(spendOrder);
      await agent.getByLabel('Customer ID').fill(customerId);
      await agent.getByLabel('Reason').selectOption('late_delivery');
      await agent.getByLabel('Currency').selectOption('EUR');
      await agent.locator('select[name="refund"]').selectOption('partial');
      await agent.getByLabel('Partial refund amount').fill('30.00');
      await agent.getByRole('button', { name: 'File request' }).click();
      await until(async () => {
        const s = await approvals.getCompensationState(stack.client, spendRequest).catch(() => undefined);
        return s?.status === 'pending' ? s : undefined;
      }, 30_000);
      await page.goto(url(`/console/approvals/${spendRequest}`));
      const approve = page.locator(`form[action="/console/approvals/${spendRequest}/approve"]`);
      await approve.getByLabel('Reason (approve)').fill('late twice this month');
      await approve.getByRole('button', { name: 'Approve' }).click();
      await expect(page.getByRole('status').innerText()).resolves.toContain('Accepted');
      await until(async () => {
        const s = await approvals.getCompensationState(stack.client, spendRequest);
        return s.status === 'executed' ? s : undefined;
      }, 30_000);

      // The fact is written after the execution is recorded: the report shows it once it is there.
      const after = await until(async () => {
        const now = await eur();
        return now.count === before.count + 1 ? now : undefined;
      }, 30_000);
      expect(after.netMinor).toBe(before.netMinor + 3_000);
      // The agent's team comes from the identity provider's `team` claim (Alice: cs-berlin), through the signed request.
      expect(after.berlin.count).toBe(before.berlin.count + 1);
      expect(after.berlin.netMinor).toBe(before.berlin.netMinor + 3_000);
      expect(after.tieOut?.currencies.find((t) => t.currency === 'EUR')?.equal).toBe(true);

      // The request's page shows the customer's compensations from the facts: this one and the first request (same
      // customer, approved by the finance manager in the test before), 130.00 in all.
      const history = await until(async () => {
        await page.goto(url(`/console/approvals/${spendRequest}`));
        const text = await page.locator('main').innerText();
        return text.includes(requestId) && text.includes(spendRequest) ? text : undefined;
      }, 30_000);
      expect(history).toContain("The customer's compensations (last 90 days)");
      const rows = page
        .getByRole('table', { name: `Compensations executed for customer ${customerId}` })
        .locator('tbody tr');
      expect(await rows.count()).toBe(2);
      await expect(rows.first().innerText()).resolves.toMatch(
        new RegExp(
          `${spendRequest}\\s+${spendOrder}\\s+late_delivery\\s+refund EUR 30\\.00\\s+EUR 30\\.00\\s+finance: fin\\.dave \\(finance_manager\\)\\s+executed`,
        ),
      );
      expect(history).toMatch(/Total EUR \(2\)\s+EUR 130\.00/);
      await check(page, 'finance-customer-history');

      await page.goto(url(`/console/reports/spend?${query}&by=reason`));
      const main = await page.locator('main').innerText();
      expect(main).toContain('late_delivery');
      expect(main).toMatch(/Ties out\s+EUR[^\n]*yes/);
      expect(await page.locator('figure.chart svg[role="img"] title').first().textContent()).toBe(
        'Net compensation spend by reason, EUR',
      );
      await check(page, 'finance-spend-report');
      const [download] = await Promise.all([
        page.waitForEvent('download'),
        page.getByRole('link', { name: 'CSV' }).click(),
      ]);
      expect(download.suggestedFilename()).toBe(`compensation-spend_${today}_${tomorrow}.csv`);
      const csv = readFileSync(await download.path(), 'utf8');
      const lines = csv.split('\r\n');
      expect(lines[0]).toMatch(/^period_from,period_to,timezone,section,dimension,key,currency,count,/);
      expect(lines).toContainEqual(
        expect.stringMatching(new RegExp(`^${today},${tomorrow},UTC,group,reason,late_delivery,EUR,`)),
      );
      expect(lines.every((l) => !/(^|,)[=+@]/.test(l))).toBe(true);
    },
  );

  browserTest(
    'when ops open the payout service-level report, then it renders its chart and tables and passes axe, and the spend report is refused to them',
    async () => {
      // No payout writes its service-level fact yet: this month's facts are seeded into the bucket.
      const month = new Date().toISOString().slice(0, 7);
      for (const f of samplePayoutSlaFacts({ month, count: 200 }))
        stack.deps.reports.objects.set(factKey('payout-sla', f.day, f.factId), `${JSON.stringify(f)}\n`);
      const page = await as('ops.frank', 'Frank (payment ops)');
      await page.goto(url('/console'));
      await page.getByRole('navigation', { name: 'Console' }).getByRole('link', { name: 'Reports' }).click();
      expect(await page.getByRole('link', { name: 'Compensation spend' }).count()).toBe(0);
      await page.getByRole('link', { name: 'Payout service levels' }).click();
      const main = await page.locator('main').innerText();
      expect(main).toContain('Start to paid per rail and country');
      expect(main).toMatch(/\d+ paid of 200 closed; \d+ SLA breaches/);
      await check(page, 'ops-sla-report');
      expect((await page.goto(url('/console/reports/spend')))?.status()).toBe(403);
    },
  );

  browserTest(
    'when legal opens a dispute from the queue, writes evidence and contests it, then the case records the decision',
    async () => {
      const page = await as('legal.grace', 'Grace (legal)');
      await until(async () => {
        await page.goto(url('/console/disputes?due=7'));
        return (await page.getByRole('link', { name: disputeId }).count()) > 0 ? true : undefined;
      }, 30_000);
      await check(page, 'legal-disputes');
      await page.getByRole('link', { name: disputeId }).click();
      await check(page, 'legal-dispute');
      await page.getByLabel('Evidence field').selectOption('uncategorized_text');
      await page.getByRole('textbox', { name: 'Text' }).fill('The customer confirmed delivery by email on day 3.');
      await page.getByRole('button', { name: 'Save evidence' }).click();
      await expect(page.getByRole('status').innerText()).resolves.toContain('Accepted: evidence uncategorized_text');
      expect(await page.locator('main').innerText()).toContain('Filled: ');
      await page.getByLabel('Contest').check();
      await page.getByLabel('Note').fill('delivery confirmed');
      await page.getByRole('button', { name: 'Decide' }).click();
      await expect(page.getByRole('status').innerText()).resolves.toContain('Accepted: decided: contest');
      expect(await page.locator('main').innerText()).toMatch(/contest by legal\.grace at finance_legal/);
      await check(page, 'legal-contested');
    },
  );

  browserTest(
    'when ops open payout exceptions, then the parked payout is listed with its Web UI link, and a hold from its page is accepted',
    async () => {
      const page = await as('ops.frank', 'Frank (payment ops)');
      const workflowId = creatorPayoutWorkflowId(payoutId);
      await until(async () => {
        await page.goto(url('/console/payouts'));
        return (await page.getByRole('link', { name: workflowId, exact: true }).count()) > 0 ? true : undefined;
      }, 30_000);
      const parked = page.locator('section', { has: page.getByRole('heading', { name: /^Parked/ }) });
      expect(await parked.getByRole('link', { name: workflowId, exact: true }).count()).toBe(1);
      const webUi = await parked.getByRole('link', { name: `open ${workflowId}` }).getAttribute('href');
      expect(webUi).toMatch(new RegExp(`^${stack.webUiBase}/namespaces/[^/]+/workflows/${workflowId}/[^/]+/history$`));
      await check(page, 'ops-exceptions');
      await parked.getByRole('link', { name: workflowId, exact: true }).click();
      expect(await page.locator('main').innerText()).toContain('awaiting_payability');
      expect(await page.getByRole('button', { name: 'Release' }).count()).toBe(0); // compliance only
      await check(page, 'ops-payout');
      const hold = page.locator(`form[action="/console/payouts/${payoutId}/hold"]`);
      await hold.getByLabel('Reason (hold)').fill('creator asked to pause');
      await hold.getByRole('button', { name: 'Hold' }).click();
      await expect(page.getByRole('status').innerText()).resolves.toContain('Accepted: hold sent');
      expect(await page.locator('main').innerText()).toContain('by ops.frank');

      // Finance sees no payout page, and ops no approvals inbox.
      const finance = await as('fin.dave', 'Dave (finance manager)');
      expect((await finance.goto(url('/console/payouts')))?.status()).toBe(403);
      expect((await page.goto(url('/console/approvals')))?.status()).toBe(403);
    },
  );

  browserTest(
    'when ops and finance work a fee break, then ops see it listed with its Web UI link and only their commands, finance are refused an adjustment to the mirror account, then post one and see it resolved with only reopen left; an agent sees neither page nor button and forged POSTs are refused 403',
    async () => {
      const hex = (s: string) => createHash('sha256').update(s).digest('hex');
      const breakId = hex(`fee-break-${run}`);
      const seeded = await stack.openBreak({
        breakId,
        class: 'unexpected_external',
        hint: 'fee',
        accountId: 'bank-main',
        businessDate: new Date().toISOString().slice(0, 10),
        amountMinor: -350,
        currency: 'EUR',
        lineIds: [hex(`fee-line-${run}`)],
        itemIds: [],
        reason: 'a bank fee the ledger did not expect',
        dueAtMs: Date.now() + 86_400_000,
        ruleVersion: 'r2026.1',
        refs: {},
      });
      const workflowId = seeded.workflowId;

      // Ops: the nav link, the list (search attributes are eventually visible), the Web UI link, the break's page.
      const ops = await as('ops.frank', 'Frank (payment ops)');
      await ops.goto(url('/console'));
      await ops
        .getByRole('navigation', { name: 'Console' })
        .getByRole('link', { name: 'Reconciliation breaks' })
        .click();
      await until(async () => {
        await ops.goto(url('/console/breaks'));
        return (await ops.getByRole('link', { name: workflowId, exact: true }).count()) > 0 ? true : undefined;
      }, 30_000);
      const open = ops.locator('section', { has: ops.getByRole('heading', { name: /^Open/ }) });
      const webUi = await open.getByRole('link', { name: `open ${workflowId}` }).getAttribute('href');
      expect(webUi).toMatch(new RegExp(`^${stack.webUiBase}/namespaces/[^/]+/workflows/${workflowId}/[^/]+/history$`));
      const listed = await open
        .locator('tr', { has: ops.getByRole('link', { name: workflowId, exact: true }) })
        .innerText();
      expect(listed).toMatch(/unexpected_external\s+EUR 3\.50\s+finance/);
      await check(ops, 'ops-breaks');
      await open.getByRole('link', { name: workflowId, exact: true }).click();
      const opsView = await ops.locator('main').innerText();
      expect(opsView).toContain('a bank fee the ledger did not expect');
      expect(opsView).toMatch(/Hint\s+fee/);
      expect(await ops.getByRole('button', { name: 'Void' }).count()).toBe(1);
      expect(await ops.getByRole('button', { name: 'Link' }).count()).toBe(1);
      expect(await ops.getByRole('button', { name: 'Post adjustment' }).count()).toBe(0); // finance only
      await check(ops, 'ops-break');
      const forgedAdjust = await post(ops, `/console/breaks/${workflowId}/adjust`, {
        _csrf: await csrfOf(ops),
        amount: '3.50',
        account: 'fees:bank',
        note: 'not mine to post',
      });
      expect(forgedAdjust.status).toBe(403);

      // Finance: the validator refuses the mirror account (its code shows), then the adjustment resolves the break.
      const fin = await as('fin.dave', 'Dave (finance manager)');
      await fin.goto(url(`/console/breaks/${workflowId}`));
      const adjust = fin.locator(`form[action="/console/breaks/${workflowId}/adjust"]`);
      await adjust.getByLabel(/^Ledger account/).fill('payouts:settled');
      await adjust.getByLabel('Note (adjust)').fill('bank fee for the transfer');
      await adjust.getByRole('button', { name: 'Post adjustment' }).click();
      await expect(fin.getByRole('status').innerText()).resolves.toMatch(
        /Refused by the workflow's validator: \w+ invalid_input: account: payouts:settled/,
      );
      expect(await stack.deps.ledger.getPosting(adjustmentPostingId(breakId))).toBeUndefined();
      await adjust.getByLabel(/^Ledger account/).fill('fees:bank');
      await adjust.getByLabel('Note (adjust)').fill('bank fee for the transfer');
      await adjust.getByRole('button', { name: 'Post adjustment' }).click();
      await expect(fin.getByRole('status').innerText()).resolves.toContain('Accepted: post adjustment sent.');
      const resolved = await fin.locator('main').innerText();
      expect(resolved).toMatch(/Status\s+resolved/);
      expect(resolved).toMatch(/adjusted by fin\.dave/);
      expect(await fin.locator('form.action').count()).toBe(1);
      expect(await fin.getByRole('button', { name: 'Reopen' }).count()).toBe(1);
      expect((await stack.deps.ledger.getPosting(adjustmentPostingId(breakId)))?.legs).toEqual([
        { account: 'fees:bank', amountMinor: 350 },
        { account: 'payouts:settled', amountMinor: -350 },
      ]);
      await check(fin, 'finance-break-resolved');

      // An agent: no link, no page, and a forged void with their own session's token is refused.
      const agent = await as('cs.alice', 'Alice (CS agent)');
      await agent.goto(url('/console'));
      expect(await agent.getByRole('link', { name: 'Reconciliation breaks' }).count()).toBe(0);
      expect((await agent.goto(url('/console/breaks')))?.status()).toBe(403);
      expect((await agent.goto(url(`/console/breaks/${workflowId}`)))?.status()).toBe(403);
      expect(await agent.getByRole('button', { name: 'Reopen' }).count()).toBe(0);
      const forgedReopen = await post(agent, `/console/breaks/${workflowId}/reopen`, {
        _csrf: await csrfOf(agent),
        reason: 'forged',
      });
      expect(forgedReopen.status).toBe(403);
      expect(forgedReopen.text).toContain('is for ops, finance_approver');
    },
  );

  browserTest(
    'when a finance manager adjusts a break above the four-eyes threshold, then it is a proposal the page shows, the proposer gets no approve button and a forged approval is refused own_proposal, and a finance approver approves it',
    async () => {
      const hex = (s: string) => createHash('sha256').update(s).digest('hex');
      const breakId = hex(`big-fee-break-${run}`);
      const { workflowId } = await stack.openBreak({
        breakId,
        class: 'unexpected_external',
        hint: 'fee',
        accountId: 'bank-main',
        businessDate: new Date().toISOString().slice(0, 10),
        amountMinor: -25_000,
        currency: 'EUR',
        lineIds: [hex(`big-fee-line-${run}`)],
        itemIds: [],
        reason: 'a correspondent bank charge the ledger did not expect',
        dueAtMs: Date.now() + 86_400_000,
        ruleVersion: 'r2026.1',
        refs: {},
      });
      const dave = await as('fin.dave', 'Dave (finance manager)');
      await dave.goto(url(`/console/breaks/${workflowId}`));
      const adjust = dave.locator(`form[action="/console/breaks/${workflowId}/adjust"]`);
      expect(await adjust.getByLabel('Amount in EUR (adjust)').inputValue()).toBe('250.00');
      await adjust.getByLabel(/^Ledger account/).fill('fees:bank');
      await adjust.getByLabel('Note (adjust)').fill('correspondent charge');
      await adjust.getByRole('button', { name: 'Post adjustment' }).click();
      await expect(dave.getByRole('status').innerText()).resolves.toContain(
        'Accepted: adjustment proposed; a second finance member must approve it.',
      );
      const proposal = dave.locator('section', { has: dave.getByRole('heading', { name: /^Four-eyes proposal/ }) });
      expect(await proposal.innerText()).toMatch(/Proposed by\s+fin\.dave/);
      expect(await proposal.innerText()).toMatch(/Amount\s+EUR 250\.00/);
      expect(await dave.getByRole('button', { name: 'Approve proposal' }).count()).toBe(0);
      expect(await dave.getByRole('button', { name: 'Post adjustment' }).count()).toBe(0);
      await check(dave, 'finance-break-proposal');
      const own = await post(dave, `/console/breaks/${workflowId}/approve`, { _csrf: await csrfOf(dave) });
      expect(own.status).toBe(200);
      expect(own.text).toMatch(/Refused by the workflow&#39;s validator: \w+ own_proposal/);
      expect(await stack.deps.ledger.getPosting(adjustmentPostingId(breakId))).toBeUndefined();

      const carol = await as('fin.carol', 'Carol (finance approver)');
      await carol.goto(url(`/console/breaks/${workflowId}`));
      await carol.getByLabel('Note (approve)').fill('checked against the bank advice');
      await carol.getByRole('button', { name: 'Approve proposal' }).click();
      await expect(carol.getByRole('status').innerText()).resolves.toContain('Accepted: approve proposal sent.');
      expect(await carol.locator('main').innerText()).toMatch(/adjusted by fin\.dave and fin\.carol/);
      expect((await stack.deps.ledger.getPosting(adjustmentPostingId(breakId)))?.legs).toEqual([
        { account: 'fees:bank', amountMinor: 25_000 },
        { account: 'payouts:settled', amountMinor: -25_000 },
      ]);
    },
  );
  browserTest(
    'when ops recover a duplicate disbursement from the break page, then the form offers the two modes, the reversal is confirmed at the PSP and posted once, and the page shows it recovered',
    async () => {
      const hex = (s: string) => createHash('sha256').update(s).digest('hex');
      const payout = `payout-dup-console-${run}`;
      const { transferId } = await stack.deps.psp.createTransfer({
        idempotencyKey: `${payout}:late`,
        amount: { amountMinor: 450, currency: 'EUR' },
        destinationAccount: 'acct_console_dup',
        reference: payout,
      });
      const breakId = hex(`dup-break-${run}`);
      const { workflowId } = await stack.openBreak({
        breakId,
        class: 'duplicate_disbursement',
        accountId: 'psp-platform',
        businessDate: new Date().toISOString().slice(0, 10),
        amountMinor: -450,
        currency: 'EUR',
        lineIds: [hex(`dup-line-${run}`)],
        itemIds: [],
        reason: `payout ${payout} was paid already; this transfer paid it again`,
        dueAtMs: Date.now() + 86_400_000,
        ruleVersion: 'r2026.1',
        refs: { workflowId: payout, railRef: transferId },
      });
      const ops = await as('ops.frank', 'Frank (payment ops)');
      await ops.goto(url(`/console/breaks/${workflowId}`));
      const recover = ops.locator(`form[action="/console/breaks/${workflowId}/recover-duplicate"]`);
      expect(await recover.getByLabel('Mode (recover)').locator('option').allInnerTexts()).toEqual([
        'reverse at the provider',
        'offset on the next payout',
      ]);
      await check(ops, 'ops-break-duplicate');
      await recover.getByLabel('Mode (recover)').selectOption('reverse');
      await recover.getByLabel('Note (recover)').fill('late success at Stripe after Adyen paid');
      await recover.getByRole('button', { name: 'Recover duplicate' }).click();
      await expect(ops.getByRole('status').innerText()).resolves.toContain('Accepted: recover duplicate sent.');
      expect(await ops.locator('main').innerText()).toMatch(/recovered by ops\.frank/);
      expect((await stack.deps.ledger.getPosting(`recon-recover:${breakId}`))?.legs).toEqual([
        { account: 'payouts:duplicates-reversed', amountMinor: 450 },
        { account: 'payouts:duplicates-paid', amountMinor: -450 },
      ]);
      expect(await stack.deps.psp.getTransfer(transferId)).toMatchObject({ status: 'reversed' });
    },
  );
  browserTest(
    'when ops pause Adyen from the PSPs page, then Adyen shows paused with its incident and reason while Stripe keeps running, and resuming restores its rate; finance see neither page nor link and a forged pause is refused 403',
    async () => {
      const incident = `INC-UI-${run}`;
      const ops = await as('ops.frank', 'Frank (payment ops)');
      await ops.goto(url('/console'));
      await ops.getByRole('navigation', { name: 'Console' }).getByRole('link', { name: 'PSPs' }).click();
      await ops.waitForURL(url('/console/psps'));
      const adyen = ops.locator('section', { has: ops.getByRole('heading', { name: 'Adyen' }) });
      const stripe = ops.locator('section', { has: ops.getByRole('heading', { name: 'Stripe' }) });
      expect(await adyen.innerText()).toMatch(/State\s+Running/);
      await adyen.getByLabel('Incident ID').fill(incident);
      await adyen.getByLabel('Reason').fill('Adyen transfers API answering 503');
      await adyen.getByRole('button', { name: 'Pause Adyen' }).click();
      await expect(ops.getByRole('status').innerText()).resolves.toContain(
        `Accepted: adyen paused for incident ${incident}.`,
      );
      expect(await adyen.innerText()).toMatch(new RegExp(`State\\s+Paused \\(incident ${incident}, since \\d{4}-`));
      expect(await adyen.innerText()).toMatch(/Pause reason\s+Adyen transfers API answering 503/);
      expect(await adyen.innerText()).toMatch(/Account rate limit\s+0 \(paused\)/);
      expect(await adyen.getByRole('button', { name: 'Resume Adyen' }).count()).toBe(1);
      expect(await stripe.innerText()).toMatch(/State\s+Running/);
      expect(await stripe.getByRole('button', { name: 'Pause Stripe' }).count()).toBe(1);
      const paused = await describeProviderQueue(stack.client, 'adyen', stack.config.TEMPORAL_TASK_QUEUE);
      expect(paused).toMatchObject({ ratePerSecond: 0, pausedBy: incident });
      expect(paused.setBy).toBe('payops-psp-control:ops.frank');
      expect(await describeProviderQueue(stack.client, 'stripe', stack.config.TEMPORAL_TASK_QUEUE)).not.toHaveProperty(
        'pausedBy',
      );
      await check(ops, 'ops-psps');

      const dave = await as('fin.dave', 'Dave (finance manager)');
      await dave.goto(url('/console'));
      expect(await dave.getByRole('link', { name: 'PSPs' }).count()).toBe(0);
      const refused = await dave.goto(url('/console/psps'));
      expect(refused?.status()).toBe(403);
      expect(await dave.getByRole('button', { name: /^(Pause|Resume) / }).count()).toBe(0);
      const forged = await post(dave, '/console/psps/stripe/pause', {
        _csrf: await csrfOf(dave),
        incidentId: `INC-FORGED-${run}`,
        reason: 'forged',
      });
      expect(forged.status).toBe(403);
      expect(await describeProviderQueue(stack.client, 'stripe', stack.config.TEMPORAL_TASK_QUEUE)).not.toHaveProperty(
        'pausedBy',
      );

      await adyen.getByLabel('Reason (optional)').fill('Adyen recovered');
      await adyen.getByRole('button', { name: 'Resume Adyen' }).click();
      await expect(ops.getByRole('status').innerText()).resolves.toContain('Accepted: adyen resumed.');
      expect(await adyen.innerText()).toMatch(/State\s+Running/);
      expect(await adyen.getByRole('button', { name: 'Pause Adyen' }).count()).toBe(1);
      const resumed = await describeProviderQueue(stack.client, 'adyen', stack.config.TEMPORAL_TASK_QUEUE);
      expect(resumed.pausedBy).toBeUndefined();
      expect(resumed.ratePerSecond).toBeGreaterThan(0);
    },
  );
});
