import { ApplicationFailure } from '@temporalio/common';

/**
 * The closed set of typed failures the product raises. Callers branch on `failure.type`
 * (never on message text); every one of these is non-retryable.
 */
export const FailureType = {
  InvalidInput: 'InvalidInput',
  NotPayable: 'NotPayable',
  Declined: 'Declined',
  InsufficientFunds: 'InsufficientFunds',
  Cancelled: 'Cancelled',
  Rejected: 'Rejected',
  Expired: 'Expired',
  PolicyViolation: 'PolicyViolation',
  Conflict: 'Conflict',
  ProviderPermanent: 'ProviderPermanent',
  /** The staff token is missing or invalid, or does not prove who or what role the command claims. */
  Unauthorized: 'Unauthorized',
} as const;
export type FailureType = (typeof FailureType)[keyof typeof FailureType];

const TYPES = new Set<string>(Object.values(FailureType));

/** A non-retryable, typed failure. Messages must not carry bank or card data. */
export function failure(type: FailureType, message: string, details?: Record<string, unknown>): ApplicationFailure {
  return ApplicationFailure.create({ type, message, nonRetryable: true, details: details ? [details] : undefined });
}

/**
 * The one way a validator (or handler) says no: a typed failure whose `details.code` names the rule, so every client
 * turns it into the same `{ accepted: false, type, code, message }`. Thrown from an update validator, nothing is
 * written to history.
 */
export function refusal(type: FailureType, code: string, message: string): ApplicationFailure {
  return failure(type, message, { code });
}

/** The product's own typed failure in an error's cause chain (activity, child or update failures wrap it). */
export function typedFailure(err: unknown): ApplicationFailure | undefined {
  for (let e: unknown = err; e; e = (e as { cause?: unknown }).cause) {
    if (e instanceof ApplicationFailure && e.type && TYPES.has(e.type)) return e;
  }
  return undefined;
}

/**
 * The most specific code an error carries, read down its cause chain: the first application failure's detail code
 * (`code`, or a bank `reasonCode` / PSP `declineCode`), else its type; else the innermost error's name.
 */
export function failureCode(err: unknown): string {
  let name = 'unknown';
  for (let e: unknown = err; e && typeof e === 'object'; e = (e as { cause?: unknown }).cause) {
    if (e instanceof ApplicationFailure && e.type) {
      const d = e.details?.[0] as { code?: unknown; reasonCode?: unknown; declineCode?: unknown } | undefined;
      const c = d?.reasonCode ?? d?.declineCode ?? d?.code;
      return typeof c === 'string' ? c : e.type;
    }
    if (e instanceof Error) name = e.name;
  }
  return name;
}

/** One row of a contract's refusal table: the failure type a caller branches on and what the code means to people. */
export interface RefusalRule {
  type: FailureType;
  summary: string;
}

/**
 * Each contract declares every code its commands refuse with in one table (`code → type, summary`); the docs'
 * refusal reference is generated from these tables. Policies return a {@link Refusal} or nothing; handlers only throw
 * it with {@link refuseWith}.
 */
export function refusalTable<const T extends Record<string, RefusalRule>>(table: T): Readonly<T> {
  return Object.freeze(table);
}

/** A policy's "no": the rule's code and words for people (no bank or card data). */
export interface Refusal<C extends string = string> {
  code: C;
  message: string;
}

/** The typed failure for a policy's refusal, its type taken from the contract's table. */
export function refuseWith<C extends string>(
  table: Readonly<Record<C, RefusalRule>>,
  r: Refusal<C>,
): ApplicationFailure {
  return refusal(table[r.code].type, r.code, r.message);
}
