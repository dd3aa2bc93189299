import {
  RECON_RULES,
  reconRuleSetSchema,
  type ExpectedItem,
  type ReconRuleSet,
  type StatementLine,
} from '../../workflows/recon/contract';
import { breakIdOf } from '../../workflows/recon/ids';
import { accountFor } from '../../workflows/recon/invariants';
import { fileBreak, matchDay, type MatchInput, type MatchResult } from '../../workflows/recon/policy';
import { genDay, shuffled } from './recon-gen';

const RULES = RECON_RULES['2026-12.1'];
const ACCT = 'acct-1';
const D = '2026-12-04';
const RUN_AT = Date.UTC(2026, 11, 5, 7);

let seq = 0;
function line(p: Partial<StatementLine> & { amountMinor?: number; e2e?: string; src?: string } = {}): StatementLine {
  const { amountMinor = 10_000, e2e, src, ...rest } = p;
  const n = seq++;
  return {
    lineId: `L${String(n).padStart(4, '0')}`,
    source: src ? 'stripe_bt' : 'camt053',
    accountId: ACCT,
    businessDate: D,
    direction: 'debit',
    amount: { amountMinor, currency: 'EUR' },
    entry: {
      index: n,
      bookingDate: D,
      status: 'BOOK',
      reversal: false,
      bankTxCode: 'PMNT-ICDT-ESCT',
      entryAmountMinor: amountMinor,
      txCount: 1,
    },
    txIndex: 0,
    refs: {
      ...(e2e ? { endToEndId: e2e } : {}),
      ...(src
        ? {
            stripe: {
              balanceTransactionId: `txn_${n}`,
              source: src,
              reportingCategory: 'transfer',
              type: 'transfer',
              fee: 0,
              net: -amountMinor,
              feeDetails: [],
              created: 1_765_000_000 + n,
              availableOn: 1_765_000_000 + n,
            },
          }
        : {}),
    },
    ...rest,
  };
}

function item(p: Partial<ExpectedItem> & { amountMinor?: number; e2e?: string; railRef?: string; pmt?: string } = {}) {
  const { amountMinor = 10_000, e2e, railRef, pmt, refs, ...rest } = p;
  const n = seq++;
  const it: ExpectedItem = {
    itemId: `payout-${n}:settle-1`,
    accountId: ACCT,
    effectiveDate: D,
    direction: 'debit',
    amount: { amountMinor, currency: 'EUR' },
    refs: {
      workflowId: `payout-${n}`,
      ...(e2e ? { endToEndId: e2e } : {}),
      ...(railRef ? { railRef } : {}),
      ...(pmt ? { pmtInfId: pmt } : {}),
      ...refs,
    },
    kind: 'payout_settle',
    ageDays: 0,
    ...rest,
  };
  return it;
}

const run = (
  lines: StatementLine[],
  items: ExpectedItem[],
  more: Partial<MatchInput> = {},
  rules: ReconRuleSet = RULES,
) => {
  const input: MatchInput = { accountId: ACCT, businessDate: D, runAtMs: RUN_AT, rules, lines, items, ...more };
  const result = matchDay(input);
  // Every case also holds R1/R2.
  expect(accountFor(input, result).violations).toEqual([]);
  return result;
};
const classes = (r: MatchResult) => r.breaks.map((b) => b.class).sort();

