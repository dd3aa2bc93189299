import * as client from '../../client';
import { approvals, disputes, payoutRuns, payouts } from '../../client';
import { businessIdOf } from '../../client/lists';
import { ClientInputError } from '../../client/errors';

/**
 * Every runtime name `@payops/client` exported before the verbs were made the same in every domain (the flat payout-run
 * exports included): a service built against an older version keeps compiling and running.
 */
const PUBLISHED_BEFORE = {
  top: ['ClientInputError', 'FailureType', 'connectClient', 'temporalSettings'],
  flatPayoutRuns: ['ensurePayoutSchedule', 'getRunProgress', 'payoutRunWorkflowId', 'startPayoutRun'],
  approvals: [
    'amendCompensation',
    'approvalsListQuery',
    'compensationWorkflowId',
    'decideCompensation',
    'getCompensationStatus',
    'listApprovals',
    'requestCompensation',
    'signalCompensationDecision',
  ],
  disputes: [
    'addDisputeEvidence',
    'assignDispute',
    'decideDispute',
    'disputeCaseWorkflowId',
    'disputesListQuery',
    'getDisputeState',
    'listDisputes',
    'openDisputeCase',
  ],
  payouts: [
    'PayoutRefusal',
    'cancelPayout',
    'creatorPayoutWorkflowId',
    'getPayoutState',
    'holdPayout',
    'payoutHandle',
    'payoutIdFor',
    'recheckPayability',
    'releasePayout',
    'resolvePayout',
    'retryPayoutNow',
    'startPayout',
    'updatePayoutMethod',
  ],
};

describe('the typed client speaks one vocabulary', () => {
  test('when a domain is used, then it offers start<Thing>, get<Thing>State and list<Things> under its namespace', () => {
    const verbs = {
      payouts: [payouts.startPayout, payouts.getPayoutState, payouts.listPayouts],
      payoutRuns: [payoutRuns.startPayoutRun, payoutRuns.getPayoutRunState, payoutRuns.listPayoutRuns],
      approvals: [approvals.startCompensation, approvals.getCompensationState, approvals.listCompensations],
      disputes: [disputes.startDisputeCase, disputes.getDisputeState, disputes.listDisputes],
    };
    for (const fns of Object.values(verbs)) for (const fn of fns) expect(typeof fn).toBe('function');
  });

  test('when an old name is used, then it is the same function as the new verb (a deprecated alias, not a copy)', () => {
    expect(approvals.requestCompensation).toBe(approvals.startCompensation);
    expect(approvals.getCompensationStatus).toBe(approvals.getCompensationState);
    expect(approvals.listApprovals).toBe(approvals.listCompensations);
    expect(approvals.approvalsListQuery).toBe(approvals.compensationsListQuery);
    expect(disputes.openDisputeCase).toBe(disputes.startDisputeCase);
    expect(payoutRuns.getRunProgress).toBe(payoutRuns.getPayoutRunState);
    expect(client.startPayoutRun).toBe(payoutRuns.startPayoutRun);
    expect(client.getRunProgress).toBe(payoutRuns.getPayoutRunState);
    expect(client.ensurePayoutSchedule).toBe(payoutRuns.ensurePayoutSchedule);
    expect(client.payoutRunWorkflowId).toBe(payoutRuns.payoutRunWorkflowId);
  });

  test('when the package entry is loaded, then every name it exported before is still there', () => {
    const missing = [
      ...[...PUBLISHED_BEFORE.top, ...PUBLISHED_BEFORE.flatPayoutRuns].filter((n) => !(n in client)),
      ...PUBLISHED_BEFORE.approvals.filter((n) => !(n in approvals)).map((n) => `approvals.${n}`),
      ...PUBLISHED_BEFORE.disputes.filter((n) => !(n in disputes)).map((n) => `disputes.${n}`),
      ...PUBLISHED_BEFORE.payouts.filter((n) => !(n in payouts)).map((n) => `payouts.${n}`),
    ];
    expect(missing).toEqual([]);
  });
});

describe('the typed client list queries', () => {
  test('when payouts are listed with a filter, then the query names registered attributes and only running payouts by default', () => {
    expect(payouts.payoutsListQuery()).toBe(`WorkflowType = 'creatorPayout' AND ExecutionStatus = 'Running'`);
    expect(payouts.payoutsListQuery({ state: 'on_hold', creatorId: 'c-1', runId: 'payout-run-2026-11' })).toBe(
      `WorkflowType = 'creatorPayout' AND ExecutionStatus = 'Running' AND PayoutState = 'on_hold'` +
        ` AND CreatorId = 'c-1' AND PayoutRunId = 'payout-run-2026-11'`,
    );
    expect(payouts.payoutsListQuery({ running: false })).toBe(`WorkflowType = 'creatorPayout'`);
  });

  test('when a list filter carries a quote or an unknown state, then ClientInputError names the field before any query', () => {
    const err = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        return e;
      }
      return undefined;
    };
    const quoted = err(() => payouts.payoutsListQuery({ creatorId: "c' OR 'x' = 'x" }));
    expect(quoted).toBeInstanceOf(ClientInputError);
    expect((quoted as ClientInputError).issues.map((i) => i.path)).toEqual(['creatorId']);
    const state = err(() => payouts.payoutsListQuery({ state: 'lost' as never }));
    expect((state as ClientInputError).issues.map((i) => i.path)).toEqual(['state']);
  });

  test('when payout runs are listed, then every run is listed unless only running ones are asked for', () => {
    expect(payoutRuns.payoutRunsListQuery()).toBe(`WorkflowType = 'payoutRun'`);
    expect(payoutRuns.payoutRunsListQuery({ running: true })).toBe(
      `WorkflowType = 'payoutRun' AND ExecutionStatus = 'Running'`,
    );
  });

  test("when a list row's workflow ID is read back, then the business ID is the contract's prefix stripped, and none for a foreign ID", () => {
    expect(businessIdOf(payouts.creatorPayoutWorkflowId, 'payout-c-1-2026-11')).toBe('c-1-2026-11');
    expect(businessIdOf(disputes.disputeCaseWorkflowId, 'dispute-dp_1')).toBe('dp_1');
    expect(businessIdOf(payoutRuns.payoutRunWorkflowId, 'payout-run-2026-11')).toBe('2026-11');
    expect(businessIdOf(disputes.disputeCaseWorkflowId, 'payout-c-1')).toBeUndefined();
    expect(businessIdOf(disputes.disputeCaseWorkflowId, 'dispute-')).toBeUndefined();
  });
});
