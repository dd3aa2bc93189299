import { parseCamt054, parsePain002 } from '../../activities/adapters/bank/iso20022';

/** Bank files as banks write them: prefixes of their choosing, comments, several notifications and entries. */

const PAIN002 = 'urn:iso:std:iso:20022:tech:xsd:pain.002.001.10';
const CAMT054 = 'urn:iso:std:iso:20022:tech:xsd:camt.054.001.08';

const camtTx = (e2e: string, amount: string, extra = '') =>
  `<TxDtls><Refs><EndToEndId>${e2e}</EndToEndId></Refs><Amt Ccy="EUR">${amount}</Amt>${extra}</TxDtls>`;
const camtEntry = (ref: string, txs: string, opts: { total: string; returned?: boolean }) =>
  `<Ntry><NtryRef>${ref}</NtryRef><Amt Ccy="EUR">${opts.total}</Amt><CdtDbtInd>${opts.returned ? 'CRDT' : 'DBIT'}</CdtDbtInd>` +
  `${opts.returned ? '<RvslInd>true</RvslInd>' : ''}<Sts><Cd>BOOK</Cd></Sts><BkTxCd/><NtryDtls>${txs}</NtryDtls></Ntry>`;

describe('reading pain.002 with an XML parser', () => {
  const body = (p: string) =>
    `<${p}CstmrPmtStsRpt><${p}GrpHdr><${p}MsgId>STS1</${p}MsgId></${p}GrpHdr>` +
    `<${p}OrgnlGrpInfAndSts><${p}OrgnlMsgId>M1</${p}OrgnlMsgId><${p}GrpSts>PART</${p}GrpSts></${p}OrgnlGrpInfAndSts>` +
    `<${p}OrgnlPmtInfAndSts><!-- first --><${p}TxInfAndSts><${p}OrgnlEndToEndId>E1</${p}OrgnlEndToEndId>` +
    `<${p}TxSts>ACSC</${p}TxSts></${p}TxInfAndSts><${p}TxInfAndSts><${p}OrgnlEndToEndId>E2</${p}OrgnlEndToEndId>` +
    `<${p}TxSts>RJCT</${p}TxSts><${p}StsRsnInf><${p}Rsn><${p}Cd>AC04</${p}Cd></${p}Rsn>` +
    `<${p}AddtlInf>closed &amp; gone</${p}AddtlInf></${p}StsRsnInf></${p}TxInfAndSts></${p}OrgnlPmtInfAndSts>` +
    `</${p}CstmrPmtStsRpt>`;
  const expected = {
    messageId: 'STS1',
    originalMessageId: 'M1',
    groupStatus: 'PART',
    transactions: [
      { endToEndId: 'E1', status: 'ACSC' },
      { endToEndId: 'E2', status: 'RJCT', reasonCode: 'AC04', additionalInfo: 'closed & gone' },
    ],
  };

  it('when the namespace is the default one, then every transaction is read', () => {
    expect(parsePain002(`<?xml version="1.0"?><Document xmlns="${PAIN002}">${body('')}</Document>`)).toMatchObject(
      expected,
    );
  });

  it('when the bank uses a prefix of its own and comments, then the same report is read', () => {
    const xml = `<?xml version="1.0" encoding="UTF-8"?>\n<!-- from the bank -->\n<p2:Document xmlns:p2="${PAIN002}">${body('p2:')}</p2:Document>`;
    expect(parsePain002(xml)).toMatchObject(expected);
  });

  it('when an element of another namespace carries the same name, then it is not mistaken for ours', () => {
    const xml =
      `<Document xmlns="${PAIN002}" xmlns:x="urn:example:other"><CstmrPmtStsRpt><GrpHdr><x:MsgId>FAKE</x:MsgId>` +
      `<MsgId>STS1</MsgId></GrpHdr></CstmrPmtStsRpt></Document>`;
    expect(parsePain002(xml)?.messageId).toBe('STS1');
  });

  it('when the text is another message, not XML, or carries a DTD, then it is not a pain.002', () => {
    expect(parsePain002(`<Document xmlns="${CAMT054}">${body('')}</Document>`)).toBeUndefined();
    expect(parsePain002(`<Document xmlns="${PAIN002}"><CstmrPmtStsRpt>`)).toBeUndefined();
    expect(parsePain002(`<Document>${body('')}</Document>`)).toBeUndefined();
    const dtd = `<?xml version="1.0"?><!DOCTYPE Document [<!ENTITY e "x">]><Document xmlns="${PAIN002}">${body('')}</Document>`;
    expect(parsePain002(dtd)).toBeUndefined();
  });
});

