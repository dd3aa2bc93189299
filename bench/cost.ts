import type { AwsCallCount } from './aws-calls';

/**
 * List prices (USD, us-east-1, on-demand, December 2026) the cost of a run is computed at. Temporal Cloud: actions
 * at the first tier of pay-as-you-go ($50 per million; volume tiers are lower); storage is left out (a payout's
 * history is tens of KB, retained for the namespace's retention period).
 */
export const LIST_PRICES = {
  temporalPerMillionActions: 50,
  lambdaPerGbSecond: 0.0000166667,
  lambdaPerMillionRequests: 0.2,
  dynamoPerMillionWru: 0.625,
  dynamoPerMillionRru: 0.125,
  snsPerMillionPublishes: 0.5,
  sesPerThousandEmails: 0.1,
  s3PerThousandPuts: 0.005,
  s3PerThousandGets: 0.0004,
} as const;

/** Lambda's CPU share: one vCPU at 1,769 MB. */
const MB_PER_VCPU = 1_769;

export interface CostInputs {
  payouts: number;
  /** Billable Temporal actions per payout (bench/actions.ts), e.g. 16 on the PSP rail. */
  actionsPerPayout: number;
  /** The worker's CPU per payout over all its threads, ms (the payout run's figure). */
  workerCpuMsPerPayout: number;
  /** AWS calls per payout by operation, with DynamoDB units (bench/aws-calls.ts, the single payouts' figures). */
  awsPerPayout: Record<string, AwsCallCount>;
  /** The Lambda function's memory, MB. */
  memoryMb: number;
  /** The Lambda worker's timeout: each invocation polls until shortly before it (infra/cdk workerTimeoutSeconds). */
  invocationSeconds: number;
  /** The PSP's pace: transfers per second per endpoint (Stripe: 25). */
  pacePerSecond: number;
  /** The share of a vCPU the worker may use before it falls behind (headroom for bursts and GC). */
  targetCpuUtilisation: number;
}

export interface CostLine {
  item: string;
  quantity: number;
  unit: string;
  usd: number;
}

