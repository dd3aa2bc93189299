import { isoIdsFor } from '../../activities/payouts';
import { Accounts, type Posting } from '../../activities/adapters/ledger/port';
import { creatorPayoutWorkflowId } from '../../workflows/payouts/contract';
import { stepName } from '../../workflows/payouts/policy';
import { adminGet } from './admin';
import { payoutStatus, scanPostings, standing, storedBalance, type Standing } from './observe';
import { pool, type ChaosPayout } from './payouts';
import type { ChaosStack } from './stack';

/** What a row found, from the sandboxes' and the ledger's own records. */
export interface Verdicts {
  duplicates: number;
  lost: number;
  ledgerBreaks: number;
  /**
   * What the row is about that did not hold (the fault did not hit, evidence missing, the wrong basis): it fails the
   * row without being counted as money. Duplicates, losses and ledger breaks stay what the rails and the ledger say.
   */
  unmet?: number;
  /** Human-readable reasons, one per finding (bounded). */
  findings: string[];
  /** How the payouts ended (`completed: 19, on_hold: 1`): proves the row did what it meant to. */
  outcomes?: Record<string, number>;
}

export const emptyVerdicts = (): Verdicts => ({ duplicates: 0, lost: 0, ledgerBreaks: 0, findings: [] });

export function addVerdicts(a: Verdicts, b: Verdicts): Verdicts {
  return {
    duplicates: a.duplicates + b.duplicates,
    lost: a.lost + b.lost,
    ledgerBreaks: a.ledgerBreaks + b.ledgerBreaks,
    unmet: (a.unmet ?? 0) + (b.unmet ?? 0),
    findings: [...a.findings, ...b.findings].slice(0, 50),
    outcomes: { ...b.outcomes, ...a.outcomes },
  };
}

interface PspCalls {
  calls: Array<{ method: string; path: string; idempotencyKey: string | null; status: number; replayed?: boolean }>;
  created: { transfer?: number };
}
interface AdyenTransfers {
  transfers: Array<{ idempotencyKey: string | null; status: string }>;
}
interface BankCalls {
  calls: Array<{ method: string; status: number; endToEndIds?: string[]; fault?: string; replayed?: boolean }>;
  transfers: number;
}

/**
 * Transfers the rails accepted, per initiation key (`payout-<id>:initiate[-n]`): Stripe's by its key, Adyen's (a
 * routed payout's other provider) by its own key less the provider suffix (`…:initiate[-n]:adyen`), so an attempt's
 * transfers at both providers add up: F1, at most one provider pays an attempt.
 */
async function acceptedTransfers(stack: ChaosStack) {
  const [psp, bank, adyen] = await Promise.all([
    adminGet<PspCalls>(stack.psp.url, '/__admin/calls'),
    adminGet<BankCalls>(stack.bank.url, '/__admin/calls'),
    adminGet<AdyenTransfers>(stack.adyen.url, '/__admin/transfers'),
  ]);
  const byKey = new Map<string, number>();
  for (const c of psp.calls)
    if (c.method === 'POST' && c.path === '/v1/transfers' && c.status === 200 && !c.replayed && c.idempotencyKey)
      byKey.set(c.idempotencyKey, (byKey.get(c.idempotencyKey) ?? 0) + 1);
  // Adyen's own record of what it executed; a refused transfer moved nothing.
  const adyenMoved = adyen.transfers.filter((t) => t.status !== 'refused' && t.idempotencyKey);
  for (const t of adyenMoved) {
    const key = (t.idempotencyKey ?? '').replace(/:adyen$/, '');
    byKey.set(key, (byKey.get(key) ?? 0) + 1);
  }
  const bankE2e = new Set<string>();
  for (const c of bank.calls)
    if (c.method === 'POST' && c.status === 200 && !c.replayed && c.fault !== '5xx')
      for (const e of c.endToEndIds ?? []) bankE2e.add(e);
  return { byKey, bankE2e, pspTotal: (psp.created.transfer ?? 0) + adyenMoved.length, bankTotal: bank.transfers };
}

