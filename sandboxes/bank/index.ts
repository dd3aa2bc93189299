import { randomBytes } from 'node:crypto';
import http from 'node:http';
import { signBankPayload } from '../../activities/adapters/bank/webhook';
import {
  hangThenDrop,
  num,
  parseJson,
  readBody,
  send,
  sendJson,
  sleep,
  take,
  schedule,
  clearTimers,
  serve,
  type RunningSandbox,
} from '../shared/http';
import { WebhookDispatcher } from '../shared/webhooks';
import {
  buildCamt054,
  buildPain002,
  isValidIban,
  looksLikeIban,
  parsePain001,
  type CreditTransferTx,
  type Pain002Tx,
} from './iso20022';

/**
 * A stateful bank simulator speaking ISO 20022: pain.001 in, pain.002 out, camt.054 notifications (settlements and
 * returns) POSTed to `webhookUrl` with `X-Bank-Signature` and a unique `X-Bank-Event-Id`.
 *
 * Idempotency: a transfer is identified by EndToEndId. Resubmitting the same MsgId + EndToEndId with the same content
 * returns the original pain.002 and moves no money again; reusing an EndToEndId with other content is RJCT DUPL.
 * Injected faults (5xx, timeout-before) are not remembered, so a retry can succeed; `timeoutNext` with phase `after`
 * (default) accepts the transfer and then drops the connection.
 *
 * pain.002 has no "returned" status: a settled transfer that came back is reported as RJCT with the return code and
 * `AddtlInf` RETURNED.
 *
 * Admin API (JSON): POST /__admin/reset · POST /__admin/faults `{ latencyMs, fail5xxNext, timeoutNext,
 * timeoutPhase:'before'|'after', hangMs, rejectAccounts:[{accountRef, code}], insufficientFundsNext, settleDelayMs,
 * holdWebhooks }` (merged; DELETE clears) · POST /__admin/returns `{ endToEndId, code }` · POST /__admin/webhooks/flush
 * `{ order }` · POST /__admin/webhooks/replay `{ eventId, times? }` · GET /__admin/calls · GET /__admin/events.
 */

export type BankSandbox = RunningSandbox;

export interface BankSandboxOptions {
  port?: number;
  webhookUrl?: string;
  hmacSecret: string;
  webhookRetryDelaysMs?: number[];
}

interface Faults {
  latencyMs: number;
  fail5xxNext: number;
  timeoutNext: number;
  timeoutPhase: 'before' | 'after';
  hangMs: number;
  insufficientFundsNext: number;
  rejectAccounts: Map<string, string>;
  settleDelayMs: number;
  holdWebhooks: boolean;
}

const defaultFaults = (): Faults => ({
  latencyMs: 0,
  fail5xxNext: 0,
  timeoutNext: 0,
  timeoutPhase: 'after',
  hangMs: 30_000,
  insufficientFundsNext: 0,
  rejectAccounts: new Map(),
  settleDelayMs: 200,
  holdWebhooks: false,
});

interface Transfer {
  messageId: string;
  tx: CreditTransferTx;
  fingerprint: string;
  /** The status answered at initiation, replayed on resubmission. */
  initial: Pain002Tx;
  status: 'ACSP' | 'ACSC' | 'RJCT' | 'RETURNED';
  reasonCode?: string;
}

interface CallRecord {
  method: string;
  path: string;
  status: number;
  messageId?: string;
  endToEndIds?: string[];
  fault?: '5xx' | 'timeout' | 'latency';
  replayed?: boolean;
}

const XML = 'application/xml; charset=utf-8';
const rid = (prefix: string) => `${prefix}${randomBytes(9).toString('hex').toUpperCase()}`;

