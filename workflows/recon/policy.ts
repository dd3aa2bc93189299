import type { Currency } from '../shared/money';
import { breakIdOf, digestId } from './ids';
import { caseFold } from '../shared/identity';
import type {
  Break,
  BreakClass,
  FILE_BREAK_CLASSES,
  Direction,
  ExpectedItem,
  MatchRecord,
  ReconRuleSet,
  RuleId,
  StatementLine,
} from './contract';

/**
 * The matcher of one reconciliation account's business day (research wave3 A.4.3): a pure, deterministic function
 * from statement lines, the ledger's expected items (and what earlier days carried) and a pinned rule set to matches,
 * breaks and what D+1 must carry. No I/O and no clock (the run's time is an input), so a workflow or an activity may run
 * it and a re-run with the same input gives the same output, whatever order the input came in (R3).
 *
 * Passes, in order (a pass only sees what the earlier ones left):
 *   1. exact_reference      EndToEndId / Stripe `source` ↔ item refs, same direction, currency and amount.
 *   2. reference_tolerance  same reference, amount within max(absMinor, bps) and dates within the window: a match whose
 *                           difference is auto-posted only up to `maxAutoPostMinor`; otherwise amount_over/under
 *                           (or data_mismatch when only the date is outside the window).
 *   3. batch                one booking of a pain.001 `PmtInf` (no EndToEndId) ↔ every item sent in it: NbOfTxs and
 *                           the total must agree, else split_mismatch.
 *   4. fx                   items with a locked conversion: the instructed amount equals the ledger's, the booked one is
 *                           within `fxBps` of the locked cost (difference to the FX account under the cap).
 *      (then: a reference hit in another currency without FX is currency_mismatch)
 *   5. amount_date          no reference: a mutually unique candidate by direction, currency, amount and date window is
 *                           only a suggestion (unless the line's bank transaction code is listed `auto`).
 *   6. subset_sum           no reference: ≤ k items of the pool summing exactly to the line: a suggestion, bounded.
 *   7. unmatched            lines → unexpected_external | duplicate_external | unclassified; items older than their
 *                           SLA → missing_external, younger ones stay expected and are carried to D+1.
 * plus duplicate_disbursement (one payout attempt settled twice, across runs and rails) and the tie-out (balance_drift).
 *
 * R1: every booked line and every item ends in exactly one of {matched, expected, break} (a break carried from an
 * earlier day counts). R2: nothing is matched twice, in this run or across runs (`matchedRefs`).
 * Scale: everything is indexed by reference in Maps; the only searches are bounded by the rule set.
 */

/** A break from an earlier day that a later match may close (`missing_external`, `unexpected_external`). */
export interface OpenBreak {
  breakId: string;
  class: BreakClass;
  lines: StatementLine[];
  items: ExpectedItem[];
}

/** A payout attempt's settlement seen by a run (this account's earlier days or another rail's account). */
export interface SettledAttempt {
  workflowId: string;
  attempt: number;
  accountId: string;
  lineId: string;
  itemId: string;
  matchId: string;
}

/** A reference matched by an earlier run: a line booking it again is duplicate_external; its ids are never rematched. */
export interface MatchedRef {
  /** `referenceKey(...)` of the line: direction|kind:id, case-folded. */
  key: string;
  lineId: string;
  itemId: string;
  matchId: string;
}

export interface MatchInput {
  accountId: string;
  /** YYYY-MM-DD: the business day being reconciled. */
  businessDate: string;
  /** The run's time (workflow time, ms): SLA clocks start here. */
  runAtMs: number;
  rules: ReconRuleSet;
  lines: readonly StatementLine[];
  items: readonly ExpectedItem[];
  /** What D−1 carried: items still expected, and open breaks whose counterpart may arrive today. */
  carried?: { expected: readonly ExpectedItem[]; openBreaks: readonly OpenBreak[] };
  /** The statement's balances, for the tie-out; `explainedMinor`: Σ of the open file-level breaks' amounts. */
  statement?: { currency: Currency; openingMinor: number; closingMinor: number; explainedMinor?: number };
  /** Matches of earlier runs (not of a previous run of this same day): never rematched; a repeat is a duplicate. */
  matchedRefs?: readonly MatchedRef[];
  /** Payout attempts settled in earlier runs or on other rails' accounts. */
  settledAttempts?: readonly SettledAttempt[];
}

export interface MatchResult {
  accountId: string;
  businessDate: string;
  ruleVersion: string;
  matches: MatchRecord[];
  breaks: Break[];
  /** For D+1: items still within their SLA, and the carried breaks nothing closed today. */
  carry: { expected: ExpectedItem[]; openBreakIds: string[] };
  /** Carried breaks closed today, by the match that found the counterpart or the new break that replaces them. */
  closed: Array<{ breakId: string; byMatchId?: string; byBreakId?: string }>;
  /** Lines that are not booked (PDNG/INFO/FUTR): neither matched nor tied out; the next statement books them. */
  notBookedLineIds: string[];
  /** Lines and items matched by earlier runs (re-delivered lines, re-loaded items): left alone (R2). */
  alreadyMatched: { lineIds: string[]; itemIds: string[] };
  /** This run's payout settlements and matched references, for later runs and other accounts. */
  settled: SettledAttempt[];
  matchedRefs: MatchedRef[];
  tieOut?: TieOut;
  counts: MatchCounts;
}

