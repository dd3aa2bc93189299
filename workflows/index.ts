/* eslint-disable @typescript-eslint/no-require-imports -- deliberate lazy loading, see below */
/**
 * The workflow types this worker runs. The SDK evaluates this module for every workflow run it creates, so each entry
 * loads its domain's modules on first call: a payout run builds only the payout schemas and handlers, not the approval
 * and dispute ones. That is CPU at every run start and memory for every run in the worker's sticky cache.
 */
import type * as Approvals from './approvals/workflow';
import type * as Disputes from './disputes/workflow';
import type * as Payouts from './payouts/workflow';
import type * as Runs from './payout-runs/workflow';
import type * as Breaks from './recon-breaks/workflow';
import type * as Probe from './probe/stack-probe';
import type * as ReconDays from './recon-days/workflow';
import type * as Sweeper from './sweeper/workflow';

export const stackProbe: typeof Probe.stackProbe = (...args) =>
  (require('./probe/stack-probe') as typeof Probe).stackProbe(...args);
export const compensationApproval: typeof Approvals.compensationApproval = (...args) =>
  (require('./approvals/workflow') as typeof Approvals).compensationApproval(...args);
export const disputeCase: typeof Disputes.disputeCase = (...args) =>
  (require('./disputes/workflow') as typeof Disputes).disputeCase(...args);
export const creatorPayout: typeof Payouts.creatorPayout = (...args) =>
  (require('./payouts/workflow') as typeof Payouts).creatorPayout(...args);
export const payoutRun: typeof Runs.payoutRun = (...args) =>
  (require('./payout-runs/workflow') as typeof Runs).payoutRun(...args);
export const stuckWorkSweep: typeof Sweeper.stuckWorkSweep = (...args) =>
  (require('./sweeper/workflow') as typeof Sweeper).stuckWorkSweep(...args);
export const reconBreak: typeof Breaks.reconBreak = (...args) =>
  (require('./recon-breaks/workflow') as typeof Breaks).reconBreak(...args);
export const reconDay: typeof ReconDays.reconDay = (...args) =>
  (require('./recon-days/workflow') as typeof ReconDays).reconDay(...args);
