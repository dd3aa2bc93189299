import type { Client } from '@temporalio/client';
import type { Context, Hono } from 'hono';
import { html } from 'hono/html';
import type { CompensationListRow } from '../../client/approvals';
import {
  compensationRequestId,
  compensationWorkflowId,
  REASON_CODES,
  ROLES,
  type CompensationStatus,
  type Role,
} from '../../workflows/approvals/contract';
import { policyFor } from '../../workflows/approvals/policies';
import { SA } from '../../workflows/shared/search-attributes';
import type { CustomerHistory } from '../reports/customer-history';
import { noticeOf, read, type Api, type Notice } from './api';
import { randomToken } from './session';
import {
  csrfField,
  facts,
  FINANCE,
  holds,
  minorOf,
  money,
  page,
  REQUESTERS,
  requireAny,
  table,
  when,
  type ConsoleEnv,
} from './layout';

/**
 * The approvals pages: the finance inbox (pending requests at the tiers my roles may decide, oldest deadline first),
 * a request's page (the order's facts, other requests for the order, the policy's route and flags, the agent's
 * budget use, the amount I decide on, the decision log and audit trail, approve or reject with a reason) and the
 * agent's new-request form. Commands go to the API (`POST /approvals`, `/approvals/:id/{approve,reject}`).
 */

type AuditEntry = { at: string; type: string; data: Record<string, unknown> };
type RequestRead = { status: CompensationStatus; audit: AuditEntry[] };

/** The rank of a role in the approvals ladder (ROLES is ordered from agent to director). */
const rank = (role: string) => ROLES.indexOf(role as Role);

/** The finance roles a person holds, highest first (the role select's options; the API checks each again). */
const financeRolesOf = (staff: ConsoleEnv['Variables']['staff']) =>
  FINANCE.filter((r) => holds(staff, r)).sort((a, b) => rank(b) - rank(a));

/** The tiers the person's highest finance role may decide (every policy version has the same ladder names). */
function tiersFor(roles: Role[], policyVersion: Parameters<typeof policyFor>[0] = '2025-06.1'): Set<string> {
  const top = Math.max(-1, ...roles.map(rank));
  return new Set(
    policyFor(policyVersion)
      .tiers.filter((t) => rank(t.minRole) <= top)
      .map((t) => t.name),
  );
}

/** Other requests for the same order (visibility: an eventually consistent list, the order's compensation history). */
async function orderHistory(client: Client, orderId: string, self: string) {
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(orderId)) return [];
  const rows: Array<{ requestId: string; state?: string; amountMinor?: number; currency?: string; start: Date }> = [];
  const query = `WorkflowType = 'compensationApproval' AND ${SA.OrderId.name} = '${orderId}'`;
  for await (const wf of client.workflow.list({ query })) {
    if (wf.workflowId === self) continue;
    const sa = wf.typedSearchAttributes;
    rows.push({
      requestId: compensationRequestId(wf.workflowId),
      state: sa.get(SA.ApprovalState),
      amountMinor: sa.get(SA.AmountMinor),
      currency: sa.get(SA.Currency),
      start: wf.startTime,
    });
    if (rows.length >= 50) break;
  }
  return rows;
}

/**
 * The customer's compensations from the reports' facts (the API's `/reports/customers/:id/compensations`, the same
 * role check as this page); what the API could not serve (no reports source, Athena down) is said, not fatal.
 */
async function customerHistoryOf(api: Api, customerId: string | undefined) {
  if (!customerId) return { unavailable: 'the order has no customer on record' };
  const { status, body } = await api<CustomerHistory & { error?: string }>(
    'GET',
    `/reports/customers/${encodeURIComponent(customerId)}/compensations`,
  );
  return status === 200 ? { history: body } : { unavailable: body.error ?? `HTTP ${status}` };
}

const instruments = (r: CustomerHistory['compensations'][number]) =>
  [
    r.refundMinor ? `refund ${money(r.refundMinor, r.currency)}` : '',
    r.storeCreditMinor ? `store credit ${money(r.storeCreditMinor, r.currency)}` : '',
    r.voucherMinor ? `voucher ${money(r.voucherMinor, r.currency)}` : '',
  ]
    .filter(Boolean)
    .join(' · ') || '—';

