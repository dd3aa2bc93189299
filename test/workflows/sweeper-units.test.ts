import { emfLine } from '../../activities/sweeper/emf';
import { loadConfig } from '../../workers/config';
import { main } from '../../workers/ensure-sweep-schedule';
import { aboveSince, noticesOf, previousAboveSince } from '../../workflows/sweeper/policy';
import type { StuckCategory, StuckItem } from '../../workflows/sweeper/contract';

/** The sweeper's pure parts: crossings, notices, the EMF line and its configuration (no server needed). */
const zero: Record<StuckCategory, number> = {
  overdue_person: 0,
  retrying: 0,
  parked: 0,
  unconfirmed_at_rail: 0,
  runs_not_finishing: 0,
};
const T1 = '2026-12-01T10:00:00.000Z';
const T2 = '2026-12-01T10:05:00.000Z';

describe('sweeper policy', () => {
  test('when a count rises above its threshold, then the crossing starts now; while it stays above, it keeps that instant', () => {
    const first = aboveSince({ ...zero, retrying: 21 }, {}, {}, T1);
    expect(first).toEqual({ retrying: T1 });
    expect(aboveSince({ ...zero, retrying: 30 }, {}, previousAboveSince({ aboveSince: first }), T2)).toEqual({
      retrying: T1,
    });
  });

  test('when a count falls back to its threshold, then the crossing ends and the next one is new', () => {
    const below = aboveSince({ ...zero, retrying: 20 }, {}, { retrying: T1 }, T2);
    expect(below).toEqual({});
    expect(aboveSince({ ...zero, retrying: 21 }, {}, below, T2)).toEqual({ retrying: T2 });
  });

  test('when thresholds are configured, then they replace the defaults per category', () => {
    expect(aboveSince({ ...zero, overdue_person: 1, parked: 3 }, { overdue_person: 5, parked: 2 }, {}, T1)).toEqual({
      parked: T1,
    });
  });

  test('when the previous result is missing or malformed, then no crossing is carried over', () => {
    expect(previousAboveSince(undefined)).toEqual({});
    expect(previousAboveSince({ aboveSince: { retrying: 7, parked: T1, bogus: T1 } })).toEqual({ parked: T1 });
  });

  test('when an item is in two categories, then it gets one notice keyed by workflow ID and deadline', () => {
    const item = (category: StuckCategory): StuckItem => ({
      workflowId: 'payout-p1',
      workflowType: 'creatorPayout',
      category,
      deadline: T1,
    });
    const notices = noticesOf(
      { counts: { ...zero, overdue_person: 1 }, items: [item('overdue_person'), item('unconfirmed_at_rail')] },
      {},
      { overdue_person: T1 },
    );
    expect(notices.map((n) => n.eventId)).toEqual([`threshold:overdue_person:${T1}`, `payout-p1:${T1}`]);
    expect(notices[0]).toMatchObject({ kind: 'threshold', count: 1, threshold: 0, since: T1 });
  });
});

describe('EMF line', () => {
  test('when a count is written, then it is one CloudWatch embedded-metric JSON line with its dimensions', () => {
    const line = emfLine({
      namespace: 'payops',
      name: 'payops.stuck.retrying',
      value: 4,
      dimensions: { Category: 'retrying', Stage: 'prod' },
      timestamp: 1_764_583_200_000,
    });
    expect(line).not.toContain('\n');
    expect(JSON.parse(line)).toEqual({
      _aws: {
        Timestamp: 1_764_583_200_000,
        CloudWatchMetrics: [
          {
            Namespace: 'payops',
            Dimensions: [['Category', 'Stage']],
            Metrics: [{ Name: 'payops.stuck.retrying', Unit: 'Count' }],
          },
        ],
      },
      Category: 'retrying',
      Stage: 'prod',
      'payops.stuck.retrying': 4,
    });
  });

  test('when a value or dimension would make CloudWatch drop the line, then it throws instead', () => {
    const base = { namespace: 'payops', name: 'm', value: 1, dimensions: { Stage: 'x' }, timestamp: 0 };
    expect(() => emfLine({ ...base, value: Number.NaN })).toThrow(/finite/);
    expect(() => emfLine({ ...base, dimensions: {} })).toThrow(/dimensions/);
    expect(() => emfLine({ ...base, dimensions: { Stage: '' } })).toThrow(/Stage/);
  });
});

describe('sweeper configuration', () => {
  test('when nothing is set, then the sweep runs every 5 minutes with the default thresholds and the local Web UI', () => {
    const c = loadConfig({});
    expect([c.SWEEP_INTERVAL, c.SWEEP_THRESHOLDS, c.WEB_UI_URL, c.PAYOPS_STAGE]).toEqual([
      300_000,
      {},
      'http://127.0.0.1:8233',
      'local',
    ]);
  });

  test('when thresholds are given as pairs or JSON, then both parse to the same map', () => {
    expect(loadConfig({ SWEEP_THRESHOLDS: 'retrying=5, parked=70' }).SWEEP_THRESHOLDS).toEqual({
      retrying: 5,
      parked: 70,
    });
    expect(loadConfig({ SWEEP_THRESHOLDS: '{"retrying":5,"parked":70}' }).SWEEP_THRESHOLDS).toEqual({
      retrying: 5,
      parked: 70,
    });
    expect(loadConfig({ SWEEP_INTERVAL: '90s' }).SWEEP_INTERVAL).toBe(90_000);
  });

  test.each([
    ['SWEEP_THRESHOLDS', 'retryin=5', /SWEEP_THRESHOLDS: .*retryin/],
    ['SWEEP_THRESHOLDS', 'retrying=-1', /SWEEP_THRESHOLDS\.retrying/],
    ['SWEEP_THRESHOLDS', '{not json', /SWEEP_THRESHOLDS: is neither valid JSON/],
    ['SWEEP_INTERVAL', '5 min', /SWEEP_INTERVAL: must be like 30s/],
    ['SWEEP_INTERVAL', '5s', /SWEEP_INTERVAL: must be at least 10s/],
    ['WEB_UI_URL', 'not a url', /WEB_UI_URL/],
    ['PAYOPS_STAGE', 'Prod!', /PAYOPS_STAGE/],
  ])('when %s is %j, then start-up is refused naming it', (name, value, message) => {
    expect(() => loadConfig({ [name]: value })).toThrow(message);
  });
});

describe('workers/ensure-sweep-schedule (the release step)', () => {
  test('when asked for --help, then it prints usage and exits 0; an unknown argument exits 2 naming it', async () => {
    const out = jest.spyOn(console, 'log').mockImplementation(() => undefined);
    const err = jest.spyOn(console, 'error').mockImplementation(() => undefined);
    try {
      expect(await main(['--help'])).toBe(0);
      expect(String(out.mock.calls[0]?.[0])).toMatch(/^usage: tsx workers\/ensure-sweep-schedule\.ts/);
      expect(await main(['--every=5m'])).toBe(2);
      expect(String(err.mock.calls[0]?.[0])).toMatch(/^unknown argument --every=5m/);
    } finally {
      out.mockRestore();
      err.mockRestore();
    }
  });
});
