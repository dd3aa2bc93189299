/**
 * The typed client other services import. One namespace a domain, the same verbs in each: `start<Thing>`,
 * `get<Thing>State`, `list<Things>`, and commands addressed by the business ID (payoutId, requestId, disputeId, period).
 */
import * as payoutRuns from './payout-runs';

export { ClientInputError, type StartOptions, type Started, type Verdict } from './errors';
export type { CommandBinding, CommandSigner, Signed } from './commands';
export { FailureType } from '../workflows/shared/failures';
export * as approvals from './approvals';
export * as breaks from './breaks';
export * as disputes from './disputes';
export * as payouts from './payouts';
export { payoutRuns };
export { connectClient, temporalSettings, type ConnectedClient, type ConnectOptions } from './connect';

// ---------- payout runs were exported flat before they had a namespace like the other domains ----------

/** @deprecated use `payoutRuns.startPayoutRun` */
export const startPayoutRun = payoutRuns.startPayoutRun;
/** @deprecated use `payoutRuns.getPayoutRunState` */
export const getRunProgress = payoutRuns.getPayoutRunState;
/** @deprecated use `payoutRuns.ensurePayoutSchedule` */
export const ensurePayoutSchedule = payoutRuns.ensurePayoutSchedule;
/** @deprecated use `payoutRuns.payoutRunWorkflowId` */
export const payoutRunWorkflowId = payoutRuns.payoutRunWorkflowId;
/** @deprecated use `payoutRuns.PayoutRunInput` */
export type PayoutRunInput = payoutRuns.PayoutRunInput;
/** @deprecated use `payoutRuns.PayoutRunProgress` */
export type PayoutRunProgress = payoutRuns.PayoutRunProgress;
/** @deprecated use `payoutRuns.PayoutRunHandle` */
export type PayoutRunHandle = payoutRuns.PayoutRunHandle;