function customerHistorySection(got: Awaited<ReturnType<typeof customerHistoryOf>>) {
  if (!got.history)
    return html`<h2>The customer's compensations</h2>
      <p>Not available: ${got.unavailable}</p>`;
  const h = got.history;
  return html`<h2>The customer's compensations (last ${String(h.period.days)} days)</h2>
    ${table(
      `Compensations executed for customer ${h.customerId}`,
      ['Date', 'Request', 'Order', 'Reason', 'Instruments', 'Net', 'Approved by', 'Outcome'],
      h.compensations.map((r) => [
        when(r.at),
        html`<a href="/console/approvals/${r.requestId}">${r.requestId}</a>`,
        r.orderId,
        r.reasonCode,
        instruments(r),
        money(r.netMinor, r.currency),
        r.approval === 'auto' ? 'auto' : `finance: ${r.approvers.map((a) => `${a.id} (${a.role})`).join(', ')}`,
        r.outcome,
      ]),
      'No compensation executed for this customer in the window.',
    )}
    ${
      h.totals.length
        ? facts(h.totals.map((t) => [`Total ${t.currency} (${t.count})`, money(t.netMinor, t.currency)]))
        : ''
    }`;
}

export function approvalPages(app: Hono<ConsoleEnv>, deps: { client: Client }): void {
  app.get('/approvals', async (c) => {
    const staff = c.get('staff');
    requireAny(staff, FINANCE, 'The approvals inbox');
    const mine = tiersFor(financeRolesOf(staff));
    const rows = (
      await read<Array<CompensationListRow & { deadlineAt?: string; awaitingSince?: string }>>(
        c.get('api'),
        '/approvals?state=pending',
      )
    )
      .filter((r) => r.tier !== undefined && mine.has(r.tier))
      .sort(
        (a, b) =>
          (a.deadlineAt ? Date.parse(String(a.deadlineAt)) : Infinity) -
          (b.deadlineAt ? Date.parse(String(b.deadlineAt)) : Infinity),
      );
    return c.html(
      page(
        { title: 'Approvals inbox', staff, csrf: c.get('session').csrf },
        html`<p>Pending requests at your tiers (${[...mine].join(', ')}), oldest deadline first.</p>
          ${table(
            'Pending compensation requests',
            ['Request', 'Order', 'Tier', 'Amount', 'Waiting since', 'Deadline'],
            rows.map((r) => [
              html`<a href="/console/approvals/${r.requestId}">${r.requestId}</a>`,
              r.orderId ?? '—',
              r.tier ?? '—',
              money(r.amountMinor, r.currency),
              when(r.awaitingSince as unknown as string),
              when(r.deadlineAt as unknown as string),
            ]),
            'Nothing waits for you.',
          )}`,
      ),
    );
  });

  app.get('/approvals/new', (c) => {
    requireAny(c.get('staff'), REQUESTERS, 'Filing a compensation request');
    return c.html(newRequestPage(c));
  });
  app.post('/approvals/new', async (c) => {
    const staff = c.get('staff');
    requireAny(staff, REQUESTERS, 'Filing a compensation request');
    const f = c.get('form');
    const remedies: Record<string, unknown> = {};
    if (f['refund'] === 'full') remedies['refund'] = { kind: 'full' };
    if (f['refund'] === 'partial') remedies['refund'] = { kind: 'partial', amountMinor: minorOf(f['refundAmount']) };
    if (f['storeCredit']) remedies['storeCreditMinor'] = minorOf(f['storeCredit']) ?? -1;
    if (f['voucher']) remedies['voucherMinor'] = minorOf(f['voucher']) ?? -1;
    const requestId = f['requestId'] ?? '';
    const answer = await c.get('api')('POST', '/approvals', {
      requestId,
      orderId: f['orderId'],
      customerId: f['customerId'],
      requester: {},
      reasonCode: f['reasonCode'],
      currency: f['currency'],
      remedies,
    });
    if (answer.status === 200) return c.redirect(`/console/approvals/${encodeURIComponent(requestId)}?filed=1`, 303);
    const { notice, status } = noticeOf(answer, 'request filed');
    return c.html(newRequestPage(c, notice, f), status);
  });

  app.get('/approvals/:id', async (c) => {
    const notice: Notice | undefined = c.req.query('filed')
      ? { kind: 'ok', text: 'Request filed: the policy decides who approves it (this page shows where it stands).' }
      : undefined;
    return c.html(await requestPage(c, deps.client, notice));
  });
  for (const verb of ['approve', 'reject'] as const)
    app.post(`/approvals/:id/${verb}`, async (c) => {
      requireAny(c.get('staff'), FINANCE, `To ${verb} a request`);
      const f = c.get('form');
      const id = c.req.param('id');
      const answer = await c.get('api')('POST', `/approvals/${encodeURIComponent(id)}/${verb}`, {
        reason: f['reason'] ?? '',
        ...(f['role'] ? { role: f['role'] } : {}),
        ...(f['amountMinor'] ? { amountMinor: Number(f['amountMinor']) } : {}),
        ...(f['storeCreditMinor'] !== undefined ? { remedies: remediesOf(f) } : {}),
      });
      const { notice, status } = noticeOf(answer, verb === 'approve' ? 'your approval counted' : 'you rejected it');
      return c.html(await requestPage(c, deps.client, notice), status);
    });
}

