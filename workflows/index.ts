export { stackProbe } from './probe/stack-probe';
export { compensationApproval } from './approvals/compensation-approval';
export { disputeCase } from './disputes/dispute-case';
export { creatorPayout } from './payouts/creator-payout';
export { benchFloor } from './bench/floor';
export { payoutRun } from './payouts/payout-run';
