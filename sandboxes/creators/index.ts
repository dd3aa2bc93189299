import { parseJson, readBody, sandboxServer, sendJson, sleep, type RunningSandbox } from '../shared/http';
import { mergeNumbers, take } from '../shared/faults';

/**
 * A stateful "creator directory" simulator: per creator KYC and sanctions status, payout method (bank IBAN or PSP
 * account token), earnings per period and hold-until; plus FX quotes with locks (idempotent per key).
 *
 * API: GET /v1/creators/:id · GET /v1/earnings?period&cursor&limit · POST /v1/fx/locks `{ idempotencyKey, source,
 * targetCurrency }`.
 * Admin API (JSON, no auth): POST /__admin/reset · POST /__admin/creators (upsert one creator or `{ creators: [...] }`)
 * · PATCH /__admin/creators/:id (merge; `payoutMethod: null` / `holdUntil: null` removes) · POST /__admin/fx-rates
 * `{ "USD>EUR": "0.92" }` · POST /__admin/faults `{ latencyMs, fail5xxNext }` (DELETE clears) · GET /__admin/calls.
 */
export type CreatorsSandbox = RunningSandbox;

type Creator = Record<string, unknown> & { creatorId: string; earnings: Record<string, number> };

/** A creator every payability check passes for: verified, sanctions clear, USD balance, a PSP account; `overrides` win. */
export function payableCreator(
  creatorId: string,
  overrides: Record<string, unknown> = {},
): Record<string, unknown> & { creatorId: string } {
  return {
    creatorId,
    displayName: creatorId,
    email: `${creatorId}@creators.example`,
    kycStatus: 'verified',
    sanctionsStatus: 'clear',
    balanceCurrency: 'USD',
    payoutMethod: { rail: 'psp', currency: 'USD', country: 'US', accountToken: `acct_${creatorId.replace(/-/g, '_')}` },
    ...overrides,
  };
}

/** Rates as decimal strings; converted with integer math (per-million) to keep the sandbox float-free. */
const defaultRates = (): Map<string, string> =>
  new Map([
    ['USD>EUR', '0.920000'],
    ['EUR>USD', '1.087000'],
    ['USD>GBP', '0.790000'],
    ['GBP>USD', '1.266000'],
    ['EUR>GBP', '0.858000'],
    ['GBP>EUR', '1.165000'],
    ['USD>JPY', '150.000000'],
  ]);

const EXPONENT: Record<string, number> = { JPY: 0, KRW: 0 };

const noFaults = () => ({ latencyMs: 0, fail5xxNext: 0 });