/**
 * The postings of one payout by kind (amounts as the creator's available account sees them). A return that came after
 * the payout closed is booked back by its reconciliation break (`recon-rebook:<breakId>`, naming the payout in its
 * references): for the books it is the payout's reversal.
 */
function booked(postings: Posting[], p: ChaosPayout, rebooks: Posting[] = []) {
  const sums = { reserve: 0, release: 0, settle: 0, reverse: 0, settle_elsewhere: 0 };
  let unbalanced = 0;
  for (const posting of [...postings, ...rebooks]) {
    if (posting.legs.reduce((s, l) => s + l.amountMinor, 0) !== 0) unbalanced++;
    const kind = rebooks.includes(posting)
      ? 'reverse'
      : (/: (reserve|release|settle|reverse|settle_elsewhere)$/.exec(posting.description)?.[1] as
          keyof typeof sums | undefined);
    if (kind) sums[kind] += Math.abs(posting.legs[0]?.amountMinor ?? 0);
  }
  const inTransit = sums.reserve - sums.release - sums.settle;
  // Paid elsewhere after a return: the creator's money left by another channel (available → settled).
  const settled = sums.settle - sums.reverse + sums.settle_elsewhere;
  const available = p.fundedMinor - sums.reserve + sums.release + sums.reverse - sums.settle_elsewhere;
  return { inTransit, settled, available, unbalanced };
}

/**
 * Judges payouts from the outside: transfers per attempt at the PSP/bank, every workflow closed or visibly parked,
 * every posting balanced, the creator's stored balance equal to what the postings say, and the books matching the
 * money (a paid payout settled or in transit, a refused one with nothing reserved).
 */
