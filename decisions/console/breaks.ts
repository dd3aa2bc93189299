import type { Context, Hono } from 'hono';
import { html } from 'hono/html';
import type { BreakListRow } from '../../client/breaks';
import type { ReconBreakView } from '../../workflows/recon-breaks/contract';
import { FOUR_EYES_ABOVE_MINOR } from '../../workflows/recon-breaks/contract';
import { caseFold } from '../../workflows/shared/identity';
import { STAFF_COMMANDS } from '../commands';
import { noticeOf, read, type Notice } from './api';
import type { ConsoleConfig } from './config';
import {
  BREAK_WORKERS,
  csrfField,
  facts,
  holdsAny,
  minorOf,
  money,
  page,
  requireAny,
  table,
  when,
  type ConsoleEnv,
  type Markup,
} from './layout';
import { workflowUrl } from './payouts';

/**
 * Reconciliation breaks (ops and finance): the open breaks (soonest due first) and the resolved ones still open to a
 * reopen, each with its link in the Temporal Web UI; a break's page with its facts, observations, pending four-eyes
 * proposal and audit trail, and a form for each command the person's roles and the break's state allow. Every read
 * and command is the API's (`GET /breaks`, `GET /breaks/:id`, `POST /breaks/:id/<verb>`); the workflow's validator
 * has the last word, and its verdict (accepted, or the refusal's code) shows above the page.
 */

type Verb = 'link' | 'mark-received' | 'adjust' | 'approve' | 'rebook' | 'recover-duplicate' | 'void' | 'reopen';
type BreakPage = { status: ReconBreakView; audit: Array<{ at: string; type: string; data: Record<string, unknown> }> };

/** The roles the API asks of each break command (commands.ts, one definition). */
const rolesOf = (verb: Verb) => STAFF_COMMANDS.find((c) => c.domain === 'breaks' && c.verb === verb)?.anyOf ?? [];
const VERBS: readonly Verb[] = [
  'link',
  'mark-received',
  'adjust',
  'rebook',
  'recover-duplicate',
  'approve',
  'void',
  'reopen',
];

/** The commands the break's state admits (the workflow refuses the others anyway: this only keeps the page honest). */
function verbsFor(v: ReconBreakView, subject: string): Verb[] {
  if (v.status === 'resolved') return ['reopen'];
  if (v.status !== 'open') return [];
  const lateReturn = v.facts.hint === 'late_return' && !!v.facts.refs.endToEndId && !!v.facts.refs.workflowId;
  // Four-eyes: the proposer is offered no approval (the validator refuses it as own_proposal anyway).
  if (v.proposal)
    return [
      ...(caseFold(v.proposal.proposedBy) === caseFold(subject) ? [] : (['approve'] as const)),
      'link',
      'mark-received',
      'void',
    ];
  const duplicate = v.facts.class === 'duplicate_disbursement' && !!v.facts.refs.workflowId && !!v.facts.refs.railRef;
  return [
    'link',
    'mark-received',
    'adjust',
    ...(lateReturn ? (['rebook'] as const) : []),
    ...(duplicate ? (['recover-duplicate'] as const) : []),
    'void',
  ];
}

const LABEL: Record<Verb, string> = {
  link: 'Link',
  'mark-received': 'Mark received',
  adjust: 'Post adjustment',
  rebook: 'Rebook to creator',
  'recover-duplicate': 'Recover duplicate',
  approve: 'Approve proposal',
  void: 'Void',
  reopen: 'Reopen',
};

/** The API body of a command from the form's fields (blank optional fields left out; the API names bad fields). */
function bodyOf(verb: Verb, f: Record<string, string>, v?: ReconBreakView): Record<string, unknown> {
  const text = (k: string) => (f[k] ?? '').trim();
  const optional = (k: string) => (text(k) ? { [k]: text(k) } : {});
  switch (verb) {
    case 'link':
      return { ...optional('workflowId'), ...optional('postingId'), ...optional('lineId'), note: text('note') };
    case 'mark-received':
      return { externalRef: text('externalRef'), note: text('note') };
    case 'adjust':
      return {
        ...(minorOf(f['amount']) !== undefined ? { amountMinor: minorOf(f['amount']) } : {}),
        currency: v?.facts.currency ?? text('currency'),
        account: text('account'),
        note: text('note'),
      };
    case 'approve':
      return optional('note');
    case 'rebook':
      return { note: text('note') };
    case 'recover-duplicate':
      return { mode: text('mode'), note: text('note') };
    case 'void':
    case 'reopen':
      return { reason: text('reason') };
  }
}

