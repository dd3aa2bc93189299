import type { AuditEvent, AuditPort } from '../adapters/audit/port';

/**
 * The two checks that must hold across parallel requests (an order claimed once, an agent's daily budget), made
 * atomic with the audit table's conditional put: each is decided by winning one item (`attribute_not_exists`), so
 * two requests cannot both read "free" and both go ahead.
 */

/** The item a request wins to be the order's first claimant. */
export const orderClaimStream = (orderId: string) => `order-claim:${orderId}`;

/** The workflow that claimed the order first (this one, if nobody did before). Idempotent per workflow ID. */
export async function firstClaimant(audit: AuditPort, i: { orderId: string; workflowId: string; at: string }) {
  const stream = orderClaimStream(i.orderId);
  const claim = {
    stream,
    eventId: 'first',
    at: i.at,
    type: 'compensation.claimed',
    data: { workflowId: i.workflowId },
  };
  if ((await audit.append(claim)).appended) return i.workflowId;
  return String((await audit.get(stream, 'first'))?.data['workflowId'] ?? i.workflowId);
}

/**
 * Earlier claims on the order as seen by `workflowId`: every other request on the order's stream, except, for the
 * first claimant, those registered under the claim rule (they claimed after it).
 */
export function priorClaims(orderEvents: AuditEvent[], workflowId: string, first: string): number {
  const wf = (e: AuditEvent) => String(e.data['workflowId']);
  const others = new Set(orderEvents.filter((e) => e.type.startsWith('compensation.')).map(wf));
  others.delete(workflowId);
  if (first !== workflowId) others.add(first);
  else for (const e of orderEvents) if (e.data['claim'] === true) others.delete(wf(e));
  return others.size;
}

/** What the agent's day holds in `currency`, each request counted once (a reservation and its execution share it). */
export function spentOf(events: AuditEvent[], currency: string, except?: string): number {
  const byRequest = new Map<string, number>();
  for (const e of events) {
    const id = String(e.data['workflowId'] ?? e.eventId);
    if (e.data['currency'] !== currency || id === except) continue;
    byRequest.set(id, Math.max(byRequest.get(id) ?? 0, Number(e.data['amountMinor'] ?? 0)));
  }
  return [...byRequest.values()].reduce((s, n) => s + n, 0);
}

const SLOT = 'slot:';

/**
 * Reserves `amountMinor` of the agent's day for an auto-approval. Reservations are numbered slots: a request decides
 * on the stream holding slots 1..n-1 and wins slot n with a conditional put, or loses it to a concurrent one and
 * decides again; so every reservation saw all earlier ones and the budget holds. Idempotent per workflow ID.
 */
export async function reserveBudget(
  audit: AuditPort,
  stream: string,
  i: { workflowId: string; currency: string; amountMinor: number; budgetMinor: number; at: string },
): Promise<{ reserved: boolean; spentMinor: number }> {
  for (let attempt = 0; attempt < 25; attempt++) {
    const events = await audit.list(stream);
    const spentMinor = spentOf(events, i.currency, i.workflowId);
    const slots = events.filter((e) => e.eventId.startsWith(SLOT));
    if (slots.some((e) => e.data['workflowId'] === i.workflowId)) return { reserved: true, spentMinor };
    if (spentMinor + i.amountMinor > i.budgetMinor) return { reserved: false, spentMinor };
    const data = { workflowId: i.workflowId, amountMinor: i.amountMinor, currency: i.currency };
    const slot = `${SLOT}${String(slots.length + 1).padStart(6, '0')}`;
    const { appended } = await audit.append({ stream, eventId: slot, at: i.at, type: 'compensation.reserved', data });
    if (appended) return { reserved: true, spentMinor };
  }
  // A plain Error: Temporal retries the activity under its preset.
  throw Object.assign(new Error(`agent budget ${stream}: too many concurrent reservations, retrying`), {
    name: 'BudgetContended',
  });
}