export interface TieOut {
  currency: Currency;
  openingMinor: number;
  closingMinor: number;
  /** Σ signed booked lines of today's statement in its currency. */
  bookedNetMinor: number;
  matchedNetMinor: number;
  breaksNetMinor: number;
  explainedMinor: number;
  /** CLBD − OPBD − Σ booked − explained: not zero → balance_drift. */
  driftMinor: number;
}

export interface MatchCounts {
  lines: number;
  items: number;
  matchedLines: number;
  matchedItems: number;
  expectedItems: number;
  breakLines: number;
  breakItems: number;
  matchesByRule: Partial<Record<RuleId, number>>;
  breaksByClass: Partial<Record<BreakClass, number>>;
  suggestions: number;
}

// ————————————————————————————————————— helpers ——————————————————————————————————————

/** The key a reference is indexed under: direction (a return reuses its payout's EndToEndId) and a case-folded id. */
export const referenceKey = (direction: Direction, kind: 'e2e' | 'src' | 'pmt', id: string) =>
  `${direction === 'credit' ? 'C' : 'D'}|${kind}:${caseFold(id)}`;

function lineKeys(l: StatementLine): string[] {
  const keys: string[] = [];
  if (l.refs.endToEndId) keys.push(referenceKey(l.direction, 'e2e', l.refs.endToEndId));
  if (l.refs.stripe?.source) keys.push(referenceKey(l.direction, 'src', l.refs.stripe.source));
  // Adyen: the transfer the transaction books (our payouts' `railRef`).
  if (l.refs.adyen?.transferId) keys.push(referenceKey(l.direction, 'src', l.refs.adyen.transferId));
  return keys;
}

function itemKeys(i: ExpectedItem): string[] {
  const keys: string[] = [];
  if (i.refs.endToEndId) keys.push(referenceKey(i.direction, 'e2e', i.refs.endToEndId));
  if (i.refs.railRef) keys.push(referenceKey(i.direction, 'src', i.refs.railRef));
  return keys;
}

const signed = (amountMinor: number, d: Direction) => (d === 'credit' ? amountMinor : -amountMinor);

const DAY_MS = 86_400_000;
/** Days since the epoch of a YYYY-MM-DD (calendar days; business days come with the holiday calendar). */
function dayNo(date: string | undefined): number {
  if (!date || date.length < 10) return NaN;
  return Date.UTC(Number(date.slice(0, 4)), Number(date.slice(5, 7)) - 1, Number(date.slice(8, 10))) / DAY_MS;
}

/** Booking order: the earlier booking of a reference is the original, a later one the duplicate. */
function compareLines(a: StatementLine, b: StatementLine): number {
  return (
    cmp(a.businessDate, b.businessDate) ||
    cmp(a.entry.bookingDate ?? '', b.entry.bookingDate ?? '') ||
    (a.entry.index ?? a.refs.stripe?.created ?? 0) - (b.entry.index ?? b.refs.stripe?.created ?? 0) ||
    (a.txIndex ?? 0) - (b.txIndex ?? 0) ||
    cmp(a.lineId, b.lineId)
  );
}

const isFx = (i: ExpectedItem) => !!i.expectedExternal && i.expectedExternal.currency !== i.amount.currency;
const externalOf = (i: ExpectedItem) => i.expectedExternal ?? i.amount;

const LINE_OPEN = 0;
const DONE_MATCH = 1;
const DONE_BREAK = 2;
const DONE_CARRIED_BREAK = 3;

// ————————————————————————————————————— file-level breaks ——————————————————————————————————————

/**
 * A break about the statement rather than a line (statement_missing after the deadline, statement_gap,
 * balance_continuity, statement_integrity, entry_details_mismatch): what `checkStatement` found, as a break record.
 * `scope` makes the id: the business date, plus the statement id and the finding's entry where one statement may hold
 * several, so a re-run finds the same id. Do not feed `checkStatement`'s `duplicate_external` and `unclassified`
 * findings here: the matcher classifies those per line (a line in two breaks would break R1).
 */
export function fileBreak(args: {
  accountId: string;
  businessDate: string;
  runAtMs: number;
  rules: ReconRuleSet;
  class: (typeof FILE_BREAK_CLASSES)[number];
  reason: string;
  currency: Currency;
  amountMinor?: number;
  scope: string;
}): Break {
  return {
    breakId: breakIdOf(args.accountId, args.class, [], [], args.scope),
    class: args.class,
    accountId: args.accountId,
    businessDate: args.businessDate,
    amountMinor: args.amountMinor ?? 0,
    currency: args.currency,
    lineIds: [],
    itemIds: [],
    detectedBy: { ruleId: 'tie_out', ruleVersion: args.rules.version },
    sla: { dueAtMs: args.runAtMs + Math.round(args.rules.slaHours[args.class] * 3_600_000) },
    state: 'open',
    reason: args.reason,
  };
}

// ————————————————————————————————————— the matcher ——————————————————————————————————————

