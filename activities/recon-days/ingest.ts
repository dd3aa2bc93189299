import { createHash } from 'node:crypto';
import { Camt053Refused, readCamt053, type StatementHeader, type StatementTotals } from '../adapters/bank/camt053';
import { checkStatement } from '../adapters/bank/camt053-integrity';
import type { BankStatementPort } from '../adapters/bank/statements';
import type { PspStatementPort } from '../adapters/psp/port';
import type { ReportsPort } from '../adapters/reports/port';
import { zonedDayWindow } from '../recon/business-day';
import { adyenTransactionDay, type AdyenStatementPort } from '../recon/adyen-statements';
import { balanceTransactionDay } from '../recon/psp-day';
import type { StatementLine } from '../../workflows/recon/contract';
import {
  reconKeys,
  type FetchStatementResult,
  type ReconAccountFacts,
  type StatementFindingSummary,
} from '../../workflows/recon-days/contract';
import type { ReconAccount } from './accounts';
import { CHUNK_RECORDS, NDJSON, ndjson, readCarry } from './store';

/** The findings that are about the file (the matcher classifies duplicates and unknown codes per line). */
const FILE_FINDINGS = new Set(['statement_gap', 'balance_continuity', 'statement_integrity', 'entry_details_mismatch']);
const MAX_FINDINGS = 50;

/** Streams lines into NDJSON chunks as they come: at most one chunk of lines in memory. */
class ChunkWriter {
  private buffer: StatementLine[] = [];
  private readonly hash = createHash('sha256');
  readonly keys: string[] = [];
  count = 0;
  constructor(
    private readonly reports: ReportsPort,
    private readonly keyOf: (n: number) => string,
    private readonly beat: () => void,
  ) {}
  async add(line: StatementLine): Promise<void> {
    this.buffer.push(line);
    this.count++;
    if (this.buffer.length >= CHUNK_RECORDS) await this.flush();
  }
  async flush(force = false): Promise<void> {
    if (!this.buffer.length && !(force && this.keys.length === 0)) return;
    const body = ndjson(this.buffer);
    this.hash.update(body);
    this.keys.push((await this.reports.put(this.keyOf(this.keys.length), body, NDJSON)).key);
    this.buffer = [];
    this.beat();
  }
  digest(): string {
    return this.hash.digest('hex');
  }
}

/**
 * The bank's camt.053 of the day, streamed from the HTTP answer through the reader into NDJSON chunks, with the
 * file-level checks against what the previous day's run kept of its statement. A file the reader refuses (truncated,
 * not camt.053) is ingested as a `statement_integrity` finding with no lines: a break, never a crash.
 */
export async function ingestBankStatement(
  deps: { bankStatements: BankStatementPort; reports: ReportsPort },
  account: ReconAccount,
  facts: ReconAccountFacts,
  beat: () => void,
): Promise<FetchStatementResult> {
  const got = await deps.bankStatements.fetchStatement(account.iban as string, facts.businessDate);
  if (!got.available) return { status: 'not_yet', reason: got.reason };
  const keys = reconKeys(facts.accountId, facts.businessDate);
  const writer = new ChunkWriter(deps.reports, keys.lines, beat);
  let notBooked = 0;
  let header: StatementHeader | undefined;
  let totals: StatementTotals | undefined;
  let fileSha = '';
  try {
    for await (const ev of readCamt053(got.body, { accountId: facts.accountId })) {
      if (ev.kind === 'line') await writer.add(ev.line);
      else if (ev.kind === 'notBooked') {
        notBooked++;
        await writer.add(ev.line);
      } else if (ev.kind === 'statementEnd' && !header) {
        header = ev.header;
        totals = ev.totals;
      } else if (ev.kind === 'end') fileSha = ev.sha256;
    }
  } catch (err) {
    if (!(err instanceof Camt053Refused)) throw err;
    // Nothing of a refused file is trusted: no lines, one integrity finding.
    await writer.flush(true);
    return {
      status: 'ingested',
      statement: {
        source: 'camt053',
        lineKeys: [],
        lines: 0,
        notBooked: 0,
        sha256: '',
        delivery: 'new',
        refused: err.code,
        findings: [{ class: 'statement_integrity', reason: `statement refused (${err.code}): ${err.message}` }],
      },
    };
  }
  await writer.flush(true);
  if (!header || !totals)
    return {
      status: 'ingested',
      statement: {
        source: 'camt053',
        lineKeys: [],
        lines: 0,
        notBooked: 0,
        sha256: fileSha,
        delivery: 'new',
        refused: 'empty',
        findings: [{ class: 'statement_integrity', reason: 'the file holds no statement' }],
      },
    };
  const previous = (await readCarry(deps.reports, facts.accountId, facts.previousDate))?.statement;
  const check = checkStatement(header, totals, previous, fileSha);
  const findings: StatementFindingSummary[] = check.findings
    .filter((f) => FILE_FINDINGS.has(f.class))
    .slice(0, MAX_FINDINGS)
    .map((f) => ({
      class: f.class,
      reason: f.reason,
      ...(f.amountMinor !== undefined ? { amountMinor: f.amountMinor } : {}),
      ...(f.entryIndex !== undefined ? { entryIndex: f.entryIndex } : {}),
    }));
  const balances =
    header.opening && header.closing && header.opening.currency === header.closing.currency
      ? {
          currency: header.closing.currency,
          openingMinor: header.opening.amountMinor,
          closingMinor: header.closing.amountMinor,
        }
      : undefined;
  const statement = {
    source: 'camt053' as const,
    lineKeys: writer.keys,
    lines: writer.count,
    notBooked,
    sha256: fileSha,
    statementId: header.statementId,
    ...(header.electronicSeqNb !== undefined ? { electronicSeqNb: header.electronicSeqNb } : {}),
    delivery: check.delivery,
    ...(balances ? { balances } : {}),
    findings,
  };
  await deps.reports.put(
    keys.statement,
    JSON.stringify({ ...statement, linesSha256: writer.digest() }),
    'application/json',
  );
  return { status: 'ingested', statement };
}

