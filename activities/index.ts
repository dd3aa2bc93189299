import type { AuditPort } from './adapters/audit/port';
import type { BankPort } from './adapters/bank/port';
import type { LedgerPort } from './adapters/ledger/port';
import type { NotificationsPort } from './adapters/notifications/port';
import type { PspPort } from './adapters/psp/port';
import { createCommonActivities } from './common';

/** Everything activities may touch, built once by the composition root (workers/dependencies.ts). */
export interface ActivityDeps {
  psp: PspPort;
  bank: BankPort;
  notifications: NotificationsPort;
  ledger: LedgerPort;
  audit: AuditPort;
}

/** What workers register and what workflows are typed against (`proxyActivities<Activities>`). */
export function createActivities(deps: ActivityDeps) {
  return {
    ...createCommonActivities(deps),
  };
}
export type Activities = ReturnType<typeof createActivities>;