function formOf(verb: Verb, v: ReconBreakView, csrf: string): Markup {
  const id = v.workflowId;
  const field = (name: string, label: string, attrs: { required?: boolean; size?: number } = {}) =>
    html`<label
      >${label}
      <input
        name="${name}"
        ${attrs.required === false ? '' : 'required'}
        maxlength="2000"
        size="${String(attrs.size ?? 50)}"
    /></label>`;
  const fields: Record<Verb, Markup> = {
    link: html`<p>One of workflow, posting or statement line, where the money is explained.</p>
      ${field('workflowId', 'Workflow ID (link)', { required: false })}
      ${field('postingId', 'Posting ID (link)', { required: false })}
      ${field('lineId', 'Statement line ID (link)', { required: false })} ${field('note', 'Note (link)')}`,
    'mark-received': html`${field('externalRef', "Bank's or PSP's reference (mark received)")}
    ${field('note', 'Note (mark received)')}`,
    adjust: html`<p>
        Posts the difference to a ledger account against the account's ledger mirror. Above
        ${money(FOUR_EYES_ABOVE_MINOR, v.facts.currency)} it is a proposal a second finance member approves.
      </p>
      <label
        >Amount in ${v.facts.currency} (adjust)
        <input
          name="amount"
          required
          inputmode="decimal"
          pattern="\\d{1,9}(\\.\\d{1,2})?"
          size="12"
          value="${money(v.amount.amountMinor, '')}"
      /></label>
      ${field('account', 'Ledger account (adjust), e.g. fees:bank', { size: 30 })} ${field('note', 'Note (adjust)')}`,
    rebook: html`<p>
        Books the late return back to the creator once the bank lists it (amount and payout from the break).
      </p>
      ${field('note', 'Note (rebook)')}`,
    'recover-duplicate': html`<p>
        Takes the duplicate back: reversed at the provider that paid it (where it allows; confirmed there before
        anything is booked), or offset as a receivable on the creator's next payout. Above
        ${money(FOUR_EYES_ABOVE_MINOR, v.facts.currency)} it is a proposal a second finance member approves.
      </p>
      <label
        >Mode (recover)
        <select name="mode" required>
          <option value="reverse">reverse at the provider</option>
          <option value="offset">offset on the next payout</option>
        </select></label
      >
      ${field('note', 'Note (recover)')}`,
    approve: html`${field('note', 'Note (approve)', { required: false })}`,
    void: html`${field('reason', 'Reason (void)')}`,
    reopen: html`${field('reason', 'Reason (reopen)')}`,
  };
  return html`<form method="post" action="/console/breaks/${id}/${verb}" class="action">
    ${csrfField(csrf)} ${fields[verb]}
    <button type="submit">${LABEL[verb]}</button>
  </form>`;
}

const PROPOSED: Partial<Record<Verb, string>> = {
  adjust: 'adjustment',
  rebook: 'rebook',
  'recover-duplicate': 'recovery',
};

export function breakPages(app: Hono<ConsoleEnv>, deps: { webUi: ConsoleConfig['webUi'] }): void {
  app.get('/breaks', async (c) => {
    const staff = c.get('staff');
    requireAny(staff, BREAK_WORKERS, 'Reconciliation breaks');
    const [open, running] = await Promise.all([
      read<BreakListRow[]>(c.get('api'), '/breaks?open=true'),
      read<BreakListRow[]>(c.get('api'), '/breaks?open=false'),
    ]);
    const row = (r: BreakListRow, withClass: boolean) => [
      html`<a href="/console/breaks/${r.workflowId}">${r.workflowId}</a>`,
      ...(withClass ? [r.breakClass ?? '—'] : []),
      money(r.amountMinor, r.currency),
      withClass ? (r.awaitingActor ?? '—') : 'nobody',
      when(r.awaitingSince),
      ...(withClass ? [when(r.deadlineAt)] : []),
      html`<a href="${workflowUrl(deps.webUi, r.workflowId, r.runId)}">open ${r.workflowId}</a>`,
    ];
    const resolved = running.filter((r) => r.status === 'resolved');
    return c.html(
      page(
        { title: 'Reconciliation breaks', staff, csrf: c.get('session').csrf },
        html`<p>
            Differences the daily reconciliation (or a late bank return) found between the books and the rail, soonest
            due first. Money classes and fees wait on finance; missing or unexpected lines on ops.
          </p>
          <section aria-labelledby="h-open">
            <h2 id="h-open">Open: ${String(open.length)}</h2>
            ${table(
              'Open breaks',
              ['Break', 'Class', 'Amount', 'Waiting on', 'Since', 'Due', 'Web UI'],
              open.map((r) => row(r, true)),
              'No open break.',
            )}
          </section>
          <section aria-labelledby="h-resolved">
            <h2 id="h-resolved">Resolved, still open to a reopen: ${String(resolved.length)}</h2>
            ${table(
              'Resolved breaks',
              ['Break', 'Amount', 'Waiting on', 'Since', 'Web UI'],
              resolved.map((r) => row(r, false)),
              'None.',
            )}
          </section>`,
      ),
    );
  });

  app.get('/breaks/:id', async (c) => c.html(await breakPage(c)));
  for (const verb of VERBS)
    app.post(`/breaks/:id/${verb}`, async (c) => {
      requireAny(c.get('staff'), rolesOf(verb), `To ${LABEL[verb].toLowerCase()} a break`);
      const id = c.req.param('id');
      // The adjustment's currency is the break's own (read, never typed): a wrong one is the validator's refusal.
      const current =
        verb === 'adjust'
          ? await read<BreakPage>(c.get('api'), `/breaks/${encodeURIComponent(id)}`).then((b) => b.status)
          : undefined;
      const answer = await c.get('api')(
        'POST',
        `/breaks/${encodeURIComponent(id)}/${verb}`,
        bodyOf(verb, c.get('form'), current),
      );
      // An accepted money command above the four-eyes threshold is only a proposal: say so, not "done".
      const proposed =
        (verb === 'adjust' || verb === 'rebook' || verb === 'recover-duplicate') &&
        (answer.body as { value?: Partial<ReconBreakView> }).value?.proposal !== undefined;
      const what = proposed
        ? `${PROPOSED[verb] ?? verb} proposed; a second finance member must approve it`
        : `${LABEL[verb].toLowerCase()} sent`;
      const { notice, status } = noticeOf(answer, what);
      return c.html(await breakPage(c, notice), status);
    });
}

