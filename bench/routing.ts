import { performance } from 'node:perf_hooks';
import type { Currency } from '../workflows/shared/money';
import type { PayoutRouteFacts, ProviderId, RouteContext } from '../workflows/routing/contract';
import { mayFailOver } from '../workflows/routing/failover';
import { routePayout } from '../workflows/routing/route';
import { ROUTING_TABLES } from '../workflows/routing/table';

/**
 * `npm run bench:routing`: what one routing decision costs (the target: under 1 ms in the workflow). Runs
 * `routePayout` (and `mayFailOver`) over a fixed mix of payouts, after a warm-up, and prints the mean and the p99 of
 * batches. A figure to read, not a timed test: a loaded CI machine must not fail the gate on it.
 */

const CURRENCIES: Currency[] = ['EUR', 'USD', 'GBP', 'SEK', 'PLN', 'JPY'];
const COUNTRIES = ['DE', 'US', 'GB', 'SE', 'PL', 'JP', 'fr'];
const CONTEXTS: RouteContext[] = [
  { paused: [], destinations: ['stripe', 'adyen'] },
  { paused: ['stripe'], destinations: ['stripe', 'adyen'] },
  { paused: [], destinations: ['stripe'] as ProviderId[] },
];

const inputs: Array<{ facts: PayoutRouteFacts; ctx: RouteContext }> = [];
for (let i = 0; i < 1_000; i++)
  inputs.push({
    facts: {
      amountMinor: 100 + ((i * 7_919) % 6_000_000),
      currency: CURRENCIES[i % CURRENCIES.length]!,
      country: COUNTRIES[i % COUNTRIES.length]!,
    },
    ctx: CONTEXTS[i % CONTEXTS.length]!,
  });

function measure(label: string, table: (typeof ROUTING_TABLES)[keyof typeof ROUTING_TABLES]): void {
  let sink = 0;
  const run = () => {
    for (const { facts, ctx } of inputs) {
      const d = routePayout(table, facts, ctx);
      sink += d.kind === 'routed' ? d.fallbacks.length + 1 : 0;
    }
  };
  for (let i = 0; i < 50; i++) run(); // warm-up: the JIT, as in a long-lived worker
  const perDecisionUs: number[] = [];
  for (let b = 0; b < 200; b++) {
    const t0 = performance.now();
    run();
    perDecisionUs.push(((performance.now() - t0) * 1000) / inputs.length);
  }
  perDecisionUs.sort((a, b) => a - b);
  const mean = perDecisionUs.reduce((a, b) => a + b, 0) / perDecisionUs.length;
  const p99 = perDecisionUs[Math.floor(perDecisionUs.length * 0.99)]!;
  // A cold decision: the first call in a fresh workflow sandbox runs before the JIT has seen it.
  const t0 = performance.now();
  routePayout(table, { amountMinor: 12_345, currency: 'CHF', country: 'CH' }, CONTEXTS[0]!);
  const coldUs = (performance.now() - t0) * 1000;
  console.log(
    `routePayout [table ${label}]  mean ${mean.toFixed(2)} µs/decision  p99 of batches ${p99.toFixed(2)} µs  ` +
      `one more call ${coldUs.toFixed(1)} µs  (${inputs.length * perDecisionUs.length} decisions, ${sink} providers in chains)`,
  );
  if (p99 >= 1000) process.exitCode = 1;
}

for (const [version, table] of Object.entries(ROUTING_TABLES)) measure(version, table);

const table = ROUTING_TABLES['2026-12.1'];
const t0 = performance.now();
let allowed = 0;
for (let i = 0; i < 100_000; i++)
  if (
    mayFailOver(
      {
        kind: 'refusal',
        rail: 'psp',
        provider: i % 2 ? 'stripe' : 'adyen',
        code: i % 3 ? 'notEnoughBalance' : 'x',
        requestId: 'r',
      },
      table,
    ).allowed
  )
    allowed++;
console.log(`mayFailOver  ${(((performance.now() - t0) * 1000) / 100_000).toFixed(3)} µs/verdict (${allowed} allowed)`);
console.log('target: one routing decision < 1 ms (1000 µs)');
