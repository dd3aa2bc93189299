import type { Client } from '@temporalio/client';
import type { Context, Hono } from 'hono';
import { html } from 'hono/html';
import { stuckQuery, type StuckCategory } from '../../client/stuck';
import { creatorPayoutWorkflowId } from '../../workflows/payouts/contract';
import { resolvePayoutInput } from '../../workflows/payouts/contract';
import { SA } from '../../workflows/shared/search-attributes';
import { STAFF_COMMANDS } from '../commands';
import type { PayoutReport, StuckCount } from '../reads';
import { noticeOf, read, type Notice } from './api';
import type { ConsoleConfig } from './config';
import {
  csrfField,
  facts,
  holdsAny,
  money,
  page,
  PAYOUT_READERS,
  requireAny,
  table,
  when,
  type ConsoleEnv,
} from './layout';

/**
 * Payout exceptions (ops, compliance): the stuck-work categories (the sweeper's queries, workflows/sweeper/stuck.ts:
 * parked, retrying, overdue, unconfirmed at the rail) with their workflows, and a payout's page with the actions
 * the person's roles allow (hold, release, retry, resolve) and its link in the Temporal Web UI.
 */

/** The categories this page lists, in the order ops work them. */
const SHOWN: Array<{ category: StuckCategory; label: string }> = [
  { category: 'parked', label: 'Parked (waiting on a person or a hold)' },
  { category: 'retrying', label: 'Retrying (a step keeps failing)' },
  { category: 'overdue_person', label: 'Overdue (a person’s deadline passed)' },
  { category: 'unconfirmed_at_rail', label: 'Unconfirmed at the rail past its deadline' },
];
const ROWS_PER_CATEGORY = 25;

/** The payout commands the page offers, with the roles the API asks of each (commands.ts, one definition). */
const ACTIONS = (['hold', 'release', 'retry', 'resolve'] as const).map((verb) => ({
  verb,
  anyOf: STAFF_COMMANDS.find((c) => c.domain === 'payouts' && c.verb === verb)?.anyOf ?? [],
}));

/** A workflow run in the Temporal Web UI (its history tab). */
export const workflowUrl = (ui: ConsoleConfig['webUi'], workflowId: string, runId: string) =>
  `${ui.base.replace(/\/$/, '')}/namespaces/${encodeURIComponent(ui.namespace)}/workflows/${encodeURIComponent(workflowId)}/${encodeURIComponent(runId)}/history`;

const payoutIdOf = (workflowId: string) => {
  const prefix = creatorPayoutWorkflowId('');
  return workflowId.startsWith(prefix) ? workflowId.slice(prefix.length) : undefined;
};

async function rowsOf(client: Client, category: StuckCategory, now: Date) {
  const rows = [];
  for await (const wf of client.workflow.list({ query: stuckQuery(category, now) })) {
    const sa = wf.typedSearchAttributes;
    rows.push({
      workflowId: wf.workflowId,
      runId: wf.runId,
      type: wf.type,
      state: sa.get(SA.PayoutState) ?? sa.get(SA.ApprovalState) ?? sa.get(SA.DisputeState),
      actor: sa.get(SA.AwaitingActor),
      since: sa.get(SA.AwaitingSince),
      error: sa.get(SA.LastErrorCode),
      attempts: sa.get(SA.FailedAttempts),
    });
    if (rows.length >= ROWS_PER_CATEGORY) break;
  }
  return rows;
}

export function payoutPages(app: Hono<ConsoleEnv>, deps: { client: Client; webUi: ConsoleConfig['webUi'] }): void {
  app.get('/payouts', async (c) => {
    const staff = c.get('staff');
    requireAny(staff, PAYOUT_READERS, 'Payout exceptions');
    const counts = await read<{ at: string; categories: StuckCount[] }>(c.get('api'), '/stuck');
    const now = new Date(counts.at);
    const sections = await Promise.all(
      SHOWN.map(async ({ category, label }) => {
        const count = counts.categories.find((k) => k.category === category);
        const rows = await rowsOf(deps.client, category, now);
        return html`<section aria-labelledby="h-${category}">
          <h2 id="h-${category}">${label}: ${String(count?.count ?? rows.length)}</h2>
          ${count ? html`<p><a href="${count.webUi}">${label}: this list in the Temporal Web UI</a></p>` : ''}
          ${table(
            label,
            ['Workflow', 'Type', 'State', 'Waiting on', 'Since', 'Last error', 'Failed attempts', 'Web UI'],
            rows.map((r) => {
              const payoutId = r.type === 'creatorPayout' ? payoutIdOf(r.workflowId) : undefined;
              return [
                payoutId ? html`<a href="/console/payouts/${payoutId}">${r.workflowId}</a>` : r.workflowId,
                r.type,
                r.state ?? '—',
                r.actor ?? '—',
                when(r.since),
                r.error ?? '—',
                r.attempts === undefined ? '—' : String(r.attempts),
                html`<a href="${workflowUrl(deps.webUi, r.workflowId, r.runId)}">open ${r.workflowId}</a>`,
              ];
            }),
            'None.',
          )}
        </section>`;
      }),
    );
    return c.html(
      page(
        { title: 'Payout exceptions', staff, csrf: c.get('session').csrf },
        html`<p>Counted at ${when(counts.at)} with the sweeper's queries.</p>
          ${sections}`,
      ),
    );
  });

  app.get('/payouts/:id', async (c) => c.html(await payoutPage(c, deps.webUi)));
  for (const { verb, anyOf } of ACTIONS)
    app.post(`/payouts/:id/${verb}`, async (c) => {
      requireAny(c.get('staff'), anyOf, `To ${verb} a payout`);
      const f = c.get('form');
      const answer = await c.get('api')('POST', `/payouts/${encodeURIComponent(c.req.param('id'))}/${verb}`, {
        reason: f['reason'] ?? '',
        ...(verb === 'resolve' ? { outcome: f['outcome'] } : {}),
      });
      const { notice, status } = noticeOf(answer, `${verb} sent`);
      return c.html(await payoutPage(c, deps.webUi, notice), status);
    });
}

