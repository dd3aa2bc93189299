import type { AdyenStatementPort } from './recon/adyen-statements';
import type { AuditPort } from './adapters/audit/port';
import type { BankPort } from './adapters/bank/port';
import type { CommercePort } from './adapters/commerce/port';
import type { CreatorsPort } from './adapters/creators/port';
import type { EvidencePort } from './adapters/evidence/port';
import type { LedgerPort } from './adapters/ledger/port';
import type { NotificationsPort } from './adapters/notifications/port';
import type { PspPort, PspStatementPort } from './adapters/psp/port';
import type { PayoutProviderPort } from './adapters/adyen/port';
import type { BankStatementPort } from './adapters/bank/statements';
import type { ReconAccount } from './recon-days/accounts';
import type { ReportsPort } from './adapters/reports/port';

/** Everything activities may touch, built once by the composition root (workers/dependencies.ts). */
export interface ActivityDeps {
  psp: PspPort;
  bank: BankPort;
  notifications: NotificationsPort;
  ledger: LedgerPort;
  audit: AuditPort;
  reports: ReportsPort;
  /** The second PSP (Adyen's Transfers API) for routed payouts; optional so workers without it need not wire it. */
  adyen?: PayoutProviderPort;
  /** Creator directory (KYC, sanctions, payout methods, FX); optional so workers without payouts need not wire it. */
  creators?: CreatorsPort;
  /** Orders, customers, store credit and vouchers; optional so workers without approvals need not wire it. */
  commerce?: CommercePort;
  /** Order, shipment and support records for dispute evidence; optional so workers without disputes need not wire it. */
  evidence?: EvidencePort;
  /** The PSP's own books (balance transactions), read-only; optional so workers without reconciliation need not wire it. */
  pspStatements?: PspStatementPort;
  /** Adyen's balance account transactions (reconciliation of `provider: adyen` accounts); optional likewise. */
  adyenStatements?: AdyenStatementPort;
  /** The bank's end-of-day camt.053 statements; optional like `pspStatements`. */
  bankStatements?: BankStatementPort;
  /** The reconciliation accounts (workers/config-recon.ts): IBANs stay here, on the activity side. */
  reconAccounts?: ReconAccount[];
}
