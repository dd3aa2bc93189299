/**
 * `npm run bench:payouts [-- --quick] [--n <N>] [--rounds <R>] [--run <RUN>] [--paced <P>] [--limit <L>]`: payouts
 * against a floor measured in the same run.
 *
 * Starts its own stack on free ports (Temporal dev server without the fairness matcher, moto; PSP, bank and
 * creator-directory sandboxes in this process, the PSP at a fixed latency), one worker as a child process on a
 * prebuilt bundle (its RSS is sampled; each process's and the worker's threads' CPU time is read per phase), then
 * measures, in order:
 *   1-2. the same-shape floor (N `benchShapeFloor` workflows replaying a payout's recorded command shape, no-op
 *      bodies) and N single `creatorPayout` workflows on the PSP rail, alternating in rounds; the ratios payout / floor;
 *   3. billable actions and history events per payout (PSP rail, bank rail, a run's child, returned in its window);
 *   4. one `payoutRun` over RUN creators (sliding window + continue-as-new);
 *   5. the paced run, on a second stack with the fairness matcher: a `payoutRun` over P creators against a PSP
 *      allowing L requests/s per endpoint.
 * Prints each figure, then one JSON line with all of them. No figure is judged pass/fail here.
 */
import { loadavg } from 'node:os';
import { Client, Connection } from '@temporalio/client';
import { getPayoutRunState } from '../client/payout-runs';
import { z } from 'zod';
import { parseFlags, parseOrExit, wholeNumber } from '../scripts/cli/args';
import { startPayout } from '../client/payouts';
import { dataConverterFor } from '../workers/data-converter';
import { creatorPayoutWorkflowId } from '../workflows/payouts/contract';
import { payoutRunWorkflowId, type PayoutRunWorkflow } from '../workflows/payout-runs/contract';
import type { SearchAttributePair } from '@temporalio/common';
import { actionsOf } from './actions';
import { asPairs } from './floor';
import { actionSamples, showActions } from './samples';
import { describeShape, shapeOf } from './shape';
import { preparePacedRun, type PacedFigures } from './paced';
import { cpuMeter, log, percentile, rssSampler, showCpu, timeWorkflows, type Figures } from './measure';
import { adminPost, startBenchStack, untilWorkerPolls } from './stack';
import { collectedSample, memoryFigures, memorySamples, untilSamples, type MemoryFigures } from './memory';
import { perPayout, showAws } from './aws-calls';
import { costOf, showCost, type CostInputs } from './cost';
import { workerMemoryMb } from '../workers/worker-sizing';

const USAGE = `npm run bench:payouts [-- --quick] [--n <N>] [--rounds <R>] [--run <RUN>] [--paced <P>] [--limit <L>]
  --quick        smaller sizes (N 100, RUN 1000, P 100, 2 rounds)
  --n <N>        single payouts against as many floor workflows (default 400)
  --rounds <R>   floor and payouts alternate in R rounds of N / R each (default 4)
  --run <RUN>    creators in the payout run (0 skips it; default 10000)
  --paced <P>    creators in the paced run (0 skips it; default 2000)
  --limit <L>    the PSP's requests/s per endpoint in the paced run (default 5)
  --memory <K>   payouts parked in the cache (and K/4 PSP calls in flight) for the memory figures (0 skips; default 200)`;

/** Sizes, for profiling one phase: `--n 100` and `--n=100` alike; a bad value exits 2 naming the flag. */
const benchOptions = {
  quick: { type: 'boolean' },
  n: { type: 'string' },
  rounds: { type: 'string' },
  run: { type: 'string' },
  paced: { type: 'string' },
  limit: { type: 'string' },
  memory: { type: 'string' },
} as const;
const size = wholeNumber(0, 1_000_000).optional();
const benchSchema = z.object({
  quick: z.boolean().default(false),
  n: wholeNumber(1, 1_000_000).optional(),
  rounds: wholeNumber(1, 1_000).optional(),
  run: size,
  paced: size,
  limit: wholeNumber(1, 10_000).optional(),
  memory: size,
});
const args = parseOrExit('bench:payouts', USAGE, () =>
  parseFlags(process.argv.slice(2), benchOptions, benchSchema),
).values;
const quick = args.quick;
const N = args.n ?? (quick ? 100 : 400);
const RUN = args.run ?? (quick ? 1_000 : 10_000);
/** The paced run: `--paced <creators>` (0 skips it) against a PSP allowing `--limit <L>` requests/s per endpoint. */
const PACED = args.paced ?? (quick ? 100 : 2_000);
const LIMIT = args.limit ?? 5;
const ROUNDS = args.rounds ?? (quick ? 2 : 4);
/** The memory phase: K payouts parked in their return window (in the sticky cache), then K/4 PSP calls in flight. */
const MEMORY = args.memory ?? 200;
const PACED_PERIOD = '2026-09';
const PSP_LATENCY_MS = 20;
const PERIOD = '2026-10';
const timing = { returnWindowMs: 1, pollInitialMs: 200, pollMaxMs: 2_000 };