async function payoutPage(c: Context<ConsoleEnv>, webUi: ConsoleConfig['webUi'], notice?: Notice) {
  const staff = c.get('staff');
  requireAny(staff, PAYOUT_READERS, 'A payout');
  const csrf = c.get('session').csrf;
  const id = c.req.param('id') ?? '';
  const r = await read<PayoutReport>(c.get('api'), `/payouts/${encodeURIComponent(id)}`);
  const s = r.status;
  const open = r.execution.status === 'RUNNING';
  const forms = open
    ? ACTIONS.filter((a) => holdsAny(staff, a.anyOf)).map(
        (a) =>
          html`<form method="post" action="/console/payouts/${s.payoutId}/${a.verb}" class="action">
            ${csrfField(csrf)}
            <label>Reason (${a.verb}) <input name="reason" required minlength="3" maxlength="280" size="60" /></label>
            ${
              a.verb === 'resolve'
                ? html`<label
                    >Outcome
                    <select name="outcome">
                      ${resolvePayoutInput.shape.outcome.options.map((o) => html`<option value="${o}">${o}</option>`)}
                    </select>
                  </label>`
                : ''
            }
            <button type="submit">${a.verb[0]!.toUpperCase()}${a.verb.slice(1)}</button>
          </form>`,
      )
    : [];
  return page(
    { title: `Payout ${s.payoutId}`, staff, csrf, ...(notice ? { notice } : {}) },
    html`<p>
        <a href="${workflowUrl(webUi, r.workflowId, r.execution.runId)}">Open ${r.workflowId} in the Temporal Web UI</a>
      </p>
      ${facts([
        ['State', html`<strong>${s.state}</strong>`],
        ['Execution', r.execution.status],
        ['Creator', s.creatorId],
        ['Period', s.period],
        ['Amount', money(s.amount.amountMinor, s.amount.currency)],
        ['Rail', s.rail],
        [
          'Waiting on',
          s.awaiting ? `${s.awaiting.actor}: ${s.awaiting.reason} since ${when(s.awaiting.since)}` : undefined,
        ],
        ['Held', s.held ? `by ${s.held.operator} since ${when(s.held.since)}: ${s.held.reason}` : undefined],
        ['Last error', s.lastErrorCode ?? r.listed.lastErrorCode],
        ['Failed attempts', r.listed.failedAttempts],
        [
          'Resolution',
          s.resolution ? `${s.resolution.outcome} by ${s.resolution.operator}: ${s.resolution.reason}` : undefined,
        ],
      ])}
      ${
        forms.length
          ? html`<h2>Actions</h2>
              ${forms}`
          : ''
      }
      ${table(
        'Pending attempts',
        ['Activity', 'State', 'Attempt', 'Last failure', 'Next attempt'],
        r.pendingActivities.map((a) => [
          a.activity,
          a.paused ? `${a.state} (paused)` : a.state,
          `${a.attempt} of ${a.maximumAttempts}`,
          a.lastFailure ? `${a.lastFailure.type}: ${a.lastFailure.message}` : '—',
          when(a.nextAttemptAt),
        ]),
        'No step is retrying.',
      )}
      ${table(
        'Timeline',
        ['When', 'Step', 'Detail'],
        s.timeline.map((t) => [when(t.at), t.step, t.detail ?? '']),
        'No steps yet.',
      )}
      ${table(
        'Audit trail',
        ['When', 'Event', 'Details'],
        r.audit.map((e) => [when(e.at), e.type, JSON.stringify(e.data)]),
        'The audit trail is empty.',
      )}`,
  );
}
