import type http from 'node:http';
import {
  clearTimers,
  readBody,
  sandboxServer,
  send,
  sendJson,
  sleep,
  type RunningSandbox,
  type SandboxHandler,
} from '../shared/http';
import { hangThenDrop, take } from '../shared/faults';
import { WebhookDispatcher } from '../shared/webhooks';
import { addDays, BankBooks } from './books';
import { camt053Chunks } from './camt053';
import { applyFaults, defaultFaults } from './faults';
import { buildPain002, parsePain001 } from './iso20022';
import { XsdValidator } from './schema';
import { BankTransfers, rid, XML } from './transfers';

/**
 * A stateful bank simulator speaking ISO 20022: pain.001 in, pain.002 out, camt.054 notifications (settlements and
 * returns) POSTed to `webhookUrl` with `X-Bank-Signature` and a unique `X-Bank-Event-Id`.
 *
 * Idempotency: a transfer is identified by EndToEndId. Resubmitting the same MsgId + EndToEndId with the same content
 * returns the original pain.002 and moves no money again; reusing an EndToEndId with other content is RJCT DUPL.
 * Every pain.001 is validated against the published pain.001.001.09 XSD first, as a bank's file intake does: a file
 * the schema refuses is answered 400 with a pain.002 group RJCT FF01 (invalid file format) whose `AddtlInf` lines
 * carry the schema's messages, and moves no money.
 *
 * Injected faults (5xx, timeout-before) are not remembered, so a retry can succeed; `timeoutNext` with phase `after`
 * (default) accepts the transfer and then drops the connection.
 *
 * pain.002 has no "returned" status: a settled transfer that came back is reported as RJCT with the return code and
 * `AddtlInf` RETURNED. `GET /iso20022/entries/:endToEndId` answers a status inquiry's booking report: a camt.054 with
 * every return of the transfer (amount, currency, reason, `NtryRef`); a transfer may come back in several parts.
 *
 * Admin API (JSON): POST /__admin/reset · POST /__admin/faults `{ latencyMs, fail5xxNext, timeoutNext,
 * timeoutPhase:'before'|'after', hangMs, rejectAccounts:[{accountRef, code}], insufficientFundsNext, settleDelayMs,
 * holdWebhooks }` (merged; DELETE clears) · POST /__admin/returns `{ endToEndId, code, amountMinor? }` (less than the
 * transfer: a partial return) · POST /__admin/webhooks/flush
 * `{ order }` · POST /__admin/webhooks/replay `{ eventId, times? }` · GET /__admin/calls · GET /__admin/events.
 *
 * End-of-day statements (`books.ts`, `camt053.ts`): `GET /iso20022/statements/:accountIban/:date` answers the
 * camt.053.001.08 of that business day from the bank's own books (settlements booked as debits, batch bookings per
 * multi-transaction `PmtInf`, returns as credits with `RtrInf/Rsn/Cd`, fees, reversals), issuing every earlier
 * unissued day first; `?lines=N` answers a synthetic N-entry statement, generated as it is sent. Admin:
 * POST /__admin/clock `{ businessDate }` · POST /__admin/accounts `{ accountIban, currency?, openingBalanceMinor?,
 * batchTxDetails?, openedOn? }` · POST /__admin/fees `{ accountIban, amountMinor }` · POST /__admin/reversals
 * `{ ref | endToEndId }` · POST /__admin/statement-faults `{ accountIban, fault, … }` with fault one of
 * `STATEMENT_FAULTS` (books.ts; `late_return` takes `{ endToEndId, days?, code? }`) · GET /__admin/books/:accountIban.
 */

export type BankSandbox = RunningSandbox;

export interface BankSandboxOptions {
  port?: number;
  webhookUrl?: string;
  hmacSecret: string;
  webhookRetryDelaysMs?: number[];
  /** Validate pain.001 files against the XSD (default true; needs `ensure.sh`'s schemas in the cache). */
  validateSchema?: boolean;
}

