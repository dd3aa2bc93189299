import type { StatementHeader, StatementTotals } from './camt053';

/**
 * The file-level checks of a camt.053 statement (R4 of the reconciliation design), as a pure function over what the
 * streaming reader kept: the header and the running totals of one `Stmt`, and what the previous business day's
 * statement of the account said. It answers break candidates by class and never throws: a bad file is a break, not a
 * crash, and a re-delivered file is recognised so that it changes nothing.
 */

export type StatementBreakClass =
  | 'statement_gap'
  | 'balance_continuity'
  | 'statement_integrity'
  | 'entry_details_mismatch'
  | 'duplicate_external'
  | 'unclassified';

export interface StatementFinding {
  class: StatementBreakClass;
  reason: string;
  /** Signed difference in minor units where one exists (e.g. OPBD − previous CLBD). */
  amountMinor?: number;
  entryIndex?: number;
  endToEndId?: string;
  lineIds?: string[];
}

/** What the reconciliation kept of the account's previous statement (the day before, or the same one re-delivered). */
export interface PreviousStatement {
  statementId: string;
  electronicSeqNb?: number;
  businessDate: string;
  closingMinor?: number;
  sha256?: string;
}

export interface StatementCheck {
  /** `redelivery`: the statement already ingested (same Stmt/Id and sequence): nothing of it is new. */
  delivery: 'new' | 'redelivery';
  findings: StatementFinding[];
}

export function checkStatement(
  header: StatementHeader,
  totals: StatementTotals,
  previous?: PreviousStatement,
  sha256?: string,
): StatementCheck {
  const findings: StatementFinding[] = [];
  const add = (f: StatementFinding) => findings.push(f);
  const seq = header.electronicSeqNb;
  const opening = header.opening?.amountMinor;
  const closing = header.closing?.amountMinor;

  if (
    previous &&
    previous.statementId === header.statementId &&
    previous.electronicSeqNb === seq &&
    previous.businessDate === header.businessDate
  ) {
    // The same statement again (CpyDplctInd DUPL/COPY, or a re-sent file). A copy whose balances differ is not a copy.
    if (previous.closingMinor !== undefined && closing !== undefined && closing !== previous.closingMinor)
      add({
        class: 'statement_integrity',
        reason: `statement ${header.statementId} re-delivered with another CLBD (${closing} ≠ ${previous.closingMinor})`,
        amountMinor: closing - previous.closingMinor,
      });
    else if (
      previous.sha256 !== undefined &&
      sha256 !== undefined &&
      previous.sha256 !== sha256 &&
      !header.copyDuplicate
    )
      add({
        class: 'statement_integrity',
        reason: `statement ${header.statementId} re-delivered with other content and no CpyDplctInd`,
      });
    return { delivery: 'redelivery', findings };
  }

  if (previous) {
    if (previous.electronicSeqNb !== undefined && seq !== undefined && seq !== previous.electronicSeqNb + 1)
      add({
        class: 'statement_gap',
        reason: `ElctrncSeqNb ${seq} follows ${previous.electronicSeqNb} (expected ${previous.electronicSeqNb + 1})`,
      });
    if (previous.closingMinor !== undefined && opening !== undefined && opening !== previous.closingMinor)
      add({
        class: 'balance_continuity',
        reason: `OPBD ${opening} ≠ previous CLBD ${previous.closingMinor} (minor units)`,
        amountMinor: opening - previous.closingMinor,
      });
  }

  if (opening === undefined || closing === undefined)
    add({ class: 'statement_integrity', reason: 'opening (OPBD/PRCD) or closing (CLBD) balance missing' });
  else {
    const booked = totals.credits.sumMinor - totals.debits.sumMinor;
    if (closing - opening !== booked)
      add({
        class: 'statement_integrity',
        reason: `CLBD − OPBD = ${closing - opening} ≠ Σ booked credits − debits = ${booked} (minor units)`,
        amountMinor: closing - opening - booked,
      });
  }
  const s = header.summary;
  const counted = totals.bookedEntries;
  if (s.entries !== undefined && s.entries !== counted)
    add({
      class: 'statement_integrity',
      reason: `TxsSummry counts ${s.entries} entries, the file has ${counted} booked`,
    });
  const sums: Array<[string, number | undefined, number]> = [
    ['TtlNtries/Sum', s.sumMinor, totals.credits.sumMinor + totals.debits.sumMinor],
    ['TtlNetNtry', s.netMinor, totals.credits.sumMinor - totals.debits.sumMinor],
    ['TtlCdtNtries/NbOfNtries', s.credits?.count, totals.credits.count],
    ['TtlCdtNtries/Sum', s.credits?.sumMinor, totals.credits.sumMinor],
    ['TtlDbtNtries/NbOfNtries', s.debits?.count, totals.debits.count],
    ['TtlDbtNtries/Sum', s.debits?.sumMinor, totals.debits.sumMinor],
  ];
  for (const [what, said, found] of sums)
    if (said !== undefined && said !== found)
      add({
        class: 'statement_integrity',
        reason: `TxsSummry ${what} ${said} ≠ ${found} parsed`,
        amountMinor: said - found,
      });
  if (totals.refusedEntries > 0 || totals.refusedLines > 0)
    add({
      class: 'statement_integrity',
      reason: `${totals.refusedEntries} entries and ${totals.refusedLines} lines refused: ${totals.refusals
        .slice(0, 3)
        .map((r) => r.reason)
        .join('; ')}`,
    });
  if (totals.otherCurrencyEntries > 0)
    add({
      class: 'statement_integrity',
      reason: `${totals.otherCurrencyEntries} booked entries in another currency than the statement's`,
    });

  for (const m of totals.detailsMismatches)
    add({
      class: 'entry_details_mismatch',
      reason: m.reason,
      entryIndex: m.entryIndex,
      ...(m.detailsSumMinor !== undefined ? { amountMinor: m.entryAmountMinor - m.detailsSumMinor } : {}),
    });
  for (const d of totals.duplicateEndToEndIds)
    add({
      class: 'duplicate_external',
      reason: `EndToEndId booked ${d.lineIds.length} times in one statement`,
      endToEndId: d.endToEndId,
      lineIds: d.lineIds,
    });
  for (const u of totals.unknownCodes)
    add({ class: 'unclassified', reason: `bank transaction code ${u.bankTxCode} is not known`, lineIds: [u.lineId] });
  return { delivery: 'new', findings };
}
