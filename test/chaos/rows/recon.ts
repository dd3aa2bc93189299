import { makeAwsClients } from '../../../activities/adapters/aws';
import { createS3Reports } from '../../../activities/adapters/reports/s3-reports';
import { isoIdsFor } from '../../../activities/payouts';
import {
  getBreakState,
  linkBreak,
  postBreakAdjustment,
  rebookToCreator,
  voidBreak,
  type ReconBreakView,
} from '../../../client/breaks';
import { awsOptions } from '../../../workers/config';
import type { Break, MatchRecord, StatementLine } from '../../../workflows/recon/contract';
import { lateReturnWorkflowId } from '../../../workflows/recon-breaks/contract';
import {
  getStateQuery,
  reconDayWorkflowId,
  RECON_DAY_WORKFLOW,
  type ReconDayView,
} from '../../../workflows/recon-days/contract';
import { creatorPayoutWorkflowId } from '../../../workflows/payouts/contract';
import { stepName } from '../../../workflows/payouts/policy';
import { staffSigner } from '../../support/staff';
import { admin, until } from '../admin';
import { emptyVerdicts, type Verdicts } from '../checks';
import { payoutStatus, scanPostings } from '../observe';
import { payoutRow } from '../row';
import type { ChaosStack } from '../stack';
import type { ChaosPayout } from '../payouts';

/**
 * The daily close as a fault row: N bank payouts settle and close; then the bank returns one of them (after its
 * payout closed), charges a fee and books one transfer twice, and the day before has no statement at all. The day is
 * reconciled from the bank's own camt.053 and the ledger, re-run, and each break resolved with one command. Judged
 * from the records: every statement line of the day is matched or in exactly one break, every payout's transfer is
 * matched once, a re-run changes nothing, the four breaks exist once each, the return is booked back to the creator
 * exactly once (after the bank confirmed it), and the creator's balance says so.
 */

const ops = staffSigner('ops.recon', ['ops']);
const finance = staffSigner('fin.recon', ['finance_manager']);
const FEE_MINOR = 250;

/** The chaos stack reconciles one bank account (`RECON_ACCOUNTS` in stack.ts): the worker's debtor account. */
export const CHAOS_RECON_ACCOUNT = 'bank-main';

const today = () => new Date().toISOString().slice(0, 10);
const dayBefore = (d: string) => new Date(Date.parse(`${d}T00:00:00Z`) - 86_400_000).toISOString().slice(0, 10);

async function runDay(stack: ChaosStack, businessDate: string, rerun?: number): Promise<ReconDayView> {
  const handle = await stack.client.workflow.start(RECON_DAY_WORKFLOW, {
    workflowId: `${reconDayWorkflowId(CHAOS_RECON_ACCOUNT, businessDate, rerun)}-${Date.now().toString(36)}`,
    taskQueue: stack.config.TEMPORAL_TASK_QUEUE,
    args: [{ accountId: CHAOS_RECON_ACCOUNT, businessDate, ...(rerun ? { rerun } : {}) }],
  });
  await handle.result();
  return handle.query(getStateQuery);
}

async function ndjson<T>(stack: ChaosStack, keys: readonly string[]): Promise<T[]> {
  const reports = createS3Reports({
    aws: makeAwsClients(awsOptions(stack.config)),
    bucket: stack.config.REPORTS_BUCKET,
  });
  const out: T[] = [];
  for (const key of keys) {
    const body = (await reports.get(key)) ?? '';
    for (const line of body.split('\n')) if (line.trim()) out.push(JSON.parse(line) as T);
  }
  return out;
}

/** The break workflows of one day's results, by class. */
function byClass(breaks: Array<Break & { workflowId: string }>) {
  const m = new Map<string, Array<Break & { workflowId: string }>>();
  for (const b of breaks) m.set(b.class, [...(m.get(b.class) ?? []), b]);
  return m;
}

