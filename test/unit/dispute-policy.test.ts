import { FailureType, refuseWith, type Refusal } from '../../workflows/shared/failures';
import {
  disputePolicySchema,
  disputeRefusals,
  type DisputeRefusalCode,
  type PspDisputeEvent,
} from '../../workflows/disputes/contract';
import {
  alarmsFor,
  classifyEvent,
  deadlineDecision,
  milestonesFor,
  missingEvidence,
  nextAlarm,
  onAlarm,
  refuseAssignment,
  refuseDecision,
  refuseEvidence,
  targetPosition,
  workingState,
} from '../../workflows/disputes/policy';

/** A refusal as `code: message`, so one match checks the rule and its words. */
const why = (r: Refusal<DisputeRefusalCode> | undefined) => (r ? `${r.code}: ${r.message}` : undefined);
const H = 3_600_000;
const D = 24 * H;
const policy = disputePolicySchema.parse({});
const due = Date.parse('2030-03-31T00:00:00Z');

const event = (over: Partial<PspDisputeEvent> = {}): PspDisputeEvent => ({
  eventId: 'evt_1',
  type: 'charge.dispute.updated',
  createdAt: '2030-03-01T00:00:00.000Z',
  disputeId: 'dp_1',
  status: 'needs_response',
  dueBy: new Date(due).toISOString(),
  amount: { amountMinor: 1000, currency: 'USD' },
  reason: 'fraudulent',
  submissionCount: 0,
  ...over,
});

describe('dispute milestones', () => {
  test('when the policy is the default, then draft, review, final and deadline fall at due−7d, −3d, −1d and −2h', () => {
    const ms = milestonesFor(due, policy);
    expect(ms.map((m) => [m.name, (due - m.at) / H])).toEqual([
      ['draft', 168],
      ['review', 72],
      ['final', 24],
      ['deadline', 2],
    ]);
    expect(ms.map((m) => m.escalateTo)).toEqual(['tier2', 'finance_legal', undefined, undefined]);
  });

  test('when alarms are built, then each human milestone gets a reminder a day before and they come in time order', () => {
    const alarms = alarmsFor(milestonesFor(due, policy), policy, 1);
    expect(alarms.map((a) => `${a.milestone}:${a.kind}:${(due - a.at) / H}`)).toEqual([
      'draft:remind:192',
      'draft:milestone:168',
      'review:remind:96',
      'review:milestone:72',
      'final:remind:48',
      'final:milestone:24',
      'deadline:milestone:2',
    ]);
    const fired = new Set(alarms.slice(0, 2).map((a) => a.key));
    expect(nextAlarm(alarms, fired)?.key).toBe(alarms[2]?.key);
  });

  test('when the policy is configured, then milestones follow it, and a disordered policy is rejected', () => {
    const custom = disputePolicySchema.parse({
      draftLeadHours: 240,
      reviewLeadHours: 96,
      finalLeadHours: 48,
      deadlineMarginMinutes: 30,
    });
    expect(milestonesFor(due, custom).map((m) => (due - m.at) / 60_000)).toEqual([240 * 60, 96 * 60, 48 * 60, 30]);
    expect(disputePolicySchema.safeParse({ draftLeadHours: 24, reviewLeadHours: 72 }).success).toBe(false);
    expect(disputePolicySchema.safeParse({ deadlineDefault: 'maybe' }).success).toBe(false);
  });
});

