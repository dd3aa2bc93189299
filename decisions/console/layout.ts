import { html, raw } from 'hono/html';
import type { HtmlEscapedString } from 'hono/utils/html';
import { ROLES } from '../../workflows/approvals/contract';
import { TIERS } from '../../workflows/disputes/policy';
import { BREAK_OPS_ROLES } from '../../workflows/recon-breaks/contract';
import { caseFold } from '../../workflows/shared/identity';
import type { Staff } from '../staff-auth';
import type { Api, Notice } from './api';
import type { ConsoleSession } from './session';

/**
 * What every console page shares: the frame (skip link, navigation by role, who is signed in, sign-out), the role
 * groups that decide which pages and buttons a person sees, and the formatting of money and times. Plain HTML forms
 * and no script at all: every action is a POST that the server answers with the page and the verdict.
 */

export type Markup = HtmlEscapedString | Promise<HtmlEscapedString>;

export const FINANCE = ROLES.filter((r) => r.startsWith('finance_'));
export const REQUESTERS = ['cs_agent', 'cs_lead'] as const;
export const DISPUTE_TIERS = TIERS;
export const PAYOUT_READERS = ['ops', 'compliance'] as const;
/** Who works reconciliation breaks (ops and every finance rung; the API asks the same). */
export const BREAK_WORKERS = BREAK_OPS_ROLES;
/** Who pauses and resumes a PSP (the API's `/psp` routes ask the same). */
export const PSP_CONTROLLERS = ['ops'] as const;

export const holds = (staff: Staff, role: string) => staff.roles.some((r) => caseFold(r) === caseFold(role));
export const holdsAny = (staff: Staff, roles: readonly string[]) => roles.some((r) => holds(staff, r));

/** Minor units as the currency's decimal amount (every currency the policies cover has two decimals). */
export function money(minor: number | undefined, currency: string | undefined): string {
  if (minor === undefined) return '—';
  const sign = minor < 0 ? '-' : '';
  const abs = Math.abs(minor);
  return `${currency ?? ''} ${sign}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, '0')}`.trim();
}

/** A decimal amount typed by a person (`12.5`, `12.50`, `12`) in minor units; undefined when blank or malformed. */
export function minorOf(text: unknown): number | undefined {
  if (typeof text !== 'string' || !/^\d{1,9}(\.\d{1,2})?$/.test(text.trim())) return undefined;
  const [units, cents = ''] = text.trim().split('.');
  return Number(units) * 100 + Number(cents.padEnd(2, '0'));
}

export const when = (iso: string | Date | undefined | null) =>
  iso ? new Date(iso).toISOString().replace('T', ' ').slice(0, 16) + ' UTC' : '—';

const NAV: Array<{ href: string; label: string; roles: readonly string[] }> = [
  { href: '/console/approvals', label: 'Approvals inbox', roles: FINANCE },
  { href: '/console/approvals/new', label: 'New compensation request', roles: REQUESTERS },
  { href: '/console/disputes', label: 'Disputes queue', roles: DISPUTE_TIERS },
  { href: '/console/payouts', label: 'Payout exceptions', roles: PAYOUT_READERS },
  { href: '/console/breaks', label: 'Reconciliation breaks', roles: BREAK_WORKERS },
  { href: '/console/reports', label: 'Reports', roles: [...FINANCE, ...PAYOUT_READERS] },
  { href: '/console/psps', label: 'PSPs', roles: PSP_CONTROLLERS },
];

/** The links a person's roles open (the same groups the pages check). */
export const navFor = (staff: Staff) => NAV.filter((n) => holdsAny(staff, n.roles));

/** The hidden CSRF field every form carries. */
export const csrfField = (csrf: string) => html`<input type="hidden" name="_csrf" value="${csrf}" />`;

/** What each console request knows once the session is checked. */
export type ConsoleEnv = {
  Variables: { staff: Staff; session: ConsoleSession; api: Api; form: Record<string, string> };
};

/** A page the person's roles do not open (HTTP 403); the API would refuse its reads and commands anyway. */
export class NotForYou extends Error {
  override name = 'NotForYou';
}

/** Refuses a page (or a POST) to a person without one of `roles`: the page says which roles it needs. */
export function requireAny(staff: Staff, roles: readonly string[], what: string): void {
  if (!holdsAny(staff, roles))
    throw new NotForYou(`${what} is for ${roles.join(', ')}; you (${staff.subject}) hold none of these roles.`);
}

