import { holdPayout, releasePayout } from '../../../client/payouts';
import { getPayoutRunState, startPayoutRun } from '../../../client/payout-runs';
import { staffSigner } from '../../support/staff';
import { creatorPayoutWorkflowId } from '../../../workflows/payouts/contract';
import { admin, until } from '../admin';
import { addVerdicts, checkPayouts, emptyVerdicts, type Verdicts } from '../checks';
import { payoutStatus, settle, standing } from '../observe';
import { FAST_TIMING, pool, seedPayouts } from '../payouts';
import { resetSandboxes, type Row, type RowContext } from '../row';

/**
 * An ops command as a chaos operator (compliance and ops roles), signed for the command; a hold is released by
 * another compliance officer than the one who held it.
 */
const ops = async (sub = 'chaos.ops') => ({
  reason: 'chaos matrix: hold inside a run',
  sign: staffSigner(sub, ['compliance', 'ops']),
});

/**
 * A payout run (the on-demand one the Schedule also starts) over N creators who earned in the period, five children
 * at a time with a slow directory; every third child is held as soon as it exists and released once it is on hold.
 * Every child must end paid once (checked at the PSP and in the ledger) and the run must complete having counted each
 * child once: a child that was on hold when it reported counts as `parked` (that report is what lets the run end),
 * so paid + parked = N with no more parked than were held.
 */
async function heldPayoutInRun(ctx: RowContext): Promise<Verdicts> {
  const { stack, n, tag } = ctx;
  await resetSandboxes(stack);
  // A period of its own: the directory lists every creator who earned in it, and the run's ID is per period.
  const period = `20${40 + (Date.now() % 50)}-${String(1 + (Date.now() % 12)).padStart(2, '0')}`;
  const payouts = await seedPayouts(stack, tag, n, 'psp', period);
  await admin(stack.creators.url, '/__admin/faults', { latencyMs: 300 });
  const run = await startPayoutRun(
    stack.client,
    { period, maxConcurrent: 5, pageSize: 10, limit: n, payoutTiming: FAST_TIMING },
    { taskQueue: stack.config.TEMPORAL_TASK_QUEUE },
  );
  const v = emptyVerdicts();
  const held = payouts.filter((_, i) => i % 3 === 1);
  const exists = (id: string) =>
    standing(stack, creatorPayoutWorkflowId(id)).then(
      () => true,
      () => false,
    );
  // Held children fill the run's window, so each is released once it is on hold (else the window would starve).
  const onHold = (
    await pool(held, 8, async (p) => {
      if (!(await until(() => exists(p.payoutId), 60_000, 50))) return undefined;
      if (!(await holdPayout(stack.client, p.payoutId, await ops())).accepted) return undefined;
      const parked = await until(async () => (await payoutStatus(stack, p))?.state === 'on_hold', 20_000);
      const released = await releasePayout(stack.client, p.payoutId, await ops('chaos.releaser'));
      if (!parked || !released.accepted)
        v.findings.push(`${p.payoutId}: on hold ${parked}, release ${released.accepted}`);
      return p;
    })
  ).filter((p) => p !== undefined);
  await admin(stack.creators.url, '/__admin/faults', undefined, 'DELETE');
  const ended = await Promise.race([
    run.handle.result().then(
      () => 'completed',
      (err: unknown) => `failed: ${String(err)}`,
    ),
    new Promise<string>((r) => setTimeout(() => r('still running'), 120_000).unref()),
  ]);
  const progress = await getPayoutRunState(stack.client, period).catch(() => undefined);
  const counted = (progress?.counts.paid ?? 0) + (progress?.counts.parked ?? 0);
  if (ended !== 'completed' || counted !== n || (progress?.counts.parked ?? 0) > held.length) {
    v.lost += n - counted || 1;
    v.findings.push(`run ${run.workflowId}: ${ended}, progress ${JSON.stringify(progress)}`);
  }
  await settle(
    stack,
    payouts.map((p) => creatorPayoutWorkflowId(p.payoutId)),
    60_000,
  );
  const checked = await checkPayouts(stack, tag, payouts);
  const out = addVerdicts(checked, v);
  return {
    ...out,
    outcomes: {
      ...out.outcomes,
      held: onHold.length,
      runPaid: progress?.counts.paid ?? 0,
      runParked: progress?.counts.parked ?? 0,
    },
  };
}

/** A payout run whose children are held and released by ops while it runs. */
export const payoutRunRows: Row[] = [{ name: 'held-payout-in-run', run: heldPayoutInRun }];
