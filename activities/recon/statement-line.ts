/**
 * The normalized statement line lives with the reconciliation's other nouns in `workflows/recon/contract.ts` (one type
 * for both rails, read by the pure matcher a workflow runs); re-exported here for the activities that produce lines.
 */
export type { LineFlag, StatementLine, StripeLineRefs } from '../../workflows/recon/contract';