export async function startCreatorsSandbox(opts: { port?: number } = {}): Promise<CreatorsSandbox> {
  let creators = new Map<string, Creator>();
  let rates = defaultRates();
  let locks = new Map<string, Record<string, unknown>>();
  let faults = noFaults();
  const calls: Array<{ method: string; path: string; status: number }> = [];
  let seq = 0;

  function convert(amountMinor: number, from: string, to: string, rate: string): number {
    const [whole = '0', frac = ''] = rate.split('.');
    const perMillion = BigInt(whole) * 1_000_000n + BigInt((frac + '000000').slice(0, 6));
    const expDiff = (EXPONENT[to] ?? 2) - (EXPONENT[from] ?? 2);
    let v = BigInt(amountMinor) * perMillion;
    v = expDiff >= 0 ? v * 10n ** BigInt(expDiff) : v / 10n ** BigInt(-expDiff);
    return Number(v / 1_000_000n);
  }

  async function api(
    method: string,
    url: URL,
    body: Record<string, unknown>,
  ): Promise<{ status: number; body: unknown }> {
    let m: RegExpExecArray | null;
    if (method === 'GET' && (m = /^\/v1\/creators\/([^/]+)$/.exec(url.pathname))) {
      const c = creators.get(decodeURIComponent(m[1] ?? ''));
      return c ? { status: 200, body: c } : { status: 404, body: { error: 'no such creator' } };
    }
    if (method === 'GET' && url.pathname === '/v1/earnings') {
      const period = url.searchParams.get('period') ?? '';
      const cursor = url.searchParams.get('cursor') ?? '';
      const limit = Math.max(1, Math.min(1000, Number(url.searchParams.get('limit') ?? 100)));
      const all = [...creators.values()]
        .filter((c) => (c.earnings[period] ?? 0) > 0 && c.creatorId > cursor)
        .sort((a, b) => (a.creatorId < b.creatorId ? -1 : 1));
      const page = all.slice(0, limit);
      const last = page[page.length - 1];
      return {
        status: 200,
        body: {
          items: page.map((c) => ({
            creatorId: c.creatorId,
            amount: { amountMinor: c.earnings[period], currency: c.balanceCurrency },
          })),
          ...(all.length > limit && last ? { nextCursor: last.creatorId } : {}),
        },
      };
    }
    if (method === 'POST' && url.pathname === '/v1/fx/locks') {
      const key = String(body.idempotencyKey ?? '');
      const source = body.source as { amountMinor?: unknown; currency?: unknown } | undefined;
      const target = String(body.targetCurrency ?? '');
      if (!key || !source || typeof source.amountMinor !== 'number' || typeof source.currency !== 'string')
        return { status: 400, body: { error: 'idempotencyKey, source and targetCurrency required' } };
      const seen = locks.get(key);
      if (seen) return { status: 200, body: seen };
      const rate = rates.get(`${source.currency}>${target}`);
      if (!rate) return { status: 422, body: { error: `no rate ${source.currency}>${target}` } };
      seq++;
      const lock = {
        quoteId: `fxq_${seq}`,
        lockId: `fxl_${seq}`,
        rate,
        source: { amountMinor: source.amountMinor, currency: source.currency },
        target: { amountMinor: convert(source.amountMinor, source.currency, target, rate), currency: target },
        expiresAt: new Date(Date.now() + 15 * 60_000).toISOString(),
      };
      locks.set(key, lock);
      return { status: 200, body: lock };
    }
    return { status: 404, body: { error: `unknown route ${method} ${url.pathname}` } };
  }

  function upsert(c: Record<string, unknown>): Creator {
    if (typeof c.creatorId !== 'string' || !c.creatorId) throw new Error('creatorId required');
    const prev = creators.get(c.creatorId);
    const merged = {
      displayName: c.creatorId,
      email: `${c.creatorId}@creators.example`,
      kycStatus: 'verified',
      sanctionsStatus: 'clear',
      balanceCurrency: 'USD',
      earnings: {},
      ...(prev ?? {}),
      ...c,
    } as Creator;
    for (const k of ['payoutMethod', 'holdUntil']) if (merged[k] === null) delete merged[k];
    creators.set(c.creatorId, merged);
    return merged;
  }

  return sandboxServer({
    port: opts.port,
    api: {
      prefix: '/v1/',
      withQuery: true,
      async handle(req, res, method, path) {
        const body = parseJson(await readBody(req));
        const url = new URL(path, 'http://sandbox');
        const record = { method, path: url.pathname, status: 0 };
        calls.push(record);
        if (faults.latencyMs > 0) await sleep(faults.latencyMs);
        if (take(faults, 'fail5xxNext')) {
          record.status = 503;
          return sendJson(res, 503, { error: 'directory unavailable (injected)' });
        }
        const r = await api(method, url, body);
        record.status = r.status;
        return sendJson(res, r.status, r.body);
      },
    },
    admin: {
      reset() {
        creators = new Map();
        rates = defaultRates();
        locks = new Map();
        faults = noFaults();
        calls.length = 0;
      },
      setFaults(b) {
        mergeNumbers(faults, b, ['latencyMs', 'fail5xxNext']);
        return faults;
      },
      clearFaults() {
        faults = noFaults();
        return faults;
      },
      calls: () => ({ calls, locks: locks.size }),
      routes(method, path, b) {
        let m: RegExpExecArray | null;
        if (method === 'POST' && path === '/__admin/creators') {
          const list = Array.isArray(b.creators) ? (b.creators as Record<string, unknown>[]) : [b];
          return { status: 200, body: { creators: list.map(upsert) } };
        }
        if (method === 'PATCH' && (m = /^\/__admin\/creators\/([^/]+)$/.exec(path))) {
          const id = decodeURIComponent(m[1] ?? '');
          if (!creators.has(id)) return { status: 404, body: { error: `no such creator ${id}` } };
          return { status: 200, body: upsert({ ...b, creatorId: id }) };
        }
        if (method === 'POST' && path === '/__admin/fx-rates') {
          for (const [pair, rate] of Object.entries(b))
            if (typeof rate === 'string' && /^\d+(\.\d{1,6})?$/.test(rate)) rates.set(pair, rate);
          return { status: 200, body: Object.fromEntries(rates) };
        }
        return undefined;
      },
    },
  });
}
