import { workflowInfo } from '@temporalio/workflow';
import { parseOrFail } from '../shared/parse';
import { stuckWorkSweepInput, type StuckWorkSweepResult } from './contract';
import { aboveSince, noticesOf, previousAboveSince } from './policy';
import { sweep } from './steps';

/**
 * One sweep over stuck work, run by the `stuck-work-sweep` Schedule: count every category at workflow time, publish
 * the counts as metrics, and tell ops (once) about each category above its threshold and each item past its deadline.
 * The previous run's result (the Schedule hands it over as `lastResult`) says which crossings are not new.
 */
export async function stuckWorkSweep(rawInput: unknown): Promise<StuckWorkSweepResult> {
  const input = parseOrFail(stuckWorkSweepInput, rawInput, 'stuck-work sweep input');
  const at = new Date().toISOString();

  const found = await sweep.findStuckWork({ at, listCap: input.listCap });
  await sweep.publishStuckMetrics({ at, stage: input.stage, counts: found.counts });

  const above = aboveSince(found.counts, input.thresholds, previousAboveSince(workflowInfo().lastResult), at);
  const notices = noticesOf(found, input.thresholds, above);
  const { sent, repeated } = notices.length
    ? await sweep.notifyStuckWork({ at, namespace: found.namespace, webUiUrl: input.webUiUrl, notices })
    : { sent: [], repeated: 0 };

  return {
    at,
    counts: found.counts,
    aboveSince: above,
    itemsPastDeadline: found.items.length,
    truncated: found.truncated,
    notified: sent,
    repeated,
  };
}
