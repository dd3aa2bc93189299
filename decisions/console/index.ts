import type { Client } from '@temporalio/client';
import { Hono, type Context } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { csrf } from 'hono/csrf';
import { html } from 'hono/html';
import { HTTPException } from 'hono/http-exception';
import { secureHeaders } from 'hono/secure-headers';
import type { DecisionsConfig } from '../config';
import { Unauthenticated, type Staff, type StaffVerifier } from '../staff-auth';
import { apiFor, ApiRefused, type ApiFetch } from './api';
import { approvalPages } from './approvals';
import { breakPages } from './breaks';
import type { ConsoleConfig } from './config';
import { disputePages } from './disputes';
import { CONSOLE_CSS, navFor, NotForYou, page, type ConsoleEnv } from './layout';
import { oidcLogin } from './oidc';
import { payoutPages } from './payouts';
import { pspPages } from './psps';
import { reportPages } from './reports';
import { csrfMatches, endSession, readSession } from './session';

export interface ConsoleOptions {
  oidc: DecisionsConfig['oidc'];
  /** The console's settings, or why it is off. */
  console: ConsoleConfig | { off: string };
  verify: StaffVerifier;
  client: Client;
  /** The decision service's own app (every read and command goes through it with the person's token). */
  api: ApiFetch;
}

/** Console paths the API's bearer-token check leaves alone (the console has its own session check). */
export const isConsolePath = (path: string) => path === '/' || path === '/console' || path.startsWith('/console/');

const FORM_BYTES = 64_000;

/**
 * The finance and ops console, under `/console/`: sign-in with the identity provider (oidc.ts), a sealed session
 * cookie (session.ts), and the pages of each role (approvals.ts, disputes.ts, payouts.ts, breaks.ts, reports.ts, psps.ts), server-rendered HTML with
 * no script. Every response carries a strict content security policy (nothing but this origin's stylesheet; no
 * scripts, frames or foreign form targets); every POST passes the origin check and carries the session's CSRF token.
 */
export function consoleApp(o: ConsoleOptions): Hono<ConsoleEnv> {
  const app = new Hono<ConsoleEnv>();
  app.use(
    '*',
    secureHeaders({
      contentSecurityPolicy: {
        defaultSrc: ["'none'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'"],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
        baseUri: ["'none'"],
      },
      referrerPolicy: 'same-origin',
      strictTransportSecurity: 'max-age=63072000; includeSubDomains',
    }),
  );
  app.get('/assets/console.css', (c) =>
    c.body(String(CONSOLE_CSS), 200, { 'content-type': 'text/css; charset=utf-8', 'cache-control': 'max-age=300' }),
  );

  const cfg = 'off' in o.console ? undefined : o.console;
  if (!cfg) {
    const off = (o.console as { off: string }).off;
    app.all('*', (c) => c.html(page({ title: 'Console unavailable' }, html`<p>${off}.</p>`), 503));
    return app;
  }
  const login = oidcLogin(o.oidc, cfg, o.verify);

  app.get('/login', (c) => login.start(c));
  app.get('/callback', async (c) => {
    const done = await login.finish(c);
    if ('error' in done)
      return c.html(
        page(
          { title: 'Sign-in failed' },
          html`<p>${done.error}</p>
            <p><a href="/console/login">Sign in</a></p>`,
        ),
        400,
      );
    return c.redirect(done.returnTo, 303);
  });
  app.get('/signed-out', (c) =>
    c.html(page({ title: 'Signed out' }, html`<p>You are signed out. <a href="/console/login">Sign in again</a>.</p>`)),
  );

  // Everything else needs a session whose token the API's verifier still accepts.
  app.use('*', async (c, next) => {
    const session = await readSession(c, cfg);
    let staff: Staff | undefined;
    if (session) staff = await o.verify(`Bearer ${session.token}`).catch(() => undefined);
    if (!session || !staff) {
      if (c.req.method === 'GET')
        return c.redirect(`/console/login?return=${encodeURIComponent(new URL(c.req.url).pathname)}`, 302);
      return c.html(
        page({ title: 'Signed out' }, html`<p>Your session ended. <a href="/console/login">Sign in</a>.</p>`),
        401,
      );
    }
    c.set('staff', staff);
    c.set('session', session);
    c.set('api', apiFor(o.api, session.token));
    return next();
  });
  // Every POST: from this origin (hono's origin and Sec-Fetch-Site check) and with the session's CSRF token.
  app.post(
    '*',
    bodyLimit({ maxSize: FORM_BYTES, onError: (c) => c.text('form too large', 413) }),
    csrf({ origin: (origin, c) => origin === (cfg.publicUrl ?? new URL(c.req.url).origin) }),
    async (c, next) => {
      const form = await c.req.parseBody().catch(() => ({}));
      const fields = Object.fromEntries(
        Object.entries(form).filter((e): e is [string, string] => typeof e[1] === 'string'),
      );
      if (!csrfMatches(c.get('session'), fields['_csrf']))
        return c.html(
          page(
            { title: 'Refused', staff: c.get('staff'), csrf: c.get('session').csrf },
            html`<p>
              This form is not from your current session (CSRF token missing or wrong): reload the page and try again.
            </p>`,
          ),
          403,
        );
      c.set('form', fields);
      return next();
    },
  );

  app.post('/logout', (c) => {
    endSession(c, cfg);
    return c.redirect('/console/signed-out', 303);
  });
  app.get('/', (c) => {
    const staff = c.get('staff');
    const links = navFor(staff);
    return c.html(
      page(
        { title: 'Home', staff, csrf: c.get('session').csrf },
        links.length
          ? html`<p>What your roles open:</p>
              <ul>
                ${links.map((l) => html`<li><a href="${l.href}">${l.label}</a></li>`)}
              </ul>`
          : html`<p>Your roles open no console page. Ask for a role if you need one.</p>`,
      ),
    );
  });
  approvalPages(app, { client: o.client });
  disputePages(app);
  payoutPages(app, { client: o.client, webUi: cfg.webUi });
  breakPages(app, { webUi: cfg.webUi });
  reportPages(app);
  pspPages(app);

  app.onError((err, c: Context<ConsoleEnv>) => {
    const staff = c.get('staff') as Staff | undefined;
    const frame = (title: string, text: string) =>
      page({ title, ...(staff ? { staff, csrf: c.get('session').csrf } : {}) }, html`<p>${text}</p>`);
    if (err instanceof NotForYou) return c.html(frame('Not for your role', err.message), 403);
    if (err instanceof ApiRefused)
      return c.html(frame(err.status === 404 ? 'Not found' : 'Refused', err.message), err.status as 403);
    if (err instanceof HTTPException && err.status === 403)
      return c.html(frame('Refused', 'This form was not sent from the console (origin check).'), 403);
    if (err instanceof Unauthenticated) return c.redirect('/console/login', 302);
    console.error('[console] request failed:', err instanceof Error ? `${err.name}: ${err.message}` : err);
    return c.html(frame('Temporarily unavailable', 'The service could not answer: try again in a moment.'), 503);
  });
  return app;
}
