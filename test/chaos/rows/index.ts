import type { Row } from '../row';
import { returnRows } from './returns';
import { forgedCarry } from './carry';
import { compensationRows } from './compensations';
import { disputeRows } from './disputes';
import { forgeryHalves, forgeryRows } from './forgeries';
import { initiationRows } from './initiation';
import { ledgerOutageRow } from './ledger-outage';
import { opsRows } from './ops';
import { payoutRunRows } from './payout-run';
import { processFaultRows } from './process-faults';
import { pspFaultRows } from './psp-faults';
import { railRows } from './rails';
import { reconRows } from './recon';
import { routingRows } from './routing';
import { webhookRows } from './webhooks';

/** A payout started by hand with a carry: refused, nothing booked, nothing sent. */
const forgedCarryRow: Row = { name: 'forged-carry', run: forgedCarry };

/** Every implemented row of the fault matrix, in the order they run. */
export const allRows: Row[] = [
  ...pspFaultRows,
  ...processFaultRows,
  ...initiationRows,
  ...webhookRows,
  ...returnRows,
  ...opsRows,
  forgedCarryRow,
  ...railRows,
  ...payoutRunRows,
  ...compensationRows,
  ...disputeRows,
  ...forgeryRows,
  ledgerOutageRow,
  ...reconRows,
  ...routingRows,
];

/**
 * The CI run's parts, each on its own stack in its own jest file, so jest runs them side by side: most of a row's time
 * is spent waiting out timeouts. The first two took about equal wall time (403 s and 401 s of rows in the last quiet
 * gate); the routing rows (two PSPs) are the third.
 */
export const ciParts: [Row[], Row[], Row[]] = [
  [
    ...pspFaultRows,
    ...processFaultRows,
    ...initiationRows,
    ...opsRows,
    forgedCarryRow,
    ...forgeryHalves[0],
    ...disputeRows,
    ...reconRows,
  ],
  [
    ...webhookRows,
    ...returnRows,
    ...forgeryHalves[1],
    ...railRows,
    ...payoutRunRows,
    ...compensationRows,
    ledgerOutageRow,
  ],
  routingRows,
];

/** The rows named in `names` (all when empty); an unknown name fails loudly. */
export function selectRows(names: string[]): Row[] {
  if (names.length === 0) return allRows;
  return names.map((name) => {
    const row = allRows.find((r) => r.name === name);
    if (!row) throw new Error(`unknown row ${name}; rows: ${allRows.map((r) => r.name).join(', ')}`);
    return row;
  });
}
