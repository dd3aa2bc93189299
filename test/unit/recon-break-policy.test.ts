import { breaksListQuery } from '../../client/breaks';
import { breakCommandOf } from '../../scripts/ops/breaks';
import { UsageError } from '../../scripts/cli/args';
import { stuckQuery } from '../../client/stuck';
import { breakRefusals, type BreakFacts } from '../../workflows/recon-breaks/contract';
import {
  adjustmentLegs,
  awaitingActor,
  needsSecondPerson,
  observationKey,
  refuseAdjustment,
  refuseApproval,
  refuseRebook,
  refuseRecovery,
  refuseReopen,
  type BreakPolicyFacts,
} from '../../workflows/recon-breaks/policy';
import { FailureType } from '../../workflows/shared/failures';

const facts = (over: Partial<BreakFacts> = {}): BreakFacts => ({
  breakId: 'ab'.repeat(32),
  class: 'unexpected_external',
  accountId: 'bank-main',
  businessDate: '2026-12-01',
  amountMinor: -500,
  currency: 'EUR',
  lineIds: [],
  itemIds: [],
  reason: 'r',
  dueAtMs: 0,
  ruleVersion: 'v',
  refs: {},
  ...over,
});
const open = (over: Partial<BreakPolicyFacts> = {}): BreakPolicyFacts => ({
  status: 'open',
  busy: false,
  facts: facts(),
  ...over,
});
const proposal = {
  kind: 'adjust' as const,
  proposedBy: 'fin.ann',
  at: '',
  amountMinor: 20_000,
  currency: 'EUR' as const,
  note: 'n',
};