/**
 * The PSP platform balance's transactions of the day (account timezone), page by page into NDJSON chunks. The day is
 * there once it has ended; Stripe has no statement file, so there are no balances to tie out.
 */
export async function ingestPspDay(
  deps: { pspStatements: PspStatementPort; reports: ReportsPort },
  facts: ReconAccountFacts,
  nowMs: number,
  beat: () => void,
): Promise<FetchStatementResult> {
  const pages = balanceTransactionDay(deps.pspStatements, {
    account: { accountId: facts.accountId, timezone: facts.timezone },
    date: facts.businessDate,
  });
  return ingestDayPages(deps.reports, facts, nowMs, beat, 'stripe_bt', pages);
}

/**
 * Adyen's balance account transactions of the day (account timezone), the same way: once the day has ended, page by
 * page into NDJSON chunks; no statement balances to tie out (the Transactions API lists movements, not balances).
 */
export async function ingestAdyenDay(
  deps: { adyenStatements: AdyenStatementPort; reports: ReportsPort },
  facts: ReconAccountFacts,
  nowMs: number,
  beat: () => void,
): Promise<FetchStatementResult> {
  const pages = adyenTransactionDay(deps.adyenStatements, {
    account: { accountId: facts.accountId, timezone: facts.timezone },
    date: facts.businessDate,
  });
  return ingestDayPages(deps.reports, facts, nowMs, beat, 'adyen_tx', pages);
}

/** A PSP's day of lines (pages) into NDJSON chunks and the statement record, once the business day has ended. */
async function ingestDayPages(
  reports: ReportsPort,
  facts: ReconAccountFacts,
  nowMs: number,
  beat: () => void,
  source: 'stripe_bt' | 'adyen_tx',
  pages: AsyncGenerator<{ lines: StatementLine[] }>,
): Promise<FetchStatementResult> {
  const { toMs } = zonedDayWindow(facts.businessDate, facts.timezone);
  if (nowMs < toMs) return { status: 'not_yet', reason: `business day ${facts.businessDate} has not ended` };
  const keys = reconKeys(facts.accountId, facts.businessDate);
  const writer = new ChunkWriter(reports, keys.lines, beat);
  let notBooked = 0;
  for await (const page of pages) {
    for (const line of page.lines) {
      if (line.entry.status !== 'BOOK') notBooked++;
      await writer.add(line);
    }
    beat();
  }
  await writer.flush(true);
  const statement = {
    source,
    lineKeys: writer.keys,
    lines: writer.count,
    notBooked,
    sha256: writer.digest(),
    delivery: 'new' as const,
    findings: [],
  };
  await reports.put(keys.statement, JSON.stringify(statement), 'application/json');
  return { status: 'ingested', statement };
}
