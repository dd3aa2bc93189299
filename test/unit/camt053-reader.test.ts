import { createHash } from 'node:crypto';
import {
  Camt053Refused,
  lineIdOf,
  readCamt053,
  type Camt053Event,
  type StatementLine,
} from '../../activities/adapters/bank/camt053';
import { checkStatement } from '../../activities/adapters/bank/camt053-integrity';

/** The streaming camt.053 reader on hand-written files: the bad inputs a sandbox does not produce by itself. */

const ns = (v: string) => `urn:iso:std:iso:20022:tech:xsd:camt.053.001.${v}`;

interface EntrySpec {
  amt: string;
  ccy?: string;
  cd?: 'CRDT' | 'DBIT';
  sts?: string;
  ref?: string;
  details?: string;
}

const entry = (e: EntrySpec, v08 = true) =>
  `<Ntry><NtryRef>${e.ref ?? 'N1'}</NtryRef><Amt Ccy="${e.ccy ?? 'EUR'}">${e.amt}</Amt><CdtDbtInd>${e.cd ?? 'DBIT'}</CdtDbtInd>` +
  (v08 ? `<Sts><Cd>${e.sts ?? 'BOOK'}</Cd></Sts>` : `<Sts>${e.sts ?? 'BOOK'}</Sts>`) +
  `<BookgDt><Dt>2026-03-02</Dt></BookgDt><BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>ICDT</Cd><SubFmlyCd>ESCT</SubFmlyCd></Fmly></Domn></BkTxCd>` +
  (e.details ?? '') +
  `</Ntry>`;

const statement = (p: {
  version?: string;
  opening?: string;
  closing?: string;
  entries?: string[];
  prolog?: string;
  ccy?: string;
  extra?: string;
}) =>
  `${p.prolog ?? '<?xml version="1.0" encoding="UTF-8"?>'}<Document xmlns="${ns(p.version ?? '08')}"><BkToCstmrStmt>` +
  `<GrpHdr><MsgId>M1</MsgId><CreDtTm>2026-03-03T06:00:00Z</CreDtTm></GrpHdr><Stmt><Id>S1</Id><ElctrncSeqNb>7</ElctrncSeqNb>` +
  `<FrToDt><FrDtTm>2026-03-02T00:00:00Z</FrDtTm><ToDtTm>2026-03-02T23:59:59Z</ToDtTm></FrToDt>` +
  `<Acct><Id><IBAN>GB33BUKB20201555555555</IBAN></Id><Ccy>${p.ccy ?? 'EUR'}</Ccy></Acct>` +
  `<Bal><Tp><CdOrPrtry><Cd>OPBD</Cd></CdOrPrtry></Tp><Amt Ccy="${p.ccy ?? 'EUR'}">${p.opening ?? '100.00'}</Amt><CdtDbtInd>CRDT</CdtDbtInd><Dt><Dt>2026-03-02</Dt></Dt></Bal>` +
  `<Bal><Tp><CdOrPrtry><Cd>CLBD</Cd></CdOrPrtry></Tp><Amt Ccy="${p.ccy ?? 'EUR'}">${p.closing ?? p.opening ?? '100.00'}</Amt><CdtDbtInd>CRDT</CdtDbtInd><Dt><Dt>2026-03-02</Dt></Dt></Bal>` +
  (p.extra ?? '') +
  (p.entries ?? []).join('') +
  `</Stmt></BkToCstmrStmt></Document>`;

async function readAll(xml: string | Buffer, chunkSize = 64) {
  const bytes = typeof xml === 'string' ? Buffer.from(xml, 'utf8') : xml;
  async function* chunks() {
    for (let i = 0; i < bytes.length; i += chunkSize) yield bytes.subarray(i, i + chunkSize);
  }
  const events: Camt053Event[] = [];
  for await (const ev of readCamt053(chunks(), { accountId: 'acct' })) events.push(ev);
  const lines = events.flatMap((e) => (e.kind === 'line' ? [e.line] : []));
  const end = events.find((e) => e.kind === 'statementEnd') as Extract<Camt053Event, { kind: 'statementEnd' }>;
  const done = events.find((e) => e.kind === 'end') as Extract<Camt053Event, { kind: 'end' }>;
  return { events, lines, end, done, check: end && checkStatement(end.header, end.totals) };
}