describe('reconciliation break rules', () => {
  test('when the refusal table is read, then every code is typed and conflicts are Conflict', () => {
    expect(Object.keys(breakRefusals).sort()).toEqual(
      [
        'already_recovered',
        'already_reversed',
        'busy',
        'closed',
        'currency_mismatch',
        'invalid_input',
        'no_proposal',
        'not_duplicate',
        'not_late_return',
        'not_open',
        'not_resolved',
        'own_proposal',
        'payout_unknown',
        'proposal_pending',
        'provider_unavailable',
        'rail_unavailable',
        'return_not_at_rail',
        'reversal_not_confirmed',
        'reversal_unsupported',
        'transfer_mismatch',
      ].sort(),
    );
    expect(breakRefusals.own_proposal.type).toBe(FailureType.PolicyViolation);
    expect(breakRefusals.not_open.type).toBe(FailureType.Conflict);
  });

  test('when a break is open, then money classes and hints wait on finance, the rest on ops; resolved waits on nobody', () => {
    expect(awaitingActor('open', facts())).toBe('ops');
    expect(awaitingActor('open', facts({ class: 'amount_under' }))).toBe('finance');
    expect(awaitingActor('open', facts({ hint: 'late_return' }))).toBe('finance');
    expect(awaitingActor('open', facts(), proposal)).toBe('finance');
    expect(awaitingActor('resolved', facts({ class: 'amount_under' }))).toBe('none');
    expect(awaitingActor('closed', facts())).toBe('none');
  });

  test('when an overdue break waits on ops or finance, then the overdue_person category query includes both actors', () => {
    const q = stuckQuery('overdue_person', new Date('2026-12-06T00:00:00Z'));
    expect(q).toContain("'ops'");
    expect(q).toContain("'finance'");
    expect(q).toContain("DeadlineAt < '2026-12-06T00:00:00.000Z'");
  });

  test('when an adjustment is booked, then the break sign chooses the direction against the mirror account', () => {
    expect(adjustmentLegs({ accountId: 'bank-main', amountMinor: -500 }, 'fees:bank', 500)).toEqual([
      { account: 'fees:bank', amountMinor: 500 },
      { account: 'payouts:settled', amountMinor: -500 },
    ]);
    expect(adjustmentLegs({ accountId: 'bank-main', amountMinor: 700 }, 'recon:unexplained', 700)).toEqual([
      { account: 'payouts:settled', amountMinor: 700 },
      { account: 'recon:unexplained', amountMinor: -700 },
    ]);
    expect(needsSecondPerson(10_000)).toBe(false);
    expect(needsSecondPerson(10_001)).toBe(true);
  });

  test('when commands meet the break state, then each refusal names its rule', () => {
    const adj = { amountMinor: 500, currency: 'EUR', account: 'fees:bank', note: 'n' };
    expect(refuseAdjustment(open({ busy: true }), adj)?.code).toBe('busy');
    expect(refuseAdjustment(open({ status: 'resolved' }), adj)?.code).toBe('not_open');
    expect(refuseAdjustment(open({ proposal }), adj)?.code).toBe('proposal_pending');
    expect(refuseAdjustment(open(), { ...adj, currency: 'USD' })?.code).toBe('currency_mismatch');
    expect(refuseAdjustment(open(), { ...adj, account: 'payouts:settled' })?.code).toBe('invalid_input');
    expect(refuseAdjustment(open(), adj)).toBeUndefined();
    expect(refuseRebook(open())?.code).toBe('not_late_return');
    const late = facts({ hint: 'late_return', refs: { endToEndId: 'E', workflowId: 'w' } });
    expect(refuseRebook(open({ facts: late }))).toBeUndefined();
    expect(refuseRecovery(open())?.code).toBe('not_duplicate');
    const dup = facts({ class: 'duplicate_disbursement', refs: { workflowId: 'payout-1', railRef: 'tr_1' } });
    expect(refuseRecovery(open({ facts: { ...dup, refs: { workflowId: 'payout-1' } } }))?.code).toBe('not_duplicate');
    expect(refuseRecovery(open({ facts: dup, proposal }))?.code).toBe('proposal_pending');
    expect(refuseRecovery(open({ facts: dup }))).toBeUndefined();
    expect(refuseApproval(open(), 'fin.bo')?.code).toBe('no_proposal');
    expect(refuseApproval(open({ proposal }), 'FIN.Ann')?.code).toBe('own_proposal');
    expect(refuseApproval(open({ proposal }), 'fin.bo')).toBeUndefined();
    expect(refuseReopen(open())?.code).toBe('not_resolved');
    expect(refuseReopen(open({ status: 'closed' }))?.code).toBe('closed');
    expect(refuseReopen(open({ status: 'resolved' }))).toBeUndefined();
  });

  test('when a day is re-run, then its observation has the same key (case-folded break ID)', () => {
    expect(observationKey('statement', 'AB'.repeat(32), '2026-12-01')).toBe(
      observationKey('statement', 'ab'.repeat(32), '2026-12-01'),
    );
    expect(observationKey('rail_event', 'ab', '2026-12-01')).not.toBe(observationKey('statement', 'ab', '2026-12-01'));
  });

  test('when breaks are listed, then the query names the type and, for open ones, the person actors', () => {
    expect(breaksListQuery()).toBe(`WorkflowType = 'reconBreak' AND ExecutionStatus = 'Running'`);
    expect(breaksListQuery({ open: true })).toBe(
      `WorkflowType = 'reconBreak' AND ExecutionStatus = 'Running' AND AwaitingActor IN ('ops', 'finance')`,
    );
  });

  test('when the CLI builds a resolve command, then each action sends its body and a missing option names itself', () => {
    expect(breakCommandOf({ action: 'link', posting: 'p-1', note: 'n' })).toEqual({
      verb: 'link',
      body: { workflowId: undefined, postingId: 'p-1', lineId: undefined, note: 'n' },
    });
    expect(
      breakCommandOf({ action: 'adjust', 'amount-minor': '250', currency: 'EUR', account: 'fees:bank', note: 'n' }),
    ).toEqual({ verb: 'adjust', body: { amountMinor: 250, currency: 'EUR', account: 'fees:bank', note: 'n' } });
    expect(breakCommandOf({ action: 'approve' })).toEqual({ verb: 'approve', body: {} });
    expect(() => breakCommandOf({ action: 'rebook' })).toThrow(UsageError);
    expect(breakCommandOf({ action: 'recover-duplicate', mode: 'offset', note: 'n' })).toEqual({
      verb: 'recover-duplicate',
      body: { mode: 'offset', note: 'n' },
    });
    expect(() => breakCommandOf({ action: 'recover-duplicate', note: 'n' })).toThrow('--mode');
    expect(() => breakCommandOf({ action: 'mark-received', note: 'n' })).toThrow('--external-ref');
  });
});
