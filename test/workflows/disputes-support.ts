import type { WorkflowHandle } from '@temporalio/client';
import type { UpdateDefinition } from '@temporalio/common';
import type { Worker } from '@temporalio/worker';
import type { ActivityDeps } from '../../activities';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { signedEvent } from '../support/rail-proof';
import { signedFor, staffSigner } from '../support/staff';
import type { disputeCase } from '../../workflows/disputes/workflow';
import {
  disputeCaseWorkflowId,
  getStateQuery,
  receivePspEventSignal,
  type DisputeCaseInput,
  type DisputeCaseView,
  type PspDisputeEvent,
} from '../../workflows/disputes/contract';

/** Helpers shared by the dispute workflow tests (time-skipping server, fakes, PSP events). */

export const HOUR = 3_600_000;
export const DAY = 24 * HOUR;

import { fakeDeps, timeSkippingEnv, timeSkippingWorker } from '../support/time-skipping';

export { fakeDeps, timeSkippingEnv } from '../support/time-skipping';
export type DisputeFakes = ReturnType<typeof fakeDeps>;

let n = 0;
export const uniqueDisputeId = () => `dp_t${Date.now().toString(36)}${(++n).toString(36)}`;

export { timeSkippingWorker as disputeWorker } from '../support/time-skipping';

/** The dispute tests' staff and the tiers their tokens hold. */
const TIERS_OF: Record<string, string[]> = {
  'ops.ann': ['tier1'],
  'desk.bo': ['tier2'],
  'lead.cy': ['tier2'],
  'fin.di': ['finance_legal'],
};

/** A signer for the person with their tiers (or the roles given), as the decision service would sign for them. */
export const staffSignerOf = (sub: string, roles: string[] = TIERS_OF[sub.toLowerCase()] ?? []) =>
  staffSigner(sub, roles);

/**
 * A test file's time-skipping server (started before its tests, torn down after them); `run`: a worker on a fresh
 * task queue with the given fakes; `update`: a staff command sent by one of the tests' staff, signed for the case's
 * current run at the server's clock (workflows verify assertions against workflow time, which runs far ahead of the
 * wall clock here).
 */
export function disputeTestBed() {
  const bed = {
    env: undefined as unknown as TestWorkflowEnvironment,
    async run<T>(f: ActivityDeps, fn: (taskQueue: string, worker: Worker) => Promise<T>): Promise<T> {
      const taskQueue = `disputes-${uniqueDisputeId()}`;
      const worker = await timeSkippingWorker(bed.env, taskQueue, f);
      return worker.runUntil(fn(taskQueue, worker));
    },
    async update<R, A extends object>(
      handle: WorkflowHandle,
      def: UpdateDefinition<R, [A]>,
      sub: string,
      arg: Omit<A, 'token'>,
    ): Promise<R> {
      const sign = staffSigner(sub, TIERS_OF[sub.toLowerCase()] ?? [], () => bed.env.currentTimeMs());
      const { client } = bed.env;
      const signed = await signedFor(client, handle.workflowId, def.name, arg, sign);
      return client.workflow.getHandle(handle.workflowId, signed.runId).executeUpdate(def, {
        args: [signed.arg as unknown as A],
      });
    },
  };
  beforeAll(async () => {
    bed.env = await timeSkippingEnv();
  });
  afterAll(async () => {
    await bed.env?.teardown();
  });
  return bed;
}

/** A PSP dispute webhook as the ingress route delivers it. */
export function pspEvent(
  disputeId: string,
  seq: number,
  at: number,
  over: Partial<PspDisputeEvent> = {},
): PspDisputeEvent {
  return {
    eventId: `evt_${disputeId}_${seq}`,
    type: 'charge.dispute.updated',
    createdAt: new Date(at).toISOString(),
    disputeId,
    status: 'needs_response',
    dueBy: new Date(at + 30 * DAY).toISOString(),
    amount: { amountMinor: 12_500, currency: 'EUR' },
    reason: 'product_not_received',
    orderId: 'ord-1001',
    submissionCount: 0,
    ...over,
  };
}

/** What the ingress does: signalWithStart of the case with the event. */
export async function deliver(
  env: TestWorkflowEnvironment,
  taskQueue: string,
  e: PspDisputeEvent,
  input: Partial<DisputeCaseInput> = {},
): Promise<WorkflowHandle<typeof disputeCase>> {
  return env.client.workflow.signalWithStart<typeof disputeCase, [PspDisputeEvent]>('disputeCase', {
    workflowId: disputeCaseWorkflowId(e.disputeId),
    taskQueue,
    args: [{ disputeId: e.disputeId, ...input }],
    signal: receivePspEventSignal,
    signalArgs: [
      await signedEvent(disputeCaseWorkflowId(e.disputeId), receivePspEventSignal.name, e, await env.currentTimeMs()),
    ],
  });
}

/** Waits (by polling the query, bounded) until the case view satisfies `predicate`; returns that view. */
export async function until(
  handle: WorkflowHandle,
  predicate: (v: DisputeCaseView) => boolean,
  what: string,
  timeoutMs = 20_000,
): Promise<DisputeCaseView> {
  const deadline = Date.now() + timeoutMs;
  let last: DisputeCaseView | undefined;
  while (Date.now() < deadline) {
    last = await handle.query(getStateQuery);
    if (predicate(last)) return last;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`case never reached: ${what}; last view ${JSON.stringify(last)}`);
}

export const emailKinds = (f: DisputeFakes) => f.notifications.events.map((e) => `${e.type}:${String(e.data['tier'])}`);