describe('recon matcher: passes', () => {
  test('when a line carries the item’s EndToEndId and amount, then they match exactly with no difference', () => {
    const r = run([line({ e2e: 'E2E-1' })], [item({ e2e: 'e2e-1' })]);
    expect(r.matches).toEqual([
      expect.objectContaining({ ruleId: 'exact_reference', kind: '1:1', differenceMinor: 0, confidence: 'auto' }),
    ]);
    expect(r.matches[0]?.adjustment).toBeUndefined();
    expect(r.breaks).toEqual([]);
  });

  test('when a Stripe balance transaction’s source is the item’s rail reference, then they match exactly', () => {
    const r = run([line({ src: 'tr_123' })], [item({ railRef: 'tr_123' })]);
    expect(r.counts.matchesByRule).toEqual({ exact_reference: 1 });
  });

  test('when a return credits the payout’s EndToEndId, then it matches the reverse item, not the settle', () => {
    const settle = item({ e2e: 'E1' });
    const reverse = item({ e2e: 'E1', direction: 'credit', kind: 'payout_reverse' });
    const r = run(
      [line({ e2e: 'E1' }), line({ e2e: 'E1', direction: 'credit', returnReason: 'AC04' })],
      [settle, reverse],
    );
    expect(r.matches.map((m) => m.itemIds[0]).sort()).toEqual([settle.itemId, reverse.itemId].sort());
  });

  test('when the amount differs within tolerance and under the cap, then it matches with an adjustment posting', () => {
    const r = run([line({ e2e: 'E1', amountMinor: 9_950 })], [item({ e2e: 'E1', amountMinor: 10_000 })]);
    expect(r.matches).toEqual([
      expect.objectContaining({
        ruleId: 'reference_tolerance',
        differenceMinor: 50,
        adjustment: { account: 'bank:fees', amountMinor: 50 },
      }),
    ]);
  });

  test('when the difference is within tolerance but above the auto-post cap, then it is an amount break', () => {
    const rules = reconRuleSetSchema.parse({ ...RULES, version: 'test-cap', maxAutoPostMinor: 10 });
    const r = run([line({ e2e: 'E1', amountMinor: 10_050 })], [item({ e2e: 'E1' })], {}, rules);
    expect(r.matches).toEqual([]);
    expect(r.breaks).toEqual([expect.objectContaining({ class: 'amount_over', amountMinor: -50 })]);
  });

  test('when the difference is outside tolerance, then it is amount_under naming both sides', () => {
    const it = item({ e2e: 'E1' });
    const r = run([line({ e2e: 'E1', amountMinor: 5_000 })], [it]);
    expect(r.breaks).toEqual([
      expect.objectContaining({ class: 'amount_under', itemIds: [it.itemId], amountMinor: 5_000 }),
    ]);
  });

  test('when the amount is within tolerance but the booking is outside the date window, then it is data_mismatch', () => {
    const r = run([line({ e2e: 'E1', amountMinor: 9_990 })], [item({ e2e: 'E1', effectiveDate: '2026-11-01' })]);
    expect(classes(r)).toEqual(['data_mismatch']);
  });

  test('when a batch booking agrees with the items sent in its PmtInfId on count and total, then it matches N:1', () => {
    const items = [item({ pmt: 'PMT-1', amountMinor: 100 }), item({ pmt: 'PMT-1', amountMinor: 200 })];
    const l = line({ amountMinor: 300 });
    l.entry = { ...l.entry, txCount: 2, batch: { pmtInfId: 'PMT-1', nbOfTxs: 2, ttlAmtMinor: 300 } };
    const r = run([l], items);
    expect(r.matches).toEqual([
      expect.objectContaining({ ruleId: 'batch', kind: 'N:1', itemIds: items.map((i) => i.itemId).sort() }),
    ]);
  });

  test('when a batch booking’s count or total disagrees with the items, then it is split_mismatch owning all of them', () => {
    const items = [item({ pmt: 'PMT-2', amountMinor: 100 }), item({ pmt: 'PMT-2', amountMinor: 200 })];
    const l = line({ amountMinor: 250 });
    l.entry = { ...l.entry, txCount: 2, batch: { pmtInfId: 'PMT-2', nbOfTxs: 2, ttlAmtMinor: 250 } };
    const r = run([l], items);
    expect(r.breaks).toEqual([expect.objectContaining({ class: 'split_mismatch', amountMinor: 50 })]);
    expect(r.breaks[0]?.itemIds).toHaveLength(2);
  });

  test('when an FX item’s instructed amount agrees and the booked amount is within fxBps, then it matches on the FX pass', () => {
    const it = item({
      e2e: 'FX1',
      amount: { amountMinor: 10_000, currency: 'USD' },
      expectedExternal: { amountMinor: 9_200, currency: 'EUR' },
    });
    const r = run(
      [line({ e2e: 'FX1', amountMinor: 9_210, instructed: { amountMinor: 10_000, currency: 'USD' } })],
      [it],
    );
    expect(r.matches).toEqual([
      expect.objectContaining({
        ruleId: 'fx',
        differenceMinor: -10,
        adjustment: { account: 'fx:gain-loss', amountMinor: -10 },
      }),
    ]);
  });

  test('when an FX line’s instructed amount is not what the ledger sent, then it is an amount break', () => {
    const it = item({
      e2e: 'FX2',
      amount: { amountMinor: 10_000, currency: 'USD' },
      expectedExternal: { amountMinor: 9_200, currency: 'EUR' },
    });
    const r = run(
      [line({ e2e: 'FX2', amountMinor: 9_200, instructed: { amountMinor: 11_000, currency: 'USD' } })],
      [it],
    );
    expect(classes(r)).toEqual(['amount_over']);
  });

  test('when a reference hits an item in another currency without FX, then it is currency_mismatch', () => {
    const r = run([line({ e2e: 'C1', amount: { amountMinor: 10_000, currency: 'GBP' } })], [item({ e2e: 'C1' })]);
    expect(classes(r)).toEqual(['currency_mismatch']);
  });

  test('when a line without reference has a unique amount and date candidate, then it is only suggested (both stay open)', () => {
    const it = item({ amountMinor: 4_242, ageDays: 0 });
    const r = run([line({ amountMinor: 4_242 })], [it]);
    expect(r.matches).toEqual([]);
    expect(r.breaks).toEqual([
      expect.objectContaining({
        class: 'unexpected_external',
        suggestion: { ruleId: 'amount_date', itemIds: [it.itemId] },
      }),
    ]);
    expect(r.carry.expected.map((i) => i.itemId)).toEqual([it.itemId]);
  });

  test('when two items share the amount, then no amount+date suggestion is made', () => {
    const r = run([line({ amountMinor: 4_242 })], [item({ amountMinor: 4_242 }), item({ amountMinor: 4_242 })]);
    expect(r.breaks[0]?.suggestion?.ruleId).not.toBe('amount_date');
  });

  test('when the rule set lists the line’s bank code as auto, then the unique amount+date candidate is matched', () => {
    const rules = reconRuleSetSchema.parse({ ...RULES, version: 'test-auto', amountDateAutoCodes: ['PMNT-ICDT-ESCT'] });
    const r = run([line({ amountMinor: 4_242 })], [item({ amountMinor: 4_242 })], {}, rules);
    expect(r.matches).toEqual([expect.objectContaining({ ruleId: 'amount_date', confidence: 'auto' })]);
  });

  test('when a few items sum exactly to a line without reference, then a subset-sum suggestion names them', () => {
    const a = item({ amountMinor: 1_000 });
    const b = item({ amountMinor: 2_500 });
    const c = item({ amountMinor: 7_777 });
    const r = run([line({ amountMinor: 3_500 })], [a, b, c]);
    expect(r.breaks).toEqual([
      expect.objectContaining({
        class: 'unexpected_external',
        suggestion: { ruleId: 'subset_sum', itemIds: [a.itemId, b.itemId].sort() },
      }),
    ]);
  });
});

