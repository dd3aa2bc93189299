import {
  amendCompensation,
  decideCompensation,
  getCompensationState,
  startCompensation,
} from '../../../client/approvals';
import { staffSigner } from '../../support/staff';
import { compensationWorkflowId, type CompensationStatus } from '../../../workflows/approvals/contract';
import { admin, adminGet, until } from '../admin';
import { emptyVerdicts, type Verdicts } from '../checks';
import { pool } from '../payouts';
import { resetSandboxes, type Row, type RowContext } from '../row';

const TERMINAL = ['executed', 'rejected', 'expired', 'failed', 'cancelled'];
/** Every fourth request asks more than auto-approval allows, waits for finance and is rejected. */
const toReject = (i: number) => i % 4 === 3;

interface Order {
  requestId: string;
  orderId: string;
  customerId: string;
  reject: boolean;
}

/** A captured charge at the PSP and its order + customer at commerce, one per request (each its own agent). */
async function seedOrders({ stack, tag, n }: RowContext): Promise<Order[]> {
  return pool(
    Array.from({ length: n }, (_, i) => i),
    8,
    async (i) => {
      const o = { requestId: `${tag}-q${i}`, orderId: `${tag}-o${i}`, customerId: `${tag}-u${i}`, reject: toReject(i) };
      const charge = await admin<{ id: string }>(stack.psp.url, '/__admin/charges', {
        amount: 10_000,
        currency: 'eur',
      });
      await admin(stack.commerce.url, '/__admin/customers', {
        customerId: o.customerId,
        email: `${o.customerId}@x.test`,
      });
      await admin(stack.commerce.url, '/__admin/orders', {
        orderId: o.orderId,
        customerId: o.customerId,
        paymentRef: charge.id,
        amountMinor: 10_000,
        currency: 'EUR',
      });
      return o;
    },
  );
}

const status = (ctx: RowContext, requestId: string) =>
  getCompensationState(ctx.stack.client, requestId).catch((): CompensationStatus | undefined => undefined);

/**
 * N compensation requests (refunds; auto-approved under the limit and each agent's budget, every fourth rejected by
 * finance) while commerce answers 5xx and drops answers after doing the work. Counted at the sandboxes: one refund
 * per executed request at commerce and at the PSP, none for a rejected one.
 */
async function compensationsUnderCommerceFaults(ctx: RowContext): Promise<Verdicts> {
  const { stack, n } = ctx;
  await resetSandboxes(stack);
  const orders = await seedOrders(ctx);
  // Counters are used up by every call (reads included: a read ignores its timeout), so they cover the refunds too.
  await admin(stack.commerce.url, '/__admin/faults', { fail5xxNext: n, timeoutNext: 3 * n, hangMs: 11_000 });
  // Each request by its own agent (a signer per agent), so no daily budget is shared between requests.
  const agentSigner = (o: Order) => staffSigner(`${ctx.tag}-a${o.requestId.split('-q')[1]}`, ['cs_agent']);
  const financeSigner = staffSigner(`${ctx.tag}-fin`, ['finance_approver']);
  await pool(orders, 8, async (o) =>
    startCompensation(
      stack.client,
      {
        requestId: o.requestId,
        orderId: o.orderId,
        customerId: o.customerId,
        sign: agentSigner(o),
        requester: {},
        reasonCode: 'damaged_item',
        currency: 'EUR',
        remedies: { refund: { kind: 'partial', amountMinor: o.reject ? 5_000 : 1_500 } },
      },
      { taskQueue: stack.config.TEMPORAL_TASK_QUEUE },
    ),
  );
  const v = emptyVerdicts();
  await pool(
    orders.filter((o) => o.reject),
    8,
    async (o) => {
      await until(async () => (await status(ctx, o.requestId))?.status === 'pending', 60_000, 200);
      const verdict = await decideCompensation(stack.client, o.requestId, 'reject', {
        sign: financeSigner,
        reason: 'chaos matrix: not covered',
        amount: { amountMinor: 5_000, currency: 'EUR' },
      });
      if (!verdict.accepted) v.findings.push(`${o.requestId}: reject refused (${verdict.code})`);
    },
  );
  const ended = new Map<string, string>();
  await until(
    async () => {
      const open = orders.filter((o) => !TERMINAL.includes(ended.get(o.requestId) ?? ''));
      for (const [o, s] of await pool(open, 8, async (o) => [o, await status(ctx, o.requestId)] as const))
        if (s) ended.set(o.requestId, s.status);
      return orders.every((o) => TERMINAL.includes(ended.get(o.requestId) ?? ''));
    },
    120_000,
    500,
  );
  await admin(stack.commerce.url, '/__admin/faults', undefined, 'DELETE');
  return { ...v, ...(await judge(ctx, orders, ended, v.findings)) };
}