export function matchDay(input: MatchInput): MatchResult {
  const { accountId, businessDate, rules, runAtMs } = input;
  const version = rules.version;

  // Earlier runs' matches: their lines and items are never matched again (R2 across runs).
  const priorByKey = new Map<string, MatchedRef>();
  const priorLineIds = new Set<string>();
  const priorItemIds = new Set<string>();
  for (const r of input.matchedRefs ?? []) {
    if (!priorByKey.has(r.key)) priorByKey.set(r.key, r);
    priorLineIds.add(r.lineId);
    priorItemIds.add(r.itemId);
  }

  // ——— normalise the input: dedupe by id, order deterministically (R3: input order does not matter) ———
  const lineOrigin = new Map<string, string>();
  const itemOrigin = new Map<string, string>();
  const lineById = new Map<string, StatementLine>();
  const notBooked = new Set<string>();
  const alreadyLines = new Set<string>();
  const alreadyItems = new Set<string>();
  const addLine = (l: StatementLine, origin?: string) => {
    if (priorLineIds.has(l.lineId)) return void alreadyLines.add(l.lineId);
    if (l.entry.status !== 'BOOK') return void notBooked.add(l.lineId);
    if (origin !== undefined) lineOrigin.set(l.lineId, origin);
    if (!lineById.has(l.lineId)) lineById.set(l.lineId, l);
  };
  for (const l of input.lines) addLine(l);
  const itemById = new Map<string, ExpectedItem>();
  const addItem = (i: ExpectedItem, origin?: string) => {
    if (priorItemIds.has(i.itemId)) return void alreadyItems.add(i.itemId);
    if (origin !== undefined) itemOrigin.set(i.itemId, origin);
    const had = itemById.get(i.itemId);
    // The same posting loaded twice (today's index and the carry): the older age wins, so an item never gets younger.
    if (!had || i.ageDays > had.ageDays) itemById.set(i.itemId, i);
  };
  for (const i of input.items) addItem(i);
  for (const i of input.carried?.expected ?? []) addItem(i);
  const openBreaks = [...(input.carried?.openBreaks ?? [])].sort((a, b) => cmp(a.breakId, b.breakId));
  for (const b of openBreaks) {
    for (const l of b.lines) addLine(l, b.breakId);
    for (const i of b.items) addItem(i, b.breakId);
  }
  // A notBooked id that also came booked (a pending line booked later) is booked.
  for (const id of lineById.keys()) notBooked.delete(id);

  const lines = [...lineById.values()].sort(compareLines);
  const items = [...itemById.values()].sort((a, b) => cmp(a.effectiveDate, b.effectiveDate) || cmp(a.itemId, b.itemId));
  // Only the sorted arrays are needed from here on (100k-line days: the maps are tens of MiB).
  lineById.clear();
  itemById.clear();
  const nL = lines.length;
  const nI = items.length;
  const lineState = new Uint8Array(nL);
  const itemState = new Uint8Array(nI);
  const itemMatch: Array<string | undefined> = new Array(nI);
  const lineDay = new Float64Array(nL);
  const itemDay = new Float64Array(nI);
  for (let i = 0; i < nL; i++) {
    const l = lines[i] as StatementLine;
    lineDay[i] = dayNo(l.entry.bookingDate ?? l.businessDate);
  }
  for (let i = 0; i < nI; i++) itemDay[i] = dayNo((items[i] as ExpectedItem).effectiveDate);

  // ——— indexes ———
  const byRef = new Map<string, number[]>();
  const byBatch = new Map<string, number[]>();
  const push = (m: Map<string, number[]>, k: string, v: number) => {
    const a = m.get(k);
    if (a) a.push(v);
    else m.set(k, [v]);
  };
  for (let i = 0; i < nI; i++) {
    const it = items[i] as ExpectedItem;
    for (const k of itemKeys(it)) push(byRef, k, i);
    if (it.refs.pmtInfId) push(byBatch, referenceKey(it.direction, 'pmt', it.refs.pmtInfId), i);
  }
  const keysOf: string[][] = lines.map(lineKeys);
  /** Lines whose reference names something (an item or an earlier match): never matched by amount alone. */
  const refHit = new Uint8Array(nL);
  for (let li = 0; li < nL; li++)
    for (const k of keysOf[li] as string[]) if (byRef.has(k) || priorByKey.has(k)) refHit[li] = 1;

  const matches: MatchRecord[] = [];
  const breaks: Break[] = [];
  const closed: MatchResult['closed'] = [];
  const suggestionOf = new Map<number, Break['suggestion']>();
  /** Each match's line and item indexes (the records hold ids only). */
  const matchAt = new Map<MatchRecord, { lis: number[]; iis: number[] }>();

  const originsOf = (lis: number[], iis: number[]) => {
    const s = new Set<string>();
    for (const li of lis) {
      const o = lineOrigin.get((lines[li] as StatementLine).lineId);
      if (o) s.add(o);
    }
    for (const ii of iis) {
      const o = itemOrigin.get((items[ii] as ExpectedItem).itemId);
      if (o) s.add(o);
    }
    return [...s].sort();
  };

  const addMatch = (
    ruleId: RuleId,
    lis: number[],
    iis: number[],
    opts: { adjustmentAccount?: string; confidence?: MatchRecord['confidence'] } = {},
  ): MatchRecord => {
    const lineIds = lis.map((i) => (lines[i] as StatementLine).lineId).sort();
    const itemIds = iis.map((i) => (items[i] as ExpectedItem).itemId).sort();
    const first = lines[lis[0] as number] as StatementLine;
    let diff = 0;
    // Signed as the account sees it: + = more credit (or less debit) than the ledger expected.
    for (const li of lis) {
      const l = lines[li] as StatementLine;
      diff += signed(l.amount.amountMinor, l.direction);
    }
    for (const ii of iis) {
      const it = items[ii] as ExpectedItem;
      diff -= signed(externalOf(it).amountMinor, it.direction);
    }
    const matchId = digestId([accountId, ruleId, lineIds.join(','), itemIds.join(',')]);
    const closes = originsOf(lis, iis);
    const m: MatchRecord = {
      matchId,
      ruleId,
      ruleVersion: version,
      kind: iis.length > 1 ? 'N:1' : lis.length > 1 ? '1:N' : '1:1',
      lineIds,
      itemIds,
      differenceMinor: diff,
      currency: first.amount.currency,
      ...(diff !== 0 && opts.adjustmentAccount
        ? { adjustment: { account: opts.adjustmentAccount, amountMinor: diff } }
        : {}),
      confidence: opts.confidence ?? 'auto',
      ...(closes.length ? { closesBreakIds: closes } : {}),
    };
    for (const li of lis) lineState[li] = DONE_MATCH;
    for (const ii of iis) {
      itemState[ii] = DONE_MATCH;
      itemMatch[ii] = matchId;
    }
    for (const b of closes) closed.push({ breakId: b, byMatchId: matchId });
    matches.push(m);
    matchAt.set(m, { lis, iis });
    return m;
  };

  const addBreak = (
    cls: BreakClass,
    ruleId: RuleId,
    lis: number[],
    iis: number[],
    reason: string,
    extra: Partial<Pick<Break, 'related' | 'suggestion' | 'hint'>> & { amountMinor?: number; currency?: Currency } = {},
  ): Break => {
    const lineIds = lis.map((i) => (lines[i] as StatementLine).lineId).sort();
    const itemIds = iis.map((i) => (items[i] as ExpectedItem).itemId).sort();
    let amount = 0;
    for (const li of lis) {
      const l = lines[li] as StatementLine;
      amount += signed(l.amount.amountMinor, l.direction);
    }
    for (const ii of iis) {
      const it = items[ii] as ExpectedItem;
      amount -= signed(externalOf(it).amountMinor, it.direction);
    }
    const currency =
      extra.currency ??
      (lis.length
        ? (lines[lis[0] as number] as StatementLine).amount.currency
        : externalOf(items[iis[0] as number] as ExpectedItem).currency);
    const breakId = breakIdOf(accountId, cls, lineIds, itemIds);
    const supersedes = originsOf(lis, iis);
    const b: Break = {
      breakId,
      class: cls,
      accountId,
      businessDate,
      amountMinor: extra.amountMinor ?? amount,
      currency,
      lineIds,
      itemIds,
      detectedBy: { ruleId, ruleVersion: version },
      sla: { dueAtMs: runAtMs + Math.round(rules.slaHours[cls] * 3_600_000) },
      state: 'open',
      reason,
      ...(extra.related ? { related: extra.related } : {}),
      ...(extra.suggestion ? { suggestion: extra.suggestion } : {}),
      ...(extra.hint ? { hint: extra.hint } : {}),
    };
    for (const li of lis) lineState[li] = DONE_BREAK;
    for (const ii of iis) itemState[ii] = DONE_BREAK;
    // A carried break whose line or item now sits in another break is replaced by it (not closed by a match).
    for (const o of supersedes) if (o !== breakId) closed.push({ breakId: o, byBreakId: breakId });
    breaks.push(b);
    return b;
  };

  const dateOk = (li: number, ii: number) => {
    const d = (lineDay[li] as number) - (itemDay[ii] as number);
    return d >= -rules.dateWindow.daysBefore && d <= rules.dateWindow.daysAfter;
  };
  const candidates = (li: number, pred: (ii: number) => boolean): number[] => {
    const out: number[] = [];
    for (const k of keysOf[li] as string[]) {
      const c = byRef.get(k);
      if (!c) continue;
      for (const ii of c) if (itemState[ii] === LINE_OPEN && pred(ii) && !out.includes(ii)) out.push(ii);
    }
    return out;
  };

  // ——— pass 1: exact reference ———
  for (let li = 0; li < nL; li++) {
    const l = lines[li] as StatementLine;
    if (!refHit[li]) continue;
    const [hit] = candidates(li, (ii) => {
      const it = items[ii] as ExpectedItem;
      const ext = externalOf(it);
      return !isFx(it) && ext.currency === l.amount.currency && ext.amountMinor === l.amount.amountMinor;
    });
    if (hit !== undefined) addMatch('exact_reference', [li], [hit]);
  }

  // ——— pass 2: reference within tolerance (or an amount/date break naming both sides) ———
  for (let li = 0; li < nL; li++) {
    if (lineState[li] !== LINE_OPEN || !refHit[li]) continue;
    const l = lines[li] as StatementLine;
    const cands = candidates(li, (ii) => {
      const it = items[ii] as ExpectedItem;
      return !isFx(it) && externalOf(it).currency === l.amount.currency;
    });
    if (!cands.length) continue;
    let best = cands[0] as number;
    let bestAbs = Infinity;
    for (const ii of cands) {
      const a = Math.abs(l.amount.amountMinor - externalOf(items[ii] as ExpectedItem).amountMinor);
      if (a < bestAbs) [best, bestAbs] = [ii, a];
    }
    const expected = externalOf(items[best] as ExpectedItem).amountMinor;
    const over = l.amount.amountMinor > expected;
    const tol = Math.max(rules.tolerance.absMinor, Math.floor((expected * rules.tolerance.bps) / 10_000));
    const what = `booked ${l.amount.amountMinor}, expected ${expected} (minor units)`;
    if (bestAbs <= tol && dateOk(li, best) && bestAbs <= rules.maxAutoPostMinor)
      addMatch('reference_tolerance', [li], [best], { adjustmentAccount: rules.differenceAccounts.tolerance });
    else if (bestAbs <= tol && !dateOk(li, best))
      addBreak('data_mismatch', 'reference_tolerance', [li], [best], `${what}: booked outside the date window`);
    else
      addBreak(
        over ? 'amount_over' : 'amount_under',
        'reference_tolerance',
        [li],
        [best],
        bestAbs <= tol
          ? `${what}: within tolerance but above the auto-post cap ${rules.maxAutoPostMinor}`
          : `${what}: outside tolerance ${tol}`,
      );
  }

  // ——— pass 3: batch N:1 by PmtInfId ———
  for (let li = 0; li < nL; li++) {
    if (lineState[li] !== LINE_OPEN) continue;
    const l = lines[li] as StatementLine;
    const pmtInfId = l.refs.pmtInfId ?? l.entry.batch?.pmtInfId;
    // A batch booked with details has one line per transaction, each with its EndToEndId (passes 1–2).
    if (!pmtInfId || l.refs.endToEndId) continue;
    const group = (byBatch.get(referenceKey(l.direction, 'pmt', pmtInfId)) ?? []).filter(
      (ii) =>
        itemState[ii] === LINE_OPEN &&
        !isFx(items[ii] as ExpectedItem) &&
        externalOf(items[ii] as ExpectedItem).currency === l.amount.currency,
    );
    if (!group.length) continue;
    refHit[li] = 1;
    const count = l.entry.batch?.nbOfTxs ?? l.entry.txCount;
    const total = l.entry.batch?.ttlAmtMinor ?? l.amount.amountMinor;
    let sum = 0;
    for (const ii of group) sum += externalOf(items[ii] as ExpectedItem).amountMinor;
    if (group.length === count && sum === l.amount.amountMinor && total === l.amount.amountMinor)
      addMatch('batch', [li], group);
    else
      addBreak(
        'split_mismatch',
        'batch',
        [li],
        group,
        `batch ${pmtInfId}: booked ${count} transactions for ${l.amount.amountMinor} (TtlAmt ${total}), ` +
          `the ledger sent ${group.length} for ${sum} (minor units)`,
      );
  }

  // ——— pass 4: FX by instructed amount ———
  for (let li = 0; li < nL; li++) {
    if (lineState[li] !== LINE_OPEN || !refHit[li]) continue;
    const l = lines[li] as StatementLine;
    const cands = candidates(li, (ii) => {
      const it = items[ii] as ExpectedItem;
      return isFx(it) && externalOf(it).currency === l.amount.currency;
    });
    const ii = cands[0];
    if (ii === undefined) continue;
    const it = items[ii] as ExpectedItem;
    const ext = externalOf(it);
    const ins = l.instructed;
    if (ins && (ins.currency !== it.amount.currency || ins.amountMinor !== it.amount.amountMinor)) {
      addBreak(
        ins.currency === it.amount.currency && ins.amountMinor > it.amount.amountMinor ? 'amount_over' : 'amount_under',
        'fx',
        [li],
        [ii],
        `instructed ${ins.currency} ${ins.amountMinor}, the ledger sent ${it.amount.currency} ${it.amount.amountMinor}`,
      );
      continue;
    }
    const abs = Math.abs(l.amount.amountMinor - ext.amountMinor);
    const tol = Math.floor((ext.amountMinor * rules.fxBps) / 10_000);
    if (abs <= tol && abs <= rules.maxAutoPostMinor)
      addMatch('fx', [li], [ii], { adjustmentAccount: rules.differenceAccounts.fx });
    else
      addBreak(
        l.amount.amountMinor > ext.amountMinor ? 'amount_over' : 'amount_under',
        'fx',
        [li],
        [ii],
        `booked ${l.amount.amountMinor}, locked conversion ${ext.amountMinor} ${ext.currency}: ` +
          (abs <= tol ? `above the auto-post cap ${rules.maxAutoPostMinor}` : `outside ${rules.fxBps} bps`),
      );
  }

  // ——— a reference hit in another currency ———
  for (let li = 0; li < nL; li++) {
    if (lineState[li] !== LINE_OPEN || !refHit[li]) continue;
    const l = lines[li] as StatementLine;
    const [ii] = candidates(li, () => true);
    if (ii === undefined) continue;
    const it = items[ii] as ExpectedItem;
    addBreak(
      'currency_mismatch',
      'exact_reference',
      [li],
      [ii],
      `booked in ${l.amount.currency}, the ledger expected ${externalOf(it).currency}`,
      { amountMinor: signed(l.amount.amountMinor, l.direction), currency: l.amount.currency },
    );
  }

  // ——— pass 5: unique candidate by amount and date (suggestion unless the code is listed auto) ———
  const byAmount = new Map<string, number[]>();
  const amountKey = (d: Direction, c: Currency, a: number) => `${d}|${c}|${a}`;
  for (let ii = 0; ii < nI; ii++) {
    if (itemState[ii] !== LINE_OPEN) continue;
    const it = items[ii] as ExpectedItem;
    const ext = externalOf(it);
    push(byAmount, amountKey(it.direction, ext.currency, ext.amountMinor), ii);
  }
  const SCAN = 64;
  const unique = new Map<number, number>();
  const hits = new Map<number, number>();
  for (let li = 0; li < nL; li++) {
    if (lineState[li] !== LINE_OPEN || refHit[li]) continue;
    const l = lines[li] as StatementLine;
    const bucket = byAmount.get(amountKey(l.direction, l.amount.currency, l.amount.amountMinor));
    if (!bucket) continue;
    let found = 0;
    let only = -1;
    for (let j = 0; j < bucket.length && j < SCAN; j++) {
      const ii = bucket[j] as number;
      if (!dateOk(li, ii)) continue;
      found++;
      only = ii;
      hits.set(ii, (hits.get(ii) ?? 0) + 1);
    }
    if (found === 1 && bucket.length <= SCAN) unique.set(li, only);
  }
  for (const [li, ii] of unique) {
    if (hits.get(ii) !== 1) continue;
    const code = (lines[li] as StatementLine).entry.bankTxCode;
    if (code !== undefined && rules.amountDateAutoCodes.includes(code)) addMatch('amount_date', [li], [ii]);
    else suggestionOf.set(li, { ruleId: 'amount_date', itemIds: [(items[ii] as ExpectedItem).itemId] });
  }

  // ——— pass 6: bounded subset-sum suggestions ———
  const poolIndex = new Map<string, number[]>();
  for (let ii = 0; ii < nI; ii++) {
    if (itemState[ii] !== LINE_OPEN) continue;
    const it = items[ii] as ExpectedItem;
    push(poolIndex, `${it.direction}|${externalOf(it).currency}`, ii);
  }
  let examined = 0;
  for (let li = 0; li < nL && examined < rules.subsetSum.maxLines; li++) {
    if (lineState[li] !== LINE_OPEN || refHit[li] || suggestionOf.has(li)) continue;
    const l = lines[li] as StatementLine;
    const all = poolIndex.get(`${l.direction}|${l.amount.currency}`);
    if (!all) continue;
    examined++;
    const subset = subsetSum(li, all);
    if (subset)
      suggestionOf.set(li, {
        ruleId: 'subset_sum',
        itemIds: subset.map((ii) => (items[ii] as ExpectedItem).itemId).sort(),
      });
  }

  function subsetSum(li: number, all: number[]): number[] | undefined {
    const l = lines[li] as StatementLine;
    const target = l.amount.amountMinor;
    const ld = lineDay[li] as number;
    // Items sorted by date: the window is a contiguous range; at most 10,000 are looked at.
    const lo = lowerBound(all, (ii) => (itemDay[ii] as number) >= ld - rules.dateWindow.daysAfter);
    const pool: number[] = [];
    for (let j = lo, seen = 0; j < all.length && seen < 10_000; j++, seen++) {
      const ii = all[j] as number;
      if ((itemDay[ii] as number) > ld + rules.dateWindow.daysBefore) break;
      const a = externalOf(items[ii] as ExpectedItem).amountMinor;
      if (itemState[ii] === LINE_OPEN && a > 0 && a <= target) pool.push(ii);
    }
    // The nearest in date first, then booking order; then largest amounts first for pruning.
    pool.sort((a, b) => Math.abs((itemDay[a] as number) - ld) - Math.abs((itemDay[b] as number) - ld) || a - b);
    const cand = pool.slice(0, rules.subsetSum.pool);
    const amt = (ii: number) => externalOf(items[ii] as ExpectedItem).amountMinor;
    cand.sort((a, b) => amt(b) - amt(a) || a - b);
    let nodes = 0;
    const chosen: number[] = [];
    const dfs = (from: number, remaining: number): boolean => {
      if (remaining === 0) return chosen.length >= 2;
      if (chosen.length === rules.subsetSum.maxItems) return false;
      for (let j = from; j < cand.length; j++) {
        if (++nodes > rules.subsetSum.maxNodesPerLine) return false;
        const ii = cand[j] as number;
        const a = amt(ii);
        if (a > remaining) continue;
        chosen.push(ii);
        if (dfs(j + 1, remaining - a)) return true;
        chosen.pop();
      }
      return false;
    };
    return dfs(0, target) ? [...chosen] : undefined;
  }

  // ——— duplicate disbursement: one payout attempt settled twice (across runs, accounts and rails) ———
  const settledBy = new Map<string, SettledAttempt>();
  for (const s of [...(input.settledAttempts ?? [])].sort((a, b) => cmp(a.matchId, b.matchId))) {
    const k = `${caseFold(s.workflowId)}|${s.attempt}`;
    if (!settledBy.has(k)) settledBy.set(k, s);
  }
  /** The first settlement of any attempt of a payout (a transfer nobody expected names only the payout). */
  const settledByWorkflow = (workflowId: string): SettledAttempt | undefined => {
    const wf = caseFold(workflowId);
    let first: SettledAttempt | undefined;
    for (const s of settledBy.values())
      if (caseFold(s.workflowId) === wf && (!first || cmp(s.matchId, first.matchId) < 0)) first = s;
    return first;
  };
  const settled: SettledAttempt[] = [];
  const kept: MatchRecord[] = [];
  const made = matches.splice(0);
  for (const m of made) {
    const at = matchAt.get(m) as { lis: number[]; iis: number[] };
    const settles = at.iis
      .map((ii) => items[ii] as ExpectedItem)
      .filter((it) => it.kind === 'payout_settle' && it.refs.attempt !== undefined);
    let first: SettledAttempt | undefined;
    for (const it of settles) {
      const prev = settledBy.get(`${caseFold(it.refs.workflowId)}|${it.refs.attempt}`);
      if (prev && !m.lineIds.includes(prev.lineId)) first = prev;
    }
    if (!first) {
      kept.push(m);
      for (const it of settles) {
        const s: SettledAttempt = {
          workflowId: it.refs.workflowId,
          attempt: it.refs.attempt as number,
          accountId,
          lineId: m.lineIds[0] as string,
          itemId: it.itemId,
          matchId: m.matchId,
        };
        settled.push(s);
        settledBy.set(`${caseFold(it.refs.workflowId)}|${it.refs.attempt}`, s);
      }
      continue;
    }
    // The later settlement leaves the matches: its line and item become the break (money has left twice).
    const { lis, iis } = at;
    matchAt.delete(m);
    for (const c of m.closesBreakIds ?? []) {
      const at = closed.findIndex((x) => x.breakId === c && x.byMatchId === m.matchId);
      if (at >= 0) closed.splice(at, 1);
    }
    let lineAmount = 0;
    for (const li of lis) {
      const l = lines[li] as StatementLine;
      lineAmount += signed(l.amount.amountMinor, l.direction);
    }
    addBreak(
      'duplicate_disbursement',
      'duplicate',
      lis,
      iis,
      `payout ${first.workflowId} attempt ${first.attempt} settled again (first on account ${first.accountId})`,
      { amountMinor: lineAmount, related: { lineIds: [first.lineId], itemIds: [first.itemId] } },
    );
  }
  // Not `push(...kept)`: a 200k-argument call overflows the stack.
  for (const m of kept) matches.push(m);

  // ——— pass 7: the rest ———
  // What is left of a carried break stays in it, unless the break closed today (part of it matched): then it needs a
  // break of its own, or it would have no home (R1).
  const closedNow = (breakId: string) => closed.some((c) => c.breakId === breakId);
  for (let li = 0; li < nL; li++) {
    if (lineState[li] !== LINE_OPEN) continue;
    const l = lines[li] as StatementLine;
    const origin = lineOrigin.get(l.lineId);
    if (origin !== undefined && !closedNow(origin)) {
      lineState[li] = DONE_CARRIED_BREAK;
      continue;
    }
    let dupOf: { matchId: string; itemId: string } | undefined;
    for (const k of keysOf[li] as string[]) {
      for (const ii of byRef.get(k) ?? [])
        if (itemState[ii] === DONE_MATCH && itemMatch[ii]) {
          dupOf ??= { matchId: itemMatch[ii] as string, itemId: (items[ii] as ExpectedItem).itemId };
        }
      const prior = priorByKey.get(k);
      if (prior) dupOf ??= { matchId: prior.matchId, itemId: prior.itemId };
    }
    const suggestion = suggestionOf.get(li);
    const hint =
      l.direction === 'credit' && l.returnReason
        ? 'late_return'
        : /CHRG|fee/i.test(l.entry.bankTxCode ?? '') || l.refs.stripe?.reportingCategory === 'fee'
          ? 'fee'
          : undefined;
    const extra = { ...(suggestion ? { suggestion } : {}), ...(hint ? { hint } : {}) };
    // Money left for a payout the ledger expected nothing more for, while that payout was paid elsewhere (another
    // provider, another account, an earlier day): a late success at provider A after a failover paid at B. Traced by
    // the transfer's reference (Adyen) or transfer group (Stripe), which names the payout; the ledger has no item for
    // it, by design.
    const namedPayout = l.refs.adyen?.payoutWorkflowId ?? l.refs.stripe?.payoutWorkflowId;
    const elsewhere = !dupOf && l.direction === 'debit' && namedPayout ? settledByWorkflow(namedPayout) : undefined;
    if (elsewhere)
      addBreak(
        'duplicate_disbursement',
        'duplicate',
        [li],
        [],
        `payout ${elsewhere.workflowId} was paid already (attempt ${elsewhere.attempt} on account ${elsewhere.accountId}); this transfer paid it again`,
        { ...extra, related: { lineIds: [elsewhere.lineId], itemIds: [elsewhere.itemId] } },
      );
    else if (dupOf)
      addBreak('duplicate_external', 'duplicate', [li], [], 'the same reference was booked again', {
        ...extra,
        related: { matchIds: [dupOf.matchId], itemIds: [dupOf.itemId] },
      });
    else if (l.flags?.includes('unclassified'))
      addBreak(
        'unclassified',
        'unmatched',
        [li],
        [],
        `unknown code ${l.entry.bankTxCode ?? l.refs.stripe?.reportingCategory ?? '(none)'}`,
        extra,
      );
    else addBreak('unexpected_external', 'unmatched', [li], [], 'no ledger item for this booking', extra);
  }
  const expected: ExpectedItem[] = [];
  for (let ii = 0; ii < nI; ii++) {
    if (itemState[ii] !== LINE_OPEN) continue;
    const it = items[ii] as ExpectedItem;
    const origin = itemOrigin.get(it.itemId);
    if (origin !== undefined && !closedNow(origin)) {
      itemState[ii] = DONE_CARRIED_BREAK;
      continue;
    }
    if (it.ageDays <= rules.expectedWithinDays[it.kind]) expected.push(it);
    else
      addBreak(
        'missing_external',
        'unmatched',
        [],
        [ii],
        `not booked by the rail ${it.ageDays} days after ${it.effectiveDate} (SLA ${rules.expectedWithinDays[it.kind]})`,
      );
  }

  // ——— tie-out: the statement's movement against what the run accounted for ———
  let tieOut: TieOut | undefined;
  if (input.statement) {
    const s = input.statement;
    let bookedNet = 0;
    let matchedNet = 0;
    let breaksNet = 0;
    // Today's booked lines: those the run placed (not carried from an earlier statement), and those an earlier run
    // already matched (a re-delivered statement), which count as matched.
    for (let li = 0; li < nL; li++) {
      const l = lines[li] as StatementLine;
      if (l.amount.currency !== s.currency || lineOrigin.has(l.lineId)) continue;
      const v = signed(l.amount.amountMinor, l.direction);
      bookedNet += v;
      if (lineState[li] === DONE_MATCH) matchedNet += v;
      else breaksNet += v;
    }
    const prior = new Set<string>();
    for (const l of input.lines) {
      if (!alreadyLines.has(l.lineId) || l.amount.currency !== s.currency || prior.has(l.lineId)) continue;
      prior.add(l.lineId);
      const v = signed(l.amount.amountMinor, l.direction);
      bookedNet += v;
      matchedNet += v;
    }
    const explained = s.explainedMinor ?? 0;
    const drift = s.closingMinor - s.openingMinor - bookedNet - explained;
    tieOut = {
      currency: s.currency,
      openingMinor: s.openingMinor,
      closingMinor: s.closingMinor,
      bookedNetMinor: bookedNet,
      matchedNetMinor: matchedNet,
      breaksNetMinor: breaksNet,
      explainedMinor: explained,
      driftMinor: drift,
    };
    if (drift !== 0)
      breaks.push({
        ...fileBreak({
          accountId,
          businessDate,
          runAtMs,
          rules,
          class: 'balance_drift',
          reason: `CLBD − OPBD − Σ booked − open file-level breaks = ${drift} (minor units)`,
          currency: s.currency,
          amountMinor: drift,
          scope: `${businessDate}|${s.currency}`,
        }),
      });
  }

  // ——— outputs, in a canonical order ———
  matches.sort((a, b) => cmp(a.matchId, b.matchId));
  breaks.sort((a, b) => cmp(a.breakId, b.breakId));
  expected.sort((a, b) => cmp(a.itemId, b.itemId));
  settled.sort((a, b) => cmp(a.matchId, b.matchId));
  const closedIds = new Set<string>();
  for (let j = 0; j < closed.length; j++) {
    const c = closed[j] as MatchResult['closed'][number];
    if (closedIds.has(c.breakId)) closed.splice(j--, 1);
    else closedIds.add(c.breakId);
  }
  const openBreakIds = openBreaks.map((b) => b.breakId).filter((id) => !closedIds.has(id));
  closed.sort(
    (a, b) => cmp(a.breakId, b.breakId) || cmp(a.byMatchId ?? a.byBreakId ?? '', b.byMatchId ?? b.byBreakId ?? ''),
  );
  // One entry per (line, item, reference) of every match, so that a later run knows every matched id (R2) and every
  // matched reference (duplicate_external); a line without a reference is keyed by its id.
  const matchedRefs: MatchedRef[] = [];
  for (const m of matches)
    for (const li of (matchAt.get(m) as { lis: number[] }).lis) {
      const l = lines[li] as StatementLine;
      const lineId = l.lineId;
      const keys = [...(keysOf[li] as string[])];
      const pmtInfId = l.refs.pmtInfId ?? l.entry.batch?.pmtInfId;
      if (m.ruleId === 'batch' && pmtInfId) keys.push(referenceKey(l.direction, 'pmt', pmtInfId));
      if (!keys.length) keys.push(`id:${lineId}`);
      for (const itemId of m.itemIds)
        for (const key of keys) matchedRefs.push({ key, lineId, itemId, matchId: m.matchId });
    }

  const counts: MatchCounts = {
    lines: nL,
    items: nI,
    matchedLines: 0,
    matchedItems: 0,
    expectedItems: expected.length,
    breakLines: 0,
    breakItems: 0,
    matchesByRule: {},
    breaksByClass: {},
    suggestions: 0,
  };
  for (const m of matches) {
    counts.matchedLines += m.lineIds.length;
    counts.matchedItems += m.itemIds.length;
    counts.matchesByRule[m.ruleId] = (counts.matchesByRule[m.ruleId] ?? 0) + 1;
  }
  for (const b of breaks) {
    counts.breakLines += b.lineIds.length;
    counts.breakItems += b.itemIds.length;
    counts.breaksByClass[b.class] = (counts.breaksByClass[b.class] ?? 0) + 1;
    if (b.suggestion) counts.suggestions++;
  }

  return {
    accountId,
    businessDate,
    ruleVersion: version,
    matches,
    breaks,
    carry: { expected, openBreakIds },
    closed,
    notBookedLineIds: [...notBooked].sort(),
    alreadyMatched: { lineIds: [...alreadyLines].sort(), itemIds: [...alreadyItems].sort() },
    settled,
    matchedRefs,
    ...(tieOut ? { tieOut } : {}),
    counts,
  };
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** First index whose element satisfies `pred` (monotone over `arr`), or `arr.length`. */
function lowerBound(arr: readonly number[], pred: (v: number) => boolean): number {
  let lo = 0;
  let hi = arr.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (pred(arr[mid] as number)) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}