describe('recon matcher: break classes', () => {
  test('when a line has no item, then it is unexpected_external; a bank fee is hinted as such', () => {
    const fee = line({ amountMinor: 250 });
    fee.entry.bankTxCode = 'ACMT-MDOP-CHRG';
    const r = run([fee], []);
    expect(r.breaks).toEqual([
      expect.objectContaining({ class: 'unexpected_external', hint: 'fee', amountMinor: -250 }),
    ]);
  });

  test('when a return arrives for a payout the ledger no longer expects, then it is unexpected_external hinted late_return', () => {
    const r = run([line({ e2e: 'OLD', direction: 'credit', returnReason: 'AC04' })], []);
    expect(r.breaks).toEqual([
      expect.objectContaining({ class: 'unexpected_external', hint: 'late_return', amountMinor: 10_000 }),
    ]);
  });

  test('when an unmatched line carries an unknown code, then it is unclassified', () => {
    const r = run([line({ flags: ['unclassified'] })], []);
    expect(classes(r)).toEqual(['unclassified']);
  });

  test('when an item is past its SLA, then it is missing_external; within it, it is carried as expected', () => {
    const old = item({ ageDays: 3 });
    const young = item({ ageDays: 2 });
    const r = run([], [old, young]);
    expect(r.breaks).toEqual([
      expect.objectContaining({ class: 'missing_external', itemIds: [old.itemId], amountMinor: 10_000 }),
    ]);
    expect(r.carry.expected.map((i) => i.itemId)).toEqual([young.itemId]);
  });

  test('when the same EndToEndId is booked twice, then the second is duplicate_external pointing at the first match', () => {
    const r = run([line({ e2e: 'DUP' }), line({ e2e: 'DUP' })], [item({ e2e: 'DUP' })]);
    expect(r.matches).toHaveLength(1);
    expect(r.breaks).toEqual([
      expect.objectContaining({
        class: 'duplicate_external',
        related: expect.objectContaining({ matchIds: [r.matches[0]?.matchId] }),
      }),
    ]);
  });

  test('when an earlier run matched the reference, then a new booking of it is duplicate_external and nothing rematches', () => {
    const first = run([line({ e2e: 'X9' })], [item({ e2e: 'X9' })]);
    const again = run([line({ e2e: 'X9' })], [], { matchedRefs: first.matchedRefs });
    expect(classes(again)).toEqual(['duplicate_external']);
  });

  test('when a re-delivered statement repeats lines an earlier run matched, then they are left alone', () => {
    const l = line({ e2e: 'R1' });
    const first = run([l], [item({ e2e: 'R1' })]);
    const again = run([l], [], { matchedRefs: first.matchedRefs });
    expect(again.alreadyMatched.lineIds).toEqual([l.lineId]);
    expect(again.breaks).toEqual([]);
  });

  test('when one payout attempt is settled by two postings in one run, then the second is duplicate_disbursement', () => {
    const a = item({ e2e: 'A1', refs: { workflowId: 'payout-w', attempt: 1 } });
    const b = item({ e2e: 'B1', refs: { workflowId: 'PAYOUT-W', attempt: 1 } });
    const r = run([line({ e2e: 'A1' }), line({ e2e: 'B1' })], [a, b]);
    expect(r.matches).toHaveLength(1);
    expect(r.breaks).toEqual([
      expect.objectContaining({
        class: 'duplicate_disbursement',
        amountMinor: -10_000,
        sla: { dueAtMs: RUN_AT + 2 * 3_600_000 },
      }),
    ]);
  });

  test('when another rail’s account already settled the attempt, then this settlement is duplicate_disbursement; a re-run of the same day is not', () => {
    const it = item({ e2e: 'S1', refs: { workflowId: 'payout-z', attempt: 2 } });
    const l = line({ e2e: 'S1' });
    const other = {
      workflowId: 'payout-z',
      attempt: 2,
      accountId: 'stripe',
      lineId: 'Lstripe',
      itemId: 'x',
      matchId: 'm0',
    };
    expect(classes(run([l], [it], { settledAttempts: [other] }))).toEqual(['duplicate_disbursement']);
    const first = run([l], [it]);
    expect(classes(run([l], [it], { settledAttempts: first.settled }))).toEqual([]);
  });

  test('when a later statement brings the counterpart of a carried missing_external, then the match closes that break', () => {
    const it = item({ e2e: 'LATE', ageDays: 5 });
    const day1 = run([], [it]);
    const br = day1.breaks[0];
    expect(br?.class).toBe('missing_external');
    const day2 = run([line({ e2e: 'LATE' })], [], {
      carried: {
        expected: [],
        openBreaks: [{ breakId: br?.breakId as string, class: 'missing_external', lines: [], items: [it] }],
      },
    });
    expect(day2.matches[0]?.closesBreakIds).toEqual([br?.breakId]);
    expect(day2.closed).toEqual([{ breakId: br?.breakId, byMatchId: day2.matches[0]?.matchId }]);
    expect(day2.carry.openBreakIds).toEqual([]);
  });

  test('when a carried break finds nothing today, then it stays open and no new break is opened for it', () => {
    const l = line({ e2e: 'NOPE' });
    const day2 = run([], [], {
      carried: { expected: [], openBreaks: [{ breakId: 'b-1', class: 'unexpected_external', lines: [l], items: [] }] },
    });
    expect(day2.breaks).toEqual([]);
    expect(day2.carry.openBreakIds).toEqual(['b-1']);
  });

  test('when the statement’s movement is not what its booked lines sum to, then balance_drift carries the residue', () => {
    const l = line({ e2e: 'T1' });
    const r = run([l], [item({ e2e: 'T1' })], {
      statement: { currency: 'EUR', openingMinor: 1_000_000, closingMinor: 1_000_000 - 10_000 - 7 },
    });
    expect(r.tieOut).toEqual(
      expect.objectContaining({ bookedNetMinor: -10_000, matchedNetMinor: -10_000, driftMinor: -7 }),
    );
    expect(r.breaks).toEqual([
      expect.objectContaining({ class: 'balance_drift', amountMinor: -7, lineIds: [], itemIds: [] }),
    ]);
    const explained = run([l], [item({ e2e: 'T1' })], {
      statement: { currency: 'EUR', openingMinor: 1_000_000, closingMinor: 1_000_000 - 10_000 - 7, explainedMinor: -7 },
    });
    expect(explained.breaks).toEqual([]);
  });

  test('when a line is pending, then it is neither matched nor a break, and listed as not booked', () => {
    const l = line({ e2e: 'P1' });
    l.entry.status = 'PDNG';
    const r = run([l], [item({ e2e: 'P1' })]);
    expect(r.notBookedLineIds).toEqual([l.lineId]);
    expect(r.matches).toEqual([]);
  });

  test('when a break is computed twice from the same ids in any order, then its id is the same', () => {
    expect(breakIdOf(ACCT, 'split_mismatch', ['b', 'a'], ['y', 'x'])).toBe(
      breakIdOf(ACCT, 'split_mismatch', ['a', 'b'], ['x', 'y']),
    );
    expect(breakIdOf(ACCT, 'split_mismatch', ['a'], [])).toMatch(/^[0-9a-f]{64}$/);
  });
});

