import { workflowInfo } from '@temporalio/workflow';
import { activityProxies } from '../shared/activities';
import { parseOrFail } from '../shared/parse';
import { stackProbeInput, type ProbeActivities, type StackProbeResult } from './contract';

const { notify, lookup } = activityProxies<ProbeActivities>();

/** The thinnest real path: publish an event to SNS and ask the PSP for its balance. */
export async function stackProbe(rawInput: unknown): Promise<StackProbeResult> {
  const input = parseOrFail(stackProbeInput, rawInput, 'stack probe input');
  const { messageId } = await notify.publishEvent({
    type: 'probe.completed',
    dedupeKey: workflowInfo().workflowId,
    data: { probeId: input.probeId },
  });
  const balance = await lookup.pspPing();
  return { probeId: input.probeId, eventMessageId: messageId, pspCurrencies: balance.available.map((m) => m.currency) };
}
