import { previousPeriod, timeToContinueAsNew, windowRoom } from '../../workflows/payout-runs/policy';

describe('payout run policy', () => {
  test('when a run starts without a period, then it pays the month before (across a year boundary too)', () => {
    expect(previousPeriod('2026-12-01T06:00:00Z')).toBe('2026-11');
    expect(previousPeriod('2027-01-01T06:00:00Z')).toBe('2026-12');
  });

  test('when the window, the execution share or the batch limit is smaller than the buffer, then it bounds the starts', () => {
    const base = { buffered: 50, maxConcurrent: 10, inFlight: 4, childrenPerExecution: 500, startedThisExecution: 0 };
    expect(windowRoom({ ...base, maxBatch: Infinity })).toBe(6);
    expect(windowRoom({ ...base, maxBatch: 1 })).toBe(1);
    expect(windowRoom({ ...base, childrenPerExecution: 10, startedThisExecution: 8, maxBatch: Infinity })).toBe(2);
    expect(windowRoom({ ...base, buffered: 3, maxBatch: Infinity })).toBe(3);
    expect(windowRoom({ ...base, inFlight: 10, maxBatch: Infinity })).toBe(0);
  });

  test('when the execution started its share or the server suggests it, then the run continues as new', () => {
    expect(timeToContinueAsNew(500, 500, false)).toBe(true);
    expect(timeToContinueAsNew(10, 500, true)).toBe(true);
    expect(timeToContinueAsNew(10, 500, false)).toBe(false);
  });
});
