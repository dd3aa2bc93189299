import type { SearchAttributeUpdatePair } from '@temporalio/common';
import { log, setHandler, workflowInfo } from '@temporalio/workflow';
import {
  activityRecoveredSchema,
  activityRecoveredSignal,
  activityRetryingSchema,
  activityRetryingSignal,
  type ActivityRetrying,
} from './ops-notices';
import { describeZodError } from './parse';
import { SA } from './search-attributes';

/**
 * The "retrying" fact of one workflow, fed by the worker's retry-reporting interceptor (`activityRetrying`,
 * `activityRecovered`): what keeps failing, since when, the last error code and the next attempt. Every domain holds
 * one and publishes it through its `VisibleState`: `FailedAttempts` (0 when clear), `LastErrorCode` while retrying,
 * and a current-details line.
 *
 * A notice belongs to the stage (the domain's state name) it arrived in: once the workflow moves on, the notice no
 * longer shows (the activity gave up or was left behind; a later failure reports again). Nothing is published before
 * the first notice, so workflows that never retry issue no new command and old histories replay unchanged.
 */
export class Retrying {
  private readonly active = new Map<string, { notice: ActivityRetrying; stage: string }>();
  /** FailedAttempts is published once set (also by an earlier run: continue-as-new carries search attributes). */
  private shown: boolean;

  constructor(private readonly stage: () => string) {
    this.shown = workflowInfo().typedSearchAttributes.get(SA.FailedAttempts) !== undefined;
  }

  /** Registers the two signal handlers; `publish` shows a change. An invalid notice is logged and ignored. */
  register(publish: () => void): void {
    setHandler(activityRetryingSignal, (raw) => {
      const parsed = activityRetryingSchema.safeParse(raw);
      if (!parsed.success) return ignored('activityRetrying', describeZodError(parsed.error));
      this.active.set(parsed.data.activityType, { notice: parsed.data, stage: this.stage() });
      this.shown = true;
      publish();
    });
    setHandler(activityRecoveredSignal, (raw) => {
      const parsed = activityRecoveredSchema.safeParse(raw);
      if (!parsed.success) return ignored('activityRecovered', describeZodError(parsed.error));
      if (this.active.delete(parsed.data.activityType)) publish();
    });
  }

  /** What retries now (in this stage), the most attempts first. */
  current(): ActivityRetrying[] {
    const stage = this.stage();
    return [...this.active.values()]
      .filter((a) => a.stage === stage)
      .map((a) => a.notice)
      .sort((a, b) => b.attempt - a.attempt);
  }

  /**
   * The domain's search attributes with the retrying fact on top: `FailedAttempts` (once shown) and, while retrying,
   * `LastErrorCode` = the failing activity's code (`none` is restored after, unless the domain sets its own).
   */
  overlay(pairs: SearchAttributeUpdatePair[]): SearchAttributeUpdatePair[] {
    if (!this.shown) return pairs;
    const top = this.current()[0];
    const hasCode = pairs.some((p) => p.key.name === SA.LastErrorCode.name);
    const extra: SearchAttributeUpdatePair[] = [{ key: SA.FailedAttempts, value: top?.attempt ?? 0 }];
    if (top) extra.push({ key: SA.LastErrorCode, value: top.errorCode });
    else if (!hasCode) extra.push({ key: SA.LastErrorCode, value: 'none' });
    return overlayPairs(pairs, extra);
  }

  /** One current-details line per retrying activity. */
  lines(): string[] {
    return this.current().map(
      (a) =>
        `retrying ${a.activityType} since ${a.since}, attempt ${a.attempt}, last error ${a.errorCode}, next attempt ${a.nextAttemptAt ?? 'unknown'}`,
    );
  }
}

/** `pairs` with each of `extra` replacing the pair of the same key (or added): one pair per key, in order. */
export function overlayPairs(
  pairs: SearchAttributeUpdatePair[],
  extra: SearchAttributeUpdatePair[],
): SearchAttributeUpdatePair[] {
  const byName = new Map(extra.map((p) => [p.key.name, p]));
  const out = pairs.map((p) => byName.get(p.key.name) ?? p);
  for (const p of extra) if (!pairs.some((q) => q.key.name === p.key.name)) out.push(p);
  return out;
}

function ignored(signal: string, issues: string): void {
  log.warn(`ignored invalid ${signal} notice`, { issues });
}