const refusal = (xml: string) =>
  readAll(xml).then(
    () => undefined,
    (e: unknown) => e,
  );

describe('camt.053 streaming reader', () => {
  it('when an amount has leading zeros, then it is read exactly in minor units', async () => {
    const { lines, check } = await readAll(
      statement({ opening: '1000.00', closing: '850.13', entries: [entry({ amt: '000000000000149.87' })] }),
    );
    expect(lines.map((l: StatementLine) => l.amount)).toEqual([{ amountMinor: 14_987, currency: 'EUR' }]);
    expect(check.findings).toEqual([]);
  });

  it('when an amount has more decimals than its currency, then the line is refused naming the entry, and the file is a statement_integrity break', async () => {
    const { events, lines, check } = await readAll(
      statement({
        entries: [entry({ amt: '12.345', ref: 'REF-BAD' }), entry({ amt: '100.5', ccy: 'JPY', ref: 'REF-JPY' })],
      }),
    );
    expect(lines).toEqual([]);
    const refused = events.filter((e) => e.kind === 'refused').map((e) => (e as { reason: string }).reason);
    expect(refused).toEqual([
      'entry 0 (NtryRef REF-BAD): amount 12.345 has more decimals than EUR allows (2)',
      'entry 1 (NtryRef REF-JPY): amount 100.5 has more decimals than JPY allows (0)',
    ]);
    expect(check.findings.map((f) => f.class)).toEqual(['statement_integrity']);
  });

  it('when the file has a DOCTYPE (billion laughs), then it is refused before any entity is expanded', async () => {
    const xml = statement({
      prolog: '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]>',
    }).replace('<MsgId>M1</MsgId>', '<MsgId>&lol2;</MsgId>');
    const e = await refusal(xml);
    expect(e).toBeInstanceOf(Camt053Refused);
    expect((e as Camt053Refused).code).toBe('doctype');
  });

  it('when the message is a camt.052 or an unknown camt.053 version, then it is refused; .02 and .13 are read', async () => {
    const c052 = statement({}).replace(ns('08'), 'urn:iso:std:iso:20022:tech:xsd:camt.052.001.08');
    expect(((await refusal(c052)) as Camt053Refused).code).toBe('not_camt053');
    expect(((await refusal(statement({ version: '14' }))) as Camt053Refused).code).toBe('not_camt053');
    expect(((await refusal('<Document><BkToCstmrStmt/></Document>')) as Camt053Refused).code).toBe('not_camt053');
    const v02 = await readAll(
      statement({ version: '02', opening: '100.00', closing: '90.00', entries: [entry({ amt: '10.00' }, false)] }),
    );
    expect(v02.lines.map((l) => [l.entry.status, l.amount.amountMinor])).toEqual([['BOOK', 1_000]]);
    expect(v02.end.header.version).toBe('camt.053.001.02');
    expect(v02.check.findings).toEqual([]);
    const v13 = await readAll(statement({ version: '13' }));
    expect(v13.end.header.version).toBe('camt.053.001.13');
  });

  it('when the file is larger than the cap or not UTF-8 as declared, then it is refused (too_large, encoding)', async () => {
    async function* once(b: Buffer) {
      yield b;
    }
    const drain = async (src: AsyncIterable<Buffer>, maxBytes?: number) => {
      for await (const _ of readCamt053(src, maxBytes === undefined ? {} : { maxBytes }));
    };
    const big = statement({ entries: [entry({ amt: '1.00' })] });
    await expect(drain(once(Buffer.from(big)), 100)).rejects.toMatchObject({ code: 'too_large' });
    const latin1Bytes = Buffer.from(statement({ entries: [entry({ amt: '1.00', ref: 'Müller' })] }), 'latin1');
    await expect(drain(once(latin1Bytes))).rejects.toMatchObject({ code: 'encoding' });
  });

  it('when the file is not well-formed, then it is refused as malformed', async () => {
    const e = await refusal(statement({}).replace('</Stmt>', ''));
    expect((e as Camt053Refused).code).toBe('malformed');
  });

  it('when the statement has no entries and OPBD = CLBD, then it has a header, no lines and no break', async () => {
    const { events, lines, check } = await readAll(statement({}));
    expect(events.map((e) => e.kind)).toEqual(['header', 'statementEnd', 'end']);
    expect(lines).toEqual([]);
    expect(check).toEqual({ delivery: 'new', findings: [] });
  });

  it('when the document uses a namespace prefix and tiny chunks, then it reads the same; lineIds are the documented digest', async () => {
    const plain = statement({
      opening: '100.00',
      closing: '80.00',
      entries: [
        entry({
          amt: '20.00',
          details:
            '<NtryDtls><TxDtls><Refs><EndToEndId>NOTPROVIDED</EndToEndId><UETR>7B2F0F0E-1C3A-4B55-9A3E-2B8F7C5D1E00</UETR></Refs><Amt Ccy="EUR">20.00</Amt><CdtDbtInd>DBIT</CdtDbtInd></TxDtls></NtryDtls>',
        }),
      ],
    });
    const prefixed = plain
      .replace(/<(\/?)([A-Za-z])/g, '<$1c:$2')
      .replace(`<c:Document xmlns=`, `<c:Document xmlns:c=`);
    const a = await readAll(plain, 4096);
    const b = await readAll(prefixed, 3);
    expect(b.lines).toEqual(a.lines);
    expect(a.lines[0]?.refs).toEqual({ uetr: '7b2f0f0e-1c3a-4b55-9a3e-2b8f7c5d1e00' });
    expect(a.lines[0]?.lineId).toBe(createHash('sha256').update('acct|S1|7|0|0').digest('hex'));
    expect(a.lines[0]?.lineId).toBe(lineIdOf('acct', { statementId: 'S1', electronicSeqNb: 7 }, 0, 0));
    expect(a.done.sha256).toBe(createHash('sha256').update(plain).digest('hex'));
  });

  it('when the file declares ISO-8859-1 with non-ASCII text, then it is decoded as declared', async () => {
    const xml = statement({
      prolog: '<?xml version="1.0" encoding="ISO-8859-1"?>',
      opening: '100.00',
      closing: '90.00',
      entries: [entry({ amt: '10.00', ref: 'Müller-Überweisung' })],
    });
    const { lines, done } = await readAll(Buffer.from(xml, 'latin1'), 7);
    expect(lines[0]?.entry.ntryRef).toBe('Müller-Überweisung');
    expect(done.bytes).toBe(Buffer.byteLength(xml, 'latin1'));
  });

  it('when Σ TxDtls misses the bank charges (OCA #976), then the entry is an entry_details_mismatch, not split by guesswork', async () => {
    const tx = (amt: string, e2e: string) =>
      `<TxDtls><Refs><EndToEndId>${e2e}</EndToEndId></Refs><Amt Ccy="EUR">${amt}</Amt><CdtDbtInd>DBIT</CdtDbtInd></TxDtls>`;
    const { lines, check } = await readAll(
      statement({
        opening: '2000.00',
        closing: '474.00',
        entries: [entry({ amt: '1526.00', details: `<NtryDtls>${tx('1500.00', 'A')}</NtryDtls>` })],
      }),
    );
    expect(lines.map((l) => l.amount.amountMinor)).toEqual([150_000]);
    expect(check.findings).toEqual([
      expect.objectContaining({ class: 'entry_details_mismatch', entryIndex: 0, amountMinor: 2_600 }),
    ]);
  });

  it('when CLBD − OPBD disagrees with the booked entries, then it is a statement_integrity break of the difference', async () => {
    const { check } = await readAll(
      statement({ opening: '100.00', closing: '95.00', entries: [entry({ amt: '10.00' })] }),
    );
    expect(check.findings).toEqual([expect.objectContaining({ class: 'statement_integrity', amountMinor: 500 })]);
  });
});