describe('dispute alarms', () => {
  const ms = milestonesFor(due, policy);
  const [draft, review, final, deadline] = ms;
  const alarms = alarmsFor(ms, policy, 1);
  const alarm = (name: string, kind: string) => alarms.find((a) => a.milestone === name && a.kind === kind)!;
  const open = {
    evidenceComplete: false,
    decided: false,
    tier: 'tier1' as const,
    hasEvidence: true,
    now: due - 30 * D,
  };

  test('when the draft milestone passes with evidence missing, then tier 1 hands the case to tier 2', () => {
    expect(onAlarm(alarm('draft', 'milestone'), draft!, open, policy)).toEqual({
      type: 'escalate',
      from: 'tier1',
      to: 'tier2',
      milestone: 'draft',
    });
  });

  test('when the draft is complete, then its reminder and milestone do nothing', () => {
    expect(onAlarm(alarm('draft', 'remind'), draft!, { ...open, evidenceComplete: true }, policy)).toEqual({
      type: 'none',
    });
    expect(onAlarm(alarm('draft', 'milestone'), draft!, { ...open, evidenceComplete: true }, policy)).toEqual({
      type: 'none',
    });
  });

  test('when review passes undecided at tier 2, then finance/legal take over; at the final milestone they are warned', () => {
    expect(onAlarm(alarm('review', 'milestone'), review!, { ...open, tier: 'tier2' }, policy)).toMatchObject({
      type: 'escalate',
      to: 'finance_legal',
    });
    expect(onAlarm(alarm('final', 'milestone'), final!, { ...open, tier: 'finance_legal' }, policy)).toEqual({
      type: 'final_warning',
      tier: 'finance_legal',
      default: 'contest',
    });
  });

  test('when a reminder fires after its milestone already passed (late case), then it is skipped', () => {
    expect(onAlarm(alarm('review', 'remind'), review!, { ...open, now: review!.at + 1 }, policy)).toEqual({
      type: 'none',
    });
    expect(onAlarm(alarm('review', 'remind'), review!, { ...open, now: review!.at - 1 }, policy)).toMatchObject({
      type: 'remind',
      tier: 'tier1',
    });
  });

  test('when the deadline comes without a decision, then the configured default applies (accept when nothing to submit)', () => {
    expect(onAlarm(alarm('deadline', 'milestone'), deadline!, open, policy)).toEqual({
      type: 'apply_default',
      decision: 'contest',
    });
    expect(onAlarm(alarm('deadline', 'milestone'), deadline!, { ...open, hasEvidence: false }, policy)).toEqual({
      type: 'apply_default',
      decision: 'accept',
    });
    expect(deadlineDecision({ ...policy, deadlineDefault: 'accept' }, true)).toBe('accept');
    expect(onAlarm(alarm('deadline', 'milestone'), deadline!, { ...open, decided: true }, policy)).toEqual({
      type: 'none',
    });
  });
});

describe('dispute transitions', () => {
  const base = { state: 'in_review' as const, tier: 'tier1' as const, decidedThisRound: false, evidenceCount: 2 };

  test('when a valid decision comes, then it is allowed', () => {
    expect(refuseDecision(base, { decision: 'contest', tier: 'tier1' })).toBeUndefined();
    expect(refuseDecision(base, { decision: 'accept', tier: 'tier2' })).toBeUndefined();
  });

  test('when a decision repeats, comes from a lower tier, accepts at tier 1, contests nothing, or comes after submission, then it is refused', () => {
    expect(why(refuseDecision({ ...base, decidedThisRound: true }, { decision: 'contest', tier: 'tier1' }))).toMatch(
      /^already_decided: .*already/,
    );
    expect(why(refuseDecision({ ...base, tier: 'tier2' }, { decision: 'contest', tier: 'tier1' }))).toMatch(
      /^tier_too_low: .*handed to tier2/,
    );
    expect(why(refuseDecision(base, { decision: 'accept', tier: 'tier1' }))).toMatch(
      /^accept_needs_tier2: .*tier2 or finance_legal/,
    );
    expect(why(refuseDecision({ ...base, evidenceCount: 0 }, { decision: 'contest', tier: 'tier1' }))).toMatch(
      /^no_evidence: .*no evidence/,
    );
    expect(why(refuseDecision({ ...base, state: 'submitted' }, { decision: 'contest', tier: 'tier1' }))).toMatch(
      /^not_open: .*submitted/,
    );
  });

  test('when assignment or evidence comes at the wrong time, then it is refused', () => {
    expect(why(refuseAssignment({ ...base, tier: 'tier2' }, { tier: 'tier1' }))).toMatch(
      /^tier_down: .*never goes back down/,
    );
    expect(why(refuseAssignment({ ...base, state: 'won' }, { tier: 'tier2' }))).toMatch(/^case_closed: .*won/);
    expect(refuseAssignment(base, { tier: 'tier2' })).toBeUndefined();
    expect(why(refuseEvidence({ ...base, decidedThisRound: true }))).toMatch(/^already_decided: .*frozen/);
    expect(why(refuseEvidence({ ...base, state: 'lost' }))).toMatch(/^not_open: .*lost/);
    expect(refuseEvidence(base)).toBeUndefined();
  });

  test('when a rule refuses, then its code comes from the refusal table, typed as the wire has always typed it', () => {
    expect(Object.keys(disputeRefusals).sort()).toEqual([
      'accept_needs_tier2',
      'already_decided',
      'case_closed',
      'invalid_input',
      'no_evidence',
      'not_open',
      'tier_down',
      'tier_too_low',
    ]);
    for (const [code, rule] of Object.entries(disputeRefusals)) {
      expect(rule.type).toBe(code === 'invalid_input' ? FailureType.InvalidInput : FailureType.Conflict);
      expect(rule.summary.length).toBeGreaterThan(0);
    }
    const r = refuseAssignment({ ...base, state: 'won' }, { tier: 'tier2' });
    const f = r && refuseWith(disputeRefusals, r);
    expect(f).toMatchObject({ type: 'Conflict', nonRetryable: true, message: 'the case is won' });
    expect(f?.details).toEqual([{ code: 'case_closed' }]);
  });

  test('when evidence is judged, then the reason code decides what is required', () => {
    expect(missingEvidence('product_not_received', ['product_description'])).toEqual([
      'shipping_carrier',
      'shipping_tracking_number',
    ]);
    expect(missingEvidence('general', [])).toEqual(['product_description']);
    expect(workingState(1, true, 0)).toBe('gathering_evidence');
    expect(workingState(1, false, 1)).toBe('gathering_evidence');
    expect(workingState(1, false, 0)).toBe('in_review');
    expect(workingState(2, false, 0)).toBe('pre_arbitration');
  });

  test('when the case state changes, then the money sits held, released or written off', () => {
    expect(targetPosition('gathering_evidence')).toBe('held');
    expect(targetPosition('submitted')).toBe('held');
    expect(targetPosition('won')).toBe('released');
    expect(targetPosition('lost')).toBe('written_off');
  });
});