/** Refunds per request at commerce (recorded on the order) and at the PSP (refunds created), against each outcome. */
async function judge(ctx: RowContext, orders: Order[], ended: Map<string, string>, findings: string[]) {
  const state = await adminGet<{ orders: Array<{ orderId: string; refunds: unknown[] }> }>(
    ctx.stack.commerce.url,
    '/__admin/state',
  );
  const { calls } = await adminGet<{ calls: Array<{ path: string; fault?: string }> }>(
    ctx.stack.commerce.url,
    '/__admin/calls',
  );
  const refundFaults = (f: string) => calls.filter((c) => c.path.endsWith('/refunds') && c.fault === f).length;
  const psp = await adminGet<{
    calls: Array<{ method: string; path: string; status: number; idempotencyKey: string | null; replayed?: boolean }>;
    created: { refund?: number };
  }>(ctx.stack.psp.url, '/__admin/calls');
  const pspByKey = new Map<string, number>();
  for (const c of psp.calls)
    if (c.method === 'POST' && c.path === '/v1/refunds' && c.status === 200 && !c.replayed && c.idempotencyKey)
      pspByKey.set(c.idempotencyKey, (pspByKey.get(c.idempotencyKey) ?? 0) + 1);
  let duplicates = 0;
  let lost = 0;
  const outcomes: Record<string, number> = {};
  for (const o of orders) {
    const s = ended.get(o.requestId) ?? 'running';
    outcomes[s] = (outcomes[s] ?? 0) + 1;
    const refunds = state.orders.find((x) => x.orderId === o.orderId)?.refunds.length ?? 0;
    const owed = o.reject ? 0 : 1;
    if (o.reject ? s !== 'rejected' : s !== 'executed') {
      lost++;
      findings.push(`${o.requestId}: ended ${s}, expected ${o.reject ? 'rejected' : 'executed'}`);
    }
    if (refunds > owed) duplicates += refunds - owed;
    if (refunds !== owed) findings.push(`${o.requestId} (${s}): ${refunds} refunds recorded at commerce`);
  }
  for (const [key, k] of pspByKey)
    if (k > 1) {
      duplicates += k - 1;
      findings.push(`${k} PSP refunds under ${key}`);
    }
  const executed = outcomes['executed'] ?? 0;
  const pspRefunds = psp.created.refund ?? 0;
  if (pspRefunds > executed) {
    duplicates += pspRefunds - executed;
    findings.push(`${pspRefunds} PSP refunds for ${executed} executed requests`);
  }
  return {
    duplicates,
    lost,
    ledgerBreaks: 0,
    findings: findings.slice(0, 50),
    outcomes: {
      ...outcomes,
      pspRefunds,
      commerceRefund5xx: refundFaults('5xx'),
      commerceRefundTimeouts: refundFaults('timeout'),
    },
  };
}

/** Policy 2025-06.1: one agent may have 200.00 a day auto-approved; 30.00 needs finance, 25.00 does not. */
const BUDGET_MINOR = 20_000;
const ASKED_MINOR = 3_000;
const AMENDED_MINOR = 2_500;

/**
 * One agent's requests (30.00 refunds, so each waits for finance) all amended at once down to 25.00, which
 * auto-approval allows while the agent's day does: the amendments race for the same budget. Counted at the
 * sandboxes: at most the budget is refunded (at the PSP and on the orders), one refund per executed request, none for
 * one that went back to finance; anything above the budget counts as money that should not have moved.
 */
