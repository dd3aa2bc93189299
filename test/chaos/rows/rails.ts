import { createDynamoAudit } from '../../../activities/adapters/audit/dynamo-audit';
import { makeAwsClients } from '../../../activities/adapters/aws';
import { isoIdsFor } from '../../../activities/payouts';
import { awsOptions } from '../../../workers/config';
import { creatorPayoutWorkflowId } from '../../../workflows/payouts/contract';
import { stepName } from '../../../workflows/payouts/policy';
import { admin, adminGet, until } from '../admin';
import { emptyVerdicts, type Verdicts } from '../checks';
import { pool, type ChaosPayout } from '../payouts';
import { payoutRow, type Row, type RowContext } from '../row';

const accountOf = (p: ChaosPayout) => `acct_${p.creatorId.replace(/-/g, '_')}`;

/** The share of the PSP's answers that were 429 (from its call records): proves the limiter bit. */
async function rateLimitShare({ stack }: RowContext): Promise<Verdicts> {
  const { calls } = await adminGet<{ calls: Array<{ status: number; method: string; path: string }> }>(
    stack.psp.url,
    '/__admin/calls',
  );
  const limited = calls.filter((c) => c.status === 429).length;
  const share = calls.length ? Math.round((1000 * limited) / calls.length) / 10 : 0;
  // What the provider's budget was spent on (answered calls by method and path, IDs folded).
  const spent: Record<string, number> = {};
  for (const c of calls.filter((x) => x.status !== 429)) {
    const k = `${c.method} ${c.path.replace(/\/(tr|po|acct)_\w+/g, '/:id')}`;
    spent[k] = (spent[k] ?? 0) + 1;
  }
  return { ...emptyVerdicts(), outcomes: { pspCalls: calls.length, psp429: limited, psp429Pct: share, ...spent } };
}

/**
 * Each paid creator's connected account pays its balance out to its own bank and that payout fails, with metadata
 * the account holder wrote to look like ours. The money is back on *their* balance: the platform ledger must not
 * move, nothing is paid again, and the ingress parks each event for ops (`connected-account-events`).
 */
async function failConnectedPayouts(ctx: RowContext, payouts: ChaosPayout[]): Promise<Verdicts> {
  const mine = new Set<string>();
  await pool(payouts, 8, async (p) => {
    const wf = creatorPayoutWorkflowId(p.payoutId);
    const po = await admin<{ id: string }>(ctx.stack.psp.url, `/__admin/accounts/${accountOf(p)}/payouts`, {
      amount: p.amountMinor,
      currency: 'usd',
      metadata: { reference: wf, workflowId: wf, payoutId: p.payoutId },
    });
    mine.add(po.id);
    await admin(ctx.stack.psp.url, `/__admin/payouts/${po.id}/fail`, { failure_code: 'account_closed' });
  });
  const audit = createDynamoAudit({
    aws: makeAwsClients(awsOptions(ctx.stack.config)),
    table: ctx.stack.config.AUDIT_TABLE,
  });
  const parkedIds = async () =>
    new Set(
      (await audit.list('connected-account-events'))
        .map((e) => String(e.data['payoutObjectId']))
        .filter((id) => mine.has(id)),
    );
  await until(async () => (await parkedIds()).size >= mine.size, 30_000, 250);
  const parked = await parkedIds();
  const v = emptyVerdicts();
  // An event nobody parked is lost to ops (and, if it reached a payout, the checks below see what it did).
  for (const id of mine) if (!parked.has(id)) v.findings.push(`${id}: connected-account payout.failed not parked`);
  return { ...v, lost: mine.size - parked.size, outcomes: { connectedPayoutsFailed: mine.size, parked: parked.size } };
}

/**
 * Counts by EndToEndId at the bank: every EndToEndId the bank took must be owed by one initiation attempt of one
 * payout, and no payout may have more than one taken (a retry under a fresh EndToEndId would pay twice).
 */
async function bankByEndToEnd({ stack }: RowContext, payouts: ChaosPayout[]): Promise<Verdicts> {
  const { calls } = await adminGet<{ calls: Array<{ status: number; fault?: string; endToEndIds?: string[] }> }>(
    stack.bank.url,
    '/__admin/calls',
  );
  const taken = new Set<string>();
  for (const c of calls) if (c.status === 200 && c.fault !== '5xx') for (const e of c.endToEndIds ?? []) taken.add(e);
  const owner = new Map<string, string>();
  for (const p of payouts)
    for (let a = 1; a <= 3; a++)
      owner.set(isoIdsFor(`${creatorPayoutWorkflowId(p.payoutId)}:${stepName('initiate', a)}`).endToEndId, p.payoutId);
  const v = emptyVerdicts();
  const perPayout = new Map<string, number>();
  for (const e of taken) {
    const p = owner.get(e);
    if (!p) {
      v.duplicates++;
      v.findings.push(`EndToEndId ${e} owed by no attempt`);
    } else perPayout.set(p, (perPayout.get(p) ?? 0) + 1);
  }
  for (const [p, k] of perPayout)
    if (k > 1) {
      v.duplicates += k - 1;
      v.findings.push(`${p}: ${k} EndToEndIds taken by the bank`);
    }
  const faults = (f: string) => calls.filter((c) => c.fault === f).length;
  return { ...v, outcomes: { bankEndToEndIds: taken.size, bank5xx: faults('5xx'), bankTimeouts: faults('timeout') } };
}

/** Rail rows: the PSP's rate limiter, a connected account's own payout failing, bank 5xx bursts and timeouts. */
export const railRows: Row[] = [
  payoutRow({
    // A token bucket of 5/s (N/10 per second for N > 50, so a large run still ends) while N payouts initiate and
    // poll at once: most calls meet 429 + Retry-After, and each payout pays once.
    name: 'psp-rate-limit-429',
    before: ({ stack, n }) => {
      const rps = Math.max(5, Math.ceil(n / 10));
      return admin(stack.psp.url, '/__admin/rate-limit', { rps, burst: rps });
    },
    after: rateLimitShare,
  }),
  payoutRow({
    name: 'connected-account-payout-failed',
    after: failConnectedPayouts,
  }),
  payoutRow({
    // The bank answers 5xx to the next N calls (initiations and status polls alike), then accepts the next N
    // pain.001s and holds each answer past the adapter's 10 s timeout before dropping it.
    name: 'bank-5xx-and-timeouts',
    rail: 'bank',
    // The faults are shared by every call, so a payout can meet several in a row: its retries back off (1 s doubling,
    // up to 5 min) for minutes, and its 10 s timeouts add up.
    settleMs: (n) => Math.max(300_000, n * 1_500),
    before: ({ stack, n }) =>
      admin(stack.bank.url, '/__admin/faults', {
        fail5xxNext: n,
        timeoutNext: n,
        timeoutPhase: 'after',
        hangMs: 11_000,
        settleDelayMs: 300,
      }),
    after: bankByEndToEnd,
  }),
];
