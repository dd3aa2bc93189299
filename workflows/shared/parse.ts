import type { z } from 'zod';
import { failure, FailureType, refusal } from './failures';

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

/**
 * Parses an update's argument in its validator, or refuses it (`refusal(InvalidInput, 'invalid_input', …)`) naming
 * each bad field; nothing is written to history.
 */
export function parseOrRefuse<S extends z.ZodType>(schema: S, raw: unknown, what: string): z.infer<S> {
  const result = schema.safeParse(raw);
  if (result.success) return result.data;
  throw refusal(FailureType.InvalidInput, 'invalid_input', `invalid ${what}: ${describeZodError(result.error)}`);
}
