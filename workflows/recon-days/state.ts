import type { SearchAttributeUpdatePair } from '@temporalio/common';
import { Retrying } from '../shared/retrying';
import { VisibleState, type Shown } from '../shared/visible-state';
import {
  CURRENT_RULE_VERSION,
  getStateQuery,
  type IngestedStatement,
  type LoadedExpectations,
  type MatchDayResult,
  type OpenBreaksResult,
  type ReconAccountFacts,
  type ReconDayPhase,
  type ReconDayView,
} from './contract';
import type { reconDayInput } from './contract';
import type { z } from 'zod';
import { dayDetails, daySearchAttributes } from './view';

/**
 * One account-day's run: its phase and what each step returned (keys, counts and digests only). Every change is a
 * method here ending with `visible.changed()`; `getState` answers the view. A run has no older histories, so it
 * publishes per workflow task from its first version.
 */
export class DayState implements Shown<ReconDayView> {
  private phase: ReconDayPhase = 'starting';
  private account?: ReconAccountFacts;
  private asks = 0;
  private statement?: IngestedStatement;
  private missing = false;
  private expectations?: LoadedExpectations;
  private matched?: MatchDayResult;
  private opened?: OpenBreaksResult;
  private day?: { workflowId: string; alreadyStarted: boolean };
  private readonly visible: VisibleState<ReconDayView>;
  readonly retrying = new Retrying(() => this.phase);
  readonly ruleVersion: string;

  constructor(readonly input: z.infer<typeof reconDayInput>) {
    this.ruleVersion = input.rulesVersion ?? CURRENT_RULE_VERSION;
    this.visible = new VisibleState(this, [getStateQuery], 'per-task', 'changed');
    this.retrying.register(() => this.visible.changed());
    this.visible.changed();
  }

  get facts(): ReconAccountFacts {
    if (!this.account) throw new Error('the account is not known yet');
    return this.account;
  }

  knowsAccount(a: ReconAccountFacts): void {
    this.account = a;
    // A Schedule's run only starts the day's own run: it never waits on the rail itself.
    this.phase = this.input.businessDate ? 'awaiting_statement' : 'delegated';
    this.visible.changed();
  }
  delegated(workflowId: string, alreadyStarted = false): void {
    this.day = { workflowId, alreadyStarted };
    this.visible.changed();
  }
  asked(): void {
    this.asks += 1;
    this.visible.changed();
  }
  ingested(s: IngestedStatement): void {
    this.statement = s;
    this.phase = 'loading_expectations';
    this.visible.changed();
  }
  statementMissing(): void {
    this.missing = true;
    this.phase = 'loading_expectations';
    this.visible.changed();
  }
  get ingestedStatement(): IngestedStatement | undefined {
    return this.statement;
  }
  loaded(e: LoadedExpectations): void {
    this.expectations = e;
    this.phase = 'matching';
    this.visible.changed();
  }
  get loadedExpectations(): LoadedExpectations {
    if (!this.expectations) throw new Error('expectations are not loaded yet');
    return this.expectations;
  }
  matchedDay(m: MatchDayResult): void {
    this.matched = m;
    this.phase = 'opening_breaks';
    this.visible.changed();
  }
  get matchKeys(): MatchDayResult['keys'] {
    if (!this.matched) throw new Error('the day is not matched yet');
    return this.matched.keys;
  }
  breaksOpened(o: OpenBreaksResult): void {
    this.opened = o;
    this.phase = 'done';
    this.visible.changed();
  }

  view(): ReconDayView {
    const a = this.account;
    return {
      accountId: this.input.accountId,
      ...(a
        ? { businessDate: a.businessDate }
        : this.input.businessDate
          ? { businessDate: this.input.businessDate }
          : {}),
      ruleVersion: this.ruleVersion,
      ...(this.input.rerun ? { rerun: this.input.rerun } : {}),
      phase: this.phase,
      ...(a && this.phase === 'awaiting_statement' ? { deadlineAt: new Date(a.deadlineAtMs).toISOString() } : {}),
      statementAsks: this.asks,
      ...(this.statement
        ? {
            statement: {
              lines: this.statement.lines,
              notBooked: this.statement.notBooked,
              sha256: this.statement.sha256,
              delivery: this.statement.delivery,
              lineKeys: this.statement.lineKeys,
              findings: this.statement.findings.length,
            },
          }
        : {}),
      statementMissing: this.missing,
      ...(this.expectations
        ? {
            expectations: {
              items: this.expectations.items,
              itemKeys: this.expectations.itemKeys,
              sha256: this.expectations.sha256,
            },
          }
        : {}),
      ...(this.matched
        ? {
            counts: this.matched.counts,
            ...(this.matched.tieOut ? { tieOut: this.matched.tieOut } : {}),
            keys: this.matched.keys,
            summaryDigest: this.matched.summaryDigest,
          }
        : {}),
      ...(this.opened ? { breaks: this.opened } : {}),
      ...(this.day ? { day: this.day } : {}),
    };
  }
  searchAttributes(): SearchAttributeUpdatePair[] {
    return this.retrying.overlay(daySearchAttributes(this.view(), this.account?.rail));
  }
  details(): string {
    return [dayDetails(this.view()), ...this.retrying.lines()].join('\n\n');
  }
}
