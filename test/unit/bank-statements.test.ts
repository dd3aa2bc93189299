import { Readable } from 'node:stream';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { buildPain001, type CreditTransferTx } from '../../activities/adapters/bank/iso20022';
import {
  readCamt053,
  type Camt053Event,
  type StatementHeader,
  type StatementLine,
  type StatementTotals,
} from '../../activities/adapters/bank/camt053';
import { checkStatement, type PreviousStatement } from '../../activities/adapters/bank/camt053-integrity';
import { startBankSandbox, type BankSandbox } from '../../sandboxes/bank';
import { addDays, type Booking } from '../../sandboxes/bank/books';
import { XsdValidator } from '../../sandboxes/bank/schema';
import { until } from '../support/wait';

/**
 * The bank sandbox's end-of-day camt.053 read back by the streaming reader: every statement is what the sandbox's
 * own books say (never constants), valid against the published camt.053.001.08 XSD, and each bad input the bank can
 * be told to produce ends as its break class in `checkStatement`.
 */

const DEBTOR = { name: 'PayOps', iban: 'GB33BUKB20201555555555', bic: 'BUKBGB22' };
const CREDITOR = 'DE89370400440532013000';
const DAY = '2026-03-02';

interface Read {
  header: StatementHeader;
  totals: StatementTotals;
  lines: StatementLine[];
  notBooked: StatementLine[];
  refused: Extract<Camt053Event, { kind: 'refused' }>[];
  sha256: string;
  xml: string;
}

