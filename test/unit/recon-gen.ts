import { RECON_RULES, type ExpectedItem, type StatementLine } from '../../workflows/recon/contract';
import type { MatchInput } from '../../workflows/recon/policy';

/**
 * Generated reconciliation days for the matcher's property tests: a seeded mix of exact, tolerance, batch, FX and
 * Stripe matches, reference-free lines, and (at `breakRate`) every kind of break, plus carried items. Deterministic
 * per seed, so a failing seed replays.
 */

export function rng(seed: number): () => number {
  let a = seed >>> 0 || 1;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

export function shuffled<T>(xs: readonly T[], seed: number): T[] {
  const r = rng(seed);
  const out = [...xs];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(r() * (i + 1));
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

const ACCT = 'acct-gen';
const D = '2026-12-04';

export function genDay(seed: number, opts: { lines: number; breakRate: number }): { input: MatchInput } {
  const r = rng(seed);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(r() * xs.length)] as T;
  const amount = () => 100 + Math.floor(r() * 1_000_000);
  const lines: StatementLine[] = [];
  const items: ExpectedItem[] = [];
  const carried: ExpectedItem[] = [];
  let n = 0;
  const id = () => `${seed}-${n++}`;

  const line = (
    amountMinor: number,
    p: Partial<StatementLine> = {},
    refs: StatementLine['refs'] = {},
  ): StatementLine => {
    const k = lines.length;
    const l: StatementLine = {
      lineId: `line-${id()}`,
      source: refs.stripe ? 'stripe_bt' : 'camt053',
      accountId: ACCT,
      businessDate: D,
      direction: 'debit',
      amount: { amountMinor, currency: 'EUR' },
      entry: {
        index: k,
        bookingDate: D,
        status: 'BOOK',
        reversal: false,
        bankTxCode: 'PMNT-ICDT-ESCT',
        entryAmountMinor: amountMinor,
        txCount: 1,
      },
      txIndex: 0,
      refs,
      ...p,
    };
    lines.push(l);
    return l;
  };
  const item = (amountMinor: number, refs: Partial<ExpectedItem['refs']> = {}, p: Partial<ExpectedItem> = {}) => {
    const wf = `payout-${id()}`;
    const it: ExpectedItem = {
      itemId: `${wf}:settle-1`,
      accountId: ACCT,
      effectiveDate: D,
      direction: 'debit',
      amount: { amountMinor, currency: 'EUR' },
      refs: { workflowId: wf, attempt: 1, ...refs },
      kind: 'payout_settle',
      ageDays: 0,
      ...p,
    };
    items.push(it);
    return it;
  };

  for (let i = 0; i < opts.lines; i++) {
    const a = amount();
    const e2e = `E2E-${id()}`;
    if (r() < opts.breakRate) {
      switch (pick(['missing', 'young', 'unexpected', 'over', 'dup', 'ccy', 'unclassified', 'disbursement', 'split'])) {
        case 'missing':
          item(a, { endToEndId: e2e }, { ageDays: 3 + Math.floor(r() * 5) });
          break;
        case 'young':
          item(a, { endToEndId: e2e }, { ageDays: Math.floor(r() * 3) });
          break;
        case 'unexpected':
          line(a, {}, { endToEndId: e2e });
          break;
        case 'over':
          item(a, { endToEndId: e2e });
          line(a + 600 + Math.floor(r() * 10_000), {}, { endToEndId: e2e });
          break;
        case 'dup':
          item(a, { endToEndId: e2e });
          line(a, {}, { endToEndId: e2e });
          line(a, {}, { endToEndId: e2e });
          break;
        case 'ccy':
          item(a, { endToEndId: e2e });
          line(a, { amount: { amountMinor: a, currency: 'GBP' } }, { endToEndId: e2e });
          break;
        case 'unclassified':
          line(a, { flags: ['unclassified'] });
          break;
        case 'disbursement': {
          const first = item(a, { endToEndId: e2e });
          const e2 = `E2E-${id()}`;
          item(a, { endToEndId: e2, workflowId: first.refs.workflowId, attempt: 1 });
          line(a, {}, { endToEndId: e2e });
          line(a, {}, { endToEndId: e2 });
          break;
        }
        case 'split': {
          const pmt = `PMT-${id()}`;
          item(a, { pmtInfId: pmt });
          item(a + 1, { pmtInfId: pmt });
          const l = line(2 * a);
          l.entry = { ...l.entry, txCount: 2, batch: { pmtInfId: pmt, nbOfTxs: 2, ttlAmtMinor: 2 * a } };
          break;
        }
      }
      continue;
    }
    const kind = r();
    if (kind < 0.55) {
      item(a, { endToEndId: e2e });
      line(a, {}, { endToEndId: e2e.toLowerCase() });
    } else if (kind < 0.62) {
      // Matched against an item carried from an earlier day.
      const it = item(a, { endToEndId: e2e }, { effectiveDate: '2026-12-03', ageDays: 1 });
      items.pop();
      carried.push(it);
      line(a, {}, { endToEndId: e2e });
    } else if (kind < 0.7) {
      item(a, { endToEndId: e2e });
      line(a - Math.floor(r() * 90), {}, { endToEndId: e2e });
    } else if (kind < 0.8) {
      const pmt = `PMT-${id()}`;
      let sum = 0;
      const k = 2 + Math.floor(r() * 3);
      for (let j = 0; j < k; j++) {
        const x = amount();
        sum += x;
        item(x, { pmtInfId: pmt });
      }
      const l = line(sum);
      l.entry = { ...l.entry, txCount: k, batch: { pmtInfId: pmt, nbOfTxs: k, ttlAmtMinor: sum } };
    } else if (kind < 0.85) {
      const ext = Math.round(a * 0.92);
      item(
        a,
        { endToEndId: e2e },
        { amount: { amountMinor: a, currency: 'USD' }, expectedExternal: { amountMinor: ext, currency: 'EUR' } },
      );
      line(ext + Math.floor(r() * 5), { instructed: { amountMinor: a, currency: 'USD' } }, { endToEndId: e2e });
    } else if (kind < 0.95) {
      const tr = `tr_${id()}`;
      item(a, { railRef: tr });
      line(
        a,
        {},
        {
          stripe: {
            balanceTransactionId: `txn_${id()}`,
            source: tr,
            reportingCategory: 'transfer',
            type: 'transfer',
            fee: 0,
            net: -a,
            feeDetails: [],
            created: 1_765_000_000 + i,
            availableOn: 1_765_000_000 + i,
          },
        },
      );
    } else {
      // No reference at all: suggested at best, so a break and an expected item.
      item(a);
      line(a);
    }
  }
  let net = 0;
  for (const l of lines)
    if (l.amount.currency === 'EUR') net += l.direction === 'credit' ? l.amount.amountMinor : -l.amount.amountMinor;
  return {
    input: {
      accountId: ACCT,
      businessDate: D,
      runAtMs: Date.UTC(2026, 11, 5, 7),
      rules: RECON_RULES['2026-12.1'],
      lines,
      items,
      carried: { expected: carried, openBreaks: [] },
      statement: { currency: 'EUR', openingMinor: 50_000_000_000, closingMinor: 50_000_000_000 + net },
    },
  };
}
