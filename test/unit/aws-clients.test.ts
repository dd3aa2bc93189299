import { makeAwsClients } from '../../activities/adapters/aws';

describe('AWS clients', () => {
  test('when the clients are built, then none runs the SDK logger middleware (no per-call filtering for a no-op logger)', () => {
    const aws = makeAwsClients({ region: 'eu-west-1', local: false });
    for (const client of [aws.dynamo, aws.s3, aws.ses, aws.sns, aws.sqs]) {
      const steps = client.middlewareStack.identify();
      expect(steps.some((s) => s.startsWith('loggerMiddleware'))).toBe(false);
      // The rest of the stack is the SDK's own: signing and retries stay.
      expect(steps.some((s) => s.startsWith('retryMiddleware'))).toBe(true);
      expect(steps.some((s) => /sign/i.test(s))).toBe(true);
    }
  });

  test('when a client is asked for twice, then it is the same client (one connection pool per process)', () => {
    const aws = makeAwsClients({ region: 'eu-west-1', local: false });
    expect(aws.dynamo).toBe(aws.dynamo);
  });
});