describe('recon file-level breaks', () => {
  test('when a statement finding becomes a break twice (a re-run), then it has the same id and its class’s SLA', () => {
    const args = {
      accountId: ACCT,
      businessDate: D,
      runAtMs: RUN_AT,
      rules: RULES,
      class: 'statement_gap' as const,
      reason: 'ElctrncSeqNb 7 follows 5',
      currency: 'EUR' as const,
      scope: `${D}|STMT-1`,
    };
    const a = fileBreak(args);
    expect(fileBreak({ ...args, runAtMs: RUN_AT + 1 }).breakId).toBe(a.breakId);
    expect(fileBreak({ ...args, scope: `${D}|STMT-2` }).breakId).not.toBe(a.breakId);
    expect(a).toEqual(
      expect.objectContaining({ lineIds: [], itemIds: [], amountMinor: 0, sla: { dueAtMs: RUN_AT + 8 * 3_600_000 } }),
    );
  });
});

describe('recon rule set', () => {
  test('when the published rule sets are read, then each passes its schema and names its own version', () => {
    for (const [v, r] of Object.entries(RECON_RULES)) expect(reconRuleSetSchema.parse(r).version).toBe(v);
  });

  test('when a rule set lacks an SLA for a break class, then the schema refuses it naming the field', () => {
    const { slaHours, ...rest } = RULES;
    const { balance_drift: _drop, ...partial } = slaHours;
    const parsed = reconRuleSetSchema.safeParse({ ...rest, slaHours: partial });
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues[0]?.path).toEqual(['slaHours', 'balance_drift']);
  });
});