describe('dispute event ordering', () => {
  const at = (iso: string) => Date.parse(iso);
  const open = {
    seen: new Set<string>(),
    lastAppliedAt: at('2030-03-02T00:00:00Z'),
    state: 'in_review' as const,
    submittedThisRound: false,
  };

  test('when the same event comes twice, then the second is a duplicate', () => {
    expect(classifyEvent({ ...open, seen: new Set(['evt_1']) }, event())).toEqual({ type: 'duplicate' });
  });

  test('when an older event comes after a newer one, then it is stale', () => {
    expect(classifyEvent(open, event({ createdAt: '2030-03-01T00:00:00Z' }))).toEqual({ type: 'stale' });
  });

  test('when an older `updated` arrives after `closed`, then it changes nothing, even at the same second', () => {
    const closed = { ...open, state: 'won' as const, outcome: 'won' as const };
    expect(classifyEvent(closed, event({ status: 'under_review', createdAt: '2030-03-01T00:00:00Z' }))).toEqual({
      type: 'stale',
    });
    expect(classifyEvent(closed, event({ status: 'under_review', createdAt: '2030-03-02T00:00:00Z' }))).toEqual({
      type: 'stale',
    });
    expect(classifyEvent(closed, event({ status: 'won', createdAt: '2030-03-03T00:00:00Z' }))).toEqual({
      type: 'stale',
    });
  });

  test('when a closed dispute is reopened by the PSP, then it is a pre-arbitration reopen', () => {
    const closed = { ...open, state: 'won' as const, outcome: 'won' as const };
    expect(
      classifyEvent(
        closed,
        event({ status: 'needs_response', previousStatus: 'won', createdAt: '2030-03-02T00:00:00Z' }),
      ),
    ).toEqual({ type: 'reopen' });
    expect(classifyEvent(closed, event({ status: 'needs_response', createdAt: '2030-03-05T00:00:00Z' }))).toEqual({
      type: 'reopen',
    });
  });

  test('when a reopen overtakes the outcome it reopens, then the reopen closes and reopens, and the late outcome is stale', () => {
    const submitted = { ...open, state: 'submitted' as const, submittedThisRound: true };
    expect(
      classifyEvent(
        submitted,
        event({ status: 'needs_response', previousStatus: 'won', createdAt: '2030-03-02T00:00:00Z' }),
      ),
    ).toEqual({ type: 'reopen', closedAs: 'won' });
    const reopened = { ...open, state: 'pre_arbitration' as const, lastReopenAt: at('2030-03-02T00:00:00Z') };
    expect(classifyEvent(reopened, event({ status: 'won', createdAt: '2030-03-02T00:00:00Z' }))).toEqual({
      type: 'stale',
    });
    expect(classifyEvent(reopened, event({ status: 'lost', createdAt: '2030-03-09T00:00:00Z' }))).toEqual({
      type: 'outcome',
      outcome: 'lost',
    });
  });

  test('when an outcome or an outside submission arrives on an open case, then it is classified so', () => {
    expect(classifyEvent(open, event({ status: 'lost', createdAt: '2030-03-03T00:00:00Z' }))).toEqual({
      type: 'outcome',
      outcome: 'lost',
    });
    expect(classifyEvent(open, event({ status: 'under_review', createdAt: '2030-03-03T00:00:00Z' }))).toEqual({
      type: 'submitted_outside',
    });
    expect(
      classifyEvent(
        { ...open, submittedThisRound: true },
        event({ status: 'under_review', createdAt: '2030-03-03T00:00:00Z' }),
      ),
    ).toEqual({ type: 'update' });
  });
});