/** The remedies shown, bound into the signed decision (required while the request proposes an alternative). */
function remediesFields(r: { refundMinor: number; storeCreditMinor: number; voucherMinor: number }) {
  return html`<input type="hidden" name="refundMinor" value="${String(r.refundMinor)}" />
    <input type="hidden" name="storeCreditMinor" value="${String(r.storeCreditMinor)}" />
    <input type="hidden" name="voucherMinor" value="${String(r.voucherMinor)}" />`;
}

/** The remedies a decision form carried (the workflow refuses any that differ from the request's). */
function remediesOf(f: Record<string, string | undefined>) {
  return {
    refundMinor: Number(f['refundMinor'] ?? 0),
    storeCreditMinor: Number(f['storeCreditMinor'] ?? 0),
    voucherMinor: Number(f['voucherMinor'] ?? 0),
  };
}

async function requestPage(c: Context<ConsoleEnv>, client: Client, notice?: Notice) {
  const staff = c.get('staff');
  const csrf = c.get('session').csrf;
  const id = c.req.param('id') ?? '';
  const { status: s, audit } = await read<RequestRead>(c.get('api'), `/approvals/${encodeURIComponent(id)}`);
  const policy = policyFor(s.policyVersion);
  const history = await orderHistory(client, s.orderId, compensationWorkflowId(s.requestId));
  const customer = await customerHistoryOf(c.get('api'), s.facts?.orderCustomerId);
  const myRoles = financeRolesOf(staff);
  const canDecide = s.status === 'pending' && myRoles.length > 0;
  const decideForms = canDecide
    ? html`<h2>Your decision</h2>
        <p>
          You decide on <strong>${money(s.totalMinor, s.currency)}</strong>: this amount is bound into the signed
          command, so a request amended meanwhile refuses your decision.
        </p>
        ${
          s.alternative && s.remedies
            ? html`<p>
                The PSP refused the refund for good
                (${s.alternative.refusal.code}${
                  s.alternative.refusal.requestId ? `, PSP request ${s.alternative.refusal.requestId}` : ''
                }):
                ${money(s.alternative.amountMinor, s.currency)} is proposed as store credit instead. You decide on store
                credit ${money(s.remedies.storeCreditMinor, s.currency)}, voucher
                ${money(s.remedies.voucherMinor, s.currency)} and no refund; these remedies are bound into the signed
                command too.
              </p>`
            : ''
        }
        ${(['approve', 'reject'] as const).map(
          (verb) =>
            html`<form method="post" action="/console/approvals/${s.requestId}/${verb}" class="action">
              ${csrfField(csrf)}<input type="hidden" name="amountMinor" value="${String(s.totalMinor ?? '')}" />
              ${s.alternative && s.remedies ? remediesFields(s.remedies) : ''}
              <label
                >Reason (${verb})
                <input name="reason" required minlength="3" maxlength="280" size="60" />
              </label>
              <label
                >Acting role
                <select name="role">
                  ${myRoles.map((r) => html`<option value="${r}">${r}</option>`)}
                </select>
              </label>
              <button type="submit">${verb === 'approve' ? 'Approve' : 'Reject'}</button>
            </form>`,
        )}`
    : '';
  const f = s.facts;
  return page(
    { title: `Compensation request ${s.requestId}`, staff, csrf, ...(notice ? { notice } : {}) },
    html`${facts([
        ['Status', html`<strong>${s.status}</strong>`],
        ['Order', s.orderId],
        ['Customer', f?.orderCustomerId],
        ['Requested by', s.requesterId],
        ['Reason', s.reasonCode],
        ['Total', money(s.totalMinor, s.currency)],
        [
          'Remedies',
          s.remedies
            ? `refund ${money(s.remedies.refundMinor, s.currency)} · store credit ${money(s.remedies.storeCreditMinor, s.currency)} · voucher ${money(s.remedies.voucherMinor, s.currency)}`
            : undefined,
        ],
        ['Policy version', s.policyVersion],
      ])}
      <h2>Order</h2>
      ${facts([
        ['Captured', f ? money(f.captured.amountMinor, f.captured.currency) : undefined],
        ['Refunded before this request', f ? money(f.refundedMinor, s.currency) : undefined],
        ['Earlier requests for this order (when filed)', f?.priorClaims],
        ['Dispute opened', f ? (f.disputeOpened ? 'yes' : 'no') : undefined],
      ])}
      ${table(
        "The order's compensation history",
        ['Request', 'State', 'Amount', 'Filed'],
        history.map((h) => [
          html`<a href="/console/approvals/${h.requestId}">${h.requestId}</a>`,
          h.state ?? '—',
          money(h.amountMinor, h.currency),
          when(h.start),
        ]),
        'No other compensation request for this order.',
      )}
      ${customerHistorySection(customer)}
      <h2>The policy's route</h2>
      ${facts([
        ['Tier', s.awaiting ? `${s.awaiting.tier} (at least ${s.awaiting.minRole})` : '—'],
        ['Approvals', s.awaiting ? `${s.awaiting.approvedBy.length} of ${s.awaiting.approvalsRequired}` : '—'],
        ['Flags', s.flags.length ? s.flags.join(', ') : 'none'],
        ['Auto-approval limit', money(policy.autoApproveMaxMinor, s.currency)],
        ['Waiting since', when(s.awaiting?.since)],
        ['Next step', s.awaiting?.nextStage ? `${s.awaiting.nextStage} at ${when(s.awaiting.nextStageAt)}` : '—'],
        ['Expires', when(s.awaiting?.expiresAt)],
      ])}
      <h2>The agent's budget today</h2>
      ${facts([
        ['Executed today (when filed)', f ? money(f.agentSpentTodayMinor, s.currency) : undefined],
        ['Daily budget', money(policy.agentDailyBudgetMinor, s.currency)],
      ])}
      ${decideForms}
      <h2>Decisions</h2>
      ${table(
        'Decision log',
        ['#', 'When', 'Who', 'Role', 'Decision', 'Amount', 'Counted', 'Reason'],
        s.decisions.map((d) => [
          String(d.seq),
          when(d.at),
          d.actorId,
          d.role,
          d.decision,
          money(d.amountMinor, d.currency),
          d.accepted ? 'yes' : `no (${d.refusal ?? 'refused'})`,
          d.reason,
        ]),
        'No decision yet.',
      )}
      ${
        s.status === 'executed' || s.execution.refundId || s.execution.storeCreditId || s.execution.voucherId
          ? html`<h2>Execution</h2>
              ${facts([
                ['Refund', s.execution.refundId],
                ['Store credit', s.execution.storeCreditId],
                ['Voucher', s.execution.voucherId],
                ['Undone', s.execution.undone?.join(', ')],
              ])}`
          : ''
      }
      ${table(
        'Audit trail',
        ['When', 'Event', 'Details'],
        audit.map((e) => [when(e.at), e.type, JSON.stringify(e.data)]),
        'The audit trail is empty.',
      )}`,
  );
}

