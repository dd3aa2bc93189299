import type { DisputePolicy, DisputeState, MilestoneStatus } from './contract';
import { isTerminal, nextAlarm, onAlarm, type Alarm, type AlarmAction, type Milestone } from './policy';

/** The next moment the case acts on its own, and why. */
export type Wake = { at: number; kind: 'alarm'; alarm: Alarm } | { at: number; kind: 'poll' | 'close' | 'lookup' };

/** What `onAlarm` weighs when an alarm fires. */
type AlarmFacts = Parameters<typeof onAlarm>[2];

const DAY = 86_400_000;

/**
 * A case's clock: its milestone alarms (which fired, which milestones were missed), the next outcome poll, the facts
 * look-up and when the case closed. Held privately by `CaseState`, which tells it what happened; deterministic (time
 * comes in as `now`).
 */
export class CaseClock {
  private alarms: Alarm[] = [];
  private readonly fired = new Set<string>();
  private readonly missed = new Map<string, MilestoneStatus>();
  private nextPollAt?: number;
  /** When to ask the PSP for the facts if no webhook brought them (a case started by hand). */
  private lookupAt: number;
  private closedAt?: number;

  constructor(
    private readonly policy: DisputePolicy,
    now: number,
  ) {
    this.lookupAt = now + 10 * 60_000;
  }

  /** Fresh alarms for fresh milestones (a new round or a moved due date). */
  setAlarms(alarms: Alarm[]): void {
    this.alarms = alarms;
  }
  /** The case closed: the reopen window runs from `now`, no more polls. */
  closed(now: number): void {
    this.closedAt = now;
    this.nextPollAt = undefined;
  }
  /** A new round: no longer closed, no poll until evidence is submitted again. */
  reopened(): void {
    this.closedAt = undefined;
    this.nextPollAt = undefined;
  }
  /** Evidence went to the PSP: poll for the outcome after the policy's interval. */
  submitted(now: number): void {
    this.nextPollAt = now + this.policy.outcomePollDays * DAY;
  }
  /** Sets the next outcome poll or facts look-up before it runs, so a failed one is retried at the next interval. */
  rearm(kind: 'poll' | 'lookup', now: number): void {
    if (kind === 'poll') this.nextPollAt = now + this.policy.outcomePollDays * DAY;
    else this.lookupAt = now + 60 * 60_000;
  }

  /** Marks the alarm fired and says what to do; a milestone alarm also records whether the milestone was met. */
  fireAlarm(alarm: Alarm, round: number, m: Milestone | undefined, facts: AlarmFacts): AlarmAction | undefined {
    this.fired.add(alarm.key);
    if (!m) return undefined;
    const action = onAlarm(alarm, m, facts, this.policy);
    if (alarm.kind === 'milestone') this.missed.set(`r${round}:${m.name}`, action.type === 'none' ? 'met' : 'missed');
    return action;
  }
  /** What a fired milestone alarm recorded for `m` in `round`, if it fired. */
  recordedStatus(round: number, m: Milestone): MilestoneStatus | undefined {
    return this.missed.get(`r${round}:${m.name}`);
  }

  nextWake(c: { hasFacts: boolean; state: DisputeState; decisionPending: boolean }): Wake | undefined {
    if (!c.hasFacts) return { at: this.lookupAt, kind: 'lookup' };
    if (isTerminal(c.state)) return { at: (this.closedAt ?? 0) + this.policy.reopenWindowDays * DAY, kind: 'close' };
    if (c.state === 'submitted')
      return this.nextPollAt === undefined ? undefined : { at: this.nextPollAt, kind: 'poll' };
    if (c.decisionPending) return undefined;
    const alarm = nextAlarm(this.alarms, this.fired);
    return alarm ? { at: alarm.at, kind: 'alarm', alarm } : undefined;
  }
}
