import type { Row } from '../row';
import { bankReturnRows } from './bank-returns';
import { opsRows } from './ops';
import { processFaultRows } from './process-faults';
import { pspFaultRows } from './psp-faults';
import { webhookRows } from './webhooks';

/** Every implemented row of the fault matrix, in the order they run. */
export const allRows: Row[] = [...pspFaultRows, ...processFaultRows, ...webhookRows, ...bankReturnRows, ...opsRows];

/** The rows named in `names` (all when empty); an unknown name fails loudly. */
export function selectRows(names: string[]): Row[] {
  if (names.length === 0) return allRows;
  return names.map((name) => {
    const row = allRows.find((r) => r.name === name);
    if (!row) throw new Error(`unknown row ${name}; rows: ${allRows.map((r) => r.name).join(', ')}`);
    return row;
  });
}
