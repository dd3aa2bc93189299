import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { camt053Chunks, summarize, type StatementEntry, type StatementHead } from '../sandboxes/bank/camt053';

/**
 * The reconciliation benches' generated day: a stable pseudo-random value per entry index (so a statement and its
 * ledger can be generated alike, and iterated twice), and a camt.053 written to a file as a stream.
 */

/** A stable pseudo-random value in [0, 1) per index and salt. */
export function u(i: number, salt: number): number {
  let h = (i * 0x9e3779b1 + salt * 0x85ebca6b) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x7feb352d) >>> 0;
  h = Math.imul(h ^ (h >>> 15), 0x846ca68b) >>> 0;
  return ((h ^ (h >>> 16)) >>> 0) / 4_294_967_296;
}

/** One statement of `date` with `entries` (called twice: once for the totals, once to write), streamed to `path`. */
export async function writeCamt053(
  path: string,
  s: { date: string; lines: number; iban: string; entries: () => Iterable<StatementEntry> },
): Promise<void> {
  const summary = summarize(s.entries());
  const openingMinor = 100_000_000_000;
  const head: StatementHead = {
    messageId: `BENCH-${s.date}-${s.lines}`,
    createdAt: `${s.date}T23:59:00Z`,
    statementId: `BENCH-${s.date.replace(/-/g, '')}-${s.lines}`,
    electronicSeqNb: 1,
    from: s.date,
    to: s.date,
    accountIban: s.iban,
    currency: 'EUR',
    openingMinor,
    closingMinor: openingMinor + summary.netMinor,
    summary,
  };
  const out = createWriteStream(path);
  let buf = '';
  for (const chunk of camt053Chunks(head, s.entries())) {
    buf += chunk;
    if (buf.length < 1 << 16) continue;
    if (!out.write(buf)) await once(out, 'drain');
    buf = '';
  }
  out.end(buf);
  await once(out, 'finish');
}
