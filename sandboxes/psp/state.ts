import { randomBytes } from 'node:crypto';
import { flat, str, type FormObject } from './form';

/** The PSP sandbox's in-memory Stripe objects and the rules Stripe enforces on them. */

export interface Reply {
  status: number;
  body: unknown;
}

type Obj = Record<string, unknown> & { id: string };

export type StripeErrorType = 'invalid_request_error' | 'card_error' | 'api_error' | 'idempotency_error';

export function stripeError(
  status: number,
  type: StripeErrorType,
  message: string,
  extra: Record<string, unknown> = {},
): Reply {
  return { status, body: { error: { type, message, ...extra } } };
}

export const notFound = (what: string, id: string, param = 'id'): Reply =>
  stripeError(404, 'invalid_request_error', `No such ${what}: '${id}'`, { code: 'resource_missing', param });

const missing = (param: string): Reply =>
  stripeError(400, 'invalid_request_error', `Missing required param: ${param}.`, { code: 'parameter_missing', param });
const invalid = (param: string, message: string): Reply =>
  stripeError(400, 'invalid_request_error', message, { code: 'parameter_invalid', param });

export function newId(prefix: string): string {
  return `${prefix}_${randomBytes(18)
    .toString('base64')
    .replace(/[^A-Za-z0-9]/g, '')
    .slice(0, 24)}`;
}

export const nowSec = () => Math.floor(Date.now() / 1000);

const EVIDENCE_FIELDS = [
  'access_activity_log',
  'billing_address',
  'cancellation_policy',
  'cancellation_policy_disclosure',
  'cancellation_rebuttal',
  'customer_communication',
  'customer_email_address',
  'customer_name',
  'customer_purchase_ip',
  'customer_signature',
  'duplicate_charge_documentation',
  'duplicate_charge_explanation',
  'duplicate_charge_id',
  'product_description',
  'receipt',
  'refund_policy',
  'refund_policy_disclosure',
  'refund_refusal_explanation',
  'service_date',
  'service_documentation',
  'shipping_address',
  'shipping_carrier',
  'shipping_date',
  'shipping_documentation',
  'shipping_tracking_number',
  'uncategorized_file',
  'uncategorized_text',
] as const;

const OPEN_DISPUTE = new Set(['needs_response', 'warning_needs_response']);
const SUBMITTED_DISPUTE = new Set(['under_review', 'warning_under_review']);

export type Emit = (type: string, object: Obj, previous?: Record<string, unknown>) => void;

export type ResourceKind = 'transfer' | 'payout' | 'refund' | 'dispute' | 'charge';

export class PspState {
  readonly transfers = new Map<string, Obj>();
  readonly payouts = new Map<string, Obj>();
  readonly refunds = new Map<string, Obj>();
  readonly disputes = new Map<string, Obj>();
  readonly charges = new Map<string, Obj>();
  /** payment_intent id → charge id */
  readonly intents = new Map<string, string>();
  readonly balance = new Map<string, number>();
  readonly created: Record<ResourceKind, number> = { transfer: 0, payout: 0, refund: 0, dispute: 0, charge: 0 };

  constructor(private readonly emit: Emit) {
    this.resetBalance();
  }

  resetBalance(): void {
    this.balance.clear();
    for (const c of ['usd', 'eur', 'gbp']) this.balance.set(c, 100_000_000);
  }

  getBalance(): Reply {
    const entries = [...this.balance.entries()].map(([currency, amount]) => ({
      amount,
      currency,
      source_types: { card: amount },
    }));
    return {
      status: 200,
      body: {
        object: 'balance',
        livemode: false,
        available: entries,
        pending: entries.map((e) => ({ ...e, amount: 0, source_types: { card: 0 } })),
      },
    };
  }

