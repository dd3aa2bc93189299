import { browserVerdict } from '../support/chromium';

/** The Web UI tests are the gate's only browser checks: a machine without Chromium must not pass them silently. */
describe('browser tests without Chromium', () => {
  const missing = '/usr/bin/chromium not found (apt-get install chromium failed)';

  test('when Chromium is missing, then the browser test fails naming why and how to fix it', () => {
    const v = browserVerdict(missing, {});
    expect(v).toMatchObject({ run: false, skip: false });
    expect(!v.run && v.why).toContain('apt-get install chromium failed');
    expect(!v.run && v.why).toContain('PAYOPS_SKIP_BROWSER_TESTS=1');
  });

  test('when Chromium is missing and PAYOPS_SKIP_BROWSER_TESTS=1 says so, then it is skipped, naming why', () => {
    const v = browserVerdict(missing, { PAYOPS_SKIP_BROWSER_TESTS: '1' });
    expect(v).toMatchObject({ run: false, skip: true });
    expect(!v.run && v.why).toContain(missing);
  });

  test('when Chromium is there, then the browser test runs', () => {
    expect(browserVerdict(undefined, {})).toEqual({ run: true });
  });
});
