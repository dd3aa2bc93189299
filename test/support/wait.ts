/**
 * Polls `fn` until it returns a value (a condition, not a fixed sleep); fails after `timeoutMs`, saying what never
 * happened (`what`, or a function of the last state, so a regression reports where it stopped, not "Exceeded timeout").
 */
export async function until<T>(
  fn: () => T | undefined | Promise<T | undefined>,
  timeoutMs = 5_000,
  what: string | (() => string) = 'condition',
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > deadline)
      throw new Error(`${typeof what === 'function' ? what() : what} not met in ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** The error a promise rejects with; fails the test when it resolves. */
export async function failureOf(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (err) {
    return err;
  }
  throw new Error('expected the call to fail');
}
