import { mergeNumbers, noTransportFaults, TRANSPORT_FAULT_KEYS, type TransportFaults } from '../shared/faults';

/** Injected faults: what the next calls suffer (counters are used up one call at a time). */
export interface Faults extends TransportFaults {
  timeoutPhase: 'before' | 'after';
  insufficientFundsNext: number;
  rejectAccounts: Map<string, string>;
  settleDelayMs: number;
  holdWebhooks: boolean;
}

export const defaultFaults = (): Faults => ({
  ...noTransportFaults(),
  timeoutPhase: 'after',
  insufficientFundsNext: 0,
  rejectAccounts: new Map(),
  settleDelayMs: 200,
  holdWebhooks: false,
});

/** Merges an admin `POST /__admin/faults` body into `faults`; unknown or ill-typed fields are ignored. */
export function applyFaults(faults: Faults, b: Record<string, unknown>): void {
  mergeNumbers(faults, b, [...TRANSPORT_FAULT_KEYS, 'insufficientFundsNext', 'settleDelayMs']);
  if (b.timeoutPhase === 'before' || b.timeoutPhase === 'after') faults.timeoutPhase = b.timeoutPhase;
  if (typeof b.holdWebhooks === 'boolean') faults.holdWebhooks = b.holdWebhooks;
  if (Array.isArray(b.rejectAccounts)) {
    faults.rejectAccounts = new Map(
      (b.rejectAccounts as unknown[]).flatMap((r) => {
        const x = r as { accountRef?: unknown; code?: unknown };
        return typeof x.accountRef === 'string' && typeof x.code === 'string' ? [[x.accountRef, x.code] as const] : [];
      }),
    );
  }
}
