import type { Context, Hono } from 'hono';
import { html } from 'hono/html';
import type { DisputeListRow } from '../../client/disputes';
import { evidenceFieldSchema, type DisputeCaseView } from '../../workflows/disputes/contract';
import { noticeOf, read, type Notice } from './api';
import {
  csrfField,
  DISPUTE_TIERS,
  facts,
  holds,
  money,
  page,
  requireAny,
  table,
  when,
  type ConsoleEnv,
} from './layout';

/**
 * The disputes pages (tiers and legal): the queue (soonest due first; `?due=<days>` narrows it to cases due soon) and
 * a case's page: what it waits on, its milestones, evidence fields written before the decision, contest or accept.
 * Commands go to the API (`POST /disputes/:id/{evidence,decide}`).
 */

const DUE_CHOICES = [3, 7, 14] as const;

export function disputePages(app: Hono<ConsoleEnv>): void {
  app.get('/disputes', async (c) => {
    const staff = c.get('staff');
    requireAny(staff, DISPUTE_TIERS, 'The disputes queue');
    const due = Number(c.req.query('due') ?? '');
    const dueWithin = DUE_CHOICES.includes(due as (typeof DUE_CHOICES)[number]) ? due : undefined;
    const rows = await read<Array<DisputeListRow & { dueBy?: string }>>(
      c.get('api'),
      `/disputes${dueWithin ? `?dueWithinDays=${dueWithin}` : ''}`,
    );
    return c.html(
      page(
        { title: 'Disputes queue', staff, csrf: c.get('session').csrf },
        html`<p>
            Open cases not yet submitted, soonest evidence deadline first. Due within:
            ${DUE_CHOICES.map((d) => html`<a href="/console/disputes?due=${String(d)}">${String(d)} days</a> · `)}
            <a href="/console/disputes">any time</a>
          </p>
          ${table(
            dueWithin ? `Cases due within ${dueWithin} days` : 'Open cases',
            ['Dispute', 'State', 'Tier', 'Waiting on', 'Amount', 'Due by'],
            rows.map((r) => [
              html`<a href="/console/disputes/${r.disputeId}">${r.disputeId}</a>`,
              r.state ?? '—',
              r.tier ?? '—',
              r.awaitingActor ?? '—',
              money(r.amountMinor, r.currency),
              when(r.dueBy),
            ]),
            'No open case.',
          )}`,
      ),
    );
  });

  app.get('/disputes/:id', async (c) => c.html(await casePage(c)));
  app.post('/disputes/:id/evidence', async (c) => {
    requireAny(c.get('staff'), DISPUTE_TIERS, 'Writing evidence');
    const f = c.get('form');
    const answer = await c.get('api')('POST', `/disputes/${encodeURIComponent(c.req.param('id'))}/evidence`, {
      field: f['field'],
      text: f['text'] ?? '',
    });
    const { notice, status } = noticeOf(answer, `evidence ${f['field'] ?? ''} saved`);
    return c.html(await casePage(c, notice), status);
  });
  app.post('/disputes/:id/decide', async (c) => {
    requireAny(c.get('staff'), DISPUTE_TIERS, 'Deciding a dispute');
    const f = c.get('form');
    const answer = await c.get('api')('POST', `/disputes/${encodeURIComponent(c.req.param('id'))}/decide`, {
      decision: f['decision'],
      ...(f['tier'] ? { tier: f['tier'] } : {}),
      ...(f['note'] ? { note: f['note'] } : {}),
    });
    const { notice, status } = noticeOf(answer, `decided: ${f['decision'] ?? ''}`);
    return c.html(await casePage(c, notice), status);
  });
}

async function casePage(c: Context<ConsoleEnv>, notice?: Notice) {
  const staff = c.get('staff');
  requireAny(staff, DISPUTE_TIERS, 'A dispute case');
  const csrf = c.get('session').csrf;
  const id = c.req.param('id') ?? '';
  const v = await read<DisputeCaseView>(c.get('api'), `/disputes/${encodeURIComponent(id)}`);
  const myTiers = DISPUTE_TIERS.filter((t) => holds(staff, t)).reverse();
  const open = !v.decision && !['won', 'lost'].includes(v.state);
  const forms = open
    ? html`<h2>Evidence</h2>
        <p>Filled: ${v.evidenceFields.join(', ') || 'none'}. Missing: ${v.missingEvidence.join(', ') || 'none'}.</p>
        <form method="post" action="/console/disputes/${v.disputeId}/evidence" class="action">
          ${csrfField(csrf)}
          <label
            >Evidence field
            <select name="field">
              ${evidenceFieldSchema.options.map((o) => html`<option value="${o}">${o}</option>`)}
            </select>
          </label>
          <label>Text <textarea name="text" rows="4" cols="70" required maxlength="20000"></textarea></label>
          <button type="submit">Save evidence</button>
        </form>
        <h2>Decision</h2>
        <form method="post" action="/console/disputes/${v.disputeId}/decide" class="action">
          ${csrfField(csrf)}
          <fieldset>
            <legend>Contest (submit the evidence) or accept liability</legend>
            <label><input type="radio" name="decision" value="contest" checked /> Contest</label>
            <label><input type="radio" name="decision" value="accept" /> Accept</label>
          </fieldset>
          <label
            >Deciding at tier
            <select name="tier">
              ${myTiers.map((t) => html`<option value="${t}">${t}</option>`)}
            </select>
          </label>
          <label>Note <input name="note" maxlength="2000" size="60" /></label>
          <button type="submit">Decide</button>
        </form>`
    : html`<p>This case is decided: nothing left to do here.</p>`;
  return page(
    { title: `Dispute ${v.disputeId}`, staff, csrf, ...(notice ? { notice } : {}) },
    html`${facts([
      ['State', html`<strong>${v.state}</strong>`],
      ['Round', v.round],
      ['Amount', money(v.amount?.amountMinor, v.amount?.currency)],
      ['Reason', v.reason],
      ['Order', v.orderId],
      ['Due by', when(v.dueBy)],
      ['Tier', v.tier],
      ['Assignee', v.assignee],
      ['Waiting on', `${v.awaiting.actor}: ${v.awaiting.what} since ${when(v.awaiting.since)}`],
      ['Next escalation', when(v.nextEscalationAt)],
      ['Flags', v.flags.join(', ') || 'none'],
      [
        'Decision',
        v.decision
          ? `${v.decision.decision} by ${v.decision.by} at ${v.decision.tier} (${when(v.decision.at)})`
          : undefined,
      ],
      ['Resolution', v.resolution],
      ['Outcome', v.outcome],
    ])}
    ${table(
      'Milestones',
      ['Milestone', 'At', 'Status'],
      v.milestones.map((m) => [m.name, when(m.at), m.status]),
      'No milestones yet (the case waits for the PSP’s facts).',
    )}
    ${forms}`,
  );
}