async function amendmentsRacingTheBudget(ctx: RowContext): Promise<Verdicts> {
  const { stack } = ctx;
  await resetSandboxes(stack);
  // At least enough requests to overrun the budget (8 fit), whatever the row's N.
  const orders = await seedOrders({ ...ctx, n: Math.max(12, ctx.n) });
  const agent = staffSigner(`${ctx.tag}-agent`, ['cs_agent']);
  await pool(orders, 8, async (o) =>
    startCompensation(
      stack.client,
      {
        requestId: o.requestId,
        orderId: o.orderId,
        customerId: o.customerId,
        sign: agent,
        requester: {},
        reasonCode: 'damaged_item',
        currency: 'EUR',
        remedies: { refund: { kind: 'partial', amountMinor: ASKED_MINOR } },
      },
      { taskQueue: stack.config.TEMPORAL_TASK_QUEUE },
    ),
  );
  await pool(orders, 8, (o) => until(async () => (await status(ctx, o.requestId))?.status === 'pending', 60_000, 200));
  const v = emptyVerdicts();
  // All at once: every amendment sees the start's spend (none) unless the reservation decides.
  const verdicts = await Promise.all(
    orders.map((o) =>
      amendCompensation(stack.client, o.requestId, {
        sign: agent,
        remedies: { refund: { kind: 'partial', amountMinor: AMENDED_MINOR } },
        reason: 'chaos matrix: customer accepted less',
      }),
    ),
  );
  verdicts.forEach((r, i) => {
    if (!r.accepted) v.findings.push(`${orders[i]?.requestId}: amendment refused (${r.code})`);
  });
  const ended = new Map<string, CompensationStatus>();
  await until(
    async () => {
      for (const o of orders) {
        const s = await status(ctx, o.requestId);
        if (s && (TERMINAL.includes(s.status) || s.status === 'pending')) ended.set(o.requestId, s);
      }
      return ended.size === orders.length;
    },
    120_000,
    500,
  );
  const result = await judgeBudget(ctx, orders, ended, v.findings);
  // The ones sent back to finance are withdrawn, so the row leaves nothing running.
  await pool(
    orders.filter((o) => ended.get(o.requestId)?.status === 'pending'),
    8,
    (o) => stack.client.workflow.getHandle(compensationWorkflowId(o.requestId)).cancel(),
  );
  return { ...v, ...result };
}

/** Refunds at the PSP and on the orders against the budget and each request's outcome. */
async function judgeBudget(
  ctx: RowContext,
  orders: Order[],
  ended: Map<string, CompensationStatus>,
  findings: string[],
) {
  const state = await adminGet<{ orders: Array<{ orderId: string; refundedMinor: number; refunds: unknown[] }> }>(
    ctx.stack.commerce.url,
    '/__admin/state',
  );
  const psp = await adminGet<{ created: { refund?: number } }>(ctx.stack.psp.url, '/__admin/calls');
  let duplicates = 0;
  let lost = 0;
  let refundedMinor = 0;
  const outcomes: Record<string, number> = {};
  for (const o of orders) {
    const s = ended.get(o.requestId);
    const st = s?.status ?? 'running';
    outcomes[st] = (outcomes[st] ?? 0) + 1;
    const order = state.orders.find((x) => x.orderId === o.orderId);
    const owed = st === 'executed' ? 1 : 0;
    const refunds = order?.refunds.length ?? 0;
    refundedMinor += order?.refundedMinor ?? 0;
    if (refunds > owed) duplicates += refunds - owed;
    if (refunds < owed) lost += owed - refunds;
    if (refunds !== owed) findings.push(`${o.requestId} (${st}): ${refunds} refunds recorded at commerce`);
    if (st === 'pending' && !s?.flags.includes('agent_budget_exceeded'))
      findings.push(`${o.requestId}: back with finance without the agent_budget_exceeded flag`);
    if (st !== 'executed' && st !== 'pending') {
      lost++;
      findings.push(`${o.requestId}: ended ${st}, expected executed or pending`);
    }
  }
  const pspRefunds = psp.created.refund ?? 0;
  const executed = outcomes['executed'] ?? 0;
  if (pspRefunds !== executed) findings.push(`${pspRefunds} PSP refunds for ${executed} executed requests`);
  if (pspRefunds > executed) duplicates += pspRefunds - executed;
  if (refundedMinor > BUDGET_MINOR) {
    // Money the policy did not allow out: counted with the money that moved twice.
    duplicates += Math.ceil((refundedMinor - BUDGET_MINOR) / AMENDED_MINOR);
    findings.push(`${refundedMinor} refunded against the agent's budget of ${BUDGET_MINOR}`);
  }
  return {
    duplicates,
    lost,
    ledgerBreaks: 0,
    findings: findings.slice(0, 50),
    outcomes: { ...outcomes, pspRefunds, refundedMinor },
  };
}

/** Compensation approvals whose refunds cross a flaky commerce system, and amendments racing one agent's budget. */
export const compensationRows: Row[] = [
  { name: 'compensations-commerce-faults', run: compensationsUnderCommerceFaults },
  { name: 'compensations-amend-budget', run: amendmentsRacingTheBudget },
];