export async function startBankSandbox(opts: BankSandboxOptions): Promise<BankSandbox> {
  let faults = defaultFaults();
  const transfers = new Map<string, Transfer>();
  const responses = new Map<string, string>();
  const calls: CallRecord[] = [];
  const timers = new Set<NodeJS.Timeout>();
  const hooks = new WebhookDispatcher(opts.webhookUrl, opts.webhookRetryDelaysMs);

  const notify = (t: Transfer, kind: 'settlement' | 'return', returnCode?: string) => {
    const id = rid('NTF');
    const body = buildCamt054({
      messageId: id,
      entries: [
        {
          endToEndId: t.tx.endToEndId,
          originalMessageId: t.messageId,
          status: kind === 'settlement' ? 'booked' : 'returned',
          ...(returnCode ? { returnCode } : {}),
          amount: { amountMinor: t.tx.amountMinor, currency: t.tx.currency },
        },
      ],
    });
    hooks.emit({
      id,
      type: kind === 'settlement' ? 'camt.054.settlement' : 'camt.054.return',
      body,
      contentType: XML,
      headers: () => ({ 'X-Bank-Signature': signBankPayload(body, opts.hmacSecret), 'X-Bank-Event-Id': id }),
    });
  };

  const scheduleSettlement = (t: Transfer) =>
    schedule(
      timers,
      () => {
        if (t.status !== 'ACSP') return;
        t.status = 'ACSC';
        notify(t, 'settlement');
      },
      faults.settleDelayMs,
    );

  function accept(messageId: string, tx: CreditTransferTx): Pain002Tx {
    const fingerprint = JSON.stringify([
      tx.amountMinor,
      tx.currency,
      tx.accountRef.replace(/\s+/g, '').toUpperCase(),
      tx.creditorName,
    ]);
    const existing = transfers.get(tx.endToEndId);
    if (existing) {
      if (existing.messageId === messageId && existing.fingerprint === fingerprint) return existing.initial;
      return {
        endToEndId: tx.endToEndId,
        status: 'RJCT',
        reasonCode: 'DUPL',
        additionalInfo: 'EndToEndId already used with different content',
      };
    }
    const normalized = tx.accountRef.replace(/\s+/g, '').toUpperCase();
    const rejectCode =
      faults.rejectAccounts.get(tx.accountRef) ??
      faults.rejectAccounts.get(normalized) ??
      (looksLikeIban(normalized) && !isValidIban(normalized) ? 'AC01' : undefined) ??
      (take(faults, 'insufficientFundsNext') ? 'AM04' : undefined);
    const initial: Pain002Tx = rejectCode
      ? { endToEndId: tx.endToEndId, status: 'RJCT', reasonCode: rejectCode }
      : { endToEndId: tx.endToEndId, status: 'ACCP' };
    const t: Transfer = {
      messageId,
      tx,
      fingerprint,
      initial,
      status: rejectCode ? 'RJCT' : 'ACSP',
      ...(rejectCode ? { reasonCode: rejectCode } : {}),
    };
    transfers.set(tx.endToEndId, t);
    if (!rejectCode) scheduleSettlement(t);
    return initial;
  }

  function statusReport(t: Transfer): string {
    const tx: Pain002Tx =
      t.status === 'RETURNED'
        ? { endToEndId: t.tx.endToEndId, status: 'RJCT', reasonCode: t.reasonCode, additionalInfo: 'RETURNED' }
        : { endToEndId: t.tx.endToEndId, status: t.status, ...(t.reasonCode ? { reasonCode: t.reasonCode } : {}) };
    return buildPain002({ messageId: rid('STS'), originalMessageId: t.messageId, transactions: [tx] });
  }

  async function handleIso(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    method: string,
    path: string,
  ): Promise<void> {
    const record: CallRecord = {
      method,
      path: path.startsWith('/iso20022/status/') ? '/iso20022/status/:endToEndId' : path,
      status: 0,
    };
    calls.push(record);
    const reply = (status: number, body: string, type = XML) => {
      record.status = status;
      send(res, status, body, type);
    };
    const body = await readBody(req);
    if (faults.latencyMs > 0) {
      record.fault = 'latency';
      await sleep(faults.latencyMs);
    }
    if (take(faults, 'fail5xxNext')) {
      record.fault = '5xx';
      return reply(503, 'bank temporarily unavailable (injected by the sandbox)', 'text/plain');
    }
    const timeout = take(faults, 'timeoutNext');
    if (timeout && faults.timeoutPhase === 'before') {
      record.fault = 'timeout';
      return hangThenDrop(req, res, faults.hangMs, timers);
    }

    let status = 200;
    let xml: string;
    if (method === 'POST' && path === '/iso20022/pain.001') {
      const parsed = parsePain001(body);
      if (!parsed.ok) {
        status = 400;
        xml = buildPain002({
          messageId: rid('STS'),
          originalMessageId: parsed.messageId ?? 'UNKNOWN',
          groupStatus: 'RJCT',
          groupReason: parsed.code,
          transactions: [],
        });
      } else {
        const { messageId, transactions } = parsed.message;
        record.messageId = messageId;
        record.endToEndIds = transactions.map((t) => t.endToEndId);
        const cacheKey = `${messageId}\n${JSON.stringify(transactions.map((t) => [t.endToEndId, t.amountMinor, t.currency, t.accountRef, t.creditorName]))}`;
        const cached = responses.get(cacheKey);
        if (cached) {
          record.replayed = true;
          xml = cached;
        } else {
          xml = buildPain002({
            messageId: rid('STS'),
            originalMessageId: messageId,
            transactions: transactions.map((tx) => accept(messageId, tx)),
          });
          responses.set(cacheKey, xml);
        }
      }
    } else if (method === 'GET' && path.startsWith('/iso20022/status/')) {
      const e2e = decodeURIComponent(path.slice('/iso20022/status/'.length));
      const t = transfers.get(e2e);
      if (!t) return reply(404, `unknown EndToEndId`, 'text/plain');
      xml = statusReport(t);
    } else {
      return reply(404, 'not found', 'text/plain');
    }
    if (timeout) {
      record.fault = 'timeout';
      record.status = status;
      return hangThenDrop(req, res, faults.hangMs, timers);
    }
    return reply(status, xml);
  }

  async function handleAdmin(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    method: string,
    path: string,
  ): Promise<void> {
    const b = parseJson(await readBody(req));
    if (method === 'POST' && path === '/__admin/reset') {
      clearTimers(timers);
      faults = defaultFaults();
      transfers.clear();
      responses.clear();
      calls.length = 0;
      hooks.reset();
      return sendJson(res, 200, { ok: true });
    }
    if (method === 'POST' && path === '/__admin/faults') {
      for (const k of [
        'latencyMs',
        'fail5xxNext',
        'timeoutNext',
        'hangMs',
        'insufficientFundsNext',
        'settleDelayMs',
      ] as const) {
        if (b[k] !== undefined) faults[k] = num(b[k], faults[k]);
      }
      if (b.timeoutPhase === 'before' || b.timeoutPhase === 'after') faults.timeoutPhase = b.timeoutPhase;
      if (typeof b.holdWebhooks === 'boolean') faults.holdWebhooks = hooks.hold = b.holdWebhooks;
      if (Array.isArray(b.rejectAccounts)) {
        faults.rejectAccounts = new Map(
          (b.rejectAccounts as unknown[]).flatMap((r) => {
            const x = r as { accountRef?: unknown; code?: unknown };
            return typeof x.accountRef === 'string' && typeof x.code === 'string'
              ? [[x.accountRef, x.code] as const]
              : [];
          }),
        );
      }
      return sendJson(res, 200, { ...faults, rejectAccounts: faults.rejectAccounts.size });
    }
    if (method === 'DELETE' && path === '/__admin/faults') {
      faults = defaultFaults();
      hooks.hold = false;
      return sendJson(res, 200, { ok: true });
    }
    if (method === 'GET' && path === '/__admin/calls') {
      const accepted = [...transfers.values()].filter((t) => t.initial.status !== 'RJCT').length;
      return sendJson(res, 200, { calls, transfers: accepted, rejected: transfers.size - accepted });
    }
    const hooked = await hooks.admin(method, path, b);
    if (hooked) return sendJson(res, hooked.status, hooked.body);
    if (method === 'POST' && path === '/__admin/returns') {
      const t = transfers.get(String(b.endToEndId));
      if (!t) return sendJson(res, 404, { error: 'unknown endToEndId' });
      if (t.status !== 'ACSC')
        return sendJson(res, 409, { error: `transfer is ${t.status}; only settled transfers can be returned` });
      const code = typeof b.code === 'string' ? b.code : 'R01';
      t.status = 'RETURNED';
      t.reasonCode = code;
      notify(t, 'return', code);
      return sendJson(res, 200, { endToEndId: t.tx.endToEndId, status: 'returned', code });
    }
    return sendJson(res, 404, { error: `unknown admin route ${method} ${path}` });
  }

  const server = http.createServer((req, res) => {
    const method = req.method ?? 'GET';
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const admin = path.startsWith('/__admin/');
    const handler = admin ? handleAdmin : path.startsWith('/iso20022/') ? handleIso : undefined;
    if (!handler) return send(res, 404, 'not found', 'text/plain');
    handler(req, res, method, path).catch((err: unknown) => {
      const message = err instanceof Error ? err.message : String(err);
      if (admin) sendJson(res, 400, { error: message });
      else send(res, 500, 'internal error', 'text/plain');
    });
  });

  return serve(server, opts.port, timers, () => hooks.stop());
}
