import { Context } from '@temporalio/activity';
import { failure, FailureType } from '../../workflows/shared/failures';
import type { ReconDayActivities } from '../../workflows/recon-days/contract';
import type { ActivityDeps } from '../deps';
import { accountOf, factsOf, postingScopeOf, type ReconAccount } from './accounts';
import { openDayBreaks, type BreakClient } from './breaks';
import { loadExpectations } from './expectations';
import { ingestAdyenDay, ingestBankStatement, ingestPspDay } from './ingest';
import { matchAccountDay } from './match';

/** Seams for tests: the Temporal client (default: the worker's, from the activity context), its task queue and the clock. */
export interface ReconDayOptions {
  client?: () => BreakClient;
  taskQueue?: () => string;
  now?: () => number;
}

/** Heartbeats when running as an activity; a no-op when called directly (unit tests, the ops preview). */
function heartbeat(details?: unknown): void {
  try {
    Context.current().heartbeat(details);
  } catch {
    // not in an activity
  }
}

/** The daily run's activities: statements and ledger days into S3 chunks, the matcher, the break workflows. */
export function createReconDayActivities(deps: ActivityDeps, opts: ReconDayOptions = {}): ReconDayActivities {
  const client = opts.client ?? ((): BreakClient => Context.current().client);
  const taskQueue = opts.taskQueue ?? (() => Context.current().info.taskQueue);
  const now = opts.now ?? Date.now;
  const accounts = (): ReconAccount[] => deps.reconAccounts ?? [];
  return {
    async reconAccount({ accountId, businessDate, atMs }) {
      return factsOf(accountOf(accounts(), accountId), businessDate, atMs);
    },
    async fetchReconStatement({ account: facts }) {
      const account = accountOf(accounts(), facts.accountId);
      if (account.rail === 'bank') {
        if (!deps.bankStatements)
          throw failure(FailureType.ProviderPermanent, 'no bank statement reader configured for this worker');
        return ingestBankStatement(
          { bankStatements: deps.bankStatements, reports: deps.reports },
          account,
          facts,
          heartbeat,
        );
      }
      if (account.provider === 'adyen') {
        if (!deps.adyenStatements)
          throw failure(FailureType.ProviderPermanent, 'no Adyen statement reader configured for this worker');
        return ingestAdyenDay(
          { adyenStatements: deps.adyenStatements, reports: deps.reports },
          facts,
          now(),
          heartbeat,
        );
      }
      if (!deps.pspStatements)
        throw failure(FailureType.ProviderPermanent, 'no PSP statement reader configured for this worker');
      return ingestPspDay({ pspStatements: deps.pspStatements, reports: deps.reports }, facts, now(), heartbeat);
    },
    async loadReconExpectations({ account, ruleVersion }) {
      const scope = postingScopeOf(accountOf(accounts(), account.accountId));
      return loadExpectations(deps, account, ruleVersion, heartbeat, scope);
    },
    async matchReconDay(i) {
      return matchAccountDay(deps, accounts(), i, heartbeat);
    },
    async openReconBreaks({ account, keys }) {
      return openDayBreaks(deps, client(), taskQueue(), account, keys, heartbeat);
    },
  };
}