export function page(
  o: { title: string; staff?: Staff; csrf?: string; notice?: Notice },
  body: Markup,
): Promise<HtmlEscapedString> | HtmlEscapedString {
  const who = o.staff
    ? html`<p class="who">
          Signed in as <strong>${o.staff.name ?? o.staff.subject}</strong> (${o.staff.subject};
          ${o.staff.roles.join(', ') || 'no roles'})
        </p>
        <form method="post" action="/console/logout" class="inline">
          ${csrfField(o.csrf ?? '')}<button type="submit">Sign out</button>
        </form>`
    : '';
  const links = o.staff
    ? html`<nav aria-label="Console">
        <ul>
          <li><a href="/console">Home</a></li>
          ${navFor(o.staff).map((n) => html`<li><a href="${n.href}">${n.label}</a></li>`)}
        </ul>
      </nav>`
    : '';
  const notice = o.notice ? html`<div class="notice ${o.notice.kind}" role="status"><p>${o.notice.text}</p></div>` : '';
  return html`<!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>${o.title} · payops console</title>
        <link rel="stylesheet" href="/console/assets/console.css" />
      </head>
      <body>
        <a class="skip" href="#main">Skip to content</a>
        <header>
          <p class="brand">payops console</p>
          ${who}${links}
        </header>
        <main id="main">
          <h1>${o.title}</h1>
          ${notice}${body}
        </main>
        <footer><p>Every action here is checked again by the service and by the workflow.</p></footer>
      </body>
    </html>`;
}

/** A table with a caption and column headers (the lists of every queue). */
export function table(caption: string, headers: string[], rows: Array<Array<Markup | string>>, empty: string): Markup {
  if (!rows.length) return html`<p>${empty}</p>`;
  return html`<table>
    <caption>
      ${caption}
    </caption>
    <thead>
      <tr>
        ${headers.map((h) => html`<th scope="col">${h}</th>`)}
      </tr>
    </thead>
    <tbody>
      ${rows.map(
        (r) =>
          html`<tr>
            ${r.map((cell) => html`<td>${cell}</td>`)}
          </tr>`,
      )}
    </tbody>
  </table>`;
}

/** Key-value facts of one entity. */
export const facts = (pairs: Array<[string, Markup | string | number | undefined]>) =>
  html`<dl class="facts">
    ${pairs.map(
      ([k, v]) =>
        html`<dt>${k}</dt>
          <dd>${v ?? '—'}</dd>`,
    )}
  </dl>`;

/** The console's only stylesheet (served from the app: the policy allows styles from itself only). */
export const CONSOLE_CSS = raw(`
:root { color: #1a1a1a; background: #fff; font: 16px/1.45 system-ui, sans-serif; }
body { margin: 0; }
header { background: #1d2b4f; color: #fff; padding: .5rem 1.5rem; display: flex; flex-wrap: wrap; gap: 1rem; align-items: center; }
header a, header .brand { color: #fff; }
header .brand { font-weight: 700; margin: 0; }
header nav ul { display: flex; gap: 1rem; list-style: none; margin: 0; padding: 0; }
header .who { margin: 0; }
main { padding: 1rem 1.5rem; max-width: 70rem; }
footer { padding: 1rem 1.5rem; color: #4a4a4a; border-top: 1px solid #ccc; }
.skip { position: absolute; left: -999px; }
.skip:focus { left: 1rem; top: 1rem; background: #fff; color: #000; padding: .5rem; }
table { border-collapse: collapse; width: 100%; margin: 1rem 0; }
caption { text-align: left; font-weight: 600; padding: .25rem 0; }
th, td { border: 1px solid #bbb; padding: .35rem .5rem; text-align: left; vertical-align: top; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: .25rem 1rem; }
dl.facts dt { font-weight: 600; }
dl.facts dd { margin: 0; }
form.action { border: 1px solid #bbb; padding: .75rem; margin: .75rem 0; }
form.inline { display: inline; }
label { display: block; margin: .35rem 0; }
input, select, textarea, button { font: inherit; }
button { background: #1d4ed8; color: #fff; border: 0; padding: .35rem .9rem; border-radius: 3px; cursor: pointer; }
header button { background: #fff; color: #1d2b4f; }
.notice { border-left: 6px solid; padding: .25rem .75rem; margin: .75rem 0; }
.notice.ok { border-color: #15803d; background: #ecfdf3; }
.notice.refused { border-color: #b45309; background: #fff7e6; }
.notice.error { border-color: #b91c1c; background: #fdecec; }
a { color: #1d4ed8; }
figure.chart { margin: 1rem 0; overflow-x: auto; }
`);
