import type { CompensationRequest, DecidedBy, DecisionRecord, Role } from './contract';
import { totalOf } from './policy';
import type { CaseFields } from './view';

/** A decision-log entry before the log numbers it and stamps its time, amount and policy version. */
export type NewRecord = Omit<DecisionRecord, 'seq' | 'at' | 'policyVersion' | 'amountMinor' | 'currency'>;

/** Who decides: a verified actor (`by` = the token's subject, issuer, key), or body fields in older histories. */
export interface DecisionActor {
  id: string;
  role: Role;
  by?: DecidedBy | undefined;
}
/** The entry's `decidedBy`, when the actor was verified. */
export const by = (a: { by?: DecidedBy | undefined }) => (a.by ? { decidedBy: a.by } : {});

/**
 * Appends to a request's decision log (`ApprovalCase` is its one caller) with the next sequence number, the current
 * amount and the policy version.
 */
export function appendDecision(request: CompensationRequest, f: CaseFields, entry: NewRecord): DecisionRecord {
  const record: DecisionRecord = {
    seq: f.decisions.length + 1,
    at: new Date(Date.now()).toISOString(),
    policyVersion: request.policyVersion,
    amountMinor: f.remedies ? totalOf(f.remedies) : 0,
    currency: request.currency,
    ...entry,
  };
  f.decisions.push(record);
  return record;
}
