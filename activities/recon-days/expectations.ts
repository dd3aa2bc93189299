import type { ExpectedItem, ExpectedKind, Direction } from '../../workflows/recon/contract';
import { reconRulesFor, type ReconRuleVersion } from '../../workflows/recon/contract';
import { reconKeys, type LoadedExpectations, type ReconAccountFacts } from '../../workflows/recon-days/contract';
import { Accounts, type LedgerPort, type Posting, type PostingScope } from '../adapters/ledger/port';
import type { ReportsPort } from '../adapters/reports/port';
import { addDays } from './accounts';
import { putChunks, readCarry } from './store';

const DAY_MS = 86_400_000;
const dayNo = (date: string) => Date.parse(`${date}T00:00:00Z`) / DAY_MS;

/**
 * What the ledger expects the rail to book, from one posting: its amount and references, and which way the money
 * moves on the reconciled account. A payout's `settle` left the account (debit); its `reverse` / `reverse_partial` is
 * the return coming back (credit). Other rail postings (a dispute's money at the PSP) move the platform's cash: the
 * sign of that leg says the direction. Undefined when the posting moves nothing on a rail.
 */
export function expectedItemOf(p: Posting, accountId: string, businessDate: string): ExpectedItem | undefined {
  if (!p.refs?.rail || !p.effectiveDate) return undefined;
  const step = p.postingId.slice(p.postingId.lastIndexOf(':') + 1);
  const base = step.replace(/-\d+$/, '');
  let kind: ExpectedKind;
  let direction: Direction;
  if (base === 'settle') [kind, direction] = ['payout_settle', 'debit'];
  else if (base === 'reverse' || base === 'reverse_partial') [kind, direction] = ['payout_reverse', 'credit'];
  else {
    const cash = p.legs.find((l) => l.account === Accounts.platformCash);
    if (!cash) return undefined;
    kind = 'dispute';
    // Normal-debit ledger: a positive leg on cash is money arriving at the rail.
    direction = cash.amountMinor > 0 ? 'credit' : 'debit';
  }
  const amountMinor = p.legs.filter((l) => l.amountMinor > 0).reduce((s, l) => s + l.amountMinor, 0);
  const r = p.refs;
  return {
    itemId: p.postingId,
    accountId,
    effectiveDate: p.effectiveDate,
    direction,
    amount: { amountMinor, currency: p.currency },
    refs: {
      workflowId: r.workflowId,
      rail: r.rail,
      ...(r.railRef ? { railRef: r.railRef } : {}),
      ...(r.endToEndId ? { endToEndId: r.endToEndId } : {}),
      ...(r.pmtInfId ? { pmtInfId: r.pmtInfId } : {}),
      ...(r.attempt !== undefined ? { attempt: r.attempt } : {}),
    },
    kind,
    ageDays: Math.max(0, dayNo(businessDate) - dayNo(p.effectiveDate)),
  };
}

/**
 * The dates a run reads from the ledger's day index. Each posting must be loaded exactly once across days (an item
 * loaded twice would be expected twice): a run reads its own business date, and older items reach it through D−1's
 * carry. The first day of an account (no carry) also reads the rule set's window before it (`daysAfter`), so a
 * settlement booked a day or two after its posting is matched rather than unexpected.
 */
export function datesToLoad(businessDate: string, firstDay: boolean, daysAfter: number): string[] {
  if (!firstDay) return [businessDate];
  const dates: string[] = [];
  for (let d = daysAfter; d >= 0; d--) dates.push(addDays(businessDate, -d));
  return dates;
}

/** Reads the day index page by page (scope = the account's rail, `psp-adyen` for Adyen) into ExpectedItem NDJSON chunks. */
export async function loadExpectations(
  deps: { ledger: LedgerPort; reports: ReportsPort },
  facts: ReconAccountFacts,
  ruleVersion: string,
  beat: () => void,
  /** The day-index scope (default: the account's rail; an Adyen account reads `psp-adyen`). */
  scope: PostingScope = facts.rail,
): Promise<LoadedExpectations> {
  const rules = reconRulesFor(ruleVersion as ReconRuleVersion);
  const firstDay = (await readCarry(deps.reports, facts.accountId, facts.previousDate)) === undefined;
  const dates = datesToLoad(facts.businessDate, firstDay, rules.dateWindow.daysAfter);
  const items: ExpectedItem[] = [];
  for (const date of dates) {
    let startKey: string | undefined;
    do {
      const page = await deps.ledger.postingsOn(date, { scope, ...(startKey ? { startKey } : {}) });
      for (const p of page.items) {
        const item = expectedItemOf(p, facts.accountId, facts.businessDate);
        if (item) items.push(item);
      }
      startKey = page.next;
      beat();
    } while (startKey);
  }
  items.sort((a, b) => (a.itemId < b.itemId ? -1 : a.itemId > b.itemId ? 1 : 0));
  const { keys, sha256 } = await putChunks(
    deps.reports,
    items,
    reconKeys(facts.accountId, facts.businessDate).expected,
    beat,
  );
  return { itemKeys: keys, items: items.length, sha256, dates };
}
