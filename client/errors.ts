/** Bad input caught before anything reached Temporal; `issues` name each field. */
export class ClientInputError extends Error {
  override name = 'ClientInputError';
  constructor(
    message: string,
    readonly issues: Array<{ path: string; message: string }>,
  ) {
    super(message);
  }
}

/** Parses with zod before anything reaches Temporal; throws `ClientInputError` naming every bad field. */
export function parseClientInput<S extends import('zod').ZodType>(schema: S, input: unknown, what: string): import('zod').infer<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const issues = result.error.issues.map((i) => ({ path: i.path.join('.') || '(input)', message: i.message }));
  throw new ClientInputError(`invalid ${what}: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`, issues);
}
