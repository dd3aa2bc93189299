import { CancellationScope } from '@temporalio/workflow';

/** What {@link Saga.compensateAll} did: the undos that ran, and those that failed (with their errors). */
export interface Compensated {
  undone: string[];
  failed: Array<{ name: string; error: unknown }>;
}

/**
 * Records compensations as steps succeed; `compensate()` runs them newest-first in a
 * non-cancellable scope so they finish even when the workflow itself is being cancelled.
 */
export class Saga {
  private readonly steps: Array<{ name: string; undo: () => Promise<unknown> }> = [];

  add(name: string, undo: () => Promise<unknown>): void {
    this.steps.push({ name, undo });
  }

  /** Stops at the first undo that fails (its error propagates); kept for histories recorded with it. */
  async compensate(): Promise<string[]> {
    const { undone } = await this.compensateAll(() => false);
    return undone;
  }

  /**
   * Runs every undo, newest first, even when one fails: one failing undo must not leave the others' remedies live.
   * `goOn()` is asked at the first failure (histories recorded before this rule get `false`: the error propagates).
   */
  async compensateAll(goOn: () => boolean = () => true): Promise<Compensated> {
    const out: Compensated = { undone: [], failed: [] };
    await CancellationScope.nonCancellable(async () => {
      for (const step of [...this.steps].reverse()) {
        try {
          await step.undo();
          out.undone.push(step.name);
        } catch (error) {
          if (out.failed.length === 0 && !goOn()) throw error;
          out.failed.push({ name: step.name, error });
        }
      }
    });
    this.steps.length = 0;
    return out;
  }
}