  createTransfer(p: FormObject, declineDestinations: ReadonlySet<string>): Reply {
    const amount = readAmount(p);
    if ('status' in amount) return amount;
    const currency = readCurrency(p);
    if (typeof currency !== 'string') return currency;
    const destination = str(p.destination);
    if (!destination) return missing('destination');
    const metadata = flat(p.metadata);
    if (metadata === 'invalid') return invalid('metadata', 'Invalid metadata: values must be strings.');
    if (!/^acct_\w+$/.test(destination)) return notFound('destination', destination, 'destination');
    if (declineDestinations.has(destination)) {
      return stripeError(402, 'card_error', 'The destination account cannot receive transfers.', {
        code: 'account_invalid',
        decline_code: 'account_invalid',
        param: 'destination',
      });
    }
    const debited = this.debit(currency, amount.value);
    if (debited) return debited;
    const transfer: Obj = {
      id: newId('tr'),
      object: 'transfer',
      amount: amount.value,
      amount_reversed: 0,
      balance_transaction: newId('txn'),
      created: nowSec(),
      currency,
      description: str(p.description) ?? null,
      destination,
      destination_payment: newId('py'),
      livemode: false,
      metadata: metadata ?? {},
      reversals: { object: 'list', data: [], has_more: false, url: '' },
      reversed: false,
      source_transaction: null,
      source_type: 'card',
      transfer_group: str(p.transfer_group) ?? null,
    };
    this.transfers.set(transfer.id, transfer);
    this.created.transfer++;
    this.emit('transfer.created', transfer);
    return { status: 200, body: transfer };
  }

  reverseTransfer(id: string): Reply {
    const t = this.transfers.get(id);
    if (!t) return notFound('transfer', id);
    t.reversed = true;
    t.amount_reversed = t.amount;
    this.emit('transfer.reversed', t);
    return { status: 200, body: t };
  }

  createPayout(p: FormObject, settleMs: number, schedule: (fn: () => void, ms: number) => void): Reply {
    const amount = readAmount(p);
    if ('status' in amount) return amount;
    const currency = readCurrency(p);
    if (typeof currency !== 'string') return currency;
    const metadata = flat(p.metadata);
    if (metadata === 'invalid') return invalid('metadata', 'Invalid metadata: values must be strings.');
    const debited = this.debit(currency, amount.value);
    if (debited) return debited;
    const payout: Obj = {
      id: newId('po'),
      object: 'payout',
      amount: amount.value,
      arrival_date: nowSec() + 86_400,
      automatic: false,
      balance_transaction: newId('txn'),
      created: nowSec(),
      currency,
      description: str(p.description) ?? null,
      destination: str(p.destination) ?? null,
      failure_code: null,
      failure_message: null,
      livemode: false,
      metadata: metadata ?? {},
      method: str(p.method) ?? 'standard',
      source_type: 'card',
      statement_descriptor: str(p.statement_descriptor) ?? null,
      status: 'pending',
      type: 'bank_account',
    };
    this.payouts.set(payout.id, payout);
    this.created.payout++;
    this.emit('payout.created', payout);
    schedule(() => {
      if (payout.status !== 'pending') return;
      payout.status = 'paid';
      this.emit('payout.paid', payout);
    }, settleMs);
    return { status: 200, body: payout };
  }

  failPayout(id: string, failureCode: string): Reply {
    const payout = this.payouts.get(id);
    if (!payout) return notFound('payout', id);
    payout.status = 'failed';
    payout.failure_code = failureCode;
    payout.failure_message = `The payout failed: ${failureCode}.`;
    this.credit(String(payout.currency), Number(payout.amount));
    this.emit('payout.failed', payout);
    return { status: 200, body: payout };
  }

  createCharge(p: { id?: string; amount: number; currency: string }): Reply {
    const id = p.id ?? newId('ch');
    if (this.charges.has(id))
      return stripeError(400, 'invalid_request_error', `Charge ${id} already exists.`, {
        code: 'resource_already_exists',
      });
    const pi = `pi_${id.replace(/^ch_/, '')}`;
    const charge: Obj = {
      id,
      object: 'charge',
      amount: p.amount,
      amount_captured: p.amount,
      amount_refunded: 0,
      captured: true,
      created: nowSec(),
      currency: p.currency.toLowerCase(),
      livemode: false,
      paid: true,
      payment_intent: pi,
      refunded: false,
      status: 'succeeded',
    };
    this.charges.set(id, charge);
    this.intents.set(pi, id);
    this.credit(String(charge.currency), p.amount);
    this.created.charge++;
    return { status: 200, body: charge };
  }

