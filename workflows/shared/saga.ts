import { CancellationScope } from '@temporalio/workflow';

/**
 * Records compensations as steps succeed; `compensate()` runs them newest-first in a
 * non-cancellable scope so they finish even when the workflow itself is being cancelled.
 */
export class Saga {
  private readonly steps: Array<{ name: string; undo: () => Promise<unknown> }> = [];

  add(name: string, undo: () => Promise<unknown>): void {
    this.steps.push({ name, undo });
  }

  async compensate(): Promise<string[]> {
    const undone: string[] = [];
    await CancellationScope.nonCancellable(async () => {
      for (const step of [...this.steps].reverse()) {
        await step.undo();
        undone.push(step.name);
      }
    });
    this.steps.length = 0;
    return undone;
  }
}
