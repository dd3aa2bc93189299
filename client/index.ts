/** The typed client other services import. Each domain re-exports its client module here. */
export { ClientInputError, type Verdict } from './errors';
export type { CommandBinding, CommandSigner, Signed } from './commands';
export { FailureType } from '../workflows/shared/failures';
export * as approvals from './approvals';
export * as disputes from './disputes';
export * from './payout-runs';
export { connectClient, temporalSettings, type ConnectedClient, type ConnectOptions } from './connect';
export * as payouts from './payouts';
