import { withoutCallSiteStack } from '../../activities/adapters/psp/stripe-psp';

describe('Stripe calls without the call-site stack', () => {
  test('when a call starts, then a stack captured during its start has no frames, and the limit is restored', async () => {
    const before = Error.stackTraceLimit;
    let captured = '';
    const result = await withoutCallSiteStack(() => {
      // What the SDK does at the start of every request (StripeResource#_makeRequest).
      captured = new Error().stack ?? '';
      return Promise.resolve('answer');
    });
    expect(result).toBe('answer');
    expect(captured.split('\n')).toHaveLength(1); // the message line only
    expect(Error.stackTraceLimit).toBe(before);
    expect(new Error().stack?.split('\n').length).toBeGreaterThan(1);
  });

  test('when the start throws, then the error leaves unchanged and the limit is restored', () => {
    const before = Error.stackTraceLimit;
    expect(() =>
      withoutCallSiteStack(() => {
        throw new TypeError('bad parameter');
      }),
    ).toThrow(new TypeError('bad parameter'));
    expect(Error.stackTraceLimit).toBe(before);
  });
});
