import { decodeFromPayloadsAtIndex } from '@temporalio/common/lib/internal-non-workflow';
import { exportJWK, generateKeyPair } from 'jose';
import { isoIdsFor } from '../../../activities/payouts';
import { verdictOf } from '../../../client/errors';
import { holdPayout, releasePayout } from '../../../client/payouts';
import { createRailEventSigner } from '../../../ingress/rail-proof';
import {
  creatorPayoutWorkflowId,
  reportRailEventSignal,
  type PayoutStatus,
  type RailEvent,
} from '../../../workflows/payouts/contract';
import { LOCAL_INGRESS_ISSUER, LOCAL_INGRESS_KID } from '../../../workflows/shared/trust';
import { signedEvent } from '../../support/rail-proof';
import { signedFor, staffSigner } from '../../support/staff';
import { admin, until } from '../admin';
import { addVerdicts, checkPayouts, emptyVerdicts, type Verdicts } from '../checks';
import { payoutStatus, scanPostings, settle } from '../observe';
import { FAST_TIMING, pool, seedPayouts, startPayouts, type ChaosPayout } from '../payouts';
import { payoutRow, resetSandboxes, type Row, type RowContext } from '../row';
import { IN_WINDOW, inWindow, parkedOnPartial, untilPayout } from './returns';

/**
 * Forged inputs the payout must refuse with nothing booked: rail events nobody vouches for (or that the rail does not
 * confirm), staff decisions replayed on another workflow or sent with another argument than the one signed. Money is
 * counted at the sandboxes and in the ledger by {@link checkPayouts}; each row adds what its forgery must not book.
 */

const SIGNAL = reportRailEventSignal.name;

/** Counts `key` in `outcomes`. */
const count = (outcomes: Record<string, number>, key: string) => void (outcomes[key] = (outcomes[key] ?? 0) + 1);

/** Postings of the row whose ID ends in one of `kinds` (`…:reverse`, `…:release`, …): each a booking nobody owed. */
async function bookedKinds(ctx: RowContext, kinds: string[]) {
  const postings = await scanPostings(ctx.stack, `payout-${ctx.tag}-`);
  return postings.filter((p) => kinds.includes(p.postingId.split(':').slice(1).join(':')));
}

/** Postings nobody owed counted as ledger breaks, each named. */
async function unowedBookings(ctx: RowContext, kinds: string[], why: string): Promise<Verdicts> {
  const v = emptyVerdicts();
  for (const p of await bookedKinds(ctx, kinds)) {
    v.ledgerBreaks++;
    v.findings.push(`${p.postingId}: booked ${why}`);
  }
  return v;
}

/** The payout once it is in its return window; a payout that never gets there is counted lost (not exercised). */
async function inWindowOrLost(ctx: RowContext, p: ChaosPayout, v: Verdicts) {
  const paid = await untilPayout(ctx, p, inWindow);
  if (!paid) {
    v.lost++;
    v.findings.push(`${p.payoutId}: never in its return window (${(await payoutStatus(ctx.stack, p))?.state})`);
  }
  return paid;
}

/**
 * A row over payouts on both rails (half PSP, half bank), paid and then kept open for a return window the row acts in:
 * `during` returns what it found on top of the checks.
 */
function bothRailsRow(name: string, during: (ctx: RowContext, payouts: ChaosPayout[]) => Promise<Verdicts>): Row {
  return {
    name,
    async run(ctx) {
      const { stack, n, tag } = ctx;
      await resetSandboxes(stack);
      await admin(stack.bank.url, '/__admin/faults', { settleDelayMs: 300 });
      // `${tag}-p-0`, `${tag}-b-0`: every ID still starts with the row's tag, so the checks find them all.
      const payouts = [
        ...(await seedPayouts(stack, `${tag}-p`, Math.ceil(n / 2), 'psp')),
        ...(await seedPayouts(stack, `${tag}-b`, Math.floor(n / 2), 'bank')),
      ];
      await startPayouts(stack, payouts, IN_WINDOW(n));
      const found = await during(ctx, payouts);
      const ids = payouts.map((p) => creatorPayoutWorkflowId(p.payoutId));
      await settle(stack, ids, Math.max(120_000, n * 600));
      return addVerdicts(await checkPayouts(stack, tag, payouts, ctx.returned), found);
    },
  };
}

