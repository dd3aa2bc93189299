import { Accounts, type NewPosting } from '../../activities/adapters/ledger/port';
import type { AuditEvent } from '../../activities/adapters/audit/port';
import { SA } from '../../workflows/shared/search-attributes';
import {
  DAY,
  deliver,
  disputeWorker,
  fakeDeps,
  HOUR,
  pspEvent,
  uniqueDisputeId,
  until,
  disputeTestBed,
} from './disputes-support';

const MINUTE = 60_000;

/** What the AWS SDK throws while DynamoDB is down (its errors are classes named after the service's code). */
class ServiceUnavailable extends Error {
  override name = 'ServiceUnavailable';
}

/** The ledger and audit store (DynamoDB) down: a transient error on every call while `outage.down`. */
function storeWithOutage() {
  const f = fakeDeps();
  const outage = { down: false, refused: 0 };
  const guard = () => {
    if (!outage.down) return;
    outage.refused++;
    throw new ServiceUnavailable('DynamoDB is unavailable');
  };
  const deps = {
    ...f,
    ledger: { ...f.ledger, post: async (p: NewPosting) => (guard(), f.ledger.post(p)) },
    audit: {
      ...f.audit,
      append: async (e: AuditEvent) => (guard(), f.audit.append(e)),
      list: async (stream: string) => (guard(), f.audit.list(stream)),
    },
  };
  return { f, deps, outage };
}

/** A ledger/audit outage of hours (time-skipping) around the deadline: the case goes on and the books catch up. */
describe('dispute case through a ledger/audit store outage (time-skipping)', () => {
  const bed = disputeTestBed();

  test('when the store is down for hours over the deadline and the close, then the default applies on time, the case shows the problem, and each ledger move lands once after recovery', async () => {
    const { f, deps, outage } = storeWithOutage();
    const disputeId = uniqueDisputeId();
    const t0 = await bed.env.currentTimeMs();
    const due = t0 + 30 * DAY;
    const deadline = due - 2 * HOUR;
    f.evidence.seed('ord-1001', {
      order: { productDescription: 'Walnut desk lamp', orderedAt: '2030-01-02T10:00:00Z' },
    });
    f.psp.addDispute({
      disputeId,
      dueBy: new Date(due).toISOString(),
      amount: { amountMinor: 12_500, currency: 'EUR' },
      reason: 'product_not_received',
    });
    const skipTo = async (at: number) => bed.env.sleep(Math.max(0, at - (await bed.env.currentTimeMs())));
    const submits = () => f.psp.calls.filter((c) => c.method === 'submitDisputeEvidence');

    const taskQueue = `disputes-${uniqueDisputeId()}`;
    const worker = await disputeWorker(bed.env, taskQueue, deps);
    await worker.runUntil(async () => {
      const handle = await deliver(
        bed.env,
        taskQueue,
        pspEvent(disputeId, 1, t0, { dueBy: new Date(due).toISOString() }),
      );
      await until(handle, (v) => v.ledgerPosition === 'held' && v.evidenceSources.order === 'found', 'opened');

      await skipTo(deadline - 30 * MINUTE);
      outage.down = true;
      await skipTo(deadline + 5 * MINUTE);
      const submitted = await until(handle, (v) => v.state === 'submitted', 'deadline default submitted in the outage');
      expect(submitted.decision).toMatchObject({ decision: 'contest', by: 'system', byDefault: true });
      expect(submits()).toHaveLength(2);

      await skipTo(deadline + 30 * MINUTE);
      f.psp.disputes.get(disputeId)!.status = 'lost';
      await deliver(
        bed.env,
        taskQueue,
        pspEvent(disputeId, 2, await bed.env.currentTimeMs(), {
          type: 'charge.dispute.closed',
          status: 'lost',
          dueBy: new Date(due).toISOString(),
          submissionCount: 1,
        }),
      );
      await until(handle, (v) => v.state === 'lost', 'closed as lost in the outage');
      await skipTo(deadline + 3 * HOUR);
      const during = await until(handle, (v) => v.lastErrorCode === 'ServiceUnavailable', 'store problem shown');
      expect(during).toMatchObject({ state: 'lost', ledgerPosition: 'held' });
      expect(during.awaiting.what).toMatch(/ledger\/audit store/);
      expect((await handle.describe()).status.name).toBe('RUNNING');
      expect((await handle.describe()).typedSearchAttributes.get(SA.LastErrorCode)).toBe('ServiceUnavailable');
      expect(outage.refused).toBeGreaterThan(0);

      outage.down = false;
      await skipTo(deadline + 4 * HOUR);
      const after = await until(handle, (v) => v.ledgerPosition === 'written_off', 'write-off after recovery');
      expect(after.lastErrorCode).toBeUndefined();
      expect([...f.ledger.postings.keys()]).toEqual([
        `dispute-${disputeId}:r1:held`,
        `dispute-${disputeId}:r1:written_off`,
      ]);
      expect(await f.ledger.balance(Accounts.disputesHeld, 'EUR')).toBe(0);
      expect(await f.ledger.balance(Accounts.disputeLosses, 'EUR')).toBe(12_500);
      const decided = f.audit.events.filter((e) => e.type === 'dispute.decided');
      expect(decided.map((e) => e.eventId)).toEqual(['decision:r1']);
      expect(submits()).toHaveLength(2);

      expect(await handle.result()).toMatchObject({ disputeId, outcome: 'lost', ledgerPosition: 'written_off' });
    });
  });
});
