import type { CommandSigner, Signed } from '../../client/commands';
import type { CompensationRequestCommand, FinanceDecisionCommand, Role } from '../../workflows/approvals/contract';
import { issueStaffToken } from '../../sandboxes/idp';
import { staffSigner } from '../support/staff';

/** Helpers shared by the approval workflow tests. */

let n = 0;
/** A fresh business key per test (IDs only, no personal data). */
export const uniqueId = (prefix: string) => `${prefix}-${Date.now().toString(36)}-${(++n).toString(36)}`;

/** Test tokens live a week (of workflow time: time-skipping tests move it by days). */
const WEEK_S = 7 * 86_400;
let workflowNow: () => Promise<number> = () => Promise.resolve(Date.now());
/** Mint tokens valid on this clock (a time-skipping server's, which runs ahead of the wall clock). */
export const useWorkflowClock = (now: () => Promise<number>) => void (workflowNow = now);

/** A signer for `sub` holding `roles` (command assertions at the workflow clock set by {@link useWorkflowClock}). */
export const signer = (sub: string, roles: string[]): CommandSigner => staffSigner(sub, roles, () => workflowNow());

/** An identity provider's staff token (what `login` gives `sub`): refused by workflows for new commands. */
export async function staffToken(sub: string, roles: string[], over: object = {}): Promise<string> {
  const aheadS = Math.max(0, Math.ceil(((await workflowNow()) - Date.now()) / 1000));
  return issueStaffToken({ sub, roles, expiresInS: aheadS + WEEK_S, ...over });
}

/**
 * A request by a fresh CS agent, or by `requester` (`agentId` + `role`: signed for that subject and role, and the
 * body keeps naming them, so the workflow checks they match), or signed by `sign` with the body's `requester`.
 */
export async function compensationRequest(
  over: Partial<Omit<CompensationRequestCommand, 'requester'>> &
    Pick<CompensationRequestCommand, 'orderId' | 'customerId' | 'remedies'> & {
      requester?: CompensationRequestCommand['requester'];
      sign?: CommandSigner;
    },
): Promise<Signed<CompensationRequestCommand>> {
  const { requester = { agentId: uniqueId('agent'), role: 'cs_agent' as const }, sign, ...rest } = over;
  const signedBy = sign ?? signer(requester.agentId ?? 'nobody', [requester.role ?? 'cs_agent']);
  return {
    requestId: uniqueId('req'),
    reasonCode: 'damaged_item',
    currency: 'EUR',
    ...rest,
    requester,
    sign: signedBy,
  };
}

/** A decision by `approverId` holding `role` (token only: the workflow takes both from it). */
export const decision = async (
  approverId: string,
  role: Role,
  amountMinor: number,
  reason = 'checked the order and photos',
): Promise<Signed<FinanceDecisionCommand>> => ({
  sign: signer(approverId, [role]),
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
