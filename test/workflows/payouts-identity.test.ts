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
import type { CommandSigner } from '../../client/commands';
import { LOCAL_DECISIONS_ISSUER, LOCAL_DECISIONS_KID } from '../../workflows/shared/trust';
import { recordHistoryIfAsked } from '../support/histories';
import { badAssertions, rawUpdate, signedFor, staffSigner } from '../support/staff';

/** A signer that sends a fixed token, whatever the command (for tokens a workflow must refuse). */
const fixed =
  (token: string): CommandSigner =>
  async () =>
    token;
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
describe('payout ops commands need a command assertion (dev server)', () => {
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
    cancelPayout(h.client, payoutId, { reason: 'test done', sign: staffSigner('ops.frank', ['ops']) });

  test('when an ops command comes with a forged, tampered, expired, wrong-audience, IdP, wrong-command, wrong-run, malformed or no token, then it is refused Unauthorized and nothing changes', async () => {
    const { payoutId, handle } = await parked();
    const reason = 'attack';
    const { runId } = await handle.describe();
    const binding = { workflowId: creatorPayoutWorkflowId(payoutId), runId, command: 'holdPayout', args: { reason } };
    for (const [what, token, code] of [
      ...(await badAssertions(binding, 'compliance.hana', ['compliance', 'ops'])),
      ['missing', '', 'token_missing'],
    ] as Array<[string, string, string]>) {
      const sign = fixed(token);
      for (const verdict of [
        await holdPayout(h.client, payoutId, { reason, sign }),
        await cancelPayout(h.client, payoutId, { reason, sign }),
        await retryPayoutNow(h.client, payoutId, { reason, sign }),
        await resolvePayout(h.client, payoutId, { reason, outcome: 'abandoned', sign }),
      ]) {
        // Bound to holdPayout: once the proof itself holds, the other commands refuse it for naming another command.
        if (verdict.accepted || verdict.code !== 'assertion_wrong_command' || code === 'assertion_wrong_run')
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

  test('when the assertion lacks the role or the body names someone else, then it is refused; its subject (case-folded) is the operator in the status and the audit', async () => {
    const { payoutId, handle } = await parked();
    const reason = 'manual review';
    const agent = staffSigner('cs.alice', ['cs_agent', 'tier1']);
    const compliance = staffSigner('Compliance.Hana', ['compliance']);
    const otherOfficer = staffSigner('compliance.ida', ['Compliance']);
    const ops = staffSigner('ops.frank', ['ops']);
    expect(await holdPayout(h.client, payoutId, { reason, sign: agent })).toMatchObject({ code: 'missing_role' });
    // Compliance may hold and release, but cancel, retry and resolve are payment ops' commands.
    for (const verdict of [
      await cancelPayout(h.client, payoutId, { reason, sign: compliance }),
      await retryPayoutNow(h.client, payoutId, { reason, sign: compliance }),
      await resolvePayout(h.client, payoutId, { reason, outcome: 'abandoned', sign: compliance }),
    ])
      expect(verdict).toMatchObject({ accepted: false, type: 'Unauthorized', code: 'missing_role' });
    expect(await holdPayout(h.client, payoutId, { operator: 'ops.frank', reason, sign: compliance })).toMatchObject({
      accepted: false,
      type: 'Unauthorized',
      code: 'identity_mismatch',
    });
    expect(await acceptedUpdates(handle)).toBe(0);

    const held = await holdPayout(h.client, payoutId, { operator: 'COMPLIANCE.hana', reason, sign: compliance });
    expect(held).toMatchObject({ accepted: true });
    expect((await getPayoutState(h.client, payoutId)).held).toMatchObject({ operator: 'compliance.hana', reason });
    expect(await releasePayout(h.client, payoutId, { reason: 'review passed', sign: ops })).toMatchObject({
      accepted: false,
      code: 'missing_role',
    });
    expect(await releasePayout(h.client, payoutId, { reason: 'review passed', sign: otherOfficer })).toMatchObject({
      accepted: true,
    });
    const audit = opsAudit(payoutId);
    expect(audit.map((e) => [e.type, e.data['operator']])).toEqual([
      ['payout.ops.hold', 'compliance.hana'],
      ['payout.ops.release', 'compliance.ida'],
    ]);
    expect(audit[0]?.data['decidedBy']).toEqual({
      subject: 'compliance.hana',
      issuer: LOCAL_DECISIONS_ISSUER,
      keyId: LOCAL_DECISIONS_KID,
    });
    // No token (a JWS starts with a base64url JSON header, `eyJ`) is kept in the audit or the status.
    expect(JSON.stringify([audit, await getPayoutState(h.client, payoutId)])).not.toContain('eyJ');
    await expect(cancelPayout(h.client, payoutId, { reason: 'test done', sign: ops })).resolves.toMatchObject({
      accepted: true,
    });
    expect((await workflowFailure(handle.result())).type).toBe('Cancelled');
    await recordHistoryIfAsked(handle, 'creator-payout-ops-verified-staff');
  });

  test("when an assertion copied from payout A's accepted hold is sent to payout B, or to A again, then both are refused", async () => {
    const a = await parked();
    const b = await parked();
    const reason = 'sanctions review';
    let copied = '';
    const recording: CommandSigner = async (binding) =>
      (copied = await staffSigner('compliance.hana', ['compliance'])(binding));
    expect(await holdPayout(h.client, a.payoutId, { reason, sign: recording })).toMatchObject({ accepted: true });
    expect(await holdPayout(h.client, b.payoutId, { reason, sign: fixed(copied) })).toMatchObject({
      accepted: false,
      type: 'Unauthorized',
      code: 'assertion_wrong_workflow',
    });
    expect(await cancelPayout(h.client, a.payoutId, { reason, sign: fixed(copied) })).toMatchObject({
      accepted: false,
      code: 'assertion_wrong_command',
    });
    expect(await holdPayout(h.client, a.payoutId, { reason, sign: fixed(copied) })).toMatchObject({
      accepted: false,
      type: 'Unauthorized',
      code: 'assertion_replayed',
    });
    expect((await getPayoutState(h.client, b.payoutId)).held).toBeUndefined();
    for (const { payoutId } of [a, b]) await expect(cancelWith(payoutId)).resolves.toMatchObject({ accepted: true });
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
    const signed = await signedFor(
      h.client,
      workflowId,
      'cancelPayout',
      { reason: 'by ops' },
      staffSigner('ops.frank', ['ops']),
    );
    await rawUpdate(h.config.TEMPORAL_ADDRESS, workflowId, 'cancelPayout', signed.arg);
    // Accepted: the CLI may still exit non-zero, since it cannot decode the encrypted result without the codec.
    expect((await workflowFailure(handle.result())).type).toBe('Cancelled');
  });
});
