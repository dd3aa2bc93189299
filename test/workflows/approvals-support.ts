import type { CompensationRequestInput, FinanceDecisionInput, Role } from '../../workflows/approvals/contract';

/** Helpers shared by the approval workflow tests. */

let n = 0;
/** A fresh business key per test (IDs only, no personal data). */
export const uniqueId = (prefix: string) => `${prefix}-${Date.now().toString(36)}-${(++n).toString(36)}`;

export function compensationRequest(
  over: Partial<CompensationRequestInput> & Pick<CompensationRequestInput, 'orderId' | 'customerId' | 'remedies'>,
): CompensationRequestInput {
  return {
    requestId: uniqueId('req'),
    requester: { agentId: uniqueId('agent'), role: 'cs_agent' },
    reasonCode: 'damaged_item',
    currency: 'EUR',
    ...over,
  };
}

export const decision = (
  approverId: string,
  role: Role,
  amountMinor: number,
  reason = 'checked the order and photos',
): FinanceDecisionInput => ({
  approverId,
  role,
  reason,
  amount: { amountMinor, currency: 'EUR' },
});

async function postJson(url: string, body: unknown): Promise<Record<string, unknown>> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });
  const json = (await res.json()) as Record<string, unknown>;
  if (!res.ok) throw new Error(`${url}: ${res.status} ${JSON.stringify(json)}`);
  return json;
}

/** A captured charge at the PSP sandbox and the matching order + customer in the commerce sandbox. */
export async function seedOrder(
  urls: { psp: string; commerce: string },
  amountMinor: number,
  opts: { paymentRef?: string } = {},
) {
  const orderId = uniqueId('ord');
  const customerId = uniqueId('cus');
  const paymentRef =
    opts.paymentRef ??
    String((await postJson(`${urls.psp}/__admin/charges`, { amount: amountMinor, currency: 'eur' }))['id']);
  await postJson(`${urls.commerce}/__admin/customers`, { customerId, email: `${customerId}@customers.example` });
  await postJson(`${urls.commerce}/__admin/orders`, { orderId, customerId, paymentRef, amountMinor, currency: 'EUR' });
  return { orderId, customerId, paymentRef, email: `${customerId}@customers.example` };
}

export async function commerceState(url: string): Promise<{
  credits: Array<{ creditId: string; status: string; reference: string; amountMinor: number }>;
  vouchers: Array<{ voucherId: string; code: string; status: string }>;
  orders: Array<{ orderId: string; refundedMinor: number }>;
}> {
  return (await (await fetch(`${url}/__admin/state`)).json()) as never;
}