describe('recon matcher: R1/R2 and determinism on generated days', () => {
  test.each(Array.from({ length: 40 }, (_, i) => i + 1))(
    'when day %i mixes exact, tolerance, batch, FX, duplicates, missing, unexpected and carried items, then every line and item has one home and nothing is matched twice',
    (seed) => {
      const { input } = genDay(seed, { lines: 300, breakRate: 0.15 });
      const r = matchDay(input);
      const acc = accountFor(input, r);
      expect(acc.violations).toEqual([]);
      const seenLines = new Set<string>();
      const seenItems = new Set<string>();
      for (const m of r.matches) {
        for (const id of m.lineIds) {
          expect(seenLines.has(id)).toBe(false);
          seenLines.add(id);
        }
        for (const id of m.itemIds) {
          expect(seenItems.has(id)).toBe(false);
          seenItems.add(id);
        }
        if (m.adjustment) expect(Math.abs(m.adjustment.amountMinor)).toBeLessThanOrEqual(RULES.maxAutoPostMinor);
      }
      // The generator's intended outcome is reached: most of the day matches.
      expect(r.counts.matchedLines).toBeGreaterThan(r.counts.lines * 0.6);
    },
  );

  test.each([3, 17, 29])(
    'when day %i is given in another order, then the result is identical (same matches, breaks, ids)',
    (seed) => {
      const { input } = genDay(seed, { lines: 300, breakRate: 0.15 });
      const a = matchDay(input);
      const b = matchDay({
        ...input,
        lines: shuffled(input.lines, seed + 1),
        items: shuffled(input.items, seed + 2),
        ...(input.carried
          ? { carried: { ...input.carried, expected: shuffled(input.carried.expected, seed + 3) } }
          : {}),
      });
      expect(JSON.stringify(b)).toBe(JSON.stringify(a));
      // Duplicated input (a statement page read twice) changes nothing either.
      const c = matchDay({ ...input, lines: [...input.lines, ...input.lines.slice(0, 20)] });
      expect(JSON.stringify(c)).toBe(JSON.stringify(a));
    },
  );

  test('when day 2 runs on day 1’s carry and matched references, then R1 holds over both days and no id is matched twice', () => {
    const { input } = genDay(7, { lines: 400, breakRate: 0.2 });
    const d1 = matchDay(input);
    expect(accountFor(input, d1).violations).toEqual([]);
    const next = genDay(8, { lines: 400, breakRate: 0.2 }).input;
    const openBreaks = d1.breaks
      .filter((b) => b.class === 'missing_external' || b.class === 'unexpected_external')
      .map((b) => ({
        breakId: b.breakId,
        class: b.class,
        lines: input.lines.filter((l) => b.lineIds.includes(l.lineId)),
        items: input.items.filter((i) => b.itemIds.includes(i.itemId)),
      }));
    const in2: MatchInput = {
      ...next,
      businessDate: '2026-12-05',
      carried: { expected: d1.carry.expected.map((i) => ({ ...i, ageDays: i.ageDays + 1 })), openBreaks },
      matchedRefs: d1.matchedRefs,
      settledAttempts: d1.settled,
    };
    const d2 = matchDay(in2);
    expect(accountFor(in2, d2).violations).toEqual([]);
    const d1Lines = new Set(d1.matches.flatMap((m) => m.lineIds));
    const d1Items = new Set(d1.matches.flatMap((m) => m.itemIds));
    for (const m of d2.matches) {
      for (const id of m.lineIds) expect(d1Lines.has(id)).toBe(false);
      for (const id of m.itemIds) expect(d1Items.has(id)).toBe(false);
    }
  });
});