  createRefund(p: FormObject): Reply {
    const chargeRef = str(p.charge);
    const piRef = str(p.payment_intent);
    if (!chargeRef && !piRef) return missing('charge');
    const chargeId = chargeRef ?? this.intents.get(piRef ?? '');
    const charge = chargeId ? this.charges.get(chargeId) : undefined;
    if (!charge)
      return chargeRef
        ? notFound('charge', chargeRef, 'charge')
        : notFound('payment_intent', piRef ?? '', 'payment_intent');
    const metadata = flat(p.metadata);
    if (metadata === 'invalid') return invalid('metadata', 'Invalid metadata: values must be strings.');
    const remaining = Number(charge.amount_captured) - Number(charge.amount_refunded);
    if (remaining <= 0) {
      return stripeError(400, 'invalid_request_error', `Charge ${charge.id} has already been refunded.`, {
        code: 'charge_already_refunded',
      });
    }
    let amount = remaining;
    if (p.amount !== undefined) {
      const a = readAmount(p);
      if ('status' in a) return a;
      amount = a.value;
    }
    if (amount > remaining) {
      return stripeError(
        400,
        'invalid_request_error',
        `Refund amount (${amount}) is greater than unrefunded amount on charge (${remaining})`,
        { code: 'amount_too_large', param: 'amount' },
      );
    }
    charge.amount_refunded = Number(charge.amount_refunded) + amount;
    charge.refunded = charge.amount_refunded === charge.amount_captured;
    const refund: Obj = {
      id: newId('re'),
      object: 'refund',
      amount,
      balance_transaction: newId('txn'),
      charge: charge.id,
      created: nowSec(),
      currency: charge.currency,
      metadata: metadata ?? {},
      payment_intent: charge.payment_intent,
      reason: str(p.reason) ?? null,
      receipt_number: null,
      source_transfer_reversal: null,
      status: 'succeeded',
      transfer_reversal: null,
    };
    this.refunds.set(refund.id, refund);
    this.created.refund++;
    this.emit('refund.created', refund);
    this.emit('charge.refunded', charge);
    return { status: 200, body: refund };
  }

  createDispute(p: {
    id?: string;
    charge?: string;
    amount: number;
    currency: string;
    reason: string;
    due_by: number;
    orderId?: string;
  }): Reply {
    const id = p.id ?? newId('dp');
    if (this.disputes.has(id))
      return stripeError(400, 'invalid_request_error', `Dispute ${id} already exists.`, {
        code: 'resource_already_exists',
      });
    let chargeId = p.charge;
    if (!chargeId || !this.charges.has(chargeId)) {
      const created = this.createCharge({ id: chargeId, amount: p.amount, currency: p.currency }).body as Obj;
      chargeId = created.id;
    }
    const charge = this.charges.get(chargeId) as Obj;
    const dispute: Obj = {
      id,
      object: 'dispute',
      amount: p.amount,
      balance_transactions: [],
      charge: chargeId,
      created: nowSec(),
      currency: p.currency.toLowerCase(),
      evidence: Object.fromEntries(EVIDENCE_FIELDS.map((f) => [f, null])),
      evidence_details: { due_by: p.due_by, has_evidence: false, past_due: false, submission_count: 0 },
      is_charge_refundable: false,
      livemode: false,
      metadata: p.orderId ? { orderId: p.orderId } : {},
      payment_intent: charge.payment_intent,
      reason: p.reason,
      status: 'needs_response',
    };
    this.disputes.set(id, dispute);
    this.created.dispute++;
    this.emit('charge.dispute.created', dispute);
    return { status: 200, body: dispute };
  }

  getDispute(id: string): Reply {
    const d = this.disputes.get(id);
    if (!d) return notFound('dispute', id);
    const details = d.evidence_details as Record<string, unknown>;
    details.past_due = OPEN_DISPUTE.has(String(d.status)) && Number(details.due_by) < nowSec();
    return { status: 200, body: d };
  }