/** The payout's timeline steps named `step`, by detail. */
const stepsOf = (s: PayoutStatus | undefined, step: string) =>
  (s?.timeline ?? []).filter((t) => t.step === step).map((t) => t.detail ?? '');

/** Every payout that must have completed did: anything else is a payout the forgery kept from its money. */
async function allCompleted(ctx: RowContext, payouts: ChaosPayout[], v: Verdicts): Promise<Record<string, number>> {
  const ended: Record<string, number> = {};
  const closed = new Set(['completed', 'failed', 'cancelled', 'resolved_manually', 'returned']);
  await pool(payouts, 16, async (p) => {
    const s = await untilPayout(ctx, p, (x) => closed.has(x.state), Math.max(90_000, ctx.n * 1_500));
    count(ended, s?.state ?? 'open');
    if (s?.state !== 'completed') {
      v.lost++;
      v.findings.push(`${p.payoutId}: ended ${s?.state ?? 'open'}, not completed`);
    }
  });
  return ended;
}

/** The first ingress-signed event in the workflow's history, decoded through the client's codec (as the Web UI would). */
async function genuineEventFrom(ctx: RowContext, workflowId: string): Promise<RailEvent | undefined> {
  const converter = ctx.stack.client.options.loadedDataConverter;
  let found: RailEvent | undefined;
  await until(
    async () => {
      const history = await ctx.stack.client.workflow.getHandle(workflowId).fetchHistory();
      for (const e of history.events ?? []) {
        const a = e.workflowExecutionSignaledEventAttributes;
        if (a?.signalName !== SIGNAL) continue;
        const event = await decodeFromPayloadsAtIndex<RailEvent>(converter, 0, a.input?.payloads ?? []);
        // The ingress's, not one this row forged at that payout meanwhile.
        if (event.proof && !event.eventId.startsWith('evt_forged_')) {
          found = event;
          break;
        }
      }
      return !!found;
    },
    30_000,
    500,
  );
  return found;
}

/** The rail's transfer reference of a paid payout (the PSP transfer, or the bank EndToEndId). */
const referenceOf = (p: ChaosPayout, paid: PayoutStatus) =>
  paid.railReference ?? isoIdsFor(`${creatorPayoutWorkflowId(p.payoutId)}:initiate`).endToEndId;

/** A full return and a failure as the provider would word them, for `p`'s transfer. */
function claims(p: ChaosPayout, reference: string, id: string) {
  const returned: RailEvent = {
    source: p.rail,
    eventId: `evt_forged_${p.payoutId}_${id}_r`,
    kind: 'returned',
    reference,
    code: p.rail === 'psp' ? 'account_closed' : 'AC04',
    returnedAmountMinor: p.amountMinor,
    transferAmountMinor: p.amountMinor,
  };
  const failed: RailEvent = {
    source: p.rail,
    eventId: `evt_forged_${p.payoutId}_${id}_f`,
    kind: 'failed',
    reference,
    code: p.rail === 'psp' ? 'could_not_process' : 'AC01',
  };
  return { returned, failed };
}

/**
 * Each paid payout (PSP and bank), in its return window, gets raw `reportRailEvent` signals as anyone who can write to
 * the namespace could send them: a full return and a failure unsigned, the same signed by an attacker's key (under the
 * ingress's key ID), and a return carrying a genuine ingress proof copied from another payout's history. Each must be
 * refused at the door (`rail_event_refused` with its code; one not refused counts as lost: the guard was not
 * proven), none may book a reverse or release (ledger breaks), and every payout completes with one transfer.
 */
