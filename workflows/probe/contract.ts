import { z } from 'zod';
import type { SharedActivities } from '../shared/activities';
import type { Money } from '../shared/money';

/** Input of {@link stackProbe}: a probe proves the stack end to end (Temporal, SNS on the emulator, the PSP). */
export const stackProbeInput = z.object({
  probeId: z.string().regex(/^[a-z0-9-]{1,64}$/, { error: 'must be 1-64 lowercase letters, digits or dashes' }),
});
export type StackProbeInput = z.infer<typeof stackProbeInput>;

/** What a probe returns: the SNS message ID and the PSP's available balance currencies. */
export interface StackProbeResult {
  probeId: string;
  eventMessageId: string;
  pspCurrencies: string[];
}

/** Workflow ID of a probe: the business key. */
export const stackProbeWorkflowId = (probeId: string) => `probe-${probeId}`;

/** The activities the stack probe calls (implemented in `activities/shared.ts`). */
export interface ProbeActivities extends Pick<SharedActivities, 'publishEvent'> {
  /** The PSP's cheap authenticated read (its available balance per currency), as a health check. */
  pspPing(): Promise<{ ok: true; available: Money[] }>;
}