const round3 = (x: number) => Number(x.toFixed(3));

async function main(): Promise<void> {
  const benchStarted = Date.now();
  // The fairness matcher only where it is needed: the paced run, on its own stack (see infra/local/stack.ts).
  const stack = await startBenchStack({ pspLatencyMs: PSP_LATENCY_MS, name: 'main', fairness: false });
  const { config, servers } = stack;
  let pacedReady: ReturnType<typeof preparePacedRun> | undefined;
  try {
    log(`seeding ${N + RUN + 1} creators (directory + ledger on moto)…`);
    const ids = Array.from({ length: N + RUN + 1 }, (_, i) => `bench-${String(i).padStart(6, '0')}`);
    const warmCreator = ids[N + RUN] as string;
    await stack.seedCreators(ids, PERIOD, 5_000);
    const workerPid = await stack.startWorker();
    const rss = rssSampler(workerPid);
    const pidOf = (name: string) => servers.processes.find((p) => p.name === name)?.pid ?? 0;
    const cpu = cpuMeter(
      {
        worker: workerPid,
        temporal: pidOf('temporal'),
        moto: pidOf('moto'),
        'bench+sandboxes': process.pid,
      },
      { threadsOf: 'worker' },
    );
    const connection = await Connection.connect({ address: config.TEMPORAL_ADDRESS });
    const client = new Client({ connection, dataConverter: dataConverterFor(config) });
    const taskQueue = config.TEMPORAL_TASK_QUEUE;

    await untilWorkerPolls(client, taskQueue);
    // Warm-up payout, through the typed client as the singles: its history gives the floor its shape.
    const { handle: warm } = await startPayout(
      client,
      {
        payoutId: `${warmCreator}-warm`,
        creatorId: warmCreator,
        period: PERIOD,
        amount: { amountMinor: 5_000, currency: 'USD' },
        timing,
      },
      { taskQueue },
    );
    await warm.result();
    const shape = shapeOf(await warm.fetchHistory());
    log(`a payout's shape: ${describeShape(shape)}; PSP latency fixed at ${PSP_LATENCY_MS} ms`);

    const historyLength = async (workflowId: string) =>
      Number((await client.workflow.getHandle(workflowId).describe()).historyLength);

    // Floor and payouts alternate in rounds (floor, payouts, then payouts, floor, …) so that neither gets the
    // server's start-up work or the machine's drift alone; each kind's figures sum over its rounds.
    const startAttributes = asPairs(shape.startAttributes).filter((p) => p.value !== null) as SearchAttributePair[];
    const startFloor = (i: number) =>
      client.workflow.start('benchShapeFloor', {
        taskQueue,
        workflowId: `bench-floor-${i}-${Date.now()}`,
        args: [shape],
        typedSearchAttributes: startAttributes,
      });
    const startSingle = (i: number) => {
      const creatorId = ids[i + RUN] as string;
      // Through the typed client, as backend services start payouts.
      return startPayout(
        client,
        {
          payoutId: `${creatorId}-${PERIOD}`,
          creatorId,
          period: PERIOD,
          amount: { amountMinor: 5_000, currency: 'USD' },
          timing,
        },
        { taskQueue },
      ).then((s) => s.handle);
    };
    const kinds = { floor: startFloor, payouts: startSingle };
    const totals = {
      floor: { seconds: 0, latencies: [] as number[], rssMiB: 0, cpuMs: {} as Record<string, number> },
      payouts: { seconds: 0, latencies: [] as number[], rssMiB: 0, cpuMs: {} as Record<string, number> },
    };
    const awsSoFar = async () => {
      // The worker samples every second: a sample taken after this call counts every call made before it.
      const from = Date.now();
      await untilSamples(stack.memoryFile, (s) => s.t > from, 1);
      return memorySamples(stack.memoryFile).at(-1)?.aws ?? {};
    };
    const awsBefore = await awsSoFar();
    for (let round = 0; round < ROUNDS; round++) {
      const from = Math.floor((round * N) / ROUNDS);
      const count = Math.floor(((round + 1) * N) / ROUNDS) - from;
      const order = round % 2 === 0 ? (['floor', 'payouts'] as const) : (['payouts', 'floor'] as const);
      for (const kind of order) {
        rss.reset();
        cpu(1);
        const timed = await timeWorkflows(count, (i) => kinds[kind](from + i));
        const t = totals[kind];
        t.seconds += timed.seconds;
        t.latencies.push(...timed.latencies);
        t.rssMiB = Math.max(t.rssMiB, rss.peakMiB());
        for (const [proc, ms] of Object.entries(cpu(1))) t.cpuMs[proc] = (t.cpuMs[proc] ?? 0) + ms;
      }
    }
    const figuresOf = (t: (typeof totals)['floor'], maxHistoryEvents: number): Figures => ({
      completionsPerSec: N / t.seconds,
      p50Ms: percentile(t.latencies, 50),
      p95Ms: percentile(t.latencies, 95),
      workerPeakRssMiB: t.rssMiB,
      maxHistoryEvents,
      cpuMsPerWorkflow: Object.fromEntries(Object.entries(t.cpuMs).map(([proc, ms]) => [proc, Math.round(ms / N)])),
    });
    // The floor calls nothing: every AWS call of the rounds is a single payout's.
    const awsPerPayout = perPayout(awsBefore, await awsSoFar(), N);
    log(`aws:     per payout: ${showAws(awsPerPayout)}`);
    const floorFig = figuresOf(totals.floor, 0);
    const singleHistory = await historyLength(creatorPayoutWorkflowId(`${ids[RUN]}-${PERIOD}`));
    const payoutFig = figuresOf(totals.payouts, singleHistory);
    log(
      `floor:   ${N} same-shape workflows in ${ROUNDS} rounds: ${floorFig.completionsPerSec.toFixed(1)}/s, p50 ${floorFig.p50Ms} ms, p95 ${floorFig.p95Ms} ms, worker RSS ${floorFig.workerPeakRssMiB} MiB; CPU ms per workflow: ${showCpu(floorFig.cpuMsPerWorkflow)}`,
    );
    log(
      `payouts: ${N} single payouts in ${ROUNDS} rounds: ${payoutFig.completionsPerSec.toFixed(1)}/s, p50 ${payoutFig.p50Ms} ms, p95 ${payoutFig.p95Ms} ms, worker RSS ${payoutFig.workerPeakRssMiB} MiB, history ${singleHistory} events; CPU ms per payout: ${showCpu(payoutFig.cpuMsPerWorkflow)}`,
    );

    /**
     * What one cached workflow and one activity in flight hold, from collected samples of the worker's heaps (a full
     * GC first, so garbage is not counted; RSS from the sample before it, as the snapshot's own memory inflates it):
     * idle; with MEMORY payouts parked in a 15-minute return window (sticky
     * cache); with MEMORY/4 of them calling a PSP that answers after 7 s (activities in flight on the PSP queue).
     */
    const measureMemory = async (): Promise<MemoryFigures> => {
      const file = stack.memoryFile;
      const memIds = Array.from({ length: MEMORY + Math.ceil(MEMORY / 4) }, (_, i) => `bench-mem-${i}`);
      await stack.seedCreators(memIds, PERIOD, 5_000);
      const start = (creatorId: string, returnWindowMs: number) =>
        startPayout(
          client,
          {
            payoutId: `${creatorId}-${PERIOD}`,
            creatorId,
            period: PERIOD,
            amount: { amountMinor: 5_000, currency: 'USD' },
            timing: { ...timing, returnWindowMs },
          },
          { taskQueue },
        ).then((s) => s.handle);
      await untilSamples(file, (s) => s.cached === 0 && s.activities === 0);
      const base = await collectedSample(file);
      const parked = await Promise.all(memIds.slice(0, MEMORY).map((id) => start(id, 15 * 60_000)));
      // Parked: all in the cache, nothing in flight on the main queue for five samples in a row.
      await untilSamples(file, (s) => s.cached >= MEMORY && s.activities === 0, 5);
      const withCache = await collectedSample(file);
      await adminPost(stack.pspUrl, '/__admin/faults', { latencyMs: 7_000 });
      const calling = await Promise.all(memIds.slice(MEMORY).map((id) => start(id, 1)));
      // Profile, reserve and the fixed destination take about a second; then each waits 7 s on the PSP's look-up.
      await new Promise((r) => setTimeout(r, 4_000));
      const withActivities = await collectedSample(file);
      await adminPost(stack.pspUrl, '/__admin/faults', { latencyMs: PSP_LATENCY_MS });
      await Promise.all(calling.map((h) => h.result()));
      await Promise.all(parked.map((h) => h.terminate('bench: memory phase over')));
      const fig = memoryFigures(base, withCache, MEMORY, withActivities, calling.length);
      log(
        `memory:  idle worker RSS ${fig.base.rssMiB} MiB (heaps live: main ${fig.base.mainUsedMiB}, workflows ${fig.base.workflowsUsedMiB} MiB); per cached payout: workflow heap ${fig.heapPerCachedWorkflowKiB} KiB, RSS ${fig.rssPerCachedWorkflowKiB} KiB (${MEMORY} parked); per PSP call in flight: main heap ${fig.heapPerActivityKiB} KiB, RSS ${fig.rssPerActivityKiB} KiB (${calling.length} in flight)`,
      );
      return fig;
    };

    const measureRun = async () => {
      rss.reset();
      cpu(1);
      const runStarted = Date.now();
      const run = await client.workflow.start<PayoutRunWorkflow>('payoutRun', {
        taskQueue,
        workflowId: payoutRunWorkflowId(PERIOD),
        args: [{ period: PERIOD, limit: RUN, maxConcurrent: 200, payoutTiming: timing }],
      });
      // A long run reports its progress every 30 s (the query goes to whichever execution is current).
      let lastPaid = 0;
      const ticker = setInterval(() => {
        void getPayoutRunState(client, PERIOD)
          .then((p) => {
            log(
              `run:     ${Math.round((Date.now() - runStarted) / 1000)} s: started ${p.started}, paid ${p.counts.paid}, failed ${p.counts.failed}, execution ${p.executions}, ${((p.counts.paid - lastPaid) / 30).toFixed(1)} paid/s in the last 30 s, worker RSS ${rss.peakMiB()} MiB`,
            );
            lastPaid = p.counts.paid;
          })
          .catch(() => undefined);
      }, 30_000);
      const progress = await run.result().finally(() => clearInterval(ticker));
      const runSecs = (Date.now() - runStarted) / 1000;
      const cpuMsPerPayout = cpu(RUN);
      let maxHistoryEvents = 0;
      for await (const execution of client.workflow.list({ query: `WorkflowId = '${payoutRunWorkflowId(PERIOD)}'` })) {
        maxHistoryEvents = Math.max(maxHistoryEvents, Number(execution.historyLength ?? 0));
      }
      for (const id of ids.slice(0, RUN).filter((_, i) => i % Math.ceil(RUN / 20) === 0)) {
        maxHistoryEvents = Math.max(maxHistoryEvents, await historyLength(creatorPayoutWorkflowId(`${id}-${PERIOD}`)));
      }
      const fig = {
        creators: RUN,
        seconds: Math.round(runSecs),
        completionsPerSec: progress.started / runSecs,
        executions: progress.executions,
        counts: progress.counts,
        workerPeakRssMiB: rss.peakMiB(),
        maxHistoryEvents,
        cpuMsPerPayout,
      };
      log(
        `run:     ${RUN} creators in ${fig.seconds} s (${fig.completionsPerSec.toFixed(1)}/s) over ${fig.executions} executions; counts ${JSON.stringify(progress.counts)}; worker RSS ${fig.workerPeakRssMiB} MiB; largest history ${maxHistoryEvents} events; CPU ms per payout: ${showCpu(cpuMsPerPayout)}`,
      );
      return fig;
    };
    const runFig = RUN > 0 ? await measureRun() : undefined;
    // After the run: the heap snapshots that force the collections leave the process's RSS higher than it was.
    const memoryFig = MEMORY > 0 ? await measureMemory() : undefined;
    // The paced run's stack starts while the actions below are sampled (they are counts, not timings).
    pacedReady =
      PACED > 0
        ? preparePacedRun({
            pspLatencyMs: PSP_LATENCY_MS,
            period: PACED_PERIOD,
            creators: PACED,
            limitPerSec: LIMIT,
            timing,
          })
        : undefined;
    pacedReady?.catch(() => undefined); // awaited below: this only keeps an early failure from going unhandled

    const sum = (cpuMs: Record<string, number>, procs: string[]) => procs.reduce((t, p) => t + (cpuMs[p] ?? 0), 0);
    const cpuRatio = (procs: string[]) =>
      round3(sum(floorFig.cpuMsPerWorkflow, procs) / sum(payoutFig.cpuMsPerWorkflow, procs));
    const ratios = {
      // Payout throughput / same-shape floor throughput (1.0: a payout runs as fast as its own command shape).
      throughput: round3(payoutFig.completionsPerSec / floorFig.completionsPerSec),
      // Floor CPU / payout CPU per workflow, worker + Temporal server only (the emulators are reported apart).
      cpu: cpuRatio(['worker', 'temporal']),
      // The same without the worker's main thread, where activity bodies run (AWS SDK, HTTP, encryption): what
      // orchestrating a payout costs (server, workflow threads, the SDK's core; V8's helper threads collect both).
      cpuOrchestration: cpuRatio(['temporal', 'worker.workflows', 'worker.core']),
    };
    log(
      `same-shape ratios: throughput payout/floor ${ratios.throughput}, CPU (worker + server) floor/payout ${ratios.cpu}, CPU without the activity thread ${ratios.cpuOrchestration}`,
    );
    // The activity thread's own figure: what a payout's activity bodies (AWS and HTTP clients) add to the floor's glue.
    const mainMs = (fig: Figures) => fig.cpuMsPerWorkflow['worker.main'] ?? 0;
    const activityThread = {
      payoutMs: mainMs(payoutFig),
      floorMs: mainMs(floorFig),
      aboveFloorMs: mainMs(payoutFig) - mainMs(floorFig),
    };
    log(
      `activity thread: ${activityThread.payoutMs} ms per payout, ${activityThread.floorMs} ms per floor workflow, ${activityThread.aboveFloorMs} ms above the floor; load average ${loadavg()
        .map((l) => l.toFixed(1))
        .join(' ')}`,
    );

    const pspActions = actionsOf(
      await client.workflow.getHandle(creatorPayoutWorkflowId(`${ids[RUN]}-${PERIOD}`)).fetchHistory(),
    );
    // The cost of 100,000 payouts from this run's figures: PSP-rail actions, the run's worker CPU (or the singles'),
    // the singles' AWS calls; Lambda at the memory the worker planned for, paced at Stripe's 25 transfers/s.
    const workerCpu = (runFig?.cpuMsPerPayout ?? payoutFig.cpuMsPerWorkflow)['worker'] ?? 0;
    const costInputs: CostInputs = {
      payouts: 100_000,
      actionsPerPayout: pspActions.actions,
      workerCpuMsPerPayout: workerCpu,
      awsPerPayout,
      memoryMb: workerMemoryMb(config),
      invocationSeconds: 300,
      pacePerSecond: 25,
      targetCpuUtilisation: 0.7,
    };
    const cost = costOf(costInputs);
    for (const line of showCost(costInputs, cost)) log(line);

    const runChildId = RUN > 0 ? creatorPayoutWorkflowId(`${ids[0]}-${PERIOD}`) : undefined;
    const known = {
      psp: pspActions,
      runChild: runChildId ? actionsOf(await client.workflow.getHandle(runChildId).fetchHistory()) : undefined,
    };
    // On a loaded machine a sample can miss its 60 s wait: the figures already known are kept, the paced run still runs.
    const actions = await actionSamples(
      {
        client,
        taskQueue,
        period: PERIOD,
        timing,
        creatorsUrl: stack.creatorsUrl,
        pspUrl: stack.pspUrl,
        seed: (creatorIds, overrides) => stack.seedCreators(creatorIds, PERIOD, 5_000, overrides),
      },
      known,
    ).catch((err: unknown) => {
      log(`actions: the bank-rail and returned samples failed (${err instanceof Error ? err.message : String(err)})`);
      return Object.fromEntries(Object.entries(known).filter(([, c]) => c !== undefined)) as typeof known;
    });
    for (const [name, count] of Object.entries(actions)) if (count) log(`actions: ${showActions(name, count)}`);
    rss.stop();
    await connection.close();
    await stack.cleanup();
    // Last, on its own stack with the fairness matcher: it sets the PSP's and the PSP queue's limits.
    const pacedFig: PacedFigures | undefined = pacedReady ? await (await pacedReady).run() : undefined;
    const totalSeconds = Math.round((Date.now() - benchStarted) / 1000);
    log(`whole benchmark: ${totalSeconds} s`);
    console.log(
      JSON.stringify({
        bench: 'payouts',
        quick,
        totalSeconds,
        n: N,
        pspLatencyMs: PSP_LATENCY_MS,
        shape: describeShape(shape),
        floor: floorFig,
        payouts: payoutFig,
        ratios,
        activityThread,
        actions,
        memory: memoryFig,
        awsPerPayout,
        cost,
        run: runFig,
        paced: pacedFig,
      }),
    );
  } finally {
    await stack.cleanup();
    await pacedReady?.then(
      (paced) => paced.stop(),
      () => undefined,
    );
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