/** The cost of `payouts` payouts from measured figures, line by line, with the wall time and workers it needs. */
export function costOf(i: CostInputs) {
  const p = LIST_PRICES;
  const sumOf = (pred: (op: string) => boolean, f: (c: AwsCallCount) => number) =>
    Object.entries(i.awsPerPayout)
      .filter(([op]) => pred(op))
      .reduce((s, [, c]) => s + f(c), 0) * i.payouts;
  const wru = sumOf(
    (op) => op.startsWith('dynamo.'),
    (c) => c.wru,
  );
  const rru = sumOf(
    (op) => op.startsWith('dynamo.'),
    (c) => c.rru,
  );
  const publishes = sumOf(
    (op) => op.startsWith('sns.'),
    (c) => c.calls,
  );
  const emails = sumOf(
    (op) => op.startsWith('ses.'),
    (c) => c.calls,
  );
  const s3Puts = sumOf(
    (op) => /^s3\.(Put|Copy|Post|List)/.test(op),
    (c) => c.calls,
  );
  const s3Gets = sumOf(
    (op) => /^s3\.(Get|Head)/.test(op),
    (c) => c.calls,
  );
  const actions = i.actionsPerPayout * i.payouts;

  // Wall time: the PSP's pace is the floor; the workers must keep up with it.
  const floorSeconds = i.payouts / i.pacePerSecond;
  const vcpu = i.memoryMb / MB_PER_VCPU;
  const perWorkerPerSecond = (vcpu * i.targetCpuUtilisation * 1_000) / i.workerCpuMsPerPayout;
  const workers = Math.ceil(i.pacePerSecond / perWorkerPerSecond);
  // Each worker polls for the whole run (a Lambda worker is billed while it waits on its long poll).
  const gbSeconds = workers * floorSeconds * (i.memoryMb / 1_024);
  const requests = workers * Math.ceil(floorSeconds / i.invocationSeconds);
  // The least a run can cost in Lambda: only the CPU the payouts need, at full utilisation.
  const cpuBoundGbSeconds = ((i.payouts * i.workerCpuMsPerPayout) / 1_000 / vcpu) * (i.memoryMb / 1_024);

  const lines: CostLine[] = [
    {
      item: 'Temporal Cloud actions',
      quantity: actions,
      unit: 'actions',
      usd: (actions / 1e6) * p.temporalPerMillionActions,
    },
    {
      item: `Lambda duration (${workers} × ${i.memoryMb} MB for the run)`,
      quantity: gbSeconds,
      unit: 'GB-s',
      usd: gbSeconds * p.lambdaPerGbSecond,
    },
    {
      item: 'Lambda requests',
      quantity: requests,
      unit: 'invocations',
      usd: (requests / 1e6) * p.lambdaPerMillionRequests,
    },
    { item: 'DynamoDB writes (ledger, audit)', quantity: wru, unit: 'WRU', usd: (wru / 1e6) * p.dynamoPerMillionWru },
    { item: 'DynamoDB reads (ledger, audit)', quantity: rru, unit: 'RRU', usd: (rru / 1e6) * p.dynamoPerMillionRru },
    {
      item: 'SNS publishes',
      quantity: publishes,
      unit: 'publishes',
      usd: (publishes / 1e6) * p.snsPerMillionPublishes,
    },
    { item: 'SES emails', quantity: emails, unit: 'emails', usd: (emails / 1e3) * p.sesPerThousandEmails },
    {
      item: 'S3 requests',
      quantity: s3Puts + s3Gets,
      unit: 'requests',
      usd: (s3Puts / 1e3) * p.s3PerThousandPuts + (s3Gets / 1e3) * p.s3PerThousandGets,
    },
  ];
  const totalUsd = lines.reduce((s, l) => s + l.usd, 0);
  return {
    lines,
    totalUsd,
    perPayoutUsd: totalUsd / i.payouts,
    wall: {
      floorMinutes: floorSeconds / 60,
      perWorkerPerSecond,
      workers,
      /** One worker alone: how long the run would take at its CPU's pace (when below the PSP's). */
      oneWorkerMinutes: i.payouts / Math.min(perWorkerPerSecond, i.pacePerSecond) / 60,
    },
    cpuBoundLambdaUsd: cpuBoundGbSeconds * p.lambdaPerGbSecond,
  };
}

const usd = (x: number) => (x < 0.01 ? `$${x.toFixed(4)}` : `$${x.toFixed(2)}`);
const qty = (x: number) => Math.round(x).toLocaleString('en-US');

/** The cost as printed by the bench (and pasted into the docs). */
export function showCost(i: CostInputs, c: ReturnType<typeof costOf>): string[] {
  return [
    `cost of ${qty(i.payouts)} payouts at list prices (${i.actionsPerPayout} actions per payout, worker CPU ${i.workerCpuMsPerPayout} ms per payout, Lambda ${i.memoryMb} MB):`,
    ...c.lines.map((l) => `  ${l.item}: ${qty(l.quantity)} ${l.unit} = ${usd(l.usd)}`),
    `  total ${usd(c.totalUsd)}, ${usd(c.perPayoutUsd)} per payout; Lambda if billed for CPU only: ${usd(c.cpuBoundLambdaUsd)}`,
    `  wall time paced at ${i.pacePerSecond} transfers/s: ${c.wall.floorMinutes.toFixed(0)} min (the floor); one ${i.memoryMb} MB worker carries ${c.wall.perWorkerPerSecond.toFixed(1)} payouts/s at ${Math.round(i.targetCpuUtilisation * 100)} % CPU, so ${c.wall.workers} keep the pace (one alone: ${c.wall.oneWorkerMinutes.toFixed(0)} min)`,
  ];
}
