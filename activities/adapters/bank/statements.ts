import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { BankHttpError } from './errors';

/**
 * The bank's end-of-day statements (camt.053), read by the daily reconciliation: one HTTP GET per account and business
 * day, the body handed on as a byte stream (never buffered: a day may be hundreds of MB). The IBAN is a parameter of
 * the call only: never logged, never in an error message.
 */
export interface BankStatementPort {
  fetchStatement(
    accountIban: string,
    businessDate: string,
  ): Promise<{ available: false; reason: string } | { available: true; body: AsyncIterable<Uint8Array> }>;
}

/**
 * `GET {apiBase}/iso20022/statements/:iban/:date`. 404 (no statement for that day) and 409 (the day has not closed)
 * mean "not yet": the run asks again until its deadline. Anything else that is not 200 throws (retried).
 */
export function createHttpBankStatements(opts: { apiBase: string; timeoutMs?: number }): BankStatementPort {
  const base = opts.apiBase.replace(/\/$/, '');
  return {
    async fetchStatement(accountIban, businessDate) {
      const res = await fetch(
        `${base}/iso20022/statements/${encodeURIComponent(accountIban)}/${encodeURIComponent(businessDate)}`,
        // The timeout covers the answer's start; the body streams as long as it flows.
        { signal: AbortSignal.timeout(opts.timeoutMs ?? 60_000) },
      );
      if (res.status === 404 || res.status === 409) {
        await res.body?.cancel();
        return { available: false, reason: `the bank has no statement for ${businessDate} yet (HTTP ${res.status})` };
      }
      if (res.status !== 200 || !res.body) {
        await res.body?.cancel();
        throw new BankHttpError(res.status, `statement of ${businessDate}: HTTP ${res.status}`);
      }
      return { available: true, body: Readable.fromWeb(res.body as unknown as WebReadableStream<Uint8Array>) };
    },
  };
}