describe('reading camt.054 with an XML parser', () => {
  it('when a file carries several notifications with several entries and transactions, then each transaction is read with its own amount', () => {
    const xml =
      `<?xml version="1.0"?><c:Document xmlns:c="${CAMT054}"><c:BkToCstmrDbtCdtNtfctn><c:GrpHdr><c:MsgId>G</c:MsgId></c:GrpHdr>` +
      `<c:Ntfctn><c:Id>N1</c:Id>` +
      camtEntry('R1', camtTx('E1', '10.00') + camtTx('E2', '2.50'), { total: '12.50' }).replace(/<(\/?)/g, '<$1c:') +
      `</c:Ntfctn><!-- second notification --><c:Ntfctn><c:Id>N2</c:Id>` +
      camtEntry('R2', camtTx('E1', '4.00', '<RtrInf><Rsn><Cd>AC04</Cd></Rsn></RtrInf>'), {
        total: '4.00',
        returned: true,
      }).replace(/<(\/?)/g, '<$1c:') +
      `</c:Ntfctn></c:BkToCstmrDbtCdtNtfctn></c:Document>`;
    expect(parseCamt054(xml)).toEqual({
      notificationId: 'N1',
      entries: [
        {
          endToEndId: 'E1',
          status: 'booked',
          amount: { amountMinor: 1000, currency: 'EUR' },
          entryRef: 'R1',
          notificationId: 'N1',
        },
        {
          endToEndId: 'E2',
          status: 'booked',
          amount: { amountMinor: 250, currency: 'EUR' },
          entryRef: 'R1',
          notificationId: 'N1',
        },
        {
          endToEndId: 'E1',
          status: 'returned',
          returnCode: 'AC04',
          amount: { amountMinor: 400, currency: 'EUR' },
          entryRef: 'R2',
          notificationId: 'N2',
        },
      ],
    });
  });

  it('when a return books less than the transfer, then the returned amount is what the entry carries', () => {
    const partial = camtTx(
      'E9',
      '3.00',
      '<AmtDtls><InstdAmt><Amt Ccy="EUR">10.00</Amt></InstdAmt></AmtDtls><RtrInf><Rsn><Cd>MD06</Cd></Rsn></RtrInf>',
    );
    const xml = `<Document xmlns="${CAMT054}"><BkToCstmrDbtCdtNtfctn><Ntfctn><Id>N</Id>${camtEntry('R', partial, { total: '3.00', returned: true })}</Ntfctn></BkToCstmrDbtCdtNtfctn></Document>`;
    expect(parseCamt054(xml).entries).toEqual([
      expect.objectContaining({
        endToEndId: 'E9',
        status: 'returned',
        amount: { amountMinor: 300, currency: 'EUR' },
        originalAmount: { amountMinor: 1000, currency: 'EUR' },
      }),
    ]);
  });

  it('when an entry is pending or a transaction has no readable amount, then it is left out, never guessed', () => {
    const pending = camtEntry('P', camtTx('E1', '1.00'), { total: '1.00' }).replace('BOOK', 'PDNG');
    const noAmount = camtEntry(
      'Q',
      '<TxDtls><Refs><EndToEndId>E2</EndToEndId></Refs></TxDtls>' + camtTx('E3', '1.00'),
      {
        total: '9.99',
      },
    );
    const xml = `<Document xmlns="${CAMT054}"><BkToCstmrDbtCdtNtfctn><Ntfctn><Id>N</Id>${pending}${noAmount}</Ntfctn></BkToCstmrDbtCdtNtfctn></Document>`;
    expect(parseCamt054(xml).entries.map((e) => e.endToEndId)).toEqual(['E3']);
  });

  it('when the document is a pain.002 or has no namespace, then parsing throws', () => {
    expect(() => parseCamt054(`<Document xmlns="${PAIN002}"><BkToCstmrDbtCdtNtfctn/></Document>`)).toThrow(/camt\.054/);
    expect(() => parseCamt054('<Document><BkToCstmrDbtCdtNtfctn/></Document>')).toThrow(/camt\.054/);
  });
});
