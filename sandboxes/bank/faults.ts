import { mergeNumbers } from '../shared/http';

/** Injected faults: what the next calls suffer (counters are used up one call at a time). */
export interface Faults {
  latencyMs: number;
  fail5xxNext: number;
  timeoutNext: number;
  timeoutPhase: 'before' | 'after';
  hangMs: number;
  insufficientFundsNext: number;
  rejectAccounts: Map<string, string>;
  settleDelayMs: number;
  holdWebhooks: boolean;
}

export const defaultFaults = (): Faults => ({
  latencyMs: 0,
  fail5xxNext: 0,
  timeoutNext: 0,
  timeoutPhase: 'after',
  hangMs: 30_000,
  insufficientFundsNext: 0,
  rejectAccounts: new Map(),
  settleDelayMs: 200,
  holdWebhooks: false,
});

/** Merges an admin `POST /__admin/faults` body into `faults`; unknown or ill-typed fields are ignored. */
export function applyFaults(faults: Faults, b: Record<string, unknown>): void {
  mergeNumbers(faults, b, [
    'latencyMs',
    'fail5xxNext',
    'timeoutNext',
    'hangMs',
    'insufficientFundsNext',
    'settleDelayMs',
  ]);
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
