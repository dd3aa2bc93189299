import { createWriteStream, mkdirSync } from 'node:fs';
import { once } from 'node:events';
import { join } from 'node:path';
import { REASON_CODES } from '../../workflows/approvals/contract';
import { factPrefix, type CompensationFact, type PayoutSlaFact } from '../../workflows/shared/report-facts';

/**
 * Deterministic sample facts (a seeded generator: the same arguments give the same bytes) for report tests and
 * `npm run bench:reports`: compensations across reasons, agents, teams, instruments and both approval paths, some
 * failed with undos; payouts across rails and countries with waits, breaches, failure and return codes.
 */
export function* sampleCompensationFacts(o: {
  month: string;
  count: number;
  seed?: number;
}): Generator<CompensationFact> {
  let s = o.seed ?? 7;
  const rnd = () => (s = (Math.imul(s, 1_103_515_245) + 12_345) >>> 0) / 2 ** 32;
  const [y, m] = o.month.split('-').map(Number) as [number, number];
  const start = Date.UTC(y, m - 1, 1);
  const span = Date.UTC(y, m, 1) - start;
  for (let i = 0; i < o.count; i++) {
    const atMs = start + Math.floor((i / o.count) * span);
    const at = new Date(atMs).toISOString();
    const auto = rnd() < 0.7;
    const refundMinor = rnd() < 0.5 ? 100 + Math.floor(rnd() * 900) : 0;
    const storeCreditMinor = rnd() < 0.5 || refundMinor === 0 ? 100 + Math.floor(rnd() * 900) : 0;
    const voucherMinor = rnd() < 0.2 ? 100 + Math.floor(rnd() * 400) : 0;
    const failed = !auto && rnd() < 0.02;
    const undoneStoreCreditMinor = failed ? storeCreditMinor : 0;
    const undoneVoucherMinor = 0;
    const totalMinor = refundMinor + storeCreditMinor + voucherMinor;
    const undoneMinor = undoneStoreCreditMinor + undoneVoucherMinor;
    const agent = Math.floor(rnd() * 400);
    const factId = `compensation-s${o.seed ?? 7}-${o.month}-${i}`;
    yield {
      factId,
      outcome: failed ? 'failed' : 'executed',
      at,
      day: at.slice(0, 10),
      requestId: `s-${i}`,
      orderId: `ord-${Math.floor(rnd() * o.count)}`,
      customerId: `cus-${Math.floor(rnd() * 100_000)}`,
      reasonCode: REASON_CODES[Math.floor(rnd() * REASON_CODES.length)] as string,
      agentId: `cs.agent${agent}`,
      agentRole: 'cs_agent',
      team: agent % 5 === 0 ? null : `team-${agent % 7}`,
      approvers: auto ? [] : [{ id: `fin.approver${agent % 9}`, role: 'finance_approver' }],
      tier: auto ? 'auto' : 'finance',
      autoApproved: auto,
      policyVersion: '2025-09.1',
      currency: rnd() < 0.8 ? 'EUR' : 'USD',
      refundMinor,
      storeCreditMinor,
      voucherMinor,
      totalMinor,
      undoneMinor,
      undoneStoreCreditMinor,
      undoneVoucherMinor,
      netMinor: totalMinor - undoneMinor,
      postingIds: [`comp:${factId}:${failed ? 'issued' : 'executed'}`],
    };
  }
}

const RAILS = [
  { rail: 'psp', country: 'US', slaMs: 2 * 86_400_000 },
  { rail: 'psp', country: 'GB', slaMs: 2 * 86_400_000 },
  { rail: 'bank', country: 'DE', slaMs: 86_400_000 },
  { rail: 'bank', country: 'FR', slaMs: 86_400_000 },
];
const FAILURES = ['kyc_rejected', 'account_closed', 'outcome_unknown', 'insufficient_funds'];
const RETURNS = ['AC04', 'AC06', 'AM04', 'MD07', 'RR04'];
const ACTORS = ['creator', 'ops', 'compliance', 'bank', 'psp'];

export function* samplePayoutSlaFacts(o: { month: string; count: number; seed?: number }): Generator<PayoutSlaFact> {
  let s = o.seed ?? 11;
  const rnd = () => (s = (Math.imul(s, 1_103_515_245) + 12_345) >>> 0) / 2 ** 32;
  const [y, m] = o.month.split('-').map(Number) as [number, number];
  const start = Date.UTC(y, m - 1, 1);
  const span = Date.UTC(y, m, 1) - start;
  for (let i = 0; i < o.count; i++) {
    const r = RAILS[Math.floor(rnd() * RAILS.length)] as (typeof RAILS)[number];
    const closedMs = start + Math.floor((i / o.count) * span);
    const took = Math.floor(rnd() * rnd() * 4 * r.slaMs);
    const roll = rnd();
    const outcome = roll < 0.9 ? 'paid' : roll < 0.95 ? 'failed' : 'returned';
    const waits = ACTORS.filter(() => rnd() < 0.15).map((actor) => ({ actor, ms: Math.floor(rnd() * took) }));
    yield {
      factId: `payout-s${o.seed ?? 11}-${o.month}-${i}`,
      outcome,
      startedAt: new Date(closedMs - took).toISOString(),
      closedAt: new Date(closedMs).toISOString(),
      day: new Date(closedMs).toISOString().slice(0, 10),
      rail: r.rail,
      country: r.country,
      currency: r.country === 'US' ? 'USD' : r.country === 'GB' ? 'GBP' : 'EUR',
      amountMinor: 1_000 + Math.floor(rnd() * 100_000),
      startToPaidMs: outcome === 'paid' ? took : null,
      slaMs: r.slaMs,
      breached: took > r.slaMs,
      waits,
      failureCode: outcome === 'failed' ? (FAILURES[Math.floor(rnd() * FAILURES.length)] as string) : null,
      returnCode: outcome === 'returned' ? (RETURNS[Math.floor(rnd() * RETURNS.length)] as string) : null,
    };
  }
}

/**
 * Writes facts into `<root>/facts/<kind>/day=…/part-<n>.ndjson`, one file per day (a compacted partition; the
 * workflows write one object per fact). Facts must come in day order.
 */
export async function writeFactFiles(
  root: string,
  kind: 'compensation' | 'payout-sla',
  facts: Iterable<{ day: string }>,
): Promise<{ files: number; facts: number }> {
  let day = '';
  let out: ReturnType<typeof createWriteStream> | undefined;
  let files = 0;
  let n = 0;
  let buf: string[] = [];
  const flush = async () => {
    if (out && buf.length) if (!out.write(buf.join(''))) await once(out, 'drain');
    buf = [];
  };
  for (const f of facts) {
    if (f.day !== day) {
      await flush();
      if (out) {
        out.end();
        await once(out, 'finish');
      }
      day = f.day;
      const dir = join(root, factPrefix(kind, day));
      mkdirSync(dir, { recursive: true });
      out = createWriteStream(join(dir, 'part-0.ndjson'));
      files++;
    }
    buf.push(`${JSON.stringify(f)}\n`);
    n++;
    if (buf.length >= 5_000) await flush();
  }
  await flush();
  if (out) {
    out.end();
    await once(out, 'finish');
  }
  return { files, facts: n };
}