describe('bank sandbox camt.053 statements, read back by the streaming reader', () => {
  let sandbox: BankSandbox;
  let xsd: XsdValidator;
  let seq = 0;

  const admin = async (path: string, body?: unknown) => {
    const res = await fetch(
      `${sandbox.url}/__admin/${path}`,
      body === undefined ? {} : { method: 'POST', body: JSON.stringify(body) },
    );
    return { status: res.status, json: (await res.json()) as Record<string, unknown> };
  };
  const books = async () =>
    (await admin(`books/${DEBTOR.iban}`)).json as unknown as {
      bookings: Booking[];
      statements: Array<{ date: string; seq: number; statementId: string; openingMinor: number; closingMinor: number }>;
    };
  const tx = (amountMinor: number): CreditTransferTx => ({
    endToEndId: `E2E-${++seq}`,
    amountMinor,
    currency: 'EUR',
    creditorName: 'Ada',
    accountRef: CREDITOR,
  });
  /** One pain.001 (one PmtInf): several transactions make a batch booking. Waits until the bank booked them all. */
  const pay = async (...txs: CreditTransferTx[]) => {
    const body = buildPain001({
      messageId: `MSG-${++seq}`,
      createdAt: `${DAY}T10:00:00Z`,
      debtor: DEBTOR,
      transactions: txs,
    });
    expect((await fetch(`${sandbox.url}/iso20022/pain.001`, { method: 'POST', body })).status).toBe(200);
    await until(async () => {
      const b = (await admin(`books/${DEBTOR.iban}`)).json as { bookings?: Booking[] };
      return (
        txs.every((t) => b.bookings?.some((x) => x.endToEndId === t.endToEndId && x.kind === 'transfer')) || undefined
      );
    });
    return txs;
  };
  const fault = async (fault: string, extra: Record<string, unknown> = {}) => {
    const r = await admin('statement-faults', { accountIban: DEBTOR.iban, fault, ...extra });
    expect(r.status).toBe(200);
    return r.json;
  };
  const statement = async (date: string, query = ''): Promise<Read> => {
    const res = await fetch(`${sandbox.url}/iso20022/statements/${DEBTOR.iban}/${date}${query}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/xml/);
    const xml = await res.text();
    return read(xml);
  };
  const read = async (xml: string): Promise<Read> => {
    const out: Partial<Read> & { lines: StatementLine[]; notBooked: StatementLine[]; refused: Read['refused'] } = {
      lines: [],
      notBooked: [],
      refused: [],
      xml,
    };
    // Small chunks, so that elements and multi-byte characters straddle chunk boundaries.
    const chunks = Readable.from(Buffer.from(xml, 'utf8'), { objectMode: false, highWaterMark: 997 });
    for await (const ev of readCamt053(chunks, { accountId: 'bank-main' })) {
      if (ev.kind === 'line') out.lines.push(ev.line);
      if (ev.kind === 'notBooked') out.notBooked.push(ev.line);
      if (ev.kind === 'refused') out.refused.push(ev);
      if (ev.kind === 'statementEnd') Object.assign(out, { header: ev.header, totals: ev.totals });
      if (ev.kind === 'end') out.sha256 = ev.sha256;
    }
    return out as Read;
  };
  const previousOf = (r: Read): PreviousStatement => ({
    statementId: r.header.statementId,
    ...(r.header.electronicSeqNb !== undefined ? { electronicSeqNb: r.header.electronicSeqNb } : {}),
    businessDate: r.header.businessDate,
    ...(r.header.closing ? { closingMinor: r.header.closing.amountMinor } : {}),
    sha256: r.sha256,
  });
  const classes = (r: Read, previous?: Read) =>
    checkStatement(r.header, r.totals, previous && previousOf(previous), r.sha256).findings.map((f) => f.class);

  beforeAll(async () => {
    sandbox = await startBankSandbox({ port: 0, hmacSecret: 'statement_test_secret' });
    xsd = XsdValidator.load('camt.053.001.08');
  });
  afterAll(async () => {
    await sandbox.stop();
  });
  beforeEach(async () => {
    await admin('reset', {});
    await admin('faults', { settleDelayMs: 5 });
    await admin('clock', { businessDate: DAY });
    await admin('accounts', { accountIban: DEBTOR.iban });
  });

  it('when a day has a payout, a batch, a return and a fee, then its statement parses back to exactly what the bank booked', async () => {
    const [single] = await pay(tx(12_345));
    await pay(tx(2_000), tx(3_050));
    expect((await admin('returns', { endToEndId: single?.endToEndId, code: 'AC04' })).status).toBe(200);
    expect((await admin('fees', { accountIban: DEBTOR.iban, amountMinor: 150 })).status).toBe(200);

    const r = await statement(DAY);
    expect(await xsd.validate(r.xml)).toEqual({ valid: true, errors: [] });
    const { bookings, statements } = await books();
    const [issued] = statements;

    // Balances, ids and sequence: the bank's record of the issued statement.
    expect(r.header).toMatchObject({
      version: 'camt.053.001.08',
      statementId: issued?.statementId,
      electronicSeqNb: 1,
      from: DAY,
      to: DAY,
      businessDate: DAY,
      account: { iban: DEBTOR.iban, currency: 'EUR' },
      opening: { code: 'OPBD', amountMinor: issued?.openingMinor },
      closing: { code: 'CLBD', amountMinor: issued?.closingMinor },
      summary: { entries: 4 },
    });
    expect(r.header.messageId).toBeTruthy();
    const signed = (b: { direction: string; amountMinor: number }) =>
      (b.direction === 'credit' ? 1 : -1) * b.amountMinor;
    expect((issued?.closingMinor ?? 0) - (issued?.openingMinor ?? 0)).toBe(bookings.reduce((s, b) => s + signed(b), 0));

    // One line per booking, with the bank's own references, amounts, codes and reasons.
    const fromBooks = bookings.map((b) => ({
      endToEndId: b.endToEndId,
      direction: b.direction,
      amountMinor: b.amountMinor,
      acctSvcrRef: b.endToEndId === undefined ? undefined : b.ref,
      returnReason: b.returnCode,
      pmtInfId: b.pmtInfId,
      batch: (b.batchSize ?? 1) > 1,
    }));
    const fromLines = r.lines.map((l) => ({
      endToEndId: l.refs.endToEndId,
      direction: l.direction,
      amountMinor: l.amount.amountMinor,
      acctSvcrRef: l.refs.acctSvcrRef,
      returnReason: l.returnReason,
      pmtInfId: l.entry.batch?.pmtInfId ?? (l.refs.pmtInfId as string | undefined),
      batch: l.entry.batch !== undefined,
    }));
    expect(fromLines).toEqual(fromBooks);
    const batch = r.lines.filter((l) => l.entry.batch);
    expect(batch).toHaveLength(2);
    expect(batch[0]?.entry).toMatchObject({
      entryAmountMinor: 5_050,
      txCount: 2,
      batch: { nbOfTxs: 2, ttlAmtMinor: 5_050 },
    });
    expect(r.lines.find((l) => l.returnReason)?.entry.bankTxCode).toBe('PMNT-ICDT-RRTN');
    expect(r.lines.find((l) => l.entry.bankTxCode === 'ACMT-MDOP-CHRG')?.amount).toEqual({
      amountMinor: 150,
      currency: 'EUR',
    });
    expect(new Set(r.lines.map((l) => l.lineId)).size).toBe(r.lines.length);
    expect(classes(r)).toEqual([]);
  });

  it('when a batch is booked without transaction details, then one line carries the batch (PmtInfId, NbOfTxs, TtlAmt)', async () => {
    await admin('accounts', { accountIban: DEBTOR.iban, batchTxDetails: false });
    const txs = await pay(tx(700), tx(300), tx(500));
    const r = await statement(DAY);
    expect(await xsd.validate(r.xml)).toEqual({ valid: true, errors: [] });
    const { bookings } = await books();
    expect(r.lines).toHaveLength(1);
    expect(r.lines[0]).toMatchObject({
      direction: 'debit',
      amount: { amountMinor: 1_500 },
      entry: { txCount: 3, batch: { pmtInfId: bookings[0]?.pmtInfId, nbOfTxs: txs.length, ttlAmtMinor: 1_500 } },
    });
    expect(r.lines[0]?.refs.endToEndId).toBeUndefined();
    expect(classes(r)).toEqual([]);
  });

  it('when the next days are fetched, then ElctrncSeqNb is consecutive, OPBD is the previous CLBD and nothing breaks', async () => {
    await pay(tx(1_000));
    const d1 = await statement(DAY);
    await admin('clock', { businessDate: addDays(DAY, 2) });
    await pay(tx(2_000));
    const d3 = await statement(addDays(DAY, 2));
    const d2 = await statement(addDays(DAY, 1)); // issued on the way to D+2: empty, in sequence
    expect([d1, d2, d3].map((r) => r.header.electronicSeqNb)).toEqual([1, 2, 3]);
    expect(d2.lines).toEqual([]);
    expect(d2.header.opening?.amountMinor).toBe(d1.header.closing?.amountMinor);
    expect(classes(d2, d1)).toEqual([]);
    expect(classes(d3, d2)).toEqual([]);
  });

  it('when the bank reverses a booking, then the line is a reversal with the original references', async () => {
    const [t] = await pay(tx(4_200));
    expect((await admin('reversals', { endToEndId: t?.endToEndId })).status).toBe(200);
    const r = await statement(DAY);
    expect(r.lines.map((l) => [l.direction, l.entry.reversal, l.refs.endToEndId, l.amount.amountMinor])).toEqual([
      ['debit', false, t?.endToEndId, 4_200],
      ['credit', true, t?.endToEndId, 4_200],
    ]);
    expect(classes(r)).toEqual([]);
  });

  it('when the same statement is delivered again as DUPL, then it is a redelivery with the same lines and no break', async () => {
    await pay(tx(1_000));
    const first = await statement(DAY);
    await fault('duplicate_delivery', { date: DAY });
    const again = await statement(DAY);
    expect(again.header.copyDuplicate).toBe('DUPL');
    expect(again.header.messageId).not.toBe(first.header.messageId);
    expect(again.lines.map((l) => l.lineId)).toEqual(first.lines.map((l) => l.lineId));
    expect(checkStatement(again.header, again.totals, previousOf(first), again.sha256)).toEqual({
      delivery: 'redelivery',
      findings: [],
    });
  });

  it('when the bank skips a sequence number, then the statement is a statement_gap', async () => {
    const d1 = await statement(DAY);
    await admin('clock', { businessDate: addDays(DAY, 1) });
    await fault('sequence_gap');
    const d2 = await statement(addDays(DAY, 1));
    expect(d2.header.electronicSeqNb).toBe(3);
    expect(classes(d2, d1)).toEqual(['statement_gap']);
  });

  it('when OPBD is not the previous CLBD, then the statement is a balance_continuity break of the difference', async () => {
    await pay(tx(1_000));
    const d1 = await statement(DAY);
    await admin('clock', { businessDate: addDays(DAY, 1) });
    await fault('balance_discontinuity', { amountMinor: 777 });
    const d2 = await statement(addDays(DAY, 1));
    const check = checkStatement(d2.header, d2.totals, previousOf(d1));
    expect(check.findings).toEqual([expect.objectContaining({ class: 'balance_continuity', amountMinor: 777 })]);
  });

  it('when a batch entry’s details do not add up to it, then the entry is an entry_details_mismatch', async () => {
    await pay(tx(1_000));
    await pay(tx(2_000), tx(3_000));
    await fault('details_mismatch');
    const r = await statement(DAY);
    expect(await xsd.validate(r.xml)).toEqual({ valid: true, errors: [] });
    const check = checkStatement(r.header, r.totals);
    expect(check.findings).toEqual([
      expect.objectContaining({ class: 'entry_details_mismatch', entryIndex: 1, amountMinor: 1 }),
    ]);
  });

  it('when the file is truncated (TxsSummry counts an entry the file lacks), then it is a statement_integrity break', async () => {
    await pay(tx(1_000));
    await pay(tx(2_000));
    await fault('truncated');
    const r = await statement(DAY);
    expect(r.lines).toHaveLength(1);
    expect(new Set(classes(r))).toEqual(new Set(['statement_integrity']));
    expect(checkStatement(r.header, r.totals).findings.map((f) => f.reason)).toEqual(
      expect.arrayContaining([expect.stringMatching(/TxsSummry counts 2 entries, the file has 1 booked/)]),
    );
  });

  it('when the bank books one transfer twice, then its EndToEndId is a duplicate_external naming both lines', async () => {
    const [t] = await pay(tx(1_000));
    await fault('double_booking', { endToEndId: t?.endToEndId });
    const r = await statement(DAY);
    const check = checkStatement(r.header, r.totals);
    expect(check.findings).toEqual([
      expect.objectContaining({
        class: 'duplicate_external',
        endToEndId: t?.endToEndId,
        lineIds: r.lines.map((l) => l.lineId),
      }),
    ]);
  });

  it('when a transfer comes back 59 days after it settled, then that day’s statement books the return against it', async () => {
    const [t] = await pay(tx(6_000));
    const paid = await statement(DAY);
    await fault('late_return', { endToEndId: t?.endToEndId });
    const late = addDays(DAY, 59);
    const r = await statement(late);
    expect(r.lines).toEqual([
      expect.objectContaining({
        direction: 'credit',
        businessDate: late,
        returnReason: 'AC04',
        originalSettlementDate: DAY,
        amount: { amountMinor: 6_000, currency: 'EUR' },
        refs: expect.objectContaining({ endToEndId: paid.lines[0]?.refs.endToEndId }),
      }),
    ]);
    expect(r.header.electronicSeqNb).toBe(60);
    expect(classes(r)).toEqual([]);
  });

  it('when an entry is pending, then it is reported apart and moves no balance', async () => {
    await pay(tx(1_000));
    await fault('pending_entry', { amountMinor: 999 });
    const r = await statement(DAY);
    expect(await xsd.validate(r.xml)).toEqual({ valid: true, errors: [] });
    expect(r.lines).toHaveLength(1);
    expect(r.notBooked).toEqual([expect.objectContaining({ amount: { amountMinor: 999, currency: 'EUR' } })]);
    expect(r.notBooked[0]?.entry.status).toBe('PDNG');
    expect(classes(r)).toEqual([]);
  });

  it('when the bank uses a transaction code nobody knows, then the line is unclassified', async () => {
    await fault('unknown_bank_tx_code', { amountMinor: 42 });
    const r = await statement(DAY);
    expect(await xsd.validate(r.xml)).toEqual({ valid: true, errors: [] });
    expect(r.lines[0]?.entry.bankTxCode).toBe('Prtry:NZZ999');
    // The matcher reads the flag: with no reference to explain it, the line's break is `unclassified`.
    expect(r.lines[0]?.flags).toEqual(['unclassified']);
    expect(checkStatement(r.header, r.totals).findings).toEqual([
      expect.objectContaining({ class: 'unclassified', lineIds: [r.lines[0]?.lineId] }),
    ]);
  });

  it("when a 40,000-line statement is streamed from the bank, then it parses with bounded memory (the 100,000-line figure is bench:recon's)", async () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const res = await fetch(`${sandbox.url}/iso20022/statements/${DEBTOR.iban}/${DAY}?lines=40000`);
    expect(res.status).toBe(200);
    gc();
    const rss0 = process.memoryUsage().rss;
    const heap: number[] = [];
    let lines = 0;
    let peakRss = rss0;
    let end: { header: StatementHeader; totals: StatementTotals } | undefined;
    let bytes = 0;
    const t0 = performance.now();
    const body = Readable.fromWeb(res.body as import('node:stream/web').ReadableStream<Uint8Array>);
    for await (const ev of readCamt053(body, { accountId: 'bank-main' })) {
      if (ev.kind === 'line' && ++lines % 10_000 === 0) {
        peakRss = Math.max(peakRss, process.memoryUsage().rss);
        gc();
        heap.push(process.memoryUsage().heapUsed);
      }
      if (ev.kind === 'statementEnd') end = ev;
      if (ev.kind === 'end') bytes = ev.bytes;
    }
    const seconds = (performance.now() - t0) / 1000;
    const growth = (heap[3] ?? 0) - (heap[0] ?? 0);
    console.log(
      `camt.053 ${lines} lines (${(bytes / 2 ** 20).toFixed(0)} MiB, generated by the sandbox in the same process) ` +
        `parsed in ${seconds.toFixed(2)} s = ${Math.round(lines / seconds)} lines/s; RSS growth ` +
        `${((peakRss - rss0) / 2 ** 20).toFixed(0)} MiB; live heap growth 10k→40k lines ${(growth / 2 ** 20).toFixed(1)} MiB`,
    );
    expect(lines).toBe(40_000);
    expect(end && checkStatement(end.header, end.totals).findings).toEqual([]);
    // What stays live is the EndToEndId index (~100 bytes a line: ~3 MiB for 30,000 lines), not the document (~570
    // bytes a line: ~16 MiB) or the lines.
    expect(growth).toBeLessThan(8 * 2 ** 20);
  });
});