export async function checkPayouts(
  stack: ChaosStack,
  tag: string,
  payouts: ChaosPayout[],
  /** Payouts whose final transfer the rail took back (the row made the bank return it): nothing stays booked out. */
  returned: ReadonlySet<string> = new Set(),
): Promise<Verdicts> {
  const v = emptyVerdicts();
  const note = (what: string) => void (v.findings.length < 50 && v.findings.push(what));
  const flag = (kind: 'duplicates' | 'lost' | 'ledgerBreaks', what: string, by = 1) => {
    v[kind] += by;
    note(what);
  };
  // Independent reads (the rails' records, the ledger, each payout's standing): taken side by side.
  const [accepted, postings, rebooked, judged] = await Promise.all([
    acceptedTransfers(stack),
    scanPostings(stack, `payout-${tag}-`),
    scanPostings(stack, 'recon-rebook:'),
    pool(payouts, 16, async (p) => {
      const wf = creatorPayoutWorkflowId(p.payoutId);
      const [s, st, stored] = await Promise.all([
        standing(stack, wf).catch((): Standing => ({ status: 'NOT_FOUND', parked: false })),
        payoutStatus(stack, p),
        storedBalance(stack, Accounts.creatorAvailable(p.creatorId), p.currency ?? 'USD'),
      ]);
      return { p, wf, s, st, stored };
    }),
  ]);
  const byPayout = new Map<string, Posting[]>();
  for (const posting of postings) {
    const wf = posting.postingId.split(':')[0] ?? '';
    byPayout.set(wf, [...(byPayout.get(wf) ?? []), posting]);
  }
  let attributed = 0;
  const owedKeys = new Set<string>();
  const outcomes: Record<string, number> = {};
  for (const { p, wf, s, st, stored } of judged) {
    if (s.status === 'RUNNING' && !s.parked) flag('lost', `${wf}: running, not parked (${st?.state})`);
    if (s.status === 'NOT_FOUND') flag('lost', `${wf}: no workflow`);
    const attempts = Math.max(1, st?.attempt ?? 1);
    let finalAccepted = 0;
    for (let a = 1; a <= attempts; a++) {
      const key = `${wf}:${stepName('initiate', a)}`;
      owedKeys.add(key);
      const n =
        p.rail === 'psp' ? (accepted.byKey.get(key) ?? 0) : accepted.bankE2e.has(isoIdsFor(key).endToEndId) ? 1 : 0;
      attributed += n;
      if (n > 1) flag('duplicates', `${wf}: ${n} transfers for ${key}`, n - 1);
      if (a === attempts) finalAccepted = n;
    }
    const state = st?.state;
    const outcome = s.parked ? `parked:${state}` : (state ?? s.status);
    outcomes[outcome] = (outcomes[outcome] ?? 0) + 1;
    const paid = state === 'completed' || state === 'paid_in_return_window' || state === 'returned';
    if (paid && finalAccepted === 0) flag('lost', `${wf}: ${state} without a transfer at the ${p.rail}`);
    if ((state === 'failed' || state === 'cancelled') && finalAccepted > 0)
      flag('duplicates', `${wf}: ${state} although the ${p.rail} accepted a transfer`);
    const rebooks = rebooked.filter((r) => r.refs?.workflowId === wf);
    const b = booked(byPayout.get(wf) ?? [], p, rebooks);
    const breaks: string[] = [];
    if (b.unbalanced) breaks.push(`${b.unbalanced} unbalanced postings`);
    if (stored !== -b.available) breaks.push(`stored available ${-stored} ≠ ${b.available} from postings`);
    if (b.inTransit < 0 || b.settled < 0 || b.inTransit + b.settled > p.amountMinor)
      breaks.push(`in transit ${b.inTransit}, settled ${b.settled}`);
    // A payout that completed and was returned afterwards is settled net of what its break booked back.
    if (state === 'completed' && !rebooks.length && (b.settled !== p.amountMinor || b.inTransit !== 0))
      breaks.push('completed unsettled');
    if ((state === 'failed' || state === 'cancelled' || state === 'returned') && b.inTransit + b.settled !== 0)
      breaks.push(`${state} with ${b.inTransit + b.settled} still booked out`);
    const out = b.inTransit + b.settled;
    if (st?.resolution?.outcome === 'paid_elsewhere') {
      // Ops say the creator was paid outside the system: the whole amount is booked out, whatever the rail did.
      if (out !== p.amountMinor) breaks.push(`resolved as paid elsewhere with ${out} booked out`);
    } else {
      const netOut = returned.has(p.payoutId) ? 0 : finalAccepted;
      // A payout may end `returned` only when the rail returned it (the row records that): ending so while the rail
      // still holds the transfer would have credited the creator for money that left.
      if (netOut > 0 && out !== p.amountMinor) breaks.push('transfer accepted but not booked out');
      if (returned.has(p.payoutId) && out !== 0) breaks.push('returned at the rail, still booked out');
    }
    if (b.available + b.inTransit + b.settled !== p.fundedMinor)
      breaks.push('available + in transit + settled ≠ funded');
    if (breaks.length) flag('ledgerBreaks', `${wf} (${state}): ${breaks.join('; ')}`);
  }
  const total = accepted.pspTotal + accepted.bankTotal;
  if (total > attributed) {
    // Name them: a key no attempt owns, or transfers the rail made without a recorded answer.
    const stray = [...accepted.byKey.keys()].filter((k) => !owedKeys.has(k) && k.includes(`-${tag}-`));
    const unanswered = total - [...accepted.byKey.values()].reduce((a, b) => a + b, 0) - accepted.bankE2e.size;
    flag(
      'duplicates',
      `${total - attributed} transfers not owed by any attempt (keys ${stray.slice(0, 5).join(', ') || 'none'}; ${unanswered} without a recorded answer)`,
      total - attributed,
    );
  }
  return { ...v, outcomes };
}