describe('recon matcher: scale', () => {
  test('when a day has 200,000 reference matches, then all of them are returned (no call with one argument per match)', () => {
    const n = 200_000;
    const lines: StatementLine[] = [];
    const items: ExpectedItem[] = [];
    for (let i = 0; i < n; i++) {
      const e2e = `S-${i}`;
      lines.push({
        lineId: `s${i}`,
        source: 'camt053',
        accountId: ACCT,
        businessDate: D,
        direction: 'debit',
        amount: { amountMinor: 100 + i, currency: 'EUR' },
        entry: { index: i, status: 'BOOK', reversal: false, entryAmountMinor: 100 + i, txCount: 1 },
        refs: { endToEndId: e2e },
      });
      items.push({
        itemId: `p${i}`,
        accountId: ACCT,
        effectiveDate: D,
        direction: 'debit',
        amount: { amountMinor: 100 + i, currency: 'EUR' },
        refs: { workflowId: `w${i}`, endToEndId: e2e },
        kind: 'payout_settle',
        ageDays: 0,
      });
    }
    const r = matchDay({ accountId: ACCT, businessDate: D, runAtMs: RUN_AT, rules: RULES, lines, items });
    expect(r.matches).toHaveLength(n);
    expect(r.breaks).toEqual([]);
  }, 120_000);
});