interface CallRecord {
  method: string;
  path: string;
  status: number;
  /** When the call arrived (epoch ms). */
  at: number;
  messageId?: string;
  endToEndIds?: string[];
  fault?: '5xx' | 'timeout' | 'latency';
  /** Why the whole file was refused: `schema` (XSD) or the ISO reason code of a content check. */
  refused?: string;
  replayed?: boolean;
}

export async function startBankSandbox(opts: BankSandboxOptions): Promise<BankSandbox> {
  const schema = opts.validateSchema === false ? undefined : XsdValidator.load('pain.001.001.09');
  let faults = defaultFaults();
  const responses = new Map<string, string>();
  const calls: CallRecord[] = [];
  const timers = new Set<NodeJS.Timeout>();
  const hooks = new WebhookDispatcher(opts.webhookUrl, opts.webhookRetryDelaysMs);
  const books = new BankBooks();
  const transfers = new BankTransfers({ hooks, hmacSecret: opts.hmacSecret, books, timers, faults: () => faults });

  const handleIso: SandboxHandler = async (req, res, method, url) => {
    const [path = url, query = ''] = url.split('?');
    const record: CallRecord = {
      method,
      path: path.startsWith('/iso20022/status/')
        ? '/iso20022/status/:endToEndId'
        : path.startsWith('/iso20022/entries/')
          ? '/iso20022/entries/:endToEndId'
          : path.startsWith('/iso20022/statements/')
            ? '/iso20022/statements/:accountIban/:date'
            : path,
      status: 0,
      at: Date.now(),
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
      const verdict = schema ? await schema.validate(body) : { valid: true, errors: [] };
      const parsed = parsePain001(body);
      if (!verdict.valid || !parsed.ok) {
        status = 400;
        // The schema speaks first, as at a bank's file intake; content checks only for files it accepted.
        const [code, info] = parsed.ok || !verdict.valid ? ['FF01', verdict.errors] : [parsed.code, [parsed.reason]];
        record.refused = verdict.valid ? code : 'schema';
        xml = buildPain002({
          messageId: rid('STS'),
          originalMessageId: (parsed.ok ? parsed.message.messageId : parsed.messageId) ?? 'UNKNOWN',
          groupStatus: 'RJCT',
          groupReason: code,
          groupInfo: info,
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
            transactions: transactions.map((tx, i) => transfers.accept(messageId, tx, parsed.placements[i])),
          });
          responses.set(cacheKey, xml);
        }
      }
    } else if (method === 'GET' && path.startsWith('/iso20022/status/')) {
      const report = transfers.statusReport(decodeURIComponent(path.slice('/iso20022/status/'.length)));
      if (!report) return reply(404, `unknown EndToEndId`, 'text/plain');
      xml = report;
    } else if (method === 'GET' && path.startsWith('/iso20022/entries/')) {
      const report = transfers.entriesReport(decodeURIComponent(path.slice('/iso20022/entries/'.length)));
      if (!report) return reply(404, `unknown EndToEndId`, 'text/plain');
      xml = report;
    } else if (method === 'GET' && path.startsWith('/iso20022/statements/')) {
      const [iban = '', date = ''] = path.slice('/iso20022/statements/'.length).split('/').map(decodeURIComponent);
      const lines = Number(new URLSearchParams(query).get('lines') ?? '');
      const statement =
        Number.isSafeInteger(lines) && lines > 0 ? books.hugeStatement(iban, date, lines) : books.statement(iban, date);
      if (!statement.ok) return reply(statement.status, statement.error, 'text/plain');
      if (timeout) {
        record.fault = 'timeout';
        return hangThenDrop(req, res, faults.hangMs, timers);
      }
      record.status = 200;
      return streamOut(res, camt053Chunks(statement.head, statement.entries(), statement.render));
    } else {
      return reply(404, 'not found', 'text/plain');
    }
    if (timeout) {
      record.fault = 'timeout';
      record.status = status;
      return hangThenDrop(req, res, faults.hangMs, timers);
    }
    return reply(status, xml);
  };

  /**
   * The late-return fault: the business clock moves to `days` (default 59) after the transfer's settlement day and
   * the creditor's bank returns it (`code`, default AC04), booked that day and announced by camt.054 as any return.
   */
  const lateReturn = (b: Record<string, unknown>) => {
    const endToEndId = String(b.endToEndId);
    const settled = transfers.settlement(endToEndId)?.settledOn;
    if (!settled) return { status: 409, body: { error: 'late_return needs the endToEndId of a settled transfer' } };
    const days = typeof b.days === 'number' && Number.isSafeInteger(b.days) && b.days > 0 ? b.days : 59;
    books.setClock(addDays(settled, days));
    return transfers.returnSettled(endToEndId, typeof b.code === 'string' ? b.code : 'AC04');
  };

  return sandboxServer({
    port: opts.port,
    api: { prefix: '/iso20022/', handle: handleIso, withQuery: true },
    admin: {
      reset() {
        clearTimers(timers);
        faults = defaultFaults();
        transfers.clear();
        books.clear();
        responses.clear();
        calls.length = 0;
        hooks.reset();
      },
      setFaults(b) {
        applyFaults(faults, b);
        if (typeof b.holdWebhooks === 'boolean') hooks.hold = b.holdWebhooks;
        return { ...faults, rejectAccounts: faults.rejectAccounts.size };
      },
      clearFaults() {
        faults = defaultFaults();
        hooks.hold = false;
        return { ok: true };
      },
      calls: () => ({ calls, ...transfers.counts() }),
      async routes(method, path, b) {
        const hooked = await hooks.admin(method, path, b);
        if (hooked) return hooked;
        if (method === 'POST' && path === '/__admin/clock') return books.setClock(b.businessDate);
        if (method === 'POST' && path === '/__admin/accounts') return books.configure(b);
        if (method === 'POST' && path === '/__admin/fees') return books.fee(b);
        if (method === 'POST' && path === '/__admin/reversals') return books.reverse(b);
        if (method === 'POST' && path === '/__admin/statement-faults') {
          if (b.fault === 'late_return') return lateReturn(b);
          return books.statementFault(b);
        }
        if (method === 'GET' && path.startsWith('/__admin/books/')) {
          const records = books.records(decodeURIComponent(path.slice('/__admin/books/'.length)));
          return records ? { status: 200, body: records } : { status: 404, body: { error: 'unknown account' } };
        }
        if (method === 'POST' && path === '/__admin/returns')
          return transfers.returnSettled(
            String(b.endToEndId),
            typeof b.code === 'string' ? b.code : 'R01',
            typeof b.amountMinor === 'number' ? b.amountMinor : undefined,
          );
        return undefined;
      },
    },
    onError: (res, message, where) =>
      where === 'admin' ? sendJson(res, 400, { error: message }) : send(res, 500, 'internal error', 'text/plain'),
    timers,
    onStop: () => hooks.stop(),
  });
}

/** Writes a generated document with back-pressure, in ~64 KiB writes: never the whole file in memory. */
async function streamOut(res: http.ServerResponse, chunks: Iterable<string>): Promise<void> {
  res.writeHead(200, { 'Content-Type': XML });
  let buf = '';
  for (const c of chunks) {
    buf += c;
    if (buf.length < 65_536) continue;
    const ok = res.write(buf);
    buf = '';
    // A client that goes away mid-file ends the generation (close), a slow one pauses it (drain).
    if (!ok)
      await new Promise<void>((resolve) => {
        const done = () => {
          res.off('drain', done);
          res.off('close', done);
          resolve();
        };
        res.on('drain', done);
        res.on('close', done);
      });
    if (res.destroyed) return;
  }
  res.end(buf);
}
