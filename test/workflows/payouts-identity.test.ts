import type { WorkflowHandle } from '@temporalio/client';
import {
  cancelPayout,
  getPayoutState,
  holdPayout,
  releasePayout,
  resolvePayout,
  retryPayoutNow,
  startPayout,
} from '../../client/payouts';
import { creatorPayoutWorkflowId } from '../../workflows/payouts/contract';
import { LOCAL_ISSUER, LOCAL_KID } from '../../workflows/shared/trust';
import { recordHistoryIfAsked } from '../support/histories';
import { badTokens, rawUpdate, staffToken } from '../support/staff';
import {
  fast,
  seedCreator,
  startPayoutHarness,
  uniqueId,
  usd,
  waitForState,
  workflowFailure,
  type PayoutHarness,
} from './payouts-harness';

/** Issue 11: payout ops commands name no operator the token does not prove, and need the command's role. */
describe('payout ops commands need a verified staff token (dev server)', () => {
  let h: PayoutHarness;
  beforeAll(async () => {
    h = await startPayoutHarness();
  });
  afterAll(async () => {
    await h?.stop();
  });

  /** A payout parked on a pending sanctions check (waiting on compliance: every ops command fits it). */
  async function parked(): Promise<{ payoutId: string; handle: WorkflowHandle }> {
    const creatorId = uniqueId('auth');
    await seedCreator(h, { creatorId, sanctionsStatus: 'pending' });
    const payoutId = `${creatorId}-2026-11`;
    const { handle } = await startPayout(
      h.client,
      { payoutId, creatorId, period: '2026-11', amount: usd(5_000), timing: fast },
      { taskQueue: h.config.TEMPORAL_TASK_QUEUE },
    );
    await waitForState(handle, (s) => s.state === 'awaiting_payability' && s.awaiting?.actor === 'compliance');
    return { payoutId, handle };
  }
  const acceptedUpdates = async (handle: WorkflowHandle) =>
    ((await handle.fetchHistory()).events ?? []).filter((e) => e.workflowExecutionUpdateAcceptedEventAttributes).length;
  const opsAudit = (payoutId: string) =>
    h.audit.events.filter((e) => e.stream === `payout:${creatorPayoutWorkflowId(payoutId)}`);
  const cancelWith = async (payoutId: string) =>
    cancelPayout(h.client, payoutId, { reason: 'test done', token: await staffToken('ops.frank', ['ops']) });

  test('when an ops command comes with a forged, tampered, expired, wrong-audience, wrong-issuer, malformed or no token, then it is refused Unauthorized and nothing changes', async () => {
    const { payoutId, handle } = await parked();
    for (const [what, token, code] of [
      ...(await badTokens('compliance.hana', ['compliance', 'ops'])),
      ['missing', '', 'token_missing'],
    ] as Array<[string, string, string]>) {
      const reason = 'attack';
      for (const verdict of [
        await holdPayout(h.client, payoutId, { reason, token }),
        await cancelPayout(h.client, payoutId, { reason, token }),
        await retryPayoutNow(h.client, payoutId, { reason, token }),
        await resolvePayout(h.client, payoutId, { reason, outcome: 'abandoned', token }),
      ]) {
        expect({ what, ...verdict }).toMatchObject({ what, accepted: false, type: 'Unauthorized', code });
        if (!verdict.accepted && token) expect(verdict.message).not.toContain(token);
      }
    }
    const s = await getPayoutState(h.client, payoutId);
    expect(s.state).toBe('awaiting_payability');
    expect(s.held).toBeUndefined();
    expect(await acceptedUpdates(handle)).toBe(0);
    expect(opsAudit(payoutId)).toEqual([]);
    await expect(cancelWith(payoutId)).resolves.toMatchObject({ accepted: true });
  });

  test('when the token lacks the role or the body names someone else, then it is refused; the token subject (case-folded) is the operator in the status and the audit', async () => {
    const { payoutId, handle } = await parked();
    const reason = 'manual review';
    const agent = await staffToken('cs.alice', ['cs_agent', 'tier1']);
    const compliance = await staffToken('Compliance.Hana', ['compliance']);
    const ops = await staffToken('ops.frank', ['ops']);
    expect(await holdPayout(h.client, payoutId, { reason, token: agent })).toMatchObject({ code: 'missing_role' });
    // Compliance may hold and release, but cancel, retry and resolve are payment ops' commands.
    for (const verdict of [
      await cancelPayout(h.client, payoutId, { reason, token: compliance }),
      await retryPayoutNow(h.client, payoutId, { reason, token: compliance }),
      await resolvePayout(h.client, payoutId, { reason, outcome: 'abandoned', token: compliance }),
    ])
      expect(verdict).toMatchObject({ accepted: false, type: 'Unauthorized', code: 'missing_role' });
    expect(await holdPayout(h.client, payoutId, { operator: 'ops.frank', reason, token: compliance })).toMatchObject({
      accepted: false,
      type: 'Unauthorized',
      code: 'identity_mismatch',
    });
    expect(await acceptedUpdates(handle)).toBe(0);

    const held = await holdPayout(h.client, payoutId, { operator: 'COMPLIANCE.hana', reason, token: compliance });
    expect(held).toMatchObject({ accepted: true });
    expect((await getPayoutState(h.client, payoutId)).held).toMatchObject({ operator: 'compliance.hana', reason });
    expect(await releasePayout(h.client, payoutId, { reason: 'review passed', token: ops })).toMatchObject({
      accepted: true,
    });
    const audit = opsAudit(payoutId);
    expect(audit.map((e) => [e.type, e.data['operator']])).toEqual([
      ['payout.ops.hold', 'compliance.hana'],
      ['payout.ops.release', 'ops.frank'],
    ]);
    expect(audit[0]?.data['decidedBy']).toEqual({ subject: 'compliance.hana', issuer: LOCAL_ISSUER, keyId: LOCAL_KID });
    expect(JSON.stringify([audit, await getPayoutState(h.client, payoutId)])).not.toContain(ops.split('.')[2]);
    await expect(cancelPayout(h.client, payoutId, { reason: 'test done', token: ops })).resolves.toMatchObject({
      accepted: true,
    });
    expect((await workflowFailure(handle.result())).type).toBe('Cancelled');
    await recordHistoryIfAsked(handle, 'creator-payout-ops-verified-staff');
  });

  test('when a raw `temporal workflow update execute` cancels or holds without a token, then it is refused and the payout goes on', async () => {
    const { payoutId, handle } = await parked();
    const workflowId = creatorPayoutWorkflowId(payoutId);
    for (const name of ['cancelPayout', 'holdPayout']) {
      const raw = await rawUpdate(h.config.TEMPORAL_ADDRESS, workflowId, name, {
        operator: 'anyone',
        reason: 'raw update',
      });
      expect({ name, refused: raw.code !== 0 }).toEqual({ name, refused: true });
      expect(raw.output).toMatch(/type: Unauthorized/); // the message itself is encrypted (payload codec)
    }
    expect((await getPayoutState(h.client, payoutId)).state).toBe('awaiting_payability');
    expect(await acceptedUpdates(handle)).toBe(0);
    const token = await staffToken('ops.frank', ['ops']);
    await rawUpdate(h.config.TEMPORAL_ADDRESS, workflowId, 'cancelPayout', { reason: 'by ops', token });
    // Accepted: the CLI may still exit non-zero, since it cannot decode the encrypted result without the codec.
    expect((await workflowFailure(handle.result())).type).toBe('Cancelled');
  });
});
