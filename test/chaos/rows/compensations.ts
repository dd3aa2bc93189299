import { decideCompensation, getCompensationStatus, requestCompensation } from '../../../client/approvals';
import { staffSigner } from '../../support/staff';
import type { CompensationStatus } from '../../../workflows/approvals/contract';
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
  getCompensationStatus(ctx.stack.client, requestId).catch((): CompensationStatus | undefined => undefined);

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
    requestCompensation(
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

/** Compensation approvals whose refunds cross a flaky commerce system. */
export const compensationRows: Row[] = [
  { name: 'compensations-commerce-faults', run: compensationsUnderCommerceFaults },
];
