import { defineSignal } from '@temporalio/workflow';
import { z } from 'zod';
import { PROVIDER_IDS, type ProviderId } from '../routing/contract';

/**
 * Notices the platform sends a running workflow about its own I/O, so ops see it in the workflow's search attributes
 * and current details: an activity retrying past the threshold (sent by the worker's activity interceptor), its
 * recovery, and a PSP incident pause (sent by `npx payops-ops pause-psp`). Shared by every domain; wire names stable.
 */
const isoInstant = z.iso.datetime({ offset: true });

export const activityRetryingSchema = z.object({
  /** The activity's wire name, e.g. `initiateTransfer`. */
  activityType: z.string().min(1).max(100),
  /** The attempt that just failed (1-based), at least the configured threshold. */
  attempt: z.number().int().min(1),
  /** The failure's code (`failureCode`), never its free-text message (it may carry personal data). */
  errorCode: z.string().min(1).max(100),
  /** When the activity was first scheduled (the retries began after it). */
  since: isoInstant,
  /** When the server will try again, if known. */
  nextAttemptAt: isoInstant.nullable(),
});
export type ActivityRetrying = z.infer<typeof activityRetryingSchema>;

export const activityRecoveredSchema = z.object({
  activityType: z.string().min(1).max(100),
  /** The attempt that succeeded. */
  attempt: z.number().int().min(1),
});
export type ActivityRecovered = z.infer<typeof activityRecoveredSchema>;

export const pspIncidentSchema = z.object({
  /** The incident's ID (e.g. `INC-2026-0042`), or null when PSP calls are resumed. */
  incidentId: z
    .string()
    .regex(/^[A-Za-z0-9._-]{1,64}$/)
    .nullable(),
  /** When the pause (or resume) took effect. */
  at: isoInstant,
  /**
   * The provider paused (or resumed). Absent in notices sent before there were two PSPs: those were Stripe's (the
   * only PSP then); read it with {@link pspIncidentProvider}.
   */
  provider: z.enum(PROVIDER_IDS).optional(),
});
export type PspIncidentNotice = z.infer<typeof pspIncidentSchema>;

export const activityRetryingSignal = defineSignal<[ActivityRetrying]>('activityRetrying');
export const activityRecoveredSignal = defineSignal<[ActivityRecovered]>('activityRecovered');
export const pspIncidentSignal = defineSignal<[PspIncidentNotice]>('pspIncident');

/** The provider a notice is about: a notice without one predates the second PSP and was Stripe's. */
export const pspIncidentProvider = (n: PspIncidentNotice): ProviderId => n.provider ?? 'stripe';
