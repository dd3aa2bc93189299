import { LOCAL_INGRESS_SIGNING_KEY_JSON } from '../../workers/local-ingress-key';
import { createRailEventSigner } from '../../ingress/rail-proof';

/**
 * What the ingress does to every event it delivers: signs it with its key (the local one, which local workflow
 * bundles trust), bound to the workflow and the signal. `nowMs` is the signing time (a time-skipping test's clock).
 */
export async function signedEvent<E extends object>(
  workflowId: string,
  signal: string,
  event: E,
  nowMs = Date.now(),
): Promise<E & { proof: string }> {
  const sign = await createRailEventSigner(LOCAL_INGRESS_SIGNING_KEY_JSON, () => nowMs);
  const { proof: _old, ...body } = event as E & { proof?: string };
  return { ...(body as E), proof: await sign(workflowId, signal, body) };
}