async function resolved(stack: ChaosStack, workflowId: string): Promise<ReconBreakView | undefined> {
  let view: ReconBreakView | undefined;
  await until(
    async () => (view = await getBreakState(stack.client, workflowId).catch(() => undefined))?.status === 'resolved',
    30_000,
    200,
  );
  return view;
}

async function reconcile(stack: ChaosStack, payouts: ChaosPayout[], returned: Set<string>): Promise<Verdicts> {
  const v = emptyVerdicts();
  const find = (what: string, kind: 'lost' | 'duplicates' | 'ledgerBreaks' = 'ledgerBreaks') => {
    v[kind]++;
    if (v.findings.length < 50) v.findings.push(what);
  };
  const iban = stack.config.BANK_DEBTOR_IBAN;
  const date = today();

  // The bank's own faults of the day, after every payout closed.
  const [late, doubled] = payouts;
  if (!late || !doubled) throw new Error('the recon row needs at least 2 payouts');
  const lateE2e = isoIdsFor(`${creatorPayoutWorkflowId(late.payoutId)}:${stepName('initiate', 1)}`).endToEndId;
  const doubledE2e = isoIdsFor(`${creatorPayoutWorkflowId(doubled.payoutId)}:${stepName('initiate', 1)}`).endToEndId;
  await admin(stack.bank.url, '/__admin/returns', { endToEndId: lateE2e, code: 'AC04' });
  returned.add(late.payoutId);
  await admin(stack.bank.url, '/__admin/fees', { accountIban: iban, amountMinor: FEE_MINOR, currency: 'USD' });
  await admin(stack.bank.url, '/__admin/statement-faults', {
    accountIban: iban,
    fault: 'double_booking',
    endToEndId: doubledE2e,
  });
  // The return's camt.054 reaches the ingress, which hands it to its break (the payout has closed).
  const returnBreak = lateReturnWorkflowId(lateE2e, late.amountMinor, 'USD');
  if (
    !(await until(
      () =>
        getBreakState(stack.client, returnBreak).then(
          () => true,
          () => false,
        ),
      30_000,
      200,
    ))
  )
    find(`${returnBreak}: the late return was not owned by a break`, 'lost');

  const first = await runDay(stack, date);
  const again = await runDay(stack, date, 1);
  const missing = await runDay(stack, dayBefore(date));
  if (first.summaryDigest !== again.summaryDigest) find(`re-run of ${date} changed the summary`);
  if (!missing.statementMissing) find(`${dayBefore(date)}: no statement, yet no statement_missing`);

  // R1/R2 from the records: every booked line of the day matched or in exactly one break, never both.
  const keys = first.keys;
  if (!keys || !first.statement) {
    find(`${date}: the run wrote no results`, 'lost');
    return v;
  }
  const [lines, matches, breaks, missingBreaks] = await Promise.all([
    ndjson<StatementLine>(stack, first.statement.lineKeys),
    ndjson<MatchRecord>(stack, [keys.matches]),
    ndjson<Break & { workflowId: string }>(stack, [keys.breaks]),
    ndjson<Break & { workflowId: string }>(stack, missing.keys ? [missing.keys.breaks] : []),
  ]);
  const owners = new Map<string, number>();
  for (const m of matches) for (const id of m.lineIds) owners.set(id, (owners.get(id) ?? 0) + 1);
  for (const b of breaks) for (const id of b.lineIds) owners.set(id, (owners.get(id) ?? 0) + 1);
  for (const l of lines) {
    if (l.entry.status !== 'BOOK') continue;
    const n = owners.get(l.lineId) ?? 0;
    if (n !== 1) find(`line ${l.lineId.slice(0, 12)} (${l.refs.endToEndId ?? l.entry.bankTxCode}) owned ${n} times`);
  }
  // Every payout's transfer is matched exactly once (the doubled one's second booking is a break, not a match).
  const matchedE2e = new Map<string, number>();
  const lineById = new Map(lines.map((l) => [l.lineId, l]));
  for (const m of matches)
    for (const id of m.lineIds) {
      const l = lineById.get(id);
      if (l?.direction === 'debit' && l.refs.endToEndId)
        matchedE2e.set(l.refs.endToEndId, (matchedE2e.get(l.refs.endToEndId) ?? 0) + 1);
    }
  for (const p of payouts) {
    const e2e = isoIdsFor(`${creatorPayoutWorkflowId(p.payoutId)}:${stepName('initiate', 1)}`).endToEndId;
    const n = matchedE2e.get(e2e) ?? 0;
    if (n !== 1) find(`${p.payoutId}: its transfer matched ${n} times`, n === 0 ? 'lost' : 'duplicates');
  }

  // The four breaks, once each; then one command resolves each.
  const classes = byClass(breaks);
  const returnLine = (classes.get('unexpected_external') ?? []).filter((b) => b.hint === 'late_return');
  const fee = (classes.get('unexpected_external') ?? []).filter((b) => b.hint === 'fee');
  const dup = classes.get('duplicate_external') ?? [];
  const stmt = byClass(missingBreaks).get('statement_missing') ?? [];
  for (const [name, found] of [
    ['late return', returnLine],
    ['fee', fee],
    ['duplicate booking', dup],
    ['statement missing', stmt],
  ] as const)
    if (found.length !== 1) find(`${name}: ${found.length} breaks, expected 1`);
  if (returnLine[0] && returnLine[0].workflowId !== returnBreak)
    find(`the statement's return opened ${returnLine[0].workflowId}, not the ingress's ${returnBreak}`, 'duplicates');
  if (v.findings.length) return v;

  const verdicts = [
    await rebookToCreator(stack.client, returnBreak, { note: 'returned after the payout closed', sign: finance }),
    await postBreakAdjustment(stack.client, (fee[0] as { workflowId: string }).workflowId, {
      amountMinor: FEE_MINOR,
      currency: 'USD',
      account: 'bank:fees',
      note: 'the bank charged its monthly fee',
      sign: finance,
    }),
    await linkBreak(stack.client, (dup[0] as { workflowId: string }).workflowId, {
      workflowId: creatorPayoutWorkflowId(doubled.payoutId),
      note: 'the bank booked this transfer twice; reversal asked of the bank',
      sign: ops,
    }),
    await voidBreak(stack.client, (stmt[0] as { workflowId: string }).workflowId, {
      reason: 'the account opened the next day: no statement is owed',
      sign: ops,
    }),
  ];
  verdicts.forEach((r, i) => {
    if (!r.accepted) find(`resolution ${i + 1} refused: ${JSON.stringify(r).slice(0, 200)}`);
  });
  for (const id of [returnBreak, fee[0]?.workflowId, dup[0]?.workflowId, stmt[0]?.workflowId])
    if (id && !(await resolved(stack, id))) find(`${id}: not resolved after its command`, 'lost');

  // The money back to the creator: one rebook posting, once, for the returned amount.
  const rebooks = (await scanPostings(stack, 'recon-rebook:')).filter((p) =>
    p.legs.some((l) => l.account.includes(late.creatorId)),
  );
  if (rebooks.length !== 1)
    find(`${late.payoutId}: ${rebooks.length} rebook postings`, rebooks.length ? 'duplicates' : 'lost');
  const st = await payoutStatus(stack, late);
  return { ...v, outcomes: { breaksResolved: verdicts.filter((r) => r.accepted).length, [`late:${st?.state}`]: 1 } };
}

export const reconRows = [
  payoutRow({
    name: 'recon-daily-close',
    rail: 'bank',
    async before({ stack }) {
      await admin(stack.bank.url, '/__admin/accounts', {
        accountIban: stack.config.BANK_DEBTOR_IBAN,
        currency: 'USD',
        openingBalanceMinor: 1_000_000_000,
        openedOn: today(),
      });
    },
    after: (ctx, payouts) => reconcile(ctx.stack, payouts, ctx.returned),
  }),
];
