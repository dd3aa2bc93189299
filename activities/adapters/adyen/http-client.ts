import type { Client, Config } from '@adyen/api-library';
import type { IRequest } from '@adyen/api-library/lib/src/typings/requestOptions';
import { adyenLibrary } from './library';

/** Where the library sends Balance Platform calls (test); the sandbox's base replaces this origin. */
const ADYEN_BTL_TEST_ORIGIN = 'https://balanceplatform-api-test.adyen.com';

/**
 * The library's `ClientInterface` over `fetch`, for a base URL of our choosing (the local sandbox speaks plain HTTP,
 * which the library's own `https`-only client cannot reach). It sends what the library's client sends (`X-API-Key`,
 * JSON, the `Idempotency-Key` header from `requestOptions.idempotencyKey`, the query from `requestOptions.params`) and
 * fails the way it fails (`HttpClientException` with `statusCode`, `errorCode`, `apiError`), so the rest of the
 * library, and our error map, cannot tell the difference. Live deployments use the library's own client.
 */
export class FetchHttpClient {
  constructor(private readonly apiBase: string) {}

  async request(
    endpoint: string,
    json: string | Buffer,
    config: Config,
    _isApiKeyRequired: boolean,
    requestOptions: IRequest.Options = {},
  ): Promise<string> {
    const url = new URL(endpoint.replace(ADYEN_BTL_TEST_ORIGIN, this.apiBase.replace(/\/$/, '')));
    for (const [k, v] of Object.entries(requestOptions.params ?? {})) url.searchParams.set(k, String(v));
    const method = requestOptions.method ?? 'POST';
    const headers: Record<string, string> = {
      'Content-Type': 'application/json',
      'X-API-Key': config.apiKey ?? '',
      ...(requestOptions.headers as Record<string, string> | undefined),
      ...(requestOptions.idempotencyKey ? { 'Idempotency-Key': requestOptions.idempotencyKey } : {}),
    };
    const res = await fetch(url, {
      method,
      headers,
      ...(method === 'GET' ? {} : { body: typeof json === 'string' ? json : new Uint8Array(json) }),
      signal: AbortSignal.timeout(config.connectionTimeoutMillis ?? 30_000),
    });
    const body = await res.text();
    if (res.ok) return body;
    let apiError: Record<string, unknown> | undefined;
    try {
      const parsed: unknown = JSON.parse(body);
      if (parsed && typeof parsed === 'object' && 'status' in parsed) apiError = parsed as Record<string, unknown>;
    } catch {
      // not JSON: the status alone
    }
    throw new (adyenLibrary().HttpClientException)({
      message: `HTTP Exception: ${res.status}`,
      statusCode: res.status,
      errorCode: typeof apiError?.errorCode === 'string' ? apiError.errorCode : undefined,
      responseHeaders: Object.fromEntries(res.headers.entries()),
      responseBody: body,
      ...(apiError ? { apiError: apiError as never } : {}),
    });
  }
}

/** How an Adyen adapter reaches Adyen: its key, and a base URL (the sandbox) or Adyen's own test or live platform. */
export interface AdyenConnection {
  /** The API key (`X-API-Key`). */
  apiKey: string;
  /** The platform's balance account the payouts are paid from (and reconciliation reads). */
  balanceAccountId: string;
  /** e.g. `http://127.0.0.1:12119` (the sandbox); absent: Adyen itself, through the library's own client. */
  apiBase?: string;
  environment?: 'TEST' | 'LIVE';
  /** Required by the library for LIVE. */
  liveEndpointUrlPrefix?: string;
  timeoutMs?: number;
}

/**
 * The official library's client for one connection; with `apiBase`, it carries the calls over {@link FetchHttpClient}.
 * It loads the library (workers build adapters at start-up: call this on the adapter's first call, see ./library.ts).
 */
export function adyenClient(opts: AdyenConnection): Client {
  const { Client, EnvironmentEnum } = adyenLibrary();
  const client = new Client({
    apiKey: opts.apiKey,
    environment: opts.environment === 'LIVE' ? EnvironmentEnum.LIVE : EnvironmentEnum.TEST,
    ...(opts.liveEndpointUrlPrefix ? { liveEndpointUrlPrefix: opts.liveEndpointUrlPrefix } : {}),
    connectionTimeoutMillis: opts.timeoutMs ?? 30_000,
  });
  if (opts.apiBase) client.httpClient = new FetchHttpClient(opts.apiBase);
  return client;
}
