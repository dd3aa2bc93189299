import { createHmac } from 'node:crypto';
import {
  parseJson,
  readBody,
  sandboxServer,
  schedule,
  sendJson,
  sleep,
  type RunningSandbox,
  type SandboxHandler,
} from '../shared/http';
import { hangThenDrop, take } from '../shared/faults';
import { WebhookDispatcher } from '../shared/webhooks';
import {
  adyenAdmin,
  DEFAULT_IDEMPOTENCY_TTL_MS,
  defaultFaults,
  type AdyenSandboxContext,
  type CallRecord,
} from './admin';
import { adyenId, AdyenState, problem, validTransferInfo, type Reply, type TransferData } from './state';

/**
 * A stateful second PSP speaking the subset of Adyen's Transfers API (v4, `/btl/v4/…`) the product uses, so the
 * official `@adyen/api-library` talks to it unchanged (its HTTP client pointed here):
 * - `POST /btl/v4/transfers` (`TransferInfo` → `Transfer`), idempotent by the `Idempotency-Key` header: the same key
 *   replays the first response for 7 days (`POST /__admin/idempotency`), a concurrent duplicate is a 422 with
 *   errorCode `704` ("request already processed or in progress"). As with the Stripe sandbox, injected faults (5xx,
 *   429, problems, timeout-before) are never stored; `timeoutNext` in phase `after` executes and stores, then drops;
 *   `fail5xxNext` in phase `after` executes and stores, then answers 500.
 * - `GET /btl/v4/transfers/{id}` (`TransferData`) and `GET /btl/v4/transfers?reference=&createdSince=&createdUntil=`
 *   (`FindTransfersResponse`): the look-up a fence runs.
 * - `GET /btl/v4/transactions?createdSince=&createdUntil=&balanceAccountId=` (`TransactionSearchResponse`): the
 *   balance account's booked movements (a booking out, a return back in), what reconciliation reads as statement.
 * - Status lifecycle `received → authorised → booked`, or `refused` with a `reason` (before money moved), later
 *   `failed`/`returned` (admin); each change sends `balancePlatform.transfer.created|updated`.
 * - Auth: the `X-API-Key` header (any non-empty key), else 401 errorCode `00_401`.
 * - Errors are problem details (`type, title, status, detail, errorCode, requestId`), what the library turns into
 *   `HttpClientException { statusCode, errorCode, apiError }`.
 *
 * Webhooks: Adyen signs Balance Platform webhooks (transfer events among them) with the `HmacSignature` header:
 * base64(HMAC-SHA256(hex-decoded key, raw body)), which `HmacValidator.validateHMACSignature` of the library checks.
 * (`additionalData.hmacSignature` over `pspReference:originalReference:…` is the scheme of *Standard* payment
 * notifications, which transfer events are not.)
 *
 * Admin API under `/__admin/`: see `adyenAdmin` in admin.ts.
 */

export type AdyenSandbox = RunningSandbox;

/** `npm start`'s port: the next free fixed port after the decision service's 12118. */
export const ADYEN_SANDBOX_PORT = 12119;
/** The local HMAC key (hex, as Adyen's Customer Area shows keys); public by being in the repo, trusted locally only. */
export const LOCAL_ADYEN_HMAC_KEY = '44782DEF547AAA06C910C43932B1EB0C71FC68D9D0C057550C48EC2ACF6BA056';

export interface AdyenSandboxOptions {
  port?: number;
  webhookUrl?: string;
  /** Hex HMAC key the webhooks are signed with. */
  hmacKey: string;
  webhookRetryDelaysMs?: number[];
}

/** Adyen's Balance Platform webhook signature: base64 HMAC-SHA256 of the raw body under the hex-decoded key. */
export function adyenHmacSignature(body: string, hexKey: string): string {
  return createHmac('sha256', Buffer.from(hexKey, 'hex')).update(body, 'utf8').digest('base64');
}

