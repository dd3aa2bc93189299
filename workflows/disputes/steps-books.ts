import { ActivityFailure, isCancellation, patched, proxyActivities, sleep } from '@temporalio/workflow';
import { activityProxies, type AuditEvent } from '../shared/activities';
import { ActivityPresets } from '../shared/activity-options';
import { failureCode } from '../shared/failures';
import { idempotencyKey } from '../shared/task-queue';
import { disputeAuditStream, type DecidedBy, type EscalationTier } from './contract';
import type { DisputeActivities } from './contract-activities';
import type { CaseState } from './state';

/**
 * The case's bookkeeping in the ledger/audit store (DynamoDB), which may be down for hours. Cases started before
 * this patch await each write inline (an hour of tries, then the failure ends the case); later ones run each write
 * beside the story and retry it until it lands, so the deadline default still applies on time, the case shows the
 * store's error meanwhile, and each write lands once (idempotent: posting ID, audit event ID).
 */
export const BOOKS_PATCH = 'dispute-books-outage';

const { books } = activityProxies<DisputeActivities>();
/** One round of tries of an idempotent write (5 min); the case shows the failure and starts the next on its timer. */
const booksRound = proxyActivities<DisputeActivities>({ ...ActivityPresets.bookkeeping, scheduleToCloseTimeout: '5m' });
const FIRST_PAUSE_MS = 60_000;
const LONGEST_PAUSE_MS = 30 * 60_000;

/** Runs `write` in rounds until it lands, then `landed`; between rounds the case shows the error and goes on. */
async function untilLanded<T>(c: CaseState, write: () => Promise<T>, landed: (r: T) => void): Promise<void> {
  c.bookkeepingStarted();
  for (let pause = FIRST_PAUSE_MS; ; pause = Math.min(2 * pause, LONGEST_PAUSE_MS)) {
    try {
      const r = await write();
      landed(r);
      c.bookkeepingLanded();
      return;
    } catch (err) {
      // A cancelled case stops here (its story handles the cancellation); anything but an activity failure is a bug.
      if (isCancellation(err)) return;
      if (!(err instanceof ActivityFailure)) throw err;
      c.bookkeepingFailed(failureCode(err), Date.now());
      await sleep(pause);
    }
  }
}

/** Moves the disputed money to where the case state says it belongs: held, released (won) or written off (lost). */
export async function syncLedger(c: CaseState): Promise<void> {
  const move = c.planLedgerMove();
  if (!move) return;
  const { step, ...posting } = move;
  const input = { postingId: idempotencyKey(c.workflowId, step), disputeId: c.disputeId, ...posting };
  if (!patched(BOOKS_PATCH)) {
    await books.moveDisputedFunds(input);
    return c.ledgerMoved(move.to);
  }
  c.ledgerMoveStarted();
  void untilLanded(
    c,
    () => booksRound.moveDisputedFunds(input),
    () => c.ledgerMoved(move.to),
  );
}

/** Appends to the case's audit stream (an event ID appended twice is kept once). */
export async function appendCaseAudit(c: CaseState, event: AuditEvent): Promise<void> {
  if (!patched(BOOKS_PATCH)) {
    await books.appendAudit(event);
    return;
  }
  void untilLanded(
    c,
    () => booksRound.appendAudit(event),
    () => undefined,
  );
}

/** Cross-checks the order with the approvals side; `then` gets the compensations already paid on it. */
export async function crossCheckOrder(
  c: CaseState,
  input: Parameters<DisputeActivities['crossCheckDisputedOrder']>[0],
  then: (r: Awaited<ReturnType<DisputeActivities['crossCheckDisputedOrder']>>) => Promise<void>,
): Promise<void> {
  if (!patched(BOOKS_PATCH)) return then(await books.crossCheckDisputedOrder(input));
  void untilLanded(
    c,
    () => booksRound.crossCheckDisputedOrder(input),
    (r) => void then(r),
  );
}

/**
 * Records an assignment in the case's audit stream (outside history) with who made it, as the token proved it
 * (`decidedBy`: absent only in histories recorded before tokens); called by the assign handler.
 */
export async function recordAssignment(
  c: CaseState,
  a: { assignee: string; tier: EscalationTier; by: string },
  decidedBy: DecidedBy | undefined,
): Promise<void> {
  await appendCaseAudit(c, {
    stream: disputeAuditStream(c.workflowId),
    eventId: `assign:${c.round}:${Date.now()}:${a.assignee}`,
    at: new Date().toISOString(),
    type: 'dispute.assigned',
    data: { ...a, round: c.round, ...(decidedBy ? { decidedBy } : {}) },
  });
}

/**
 * Records evidence written by hand in the case's audit stream with who wrote it (`decidedBy` as the command assertion
 * proved it); called by the addEvidence handler. The text itself stays in the case (it may hold customer data).
 */
export async function recordEvidence(
  c: CaseState,
  e: { field: string; by: string },
  decidedBy: DecidedBy | undefined,
): Promise<void> {
  await appendCaseAudit(c, {
    stream: disputeAuditStream(c.workflowId),
    eventId: `evidence:${c.round}:${Date.now()}:${e.field}:${e.by}`,
    at: new Date().toISOString(),
    type: 'dispute.evidence_added',
    data: { ...e, round: c.round, ...(decidedBy ? { decidedBy } : {}) },
  });
}