async function breakPage(c: Context<ConsoleEnv>, notice?: Notice) {
  const staff = c.get('staff');
  requireAny(staff, BREAK_WORKERS, 'A reconciliation break');
  const csrf = c.get('session').csrf;
  const id = c.req.param('id') ?? '';
  const { status: v, audit } = await read<BreakPage>(c.get('api'), `/breaks/${encodeURIComponent(id)}`);
  const f = v.facts;
  const forms = verbsFor(v, staff.subject)
    .filter((verb) => holdsAny(staff, rolesOf(verb)))
    .map((verb) => formOf(verb, v, csrf));
  const refs = Object.entries(f.refs)
    .filter(([, x]) => x !== undefined)
    .map(([k, x]) => `${k}: ${Array.isArray(x) ? x.join(', ') : String(x)}`)
    .join('; ');
  const r = v.resolution;
  const p = v.proposal;
  return page(
    { title: `Break ${v.workflowId}`, staff, csrf, ...(notice ? { notice } : {}) },
    html`${facts([
      ['Status', html`<strong>${v.status}</strong>`],
      ['Waiting on', `${v.awaiting.actor}: ${v.awaiting.what}`],
      ['Class', f.class],
      ['Hint', f.hint],
      ['Amount', `${money(f.amountMinor, f.currency)} (as the rail shows it against the ledger)`],
      ['Account and day', `${f.accountId} · ${f.businessDate}`],
      ['Reason', f.reason],
      ['Due', v.deadlineAt ? when(v.deadlineAt) : undefined],
      ['References', refs || undefined],
      ['Statement lines', f.lineIds.join(', ') || undefined],
      ['Ledger items', f.itemIds.join(', ') || undefined],
      ['Suggested counterpart', f.suggestion?.itemIds.join(', ')],
      ['Rules', f.ruleVersion],
      [
        'Resolution',
        r
          ? `${r.kind} by ${r.by}${r.approvedBy ? ` and ${r.approvedBy}` : ''} at ${when(r.at)}${r.note ? `: ${r.note}` : ''}${r.postingId ? ` (posting ${r.postingId})` : ''}`
          : undefined,
      ],
      ['Reopen possible until', v.closesAt ? when(v.closesAt) : undefined],
      ['Reopened', v.reopens ? String(v.reopens) : undefined],
    ])}
    ${
      p
        ? html`<section aria-labelledby="h-proposal">
            <h2 id="h-proposal">Four-eyes proposal waiting for approval</h2>
            ${facts([
              ['Kind', p.kind],
              ['Proposed by', `${p.proposedBy} at ${when(p.at)}`],
              ['Amount', money(p.amountMinor, p.currency)],
              ['Account', p.account],
              ['Note', p.note],
            ])}
            <p>A second finance member approves it; its proposer cannot.</p>
          </section>`
        : ''
    }
    ${
      forms.length
        ? html`<h2>Actions</h2>
            ${forms}`
        : ''
    }
    ${table(
      'Observations',
      ['When', 'Source', 'Break ID', 'Business day', 'Results'],
      v.observations.map((o) => [when(o.at), o.source, o.breakId, o.businessDate, o.resultsKey ?? '—']),
      'No observation recorded.',
    )}
    ${table(
      'Trail',
      ['When', 'Event', 'By', 'Details'],
      v.trail.map((e) => [when(e.at), e.type, e.by, JSON.stringify(e.data)]),
      'The trail is empty.',
    )}
    ${table(
      'Audit stream',
      ['When', 'Event', 'Details'],
      audit.map((e) => [when(e.at), e.type, JSON.stringify(e.data)]),
      'The audit stream is empty.',
    )}`,
  );
}
