import type { Context, Hono } from 'hono';
import { html } from 'hono/html';
import type { PspQueueLimit } from '../../client/psp-pacing';
import type { ProviderId } from '../../workflows/routing/contract';
import { noticeOf, read, type Notice } from './api';
import { csrfField, facts, page, PSP_CONTROLLERS, requireAny, when, type ConsoleEnv } from './layout';

/**
 * The PSPs page (ops; issue 25.4): each provider's task queue as the server holds it (its account-wide rate limit,
 * per-endpoint limit, and whether an incident pause holds it at 0, for which incident and since when), with a pause
 * form (incident ID and reason) for a running provider and a resume form for a paused one. Reads and commands are the
 * API's (`GET /psp`, `POST /psp/pause|resume`), so the role check, the operator recorded and the resume's ceiling (each
 * provider's own configured account rate) are the ones the CLI gets.
 */

type ProviderRow = PspQueueLimit & { provider: ProviderId; pauseReason?: string };

const LABEL: Record<ProviderId, string> = { stripe: 'Stripe', adyen: 'Adyen' };
const rps = (n: number | undefined) => (n === undefined ? 'not set' : `${n} per second`);

export function pspPages(app: Hono<ConsoleEnv>): void {
  app.get('/psps', async (c) => c.html(await pspsPage(c)));
  app.post('/psps/:provider/pause', async (c) => {
    requireAny(c.get('staff'), PSP_CONTROLLERS, 'Pausing a PSP');
    const f = c.get('form');
    const provider = c.req.param('provider');
    const answer = await c.get('api')('POST', '/psp/pause', {
      provider,
      incidentId: f['incidentId'] ?? '',
      reason: f['reason'] ?? '',
    });
    const { notice, status } = noticeOf(answer, `${provider} paused for incident ${f['incidentId'] ?? ''}`);
    return c.html(await pspsPage(c, notice), status);
  });
  app.post('/psps/:provider/resume', async (c) => {
    requireAny(c.get('staff'), PSP_CONTROLLERS, 'Resuming a PSP');
    const f = c.get('form');
    const provider = c.req.param('provider');
    const answer = await c.get('api')('POST', '/psp/resume', {
      provider,
      ...(f['reason'] ? { reason: f['reason'] } : {}),
    });
    const { notice, status } = noticeOf(answer, `${provider} resumed`);
    return c.html(await pspsPage(c, notice), status);
  });
}

async function pspsPage(c: Context<ConsoleEnv>, notice?: Notice) {
  const staff = c.get('staff');
  requireAny(staff, PSP_CONTROLLERS, 'The PSPs page');
  const csrf = c.get('session').csrf;
  const { providers } = await read<{ providers: ProviderRow[] }>(c.get('api'), '/psp');
  return page(
    { title: 'PSPs', staff, csrf, ...(notice ? { notice } : {}) },
    html`<p>
        Each provider has its own task queue. Pausing one sets its queue's limit to 0: none of its calls start (new
        calls and retries wait), it takes no new routing decision, and the other provider keeps paying. Resuming
        restores the provider's configured rate, so its backlog drains at that pace.
      </p>
      ${providers.map((p) => section(p, csrf))}`,
  );
}

function section(p: ProviderRow, csrf: string) {
  const name = LABEL[p.provider];
  const id = `psp-${p.provider}`;
  const state = p.pausedBy
    ? html`<strong>Paused</strong> (incident ${p.pausedBy}, since ${when(p.since)})`
    : html`<strong>Running</strong>`;
  const form = p.pausedBy
    ? html`<form method="post" action="/console/psps/${p.provider}/resume" class="action">
        ${csrfField(csrf)}
        <label>Reason (optional) <input name="reason" maxlength="150" size="50" /></label>
        <button type="submit">Resume ${name}</button>
      </form>`
    : html`<form method="post" action="/console/psps/${p.provider}/pause" class="action">
        ${csrfField(csrf)}
        <label
          >Incident ID
          <input name="incidentId" required maxlength="64" autocomplete="off" />
        </label>
        <label>Reason <input name="reason" required maxlength="150" size="50" /></label>
        <button type="submit">Pause ${name}</button>
      </form>`;
  return html`<section aria-labelledby="${id}">
    <h2 id="${id}">${name}</h2>
    ${facts([
      ['State', state],
      ['Pause reason', p.pausedBy ? p.pauseReason : undefined],
      ['Task queue', p.taskQueue],
      ['Account rate limit', p.pausedBy ? '0 (paused)' : rps(p.ratePerSecond)],
      ['Per-endpoint limit', rps(p.endpointRatePerSecond)],
    ])}
    ${form}
  </section>`;
}