  updateDispute(id: string, p: FormObject): Reply {
    const d = this.disputes.get(id);
    if (!d) return notFound('dispute', id);
    const evidence = flat(p.evidence);
    if (evidence === 'invalid') return invalid('evidence', 'Invalid evidence: values must be strings.');
    for (const k of Object.keys(evidence ?? {})) {
      if (!(EVIDENCE_FIELDS as readonly string[]).includes(k)) {
        return stripeError(400, 'invalid_request_error', `Received unknown parameter: evidence[${k}]`, {
          param: `evidence[${k}]`,
        });
      }
    }
    const metadata = flat(p.metadata);
    if (metadata === 'invalid') return invalid('metadata', 'Invalid metadata: values must be strings.');
    const submitRaw = str(p.submit);
    if (submitRaw !== undefined && submitRaw !== 'true' && submitRaw !== 'false')
      return invalid('submit', 'Invalid boolean: submit');
    const touchesEvidence = evidence !== undefined || submitRaw !== undefined;
    if (touchesEvidence) {
      const guard = this.guardOpen(d);
      if (guard) return guard;
    }
    const previous = { status: d.status };
    if (metadata) d.metadata = { ...(d.metadata as Record<string, string>), ...metadata };
    if (evidence) d.evidence = { ...(d.evidence as Record<string, unknown>), ...evidence };
    const details = d.evidence_details as Record<string, unknown>;
    if (evidence && Object.keys(evidence).length) details.has_evidence = true;
    // Stripe submits by default; only an explicit submit=false stages the evidence.
    if (touchesEvidence && submitRaw !== 'false') {
      details.submission_count = Number(details.submission_count) + 1;
      d.status = String(d.status).startsWith('warning_') ? 'warning_under_review' : 'under_review';
    }
    this.emit('charge.dispute.updated', d, previous);
    return { status: 200, body: d };
  }

  closeDispute(id: string): Reply {
    const d = this.disputes.get(id);
    if (!d) return notFound('dispute', id);
    const guard = this.guardOpen(d);
    if (guard) return guard;
    d.status = String(d.status).startsWith('warning_') ? 'warning_closed' : 'lost';
    this.emit('charge.dispute.closed', d);
    return { status: 200, body: d };
  }

  setDisputeOutcome(id: string, status: string): Reply {
    const d = this.disputes.get(id);
    if (!d) return notFound('dispute', id);
    if (status !== 'won' && status !== 'lost') return invalid('status', "status must be 'won' or 'lost'");
    d.status = status;
    this.emit('charge.dispute.closed', d);
    return { status: 200, body: d };
  }

  /** Pre-arbitration: the dispute opens again and wants a fresh response before a new deadline. */
  reopenDispute(id: string, dueBy?: number): Reply {
    const d = this.disputes.get(id);
    if (!d) return notFound('dispute', id);
    const previous = { status: d.status };
    d.status = 'needs_response';
    const details = d.evidence_details as Record<string, unknown>;
    details.due_by = dueBy ?? nowSec() + 7 * 86_400;
    details.past_due = false;
    this.emit('charge.dispute.updated', d, previous);
    return { status: 200, body: d };
  }

  private guardOpen(d: Obj): Reply | undefined {
    const status = String(d.status);
    if (OPEN_DISPUTE.has(status)) return undefined;
    if (SUBMITTED_DISPUTE.has(status)) {
      return stripeError(
        400,
        'invalid_request_error',
        'This dispute has already been submitted; it can no longer be updated or closed.',
        {
          code: 'dispute_already_submitted',
        },
      );
    }
    return stripeError(400, 'invalid_request_error', `This dispute is already closed (status ${status}).`, {
      code: 'dispute_already_closed',
    });
  }

  private debit(currency: string, amount: number): Reply | undefined {
    const have = this.balance.get(currency) ?? 0;
    if (have < amount) {
      return stripeError(
        400,
        'invalid_request_error',
        'You have insufficient available funds in your Stripe account.',
        {
          code: 'balance_insufficient',
        },
      );
    }
    this.balance.set(currency, have - amount);
    return undefined;
  }

  private credit(currency: string, amount: number): void {
    this.balance.set(currency, (this.balance.get(currency) ?? 0) + amount);
  }
}

function readAmount(p: FormObject): { value: number } | Reply {
  const raw = str(p.amount);
  if (raw === undefined) return missing('amount');
  if (!/^\d+$/.test(raw) || Number(raw) <= 0 || !Number.isSafeInteger(Number(raw))) {
    return invalid('amount', 'Invalid positive integer');
  }
  return { value: Number(raw) };
}

function readCurrency(p: FormObject): string | Reply {
  const raw = str(p.currency);
  if (raw === undefined) return missing('currency');
  if (!/^[a-z]{3}$/.test(raw))
    return invalid('currency', `Invalid currency: ${raw}. Stripe currencies are three-letter ISO codes in lowercase.`);
  return raw;
}
