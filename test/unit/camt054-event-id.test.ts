import { readCamt054 } from '../../activities/adapters/bank/camt054';

const CAMT054 = 'urn:iso:std:iso:20022:tech:xsd:camt.054.001.08';
const doc = (inner: string) =>
  `<Document xmlns="${CAMT054}"><BkToCstmrDbtCdtNtfctn>${inner}</BkToCstmrDbtCdtNtfctn></Document>`;

describe('the camt.054 event ID, from the signed body', () => {
  it('when the message holds one notification, then its Ntfctn/Id is the event ID', () => {
    expect(readCamt054(doc('<GrpHdr><MsgId>G</MsgId></GrpHdr><Ntfctn><Id>N1</Id></Ntfctn>')).eventId).toBe('N1');
  });

  it('when the notification has no Id, or the message holds several, then GrpHdr/MsgId is (unique per message)', () => {
    expect(readCamt054(doc('<GrpHdr><MsgId>G</MsgId></GrpHdr><Ntfctn></Ntfctn>')).eventId).toBe('G');
    const two = '<GrpHdr><MsgId>G2</MsgId></GrpHdr><Ntfctn><Id>N1</Id></Ntfctn><Ntfctn><Id>N2</Id></Ntfctn>';
    expect(readCamt054(doc(two))).toEqual({ eventId: 'G2', notification: { notificationId: 'N1', entries: [] } });
  });

  it('when the message names neither, then there is no event ID; an ID in another namespace does not count', () => {
    expect(readCamt054(doc('<Ntfctn></Ntfctn>')).eventId).toBeUndefined();
    const foreign = '<GrpHdr xmlns:x="urn:example:other"><x:MsgId>FAKE</x:MsgId></GrpHdr><Ntfctn/>';
    expect(readCamt054(doc(foreign)).eventId).toBeUndefined();
  });
});
