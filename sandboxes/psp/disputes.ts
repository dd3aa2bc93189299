import { flat, str, type FormObject } from './form';
import { invalid, newId, notFound, nowSec, stripeError, type Obj, type Reply } from './replies';
import type { EmitOn } from './connect';
import type { BalanceJournal } from './balance-transactions';
import type { PspBalance } from './balance';

/** Stripe's dispute fee (minor units), debited with the disputed amount; the sandbox uses one flat fee. */
export const DISPUTE_FEE = 1_500;

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

/** Charges a dispute is raised against (a missing one is created), and the creation counter (the sandbox's state). */
export interface DisputeBook {
  readonly charges: Map<string, Obj>;
  createCharge(p: { id?: string; amount: number; currency: string }): Reply;
  readonly created: { dispute: number };
}

const OPEN_DISPUTE = new Set(['needs_response', 'warning_needs_response']);
const SUBMITTED_DISPUTE = new Set(['under_review', 'warning_under_review']);

/**
 * The sandbox's disputes and Stripe's rules for them: evidence may change only while a response is due, a submission
 * moves the dispute under review, and the admin API decides the outcome or reopens it (pre-arbitration).
 */
export class PspDisputes {
  readonly byId = new Map<string, Obj>();

  constructor(
    private readonly emit: EmitOn,
    private readonly book: DisputeBook,
    private readonly journal: BalanceJournal,
    private readonly balance: PspBalance,
  ) {}

  /** A dispute withdraws the amount (and the fee) from the platform; a won dispute puts the amount back. */
  private bookMovement(d: Obj, category: 'dispute' | 'dispute_reversal'): void {
    const currency = String(d.currency);
    const amount = category === 'dispute' ? -Number(d.amount) : Number(d.amount);
    const bt = this.journal.book({
      type: 'adjustment',
      reportingCategory: category,
      amount,
      currency,
      source: d.id,
      description: category === 'dispute' ? `Chargeback withdrawal for ${String(d.charge)}` : 'Chargeback reversal',
      feeDetails:
        category === 'dispute' ? [{ amount: DISPUTE_FEE, type: 'stripe_fee', description: 'Dispute fee' }] : [],
    });
    this.balance.credit(currency, Number(bt.net));
    (d.balance_transactions as unknown[]).push(bt);
  }

  create(p: {
    id?: string;
    charge?: string;
    amount: number;
    currency: string;
    reason: string;
    due_by: number;
    orderId?: string;
  }): Reply {
    const id = p.id ?? newId('dp');
    if (this.byId.has(id))
      return stripeError(400, 'invalid_request_error', `Dispute ${id} already exists.`, {
        code: 'resource_already_exists',
      });
    let chargeId = p.charge;
    if (!chargeId || !this.book.charges.has(chargeId)) {
      const created = this.book.createCharge({ id: chargeId, amount: p.amount, currency: p.currency }).body as Obj;
      chargeId = created.id;
    }
    const charge = this.book.charges.get(chargeId) as Obj;
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
    this.byId.set(id, dispute);
    this.bookMovement(dispute, 'dispute');
    this.book.created.dispute++;
    this.emit('charge.dispute.created', dispute);
    return { status: 200, body: dispute };
  }

  get(id: string): Reply {
    const d = this.byId.get(id);
    if (!d) return notFound('dispute', id);
    const details = d.evidence_details as Record<string, unknown>;
    details.past_due = OPEN_DISPUTE.has(String(d.status)) && Number(details.due_by) < nowSec();
    return { status: 200, body: d };
  }

  update(id: string, p: FormObject): Reply {
    const d = this.byId.get(id);
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

  close(id: string): Reply {
    const d = this.byId.get(id);
    if (!d) return notFound('dispute', id);
    const guard = this.guardOpen(d);
    if (guard) return guard;
    d.status = String(d.status).startsWith('warning_') ? 'warning_closed' : 'lost';
    this.emit('charge.dispute.closed', d);
    return { status: 200, body: d };
  }

  setOutcome(id: string, status: string): Reply {
    const d = this.byId.get(id);
    if (!d) return notFound('dispute', id);
    if (status !== 'won' && status !== 'lost') return invalid('status', "status must be 'won' or 'lost'");
    // Won once is money back once, whatever reopenings happen afterwards.
    const reversed = (d.balance_transactions as Obj[]).some((bt) => bt.reporting_category === 'dispute_reversal');
    if (status === 'won' && !reversed) this.bookMovement(d, 'dispute_reversal');
    d.status = status;
    this.emit('charge.dispute.closed', d);
    return { status: 200, body: d };
  }

  /** Pre-arbitration: the dispute opens again and wants a fresh response before a new deadline. */
  reopen(id: string, dueBy?: number): Reply {
    const d = this.byId.get(id);
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
}