function newRequestPage(c: Context<ConsoleEnv>, notice?: Notice, f: Record<string, string> = {}) {
  const v = (k: string, d = '') => f[k] ?? d;
  return page(
    {
      title: 'New compensation request',
      staff: c.get('staff'),
      csrf: c.get('session').csrf,
      ...(notice ? { notice } : {}),
    },
    html`<p>The policy decides whether it is approved at once or who in finance approves it.</p>
      <form method="post" action="/console/approvals/new" class="action">
        ${csrfField(c.get('session').csrf)}
        <label
          >Request ID <input name="requestId" required value="${v('requestId', `req-${randomToken().slice(0, 10)}`)}"
        /></label>
        <label>Order ID <input name="orderId" required value="${v('orderId')}" /></label>
        <label>Customer ID <input name="customerId" required value="${v('customerId')}" /></label>
        <label
          >Reason
          <select name="reasonCode">
            ${REASON_CODES.map((r) => html`<option value="${r}" ${v('reasonCode') === r ? 'selected' : ''}>${r}</option>`)}
          </select>
        </label>
        <label
          >Currency
          <select name="currency">
            ${policyFor('2025-06.1').currencies.map(
              (cur) => html`<option value="${cur}" ${v('currency', 'EUR') === cur ? 'selected' : ''}>${cur}</option>`,
            )}
          </select>
        </label>
        <fieldset>
          <legend>What to give (amounts in the currency, e.g. 12.50)</legend>
          <label
            >Refund
            <select name="refund">
              ${['none', 'partial', 'full'].map(
                (k) => html`<option value="${k}" ${v('refund', 'none') === k ? 'selected' : ''}>${k}</option>`,
              )}
            </select>
          </label>
          <label
            >Partial refund amount <input name="refundAmount" inputmode="decimal" value="${v('refundAmount')}"
          /></label>
          <label>Store credit <input name="storeCredit" inputmode="decimal" value="${v('storeCredit')}" /></label>
          <label>Voucher <input name="voucher" inputmode="decimal" value="${v('voucher')}" /></label>
        </fieldset>
        <button type="submit">File request</button>
      </form>`,
  );
}
