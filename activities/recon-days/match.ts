import type { Break, ExpectedItem, MatchRecord, StatementLine } from '../../workflows/recon/contract';
import { reconRulesFor, type ReconRuleVersion } from '../../workflows/recon/contract';
import { fileBreak, matchDay, type MatchResult } from '../../workflows/recon/policy';
import { breakWorkflowId, type BreakFacts } from '../../workflows/recon-breaks/contract';
import {
  reconDayWorkflowId,
  reconKeys,
  type MatchDayInput,
  type MatchDayResult,
  type ReconDayCounts,
} from '../../workflows/recon-days/contract';
import type { AuditPort } from '../adapters/audit/port';
import { Accounts, type LedgerPort } from '../adapters/ledger/port';
import { bankE2eStream } from '../../workflows/payouts/contract';
import type { ReportsPort } from '../adapters/reports/port';
import { addDays, type ReconAccount } from './accounts';
import {
  CARRY_DAYS,
  NDJSON,
  emptyCarry,
  ndjson,
  readCarry,
  readChunks,
  sha256Hex,
  type CarriedBreak,
  type DayCarry,
} from './store';

/** A break as breaks.ndjson keeps it: the matcher's record, the workflow that owns it and the references ops need. */
export type StoredBreak = Break & { workflowId: string; refs: BreakFacts['refs'] };
/** A carried break a match of today closed (closed.ndjson). */
export interface ClosedBreak {
  breakId: string;
  workflowId: string;
  byMatchId?: string;
  byBreakId?: string;
}