export async function startAdyenSandbox(opts: AdyenSandboxOptions): Promise<AdyenSandbox> {
  const hooks = new WebhookDispatcher(opts.webhookUrl, opts.webhookRetryDelaysMs);
  const timers = new Set<NodeJS.Timeout>();
  const later = (fn: () => void, ms: number) => schedule(timers, fn, ms);

  const emit = (type: 'balancePlatform.transfer.created' | 'balancePlatform.transfer.updated', t: TransferData) => {
    const body = JSON.stringify({
      data: structuredClone(t),
      environment: 'test',
      timestamp: new Date().toISOString(),
      type,
    });
    hooks.emit({
      id: t.events[t.events.length - 1]?.id ?? adyenId('EVJN', 26),
      type,
      body,
      contentType: 'application/json',
      headers: () => ({ HmacSignature: adyenHmacSignature(body, opts.hmacKey), Protocol: 'HmacSHA256' }),
    });
  };

  const ctx: AdyenSandboxContext = {
    faults: defaultFaults(),
    state: new AdyenState(emit),
    calls: [],
    idem: new Map(),
    idemTtlMs: DEFAULT_IDEMPOTENCY_TTL_MS,
    timers,
    hooks,
    emit,
    held: new Set(),
  };

  const handleApi: SandboxHandler = async (req, res, method, path) => {
    const key = req.headers['idempotency-key'];
    const idempotencyKey = typeof key === 'string' && key ? key : null;
    const record: CallRecord = { method, path, idempotencyKey, status: 0, at: Date.now() };
    ctx.calls.push(record);
    const reply = (r: Reply, headers: Record<string, string> = {}) => {
      record.status = r.status;
      sendJson(res, r.status, r.body, headers);
    };
    const body = await readBody(req);
    if (ctx.faults.paused) {
      record.fault = 'paused';
      const run = await new Promise<boolean>((resolve) => ctx.held.add(resolve));
      if (!run) {
        record.fault = 'dropped';
        res.socket?.destroy();
        return;
      }
    }
    const apiKey = req.headers['x-api-key'];
    if (typeof apiKey !== 'string' || !apiKey.trim())
      return reply(problem(401, '00_401', 'Unauthorized', 'Not authorized to access this service.'));
    const retryAfter = ctx.rateLimit?.take(method, path);
    if (retryAfter !== undefined || take(ctx.faults, 'rateLimitNext')) {
      record.fault = 'rate_limit';
      return reply(problem(429, '00_429', 'Too Many Requests', 'The request limit was exceeded.'), {
        'Retry-After': String(retryAfter ?? ctx.faults.retryAfterSec),
      });
    }
    const aimed = !ctx.faults.faultMethod || ctx.faults.faultMethod === method;
    if (aimed && ctx.faults.fail5xxPhase === 'before' && take(ctx.faults, 'fail5xxNext')) {
      record.fault = '5xx';
      return reply(
        problem(500, '00_500', 'Internal Server Error', 'An unknown error occurred (injected by the sandbox).'),
      );
    }
    if (aimed && take(ctx.faults, 'errorNext')) {
      record.fault = 'error';
      const e = ctx.faults.error;
      return reply(problem(e.status, e.errorCode, e.title, 'Injected by the sandbox.'));
    }
    const timeout = aimed && take(ctx.faults, 'timeoutNext');
    if (timeout && ctx.faults.timeoutPhase === 'before') {
      record.fault = 'timeout';
      return hangThenDrop(req, res, ctx.faults.hangMs, timers);
    }

    const url = new URL(path, 'http://sandbox');
    const idemKey = method === 'POST' && idempotencyKey ? `${url.pathname}\n${idempotencyKey}` : undefined;
    if (idemKey) {
      const first = ctx.idem.get(idemKey);
      const seen = first && Date.now() - first.at < ctx.idemTtlMs ? first : undefined;
      if (seen && !seen.response)
        return reply(
          problem(
            422,
            '704',
            'Request already processed or in progress',
            'A request with this idempotency key is in progress.',
          ),
        );
      if (seen?.response) {
        record.replayed = true;
        if (seen.body !== body) record.bodyMismatch = true;
        if (timeout) {
          record.fault = 'timeout';
          return hangThenDrop(req, res, ctx.faults.hangMs, timers);
        }
        return reply(seen.response);
      }
      ctx.idem.set(idemKey, { body, at: Date.now() });
    }
    // Latency is processing time: a key is in progress meanwhile (a duplicate gets 704).
    if (ctx.faults.latencyMs > 0) {
      record.fault = 'latency';
      await sleep(ctx.faults.latencyMs);
    }

    const result = route(method, url, body, idempotencyKey);
    if (idemKey) {
      // A validation failure (422 30_100) never started a transfer: Adyen does not keep it against the key.
      if (result.status === 200) ctx.idem.set(idemKey, { body, at: Date.now(), response: result });
      else ctx.idem.delete(idemKey);
    }
    if (timeout) {
      record.fault = 'timeout';
      record.status = result.status;
      return hangThenDrop(req, res, ctx.faults.hangMs, timers);
    }
    // A commit the client never hears of: stored under its key (a retry replays it), answered with a 500.
    if (
      aimed &&
      idemKey &&
      result.status === 200 &&
      ctx.faults.fail5xxPhase === 'after' &&
      take(ctx.faults, 'fail5xxNext')
    ) {
      record.fault = '5xx';
      return reply(
        problem(500, '00_500', 'Internal Server Error', 'An unknown error occurred (injected by the sandbox).'),
      );
    }
    return reply(result);
  };

  function route(method: string, url: URL, body: string, idempotencyKey: string | null): Reply {
    let m: RegExpExecArray | null;
    if (method === 'POST' && url.pathname === '/btl/v4/transfers') {
      let parsed: Record<string, unknown>;
      try {
        parsed = parseJson(body);
      } catch {
        return problem(422, '30_100', 'Invalid transfer information provided', 'The body is not a JSON object.');
      }
      const info = validTransferInfo(parsed);
      if ('status' in info) return info;
      const counterparty = info.counterparty.balanceAccountId ?? info.counterparty.transferInstrumentId ?? '';
      const refuse =
        ctx.faults.refuseCounterparties[counterparty] ??
        (take(ctx.faults, 'refuseNext') ? ctx.faults.refuseReason : undefined);
      return ctx.state.create(info, idempotencyKey, refuse, ctx.faults.settleMs, later);
    }
    if (method === 'GET' && url.pathname === '/btl/v4/transfers') return ctx.state.find(url.searchParams);
    if (method === 'GET' && url.pathname === '/btl/v4/transactions')
      return ctx.state.listTransactions(url.searchParams);
    if (method === 'GET' && (m = /^\/btl\/v4\/transfers\/([^/]+)$/.exec(url.pathname))) {
      const t = ctx.state.transfers.get(decodeURIComponent(m[1] ?? ''));
      return t ? { status: 200, body: t } : problem(404, '30_404', 'Not found', 'Transfer not found');
    }
    return problem(404, '00_404', 'Not found', `Unrecognized request URL (${method}: ${url.pathname}).`);
  }

  return sandboxServer({
    port: opts.port,
    api: { prefix: '/btl/v4/', handle: handleApi, withQuery: true },
    admin: adyenAdmin(ctx),
    onError: (res, message, where) =>
      sendJson(
        res,
        where === 'admin' ? 400 : 500,
        where === 'admin' ? { error: message } : problem(500, '00_500', 'Internal Server Error', message).body,
      ),
    timers,
    onStop: async () => {
      ctx.faults.pauseMode = 'drop';
      for (const release of [...ctx.held]) release(false);
      ctx.held.clear();
      await hooks.stop();
    },
  });
}
