import type { z } from 'zod';
import { failure, FailureType } from './failures';

/** `field.path: message; other.field: message` — every issue names its field. */
export function describeZodError(error: z.ZodError): string {
  return error.issues
    .map((issue) => `${issue.path.length ? issue.path.join('.') : '(input)'}: ${issue.message}`)
    .join('; ');
}

/** Parses or throws a non-retryable `InvalidInput` failure naming each bad field; nothing else happens. */
export function parseOrFail<S extends z.ZodType>(schema: S, input: unknown, what: string): z.infer<S> {
  const result = schema.safeParse(input);
  if (!result.success) {
    throw failure(FailureType.InvalidInput, `invalid ${what}: ${describeZodError(result.error)}`);
  }
  return result.data;
}