async function forgedRailSignals(ctx: RowContext, payouts: ChaosPayout[]): Promise<Verdicts> {
  const v = emptyVerdicts();
  const { privateKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519', extractable: true });
  const attacker = await createRailEventSigner(
    JSON.stringify({ ...(await exportJWK(privateKey)), kid: LOCAL_INGRESS_KID, iss: LOCAL_INGRESS_ISSUER }),
  );
  const refused: Record<string, number> = {};
  let exercised = 0;
  await pool(
    payouts.map((p, i) => ({ p, i })),
    32,
    async ({ p, i }) => {
      const wf = creatorPayoutWorkflowId(p.payoutId);
      const paid = await inWindowOrLost(ctx, p, v);
      if (!paid) return;
      const ref = referenceOf(p, paid);
      const other = payouts[(i + 1) % payouts.length] as ChaosPayout;
      const genuine = await genuineEventFrom(ctx, creatorPayoutWorkflowId(other.payoutId));
      const a = claims(p, ref, 'unsigned');
      const b = claims(p, ref, 'attacker');
      const c = claims(p, ref, 'copied');
      const sends: Array<[string, RailEvent, string]> = [
        ['unsigned return', a.returned, 'token_missing'],
        ['unsigned failure', a.failed, 'token_missing'],
        [
          'attacker-signed return',
          { ...b.returned, proof: await attacker(wf, SIGNAL, b.returned) },
          'token_bad_signature',
        ],
        [
          'attacker-signed failure',
          { ...b.failed, proof: await attacker(wf, SIGNAL, b.failed) },
          'token_bad_signature',
        ],
      ];
      // With one payout, the proof is its own event's: bound to this workflow, but to another event.
      if (genuine?.proof)
        sends.push([
          'return with a copied proof',
          { ...c.returned, proof: genuine.proof },
          other === p ? 'proof_event_changed' : 'proof_wrong_workflow',
        ]);
      else v.findings.push(`${other.payoutId}: no ingress-signed event in its history to copy`);
      const handle = ctx.stack.client.workflow.getHandle(wf);
      for (const [, event] of sends) await handle.signal(reportRailEventSignal, event);
      exercised++;
      let seen: string[] = [];
      await until(
        async () => {
          seen = stepsOf(await payoutStatus(ctx.stack, p), 'rail_event_refused');
          return seen.length >= sends.length;
        },
        30_000,
        250,
      );
      const left = [...seen];
      for (const [what, , code] of sends) {
        const at = left.indexOf(code);
        if (at >= 0) {
          left.splice(at, 1);
          count(refused, code);
        } else {
          v.lost++;
          v.findings.push(
            `${p.payoutId}: ${what} not refused as ${code} (refusals seen: ${seen.join(', ') || 'none'})`,
          );
        }
      }
    },
  );
  const ended = await allCompleted(ctx, payouts, v);
  const booked = await unowedBookings(ctx, ['reverse', 'reverse_partial', 'release'], 'for a forged rail event');
  return addVerdicts(
    {
      ...v,
      outcomes: { exercised, ...Object.fromEntries(Object.entries(refused).map(([k, n]) => [`refused:${k}`, n])) },
    },
    { ...booked, outcomes: Object.fromEntries(Object.entries(ended).map(([k, n]) => [`ended:${k}`, n])) },
  );
}

/**
 * Each paid payout (PSP and bank), in its return window, gets a full return validly signed with the (local) ingress
 * key, and every other one a failure too, that the rail does not confirm (the transfer stands). Each must park for
 * ops as `rail_event_unconfirmed` with nothing booked (a reverse or release is a ledger break), and complete at the
 * end of the window with one transfer. A payout that stays parked is counted as parked by the checks, not as lost.
 */
async function forgedRailConfirm(ctx: RowContext, payouts: ChaosPayout[]): Promise<Verdicts> {
  const v = emptyVerdicts();
  const parked: Record<string, number> = {};
  await pool(
    payouts.map((p, i) => ({ p, i })),
    32,
    async ({ p, i }) => {
      const wf = creatorPayoutWorkflowId(p.payoutId);
      const paid = await inWindowOrLost(ctx, p, v);
      if (!paid) return;
      const { returned, failed } = claims(p, referenceOf(p, paid), 'signed');
      const sends = i % 2 === 1 ? [returned, failed] : [returned];
      const handle = ctx.stack.client.workflow.getHandle(wf);
      let s: PayoutStatus | undefined;
      // One at a time: claims that arrive together are asked about together (one park for both).
      for (const [k, event] of sends.entries()) {
        await handle.signal(reportRailEventSignal, await signedEvent(wf, SIGNAL, event));
        await until(
          async () => {
            s = await payoutStatus(ctx.stack, p);
            return stepsOf(s, 'rail_event_unconfirmed').length > k || s?.state !== 'paid_in_return_window';
          },
          30_000,
          250,
        );
      }
      const unconfirmed = stepsOf(s, 'rail_event_unconfirmed').length;
      count(parked, `parkedUnconfirmed:${unconfirmed}`);
      if (unconfirmed < sends.length) {
        v.lost++;
        v.findings.push(
          `${p.payoutId}: ${sends.length} signed claims, ${unconfirmed} parked as unconfirmed (${s?.state})`,
        );
      }
      if (stepsOf(s, 'rail_event_confirmed').length > 0) {
        v.ledgerBreaks++;
        v.findings.push(`${p.payoutId}: a claim the rail never made was confirmed`);
      }
    },
  );
  const ended = await allCompleted(ctx, payouts, v);
  const booked = await unowedBookings(ctx, ['reverse', 'reverse_partial', 'release'], 'for an unconfirmed rail event');
  return addVerdicts(
    { ...v, outcomes: parked },
    { ...booked, outcomes: Object.fromEntries(Object.entries(ended).map(([k, n]) => [`ended:${k}`, n])) },
  );
}

/** Payouts seen parked for ops after their first half came back. */
const partlyParked = new Set<string>();

/**
 * Bank payouts returned in two halves through the bank sandbox's camt.054 (the ingress delivers and signs them): the
 * first half parks the payout for ops with nothing booked, the second completes the return, and the payout reverses
 * once, for the full amount. Half return as MS03 (the payout ends returned), half as AC04 (it waits for new details:
 * no re-pay without them). One `reverse` of the whole amount per payout and no `reverse_partial`; anything else is a
 * ledger break; a second attempt (re-pay) is a duplicate.
 */
async function returnInHalves(ctx: RowContext, payouts: ChaosPayout[]): Promise<void> {
  await pool(
    payouts.map((p, i) => ({ p, i })),
    32,
    async ({ p, i }) => {
      if (!(await untilPayout(ctx, p, inWindow))) return;
      const endToEndId = isoIdsFor(`${creatorPayoutWorkflowId(p.payoutId)}:initiate`).endToEndId;
      const code = i % 2 === 0 ? 'MS03' : 'AC04';
      const half = Math.floor(p.amountMinor / 2);
      await admin(ctx.stack.bank.url, '/__admin/returns', { endToEndId, code, amountMinor: half });
      if (!(await untilPayout(ctx, p, parkedOnPartial))) return;
      partlyParked.add(p.payoutId);
      await admin(ctx.stack.bank.url, '/__admin/returns', { endToEndId, code, amountMinor: p.amountMinor - half });
      ctx.returned.add(p.payoutId);
      // Parked for ops, the payout still counts as paid: wait until it has taken the whole return.
      await untilPayout(ctx, p, (s) => s.state !== 'paid_in_return_window');
    },
  );
}
/** One payout per return of the whole amount, for the whole amount, and no re-pay; with the row's outcomes. */
async function reversedOnceInFull(ctx: RowContext, payouts: ChaosPayout[]): Promise<Verdicts> {
  const v = emptyVerdicts();
  const reverses = new Map<string, number[]>();
  for (const posting of await bookedKinds(ctx, ['reverse', 'reverse_partial'])) {
    const [wf, kind] = posting.postingId.split(':');
    const amount = Math.abs(posting.legs[0]?.amountMinor ?? 0);
    if (kind === 'reverse_partial') {
      v.ledgerBreaks++;
      v.findings.push(`${posting.postingId}: a partial return booked on its own (${amount})`);
    } else reverses.set(wf ?? '', [...(reverses.get(wf ?? '') ?? []), amount]);
  }
  const outcomes: Record<string, number> = {};
  const views = await pool(payouts, 16, (p) => payoutStatus(ctx.stack, p));
  for (const [i, p] of payouts.entries()) {
    const wf = creatorPayoutWorkflowId(p.payoutId);
    const s = views[i];
    const got = reverses.get(wf) ?? [];
    if (partlyParked.has(p.payoutId)) count(outcomes, 'parkedAfterFirstHalf');
    if (!ctx.returned.has(p.payoutId)) {
      v.lost++;
      v.findings.push(`${p.payoutId}: never returned in two halves (${s?.state})`);
    } else if (got.length !== 1 || got[0] !== p.amountMinor) {
      v.ledgerBreaks++;
      v.findings.push(`${wf}: reverses ${got.join(', ') || 'none'} for a return of ${p.amountMinor}`);
    } else count(outcomes, 'reversedOnceInFull');
    if ((s?.attempt ?? 1) > 1) {
      v.duplicates++;
      v.findings.push(`${wf}: paid again (attempt ${s?.attempt}) without new details`);
    }
    count(outcomes, `ended:${s?.state ?? 'unknown'}`);
  }
  return { ...v, outcomes };
}

/** Long enough to act in: a payout waiting for its creator's KYC must not give up while the row works on it. */
const WAITING = (n: number) => ({ ...FAST_TIMING, parkDeadlineMs: Math.max(120_000, n * 1_500) });

/** Every creator unverified: their payouts wait in `awaiting_payability`, where a hold or a resolve is allowed. */
const unverified = ({ stack }: RowContext, payouts: ChaosPayout[], kycStatus: 'pending' | 'verified') =>
  pool(payouts, 8, (p) => admin(stack.creators.url, `/__admin/creators/${p.creatorId}`, { kycStatus }, 'PATCH'));

const waitingForKyc = (s: PayoutStatus) => s.state === 'awaiting_payability';

/** The argument of the first accepted update named `name` in the workflow's history, decoded through the codec. */
async function acceptedUpdateArg(ctx: RowContext, workflowId: string, name: string): Promise<Record<string, unknown>> {
  const history = await ctx.stack.client.workflow.getHandle(workflowId).fetchHistory();
  for (const e of history.events ?? []) {
    const input = e.workflowExecutionUpdateAcceptedEventAttributes?.acceptedRequest?.input;
    if (input?.name !== name) continue;
    return decodeFromPayloadsAtIndex<Record<string, unknown>>(
      ctx.stack.client.options.loadedDataConverter,
      0,
      input.args?.payloads ?? [],
    );
  }
  throw new Error(`${workflowId}: no accepted ${name} in its history`);
}

/** Sends `arg` (token included) as the update `name` to the workflow's current run: the verdict, as the client gives it. */
const rawUpdate = (ctx: RowContext, workflowId: string, name: string, arg: object) =>
  verdictOf(() => ctx.stack.client.workflow.getHandle(workflowId).executeUpdate(name, { args: [arg] }));

/**
 * Every creator waits for KYC. Payout A (even) is held by a compliance officer; the command as A's history records it
 * (token included, decoded through the codec) is then sent to payout B (the next one) and to A again: refused as
 * `assertion_wrong_workflow` and `assertion_replayed`. B is never held (a hold that lands counts as lost). A is
 * released by another officer, KYC clears, and every payout pays once.
 */
async function replayedDecision(ctx: RowContext, payouts: ChaosPayout[]): Promise<Verdicts> {
  const v = emptyVerdicts();
  const outcomes: Record<string, number> = {};
  const waiting = await pool(payouts, 16, (p) => untilPayout(ctx, p, waitingForKyc));
  const ready = payouts.filter((_, i) => waiting[i]);
  if (ready.length < payouts.length) {
    v.lost += payouts.length - ready.length;
    v.findings.push(`${payouts.length - ready.length} payouts never waited for KYC`);
  }
  const pairs = ready.flatMap((a, i): Array<[ChaosPayout, ChaosPayout]> =>
    i % 2 === 0 && ready[i + 1] ? [[a, ready[i + 1] as ChaosPayout]] : [],
  );
  const judge = (p: ChaosPayout, what: string, got: { accepted: boolean; code?: string }, code: string) => {
    if (!got.accepted && got.code === code) return count(outcomes, `refused:${code}`);
    v.lost++;
    v.findings.push(`${p.payoutId}: ${what} ${got.accepted ? 'accepted' : `refused as ${got.code}`}, not ${code}`);
  };
  await pool(pairs, 8, async ([a, b]) => {
    const wfA = creatorPayoutWorkflowId(a.payoutId);
    const held = await holdPayout(ctx.stack.client, a.payoutId, {
      reason: 'chaos: compliance review',
      sign: staffSigner('chaos.compliance', ['compliance']),
    });
    if (!held.accepted) {
      v.lost++;
      v.findings.push(`${a.payoutId}: the honest hold was refused (${held.code})`);
      return;
    }
    count(outcomes, 'heldHonestly');
    const copied = await acceptedUpdateArg(ctx, wfA, 'holdPayout');
    const wfB = creatorPayoutWorkflowId(b.payoutId);
    judge(b, 'the hold copied from A', await rawUpdate(ctx, wfB, 'holdPayout', copied), 'assertion_wrong_workflow');
    judge(a, 'the hold sent again', await rawUpdate(ctx, wfA, 'holdPayout', copied), 'assertion_replayed');
    const sb = await payoutStatus(ctx.stack, b);
    if (sb?.held || sb?.state === 'on_hold') {
      v.lost++;
      v.findings.push(`${b.payoutId}: held by a decision signed for ${a.payoutId}`);
    }
    const released = await releasePayout(ctx.stack.client, a.payoutId, {
      reason: 'chaos: review done',
      sign: staffSigner('chaos.releaser', ['compliance']),
    });
    if (!released.accepted) {
      v.lost++;
      v.findings.push(`${a.payoutId}: release refused (${released.code})`);
    }
  });
  await unverified(ctx, payouts, 'verified');
  await pool(payouts, 16, (p) =>
    ctx.stack.client.workflow.getHandle(creatorPayoutWorkflowId(p.payoutId)).signal('recheckPayability', {}),
  );
  const ended = await allCompleted(ctx, payouts, v);
  return {
    ...v,
    outcomes: { ...outcomes, ...Object.fromEntries(Object.entries(ended).map(([k, n]) => [`ended:${k}`, n])) },
  };
}

/**
 * Every creator waits for KYC; ops sign `resolvePayout` with outcome `abandoned` for each payout, and the command is
 * sent with `paid_elsewhere` instead (which would book the whole amount out to the creator): refused as
 * `assertion_arguments_changed`. The same token with the argument it was signed for is then accepted: the payout
 * closes as abandoned with nothing booked. A `settle_elsewhere` posting is a ledger break; a changed command that is
 * not refused counts as lost.
 */
async function changedArgument(ctx: RowContext, payouts: ChaosPayout[]): Promise<Verdicts> {
  const v = emptyVerdicts();
  const outcomes: Record<string, number> = {};
  await pool(payouts, 16, async (p) => {
    if (!(await untilPayout(ctx, p, waitingForKyc))) {
      v.lost++;
      v.findings.push(`${p.payoutId}: never waited for KYC`);
      return;
    }
    const wf = creatorPayoutWorkflowId(p.payoutId);
    const signed = { reason: 'chaos: creator gone', outcome: 'abandoned' as const };
    const { runId, arg } = await signedFor(
      ctx.stack.client,
      wf,
      'resolvePayout',
      signed,
      staffSigner('chaos.ops', ['ops']),
    );
    const handle = ctx.stack.client.workflow.getHandle(wf, runId);
    const send = (a: object) => verdictOf(() => handle.executeUpdate('resolvePayout', { args: [a] }));
    const changed = await send({ ...arg, outcome: 'paid_elsewhere' });
    if (!changed.accepted && changed.code === 'assertion_arguments_changed') count(outcomes, `refused:${changed.code}`);
    else {
      v.lost++;
      v.findings.push(
        `${p.payoutId}: paid_elsewhere on an abandon decision ${changed.accepted ? 'accepted' : changed.code}`,
      );
      return;
    }
    const honest = await send(arg);
    if (honest.accepted) count(outcomes, 'resolvedAsSigned');
    else {
      v.lost++;
      v.findings.push(`${p.payoutId}: the decision as signed was refused (${honest.code})`);
    }
  });
  const views = await pool(payouts, 16, (p) =>
    untilPayout(ctx, p, (s) => s.state === 'resolved_manually', 30_000).then((s) => s ?? payoutStatus(ctx.stack, p)),
  );
  for (const [i, s] of views.entries()) {
    count(outcomes, `ended:${s?.state ?? 'unknown'}:${s?.resolution?.outcome ?? 'none'}`);
    if (s?.resolution && s.resolution.outcome !== 'abandoned') {
      v.lost++;
      v.findings.push(`${payouts[i]?.payoutId}: resolved as ${s.resolution.outcome}, signed as abandoned`);
    }
  }
  const booked = await unowedBookings(ctx, ['settle_elsewhere', 'reserve', 'settle'], 'for an abandoned payout');
  return addVerdicts({ ...v, outcomes }, booked);
}

/** The rows: forged rail events, unconfirmed claims, returns in parts, and staff decisions replayed or changed. */
const rows: Row[] = [
  bothRailsRow('forged-rail-signals', forgedRailSignals),
  bothRailsRow('forged-rail-confirm', forgedRailConfirm),
  payoutRow({
    name: 'partial-bank-returns',
    rail: 'bank',
    timing: IN_WINDOW,
    before: ({ stack }) => admin(stack.bank.url, '/__admin/faults', { settleDelayMs: 300 }),
    during: returnInHalves,
    after: reversedOnceInFull,
  }),
  payoutRow({
    name: 'replayed-decision',
    timing: WAITING,
    before: async (ctx) => void (await unverified(ctx, seeded(ctx), 'pending')),
    during: async (ctx, payouts) => void foundDuring.set(ctx.tag, await replayedDecision(ctx, payouts)),
    after: async (ctx) => foundDuring.get(ctx.tag),
  }),
  payoutRow({
    name: 'changed-argument',
    timing: WAITING,
    before: async (ctx) => void (await unverified(ctx, seeded(ctx), 'pending')),
    during: async (ctx, payouts) => void foundDuring.set(ctx.tag, await changedArgument(ctx, payouts)),
    after: async (ctx) => foundDuring.get(ctx.tag),
  }),
];

/** Every forgery row, in the order they run. */
export const forgeryRows = rows;

/**
 * The rows split for the CI halves (about equal wall time): forged signals and staff decisions with the ops half,
 * the rail's own word (unconfirmed claims, returns in parts) with the returns half.
 */
export const forgeryHalves: [Row[], Row[]] = [
  rows.filter((r) => ['forged-rail-signals', 'replayed-decision', 'changed-argument'].includes(r.name)),
  rows.filter((r) => ['forged-rail-confirm', 'partial-bank-returns'].includes(r.name)),
];

/** What a row's `during` found, by row tag, handed to its `after` (payoutRow's `during` returns nothing). */
const foundDuring = new Map<string, Verdicts>();

/** The payouts seedPayouts made for the row (the same IDs it derives), for a `before` that has only the context. */
const seeded = (ctx: RowContext): ChaosPayout[] =>
  Array.from({ length: ctx.n }, (_, i) => ({
    payoutId: `${ctx.tag}-${i}`,
    creatorId: `${ctx.tag}-c${i}`,
    amountMinor: 1_000 + i,
    fundedMinor: 5_000 + i,
    rail: 'psp' as const,
  }));