/** Classes a later statement can close by bringing the counterpart: carried to D+1. */
const CARRIED_CLASSES = new Set(['missing_external', 'unexpected_external']);
const DAY_MS = 86_400_000;
const dayNo = (date: string) => Date.parse(`${date}T00:00:00Z`) / DAY_MS;
const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** The references of a break, from the lines and items it owns (never account data: our ids and the PSP's). */
function refsOf(
  b: Break,
  lineById: Map<string, StatementLine>,
  itemById: Map<string, ExpectedItem>,
): BreakFacts['refs'] {
  const lines = b.lineIds.map((id) => lineById.get(id)).filter((l): l is StatementLine => !!l);
  const items = b.itemIds.map((id) => itemById.get(id)).filter((i): i is ExpectedItem => !!i);
  const workflowId =
    items.find((i) => i.refs.workflowId)?.refs.workflowId ??
    lines.map((l) => l.refs.adyen?.payoutWorkflowId ?? l.refs.stripe?.payoutWorkflowId).find((w) => !!w);
  const endToEndId =
    lines.find((l) => l.refs.endToEndId)?.refs.endToEndId ?? items.find((i) => i.refs.endToEndId)?.refs.endToEndId;
  const railRef =
    items.find((i) => i.refs.railRef)?.refs.railRef ??
    lines.find((l) => l.refs.stripe?.source)?.refs.stripe?.source ??
    lines.find((l) => l.refs.adyen?.transferId)?.refs.adyen?.transferId;
  const returnReason = lines.find((l) => l.returnReason)?.returnReason;
  return {
    ...(workflowId ? { workflowId } : {}),
    ...(endToEndId ? { endToEndId } : {}),
    ...(railRef ? { railRef } : {}),
    ...(returnReason ? { returnReason } : {}),
  };
}

/**
 * A late return on the statement names only its EndToEndId: the payout it belongs to is found where the ingress finds
 * it, in the route the initiating activity recorded (`bank-e2e:<id>`), so its break can book the money back to that
 * payout's creator (rebook) whichever side saw the return first. Never from the statement's own text.
 */
async function withPayout(
  deps: { audit?: AuditPort },
  b: Break,
  refs: BreakFacts['refs'],
): Promise<BreakFacts['refs']> {
  if (!deps.audit || b.hint !== 'late_return' || refs.workflowId || !refs.endToEndId) return refs;
  const route = (await deps.audit.list(bankE2eStream(refs.endToEndId))).find((e) => e.type === 'payout.bank_route');
  const workflowId = route?.data.workflowId;
  return typeof workflowId === 'string' ? { ...refs, workflowId } : refs;
}

const stored = (b: Break, refs: BreakFacts['refs']): StoredBreak => {
  const withRefs = { ...b, refs };
  return { ...withRefs, workflowId: breakWorkflowId({ ...withRefs, refs: { ...refs } }) };
};

/**
 * Matches one account-day: reads the statement's and the ledger's chunks and D−1's carry, runs the pure matcher with
 * the pinned rule version, posts the within-cap differences (`recon:<matchId>`, idempotent by ID), and writes
 * matches, breaks, closed breaks, D's carry and the summary. Every output is a function of the inputs (the run's
 * clock is the day's statement deadline), so a re-run writes the same bytes. Without a statement (missing past the
 * deadline, or refused whole), the day is one file-level break and the carry goes on unchanged.
 */
export async function matchAccountDay(
  /** Without `audit` (a dry-run preview), a late return's payout is not looked up. */
  deps: { ledger: LedgerPort; reports: ReportsPort; audit?: AuditPort },
  accounts: readonly ReconAccount[],
  i: MatchDayInput,
  beat: () => void,
): Promise<MatchDayResult> {
  const f = i.account;
  const rules = reconRulesFor(i.ruleVersion as ReconRuleVersion);
  const keys = reconKeys(f.accountId, f.businessDate);
  const date = f.businessDate;
  const cutoff = addDays(date, -CARRY_DAYS);
  const prev = (await readCarry(deps.reports, f.accountId, f.previousDate)) ?? emptyCarry(f.accountId, f.previousDate);
  const items = await readChunks<ExpectedItem>(deps.reports, i.expectations.itemKeys, beat);
  // Carried items age with the day being run (the loader counted today's).
  const carriedExpected = prev.expected.map((it) => ({
    ...it,
    ageDays: Math.max(0, dayNo(date) - dayNo(it.effectiveDate)),
  }));

  const statement = i.statement;
  const file: Break[] = [];
  let result: MatchResult | undefined;
  let lines: StatementLine[] = [];
  if (!statement || statement.refused) {
    file.push(
      fileBreak({
        accountId: f.accountId,
        businessDate: date,
        runAtMs: f.runAtMs,
        rules,
        class: statement ? 'statement_integrity' : 'statement_missing',
        reason: statement
          ? (statement.findings[0]?.reason ?? 'statement refused')
          : `no statement for ${date} by the deadline ${new Date(f.deadlineAtMs).toISOString()}`,
        currency: f.currency,
        scope: statement ? `${date}|refused` : date,
      }),
    );
  } else {
    lines = await readChunks<StatementLine>(deps.reports, statement.lineKeys, beat);
    const perClass = new Map<string, number>();
    for (const finding of statement.findings) {
      const n = perClass.get(finding.class) ?? 0;
      perClass.set(finding.class, n + 1);
      file.push(
        fileBreak({
          accountId: f.accountId,
          businessDate: date,
          runAtMs: f.runAtMs,
          rules,
          class: finding.class as Parameters<typeof fileBreak>[0]['class'],
          reason: finding.reason,
          currency: f.currency,
          ...(finding.amountMinor !== undefined ? { amountMinor: finding.amountMinor } : {}),
          scope: `${date}|${statement.statementId ?? ''}|${finding.entryIndex ?? ''}|${n}`,
        }),
      );
    }
    const otherSettled = [];
    for (const other of accounts) {
      if (other.accountId === f.accountId) continue;
      // The other rail's latest state: today's when it ran already, else yesterday's.
      const c =
        (await readCarry(deps.reports, other.accountId, date)) ??
        (await readCarry(deps.reports, other.accountId, f.previousDate));
      if (c) otherSettled.push(...c.settled);
    }
    const b = statement.balances;
    // A file that disagrees with itself is already a statement_integrity break: the same drift is not a second one.
    const selfContradicting = statement.findings.some((x) => x.class === 'statement_integrity');
    result = matchDay({
      accountId: f.accountId,
      businessDate: date,
      runAtMs: f.runAtMs,
      rules,
      lines,
      items,
      carried: { expected: carriedExpected, openBreaks: prev.openBreaks },
      ...(b
        ? {
            statement: {
              ...b,
              explainedMinor: selfContradicting ? explainedDrift(lines, b) : 0,
            },
          }
        : {}),
      matchedRefs: prev.matchedRefs,
      settledAttempts: [...prev.settled, ...otherSettled],
    });
    beat();
  }

  const lineById = new Map<string, StatementLine>();
  for (const l of lines) lineById.set(l.lineId, l);
  for (const ob of prev.openBreaks) for (const l of ob.lines) if (!lineById.has(l.lineId)) lineById.set(l.lineId, l);
  const itemById = new Map<string, ExpectedItem>();
  for (const it of [...items, ...carriedExpected]) itemById.set(it.itemId, it);
  for (const ob of prev.openBreaks)
    for (const it of ob.items) if (!itemById.has(it.itemId)) itemById.set(it.itemId, it);

  const breaks = [...file, ...(result?.breaks ?? [])].sort((a, b) => cmp(a.breakId, b.breakId));
  const storedBreaks: StoredBreak[] = [];
  for (const b of breaks) storedBreaks.push(stored(b, await withPayout(deps, b, refsOf(b, lineById, itemById))));
  const matches: MatchRecord[] = result?.matches ?? [];
  const carriedById = new Map(prev.openBreaks.map((b) => [b.breakId, b]));
  const closed: ClosedBreak[] = (result?.closed ?? []).map((c) => ({
    breakId: c.breakId,
    workflowId: carriedById.get(c.breakId)?.workflowId ?? '',
    ...(c.byMatchId ? { byMatchId: c.byMatchId } : {}),
    ...(c.byBreakId ? { byBreakId: c.byBreakId } : {}),
  }));

  // Differences within the rule set's cap are booked at once, by an ID the match names (a re-run posts nothing new).
  let adjustmentsPosted = 0;
  for (const m of matches) {
    if (!m.adjustment || m.adjustment.amountMinor === 0) continue;
    await deps.ledger.post({
      postingId: `recon:${m.matchId}`,
      currency: m.currency,
      description: `recon ${f.accountId} ${date}: ${m.ruleId} difference`,
      legs: [
        // Normal debit: + on cash = the rail holds more than the ledger expected.
        { account: Accounts.platformCash, amountMinor: m.adjustment.amountMinor },
        { account: m.adjustment.account, amountMinor: -m.adjustment.amountMinor },
      ],
      effectiveDate: date,
      refs: { workflowId: reconDayWorkflowId(f.accountId, date) },
    });
    adjustmentsPosted++;
  }

  const carry: DayCarry = result
    ? {
        accountId: f.accountId,
        businessDate: date,
        expected: result.carry.expected,
        openBreaks: [
          ...prev.openBreaks.filter((b) => result.carry.openBreakIds.includes(b.breakId) && b.businessDate >= cutoff),
          ...storedBreaks
            .filter((b) => CARRIED_CLASSES.has(b.class))
            .map((b): CarriedBreak => ({
              breakId: b.breakId,
              class: b.class,
              lines: b.lineIds.map((id) => lineById.get(id)).filter((l): l is StatementLine => !!l),
              items: b.itemIds.map((id) => itemById.get(id)).filter((x): x is ExpectedItem => !!x),
              workflowId: b.workflowId,
              businessDate: date,
            })),
        ].sort((a, b) => cmp(a.breakId, b.breakId)),
        matchedRefs: [
          ...prev.matchedRefs.filter((r) => r.date >= cutoff),
          ...result.matchedRefs.map((r) => ({ ...r, date })),
        ],
        settled: [...prev.settled.filter((s) => s.date >= cutoff), ...result.settled.map((s) => ({ ...s, date }))],
        ...(statement?.statementId
          ? {
              statement: {
                statementId: statement.statementId,
                ...(statement.electronicSeqNb !== undefined ? { electronicSeqNb: statement.electronicSeqNb } : {}),
                businessDate: date,
                ...(statement.balances ? { closingMinor: statement.balances.closingMinor } : {}),
                sha256: statement.sha256,
              },
            }
          : {}),
      }
    : {
        // No statement: nothing matched, nothing aged out; today's items wait with yesterday's for the next statement.
        ...prev,
        businessDate: date,
        expected: dedupeItems([...carriedExpected, ...items]),
      };

  const matchesBody = ndjson(matches);
  const breaksBody = ndjson(storedBreaks);
  const closedBody = ndjson(closed);
  const carryBody = JSON.stringify(carry);
  await deps.reports.put(keys.matches, matchesBody, NDJSON);
  beat();
  await deps.reports.put(keys.breaks, breaksBody, NDJSON);
  await deps.reports.put(keys.closed, closedBody, NDJSON);
  await deps.reports.put(keys.carry, carryBody, 'application/json');
  beat();

  const breaksByClass: ReconDayCounts['breaksByClass'] = {};
  for (const b of breaks) breaksByClass[b.class] = (breaksByClass[b.class] ?? 0) + 1;
  const counts: ReconDayCounts = {
    lines: result?.counts.lines ?? 0,
    items: result?.counts.items ?? items.length,
    matchedLines: result?.counts.matchedLines ?? 0,
    matchedItems: result?.counts.matchedItems ?? 0,
    expectedItems: carry.expected.length,
    breaks: breaks.length,
    breaksByClass,
    matchesByRule: result?.counts.matchesByRule ?? {},
    suggestions: result?.counts.suggestions ?? 0,
    adjustmentsPosted,
    closedCarried: closed.filter((c) => c.byMatchId).length,
  };
  const outKeys = {
    matches: keys.matches,
    breaks: keys.breaks,
    closed: keys.closed,
    carry: keys.carry,
    summary: keys.summary,
  };
  const summary = {
    accountId: f.accountId,
    businessDate: date,
    ruleVersion: i.ruleVersion,
    runAtMs: f.runAtMs,
    statement: statement
      ? {
          source: statement.source,
          sha256: statement.sha256,
          lines: statement.lines,
          notBooked: statement.notBooked,
          delivery: statement.delivery,
          ...(statement.statementId ? { statementId: statement.statementId } : {}),
          ...(statement.balances ? { balances: statement.balances } : {}),
          findings: statement.findings.length,
          ...(statement.refused ? { refused: statement.refused } : {}),
        }
      : { missing: true },
    expectations: { items: i.expectations.items, sha256: i.expectations.sha256, dates: i.expectations.dates },
    // What a preview (or a re-run) needs to run the same match again: the statement's and the ledger's chunks.
    inputs: { statement: statement ?? null, expectations: i.expectations },
    counts,
    ...(result?.tieOut ? { tieOut: result.tieOut } : {}),
    alreadyMatched: {
      lines: result?.alreadyMatched.lineIds.length ?? 0,
      items: result?.alreadyMatched.itemIds.length ?? 0,
    },
    digests: {
      matches: sha256Hex(matchesBody),
      breaks: sha256Hex(breaksBody),
      closed: sha256Hex(closedBody),
      carry: sha256Hex(carryBody),
    },
    keys: outKeys,
  };
  const summaryBody = JSON.stringify(summary, null, 2);
  await deps.reports.put(keys.summary, summaryBody, 'application/json');
  return {
    counts,
    ...(result?.tieOut ? { tieOut: result.tieOut } : {}),
    keys: outKeys,
    summaryDigest: sha256Hex(summaryBody),
  };
}

/** CLBD − OPBD − Σ booked of the day's lines: what a self-contradicting file leaves unexplained. */
function explainedDrift(
  lines: readonly StatementLine[],
  b: { currency: string; openingMinor: number; closingMinor: number },
) {
  let booked = 0;
  for (const l of lines)
    if (l.entry.status === 'BOOK' && l.amount.currency === b.currency)
      booked += l.direction === 'credit' ? l.amount.amountMinor : -l.amount.amountMinor;
  return b.closingMinor - b.openingMinor - booked;
}

function dedupeItems(items: ExpectedItem[]): ExpectedItem[] {
  const byId = new Map<string, ExpectedItem>();
  for (const it of items) if (!byId.has(it.itemId)) byId.set(it.itemId, it);
  return [...byId.values()].sort((a, b) => cmp(a.itemId, b.itemId));
}
