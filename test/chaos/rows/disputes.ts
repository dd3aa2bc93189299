import { decideDispute, getDisputeState } from '../../../client/disputes';
import { staffSigner } from '../../support/staff';
import { disputeCaseWorkflowId, type DisputeCaseView } from '../../../workflows/disputes/contract';
import { admin, adminGet, until } from '../admin';
import { emptyVerdicts, type Verdicts } from '../checks';
import { scanPostings } from '../observe';
import { pool } from '../payouts';
import { resetSandboxes, type Row, type RowContext } from '../row';

/** Every event the PSP emitted so far, delivered `times` more times. */
async function replayAll({ stack }: RowContext, times: number): Promise<void> {
  const { events } = await adminGet<{ events: Array<{ id: string }> }>(stack.psp.url, '/__admin/events');
  for (const e of events) await admin(stack.psp.url, '/__admin/webhooks/replay', { eventId: e.id, times });
}

const view = (ctx: RowContext, id: string) =>
  getDisputeState(ctx.stack.client, id).catch((): DisputeCaseView | undefined => undefined);

/** Waits (bounded) until every case's view satisfies `ok`; returns the IDs that never did. */
async function untilEvery(ctx: RowContext, ids: string[], ok: (v: DisputeCaseView) => boolean): Promise<string[]> {
  const done = new Set<string>();
  await until(
    async () => {
      const open = ids.filter((id) => !done.has(id));
      for (const [id, v] of await pool(open, 8, async (id) => [id, await view(ctx, id)] as const))
        if (v && ok(v)) done.add(id);
      return done.size === ids.length;
    },
    90_000,
    300,
  );
  return ids.filter((id) => !done.has(id));
}

/** A Stripe API call to the PSP sandbox as the platform (form-encoded). */
const pspApi = (ctx: RowContext, path: string, form: string) =>
  fetch(`${ctx.stack.psp.url}${path}`, {
    method: 'POST',
    headers: { authorization: 'Bearer sk_test_chaos', 'content-type': 'application/x-www-form-urlencoded' },
    body: form,
  });

/**
 * N disputes opened at the PSP; their webhooks held, then delivered newest first and three times over (each dispute
 * also has an `updated` event before its `created` one arrives); ops contest each case twice at once; every event,
 * including the submissions', is delivered twice more. At the PSP: one evidence submission per dispute round; in the
 * ledger: every posting balanced, and at most one hold outstanding per case.
 */
async function disputesDuplicateReordered(ctx: RowContext): Promise<Verdicts> {
  const { stack, n, tag } = ctx;
  await resetSandboxes(stack);
  await admin(stack.psp.url, '/__admin/faults', { holdWebhooks: true });
  const dueBy = Math.floor(Date.now() / 1000) + 20 * 86_400;
  const ids = Array.from({ length: n }, (_, i) => `dp_${tag}d${i}`);
  await pool(ids, 8, async (id) => {
    const orderId = `${id.slice(3)}-o`;
    await admin(stack.evidence.url, '/__admin/orders', {
      orderId,
      order: { productDescription: 'Chaos chair', orderedAt: '2030-04-01T10:00:00Z' },
      shipment: { carrier: 'GLS', trackingNumber: `GLS-${id}`, shippedAt: '2030-04-02T10:00:00Z' },
    });
    await admin(stack.psp.url, '/__admin/disputes', {
      id,
      amount: 5_000,
      currency: 'eur',
      reason: 'product_not_received',
      due_by: dueBy,
      orderId,
    });
    await pspApi(ctx, `/v1/disputes/${id}`, 'metadata[chaos]=reordered');
  });
  await admin(stack.psp.url, '/__admin/faults', { holdWebhooks: false });
  await admin(stack.psp.url, '/__admin/webhooks/flush', { order: 'reverse' });
  await replayAll(ctx, 3);
  const v = emptyVerdicts();
  const neverHeld = await untilEvery(ctx, ids, (c) => c.state === 'in_review' && c.ledgerPosition === 'held');
  for (const id of neverHeld)
    v.findings.push(`${id}: never in review with funds held (${(await view(ctx, id))?.state})`);
  const decide = async (id: string) =>
    decideDispute(stack.client, id, {
      decision: 'contest',
      tier: 'tier1',
      sign: staffSigner('ops.chaos', ['tier1']),
    });
  const accepted = await pool(ids, 8, async (id) =>
    (await Promise.all([decide(id), decide(id)])).filter((d) => d.accepted),
  );
  for (const [i, a] of accepted.entries())
    if (a.length !== 1) v.findings.push(`${ids[i]}: ${a.length} contests accepted`);
  await replayAll(ctx, 2);
  const unsubmitted = await untilEvery(ctx, ids, (c) => c.state === 'submitted');
  for (const id of unsubmitted) v.findings.push(`${id}: never submitted (${(await view(ctx, id))?.state})`);
  const judged = await judge(ctx, ids, v);
  await pool(ids, 8, (id) => stack.client.workflow.getHandle(disputeCaseWorkflowId(id)).terminate('chaos row done'));
  return judged;
}

async function judge(ctx: RowContext, ids: string[], v: Verdicts): Promise<Verdicts> {
  let submitted = 0;
  for (const id of ids) {
    const res = await fetch(`${ctx.stack.psp.url}/v1/disputes/${id}`, {
      headers: { authorization: 'Bearer sk_test_chaos' },
    });
    const d = (await res.json()) as { evidence_details?: { submission_count?: number } };
    const count = d.evidence_details?.submission_count ?? 0;
    submitted += count;
    if (count > 1) {
      v.duplicates += count - 1;
      v.findings.push(`${id}: ${count} evidence submissions in round 1`);
    }
    if (count === 0) v.lost++;
  }
  const postings = await scanPostings(ctx.stack, `dispute-dp_${ctx.tag}d`);
  const holds = new Map<string, number>();
  for (const p of postings) {
    if (p.legs.reduce((s, l) => s + l.amountMinor, 0) !== 0) {
      v.ledgerBreaks++;
      v.findings.push(`${p.postingId}: unbalanced`);
    }
    const wf = p.postingId.split(':')[0] ?? '';
    const kind = /-(held|released)$/.exec(p.postingId)?.[1];
    if (kind) holds.set(wf, (holds.get(wf) ?? 0) + (kind === 'held' ? 1 : -1));
  }
  for (const id of ids) {
    const open = holds.get(disputeCaseWorkflowId(id)) ?? 0;
    if (open !== 1) {
      v.ledgerBreaks++;
      v.findings.push(`${id}: ${open} holds outstanding while contested`);
    }
  }
  return { ...v, findings: v.findings.slice(0, 50), outcomes: { disputes: ids.length, submissions: submitted } };
}

/** Dispute cases fed duplicate and reordered PSP events through the real ingress. */
export const disputeRows: Row[] = [{ name: 'disputes-duplicate-reordered', run: disputesDuplicateReordered }];
