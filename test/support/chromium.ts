import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { CACHE_DIR } from '../../infra/local/paths';

/** Debian's Chromium (infra/local/ensure.sh installs it); PAYOPS_CHROMIUM points elsewhere. */
export const CHROMIUM = process.env['PAYOPS_CHROMIUM'] ?? '/usr/bin/chromium';

/** Why Chromium cannot run here (ensure.sh records why it could not install it), or undefined. */
export const chromiumMissing: string | undefined = existsSync(CHROMIUM)
  ? undefined
  : (() => {
      const note = join(CACHE_DIR, 'chromium.unavailable');
      const why = existsSync(note) ? readFileSync(note, 'utf8').trim() : 'run infra/local/ensure.sh';
      return `${CHROMIUM} not found (${why})`;
    })();

/**
 * What a Web UI test does here: run; fail, naming why Chromium is missing (the gate must not lose its only browser
 * checks silently); or skip, only when someone said so with PAYOPS_SKIP_BROWSER_TESTS=1.
 */
export function browserVerdict(
  missing: string | undefined,
  env: NodeJS.ProcessEnv = process.env,
): { run: true } | { run: false; skip: boolean; why: string } {
  if (!missing) return { run: true };
  if (env['PAYOPS_SKIP_BROWSER_TESTS'] === '1')
    return { run: false, skip: true, why: `skipped by PAYOPS_SKIP_BROWSER_TESTS=1: ${missing}` };
  return {
    run: false,
    skip: false,
    why: `Chromium cannot run the Web UI test: ${missing}. Install it (infra/local/ensure.sh installs Debian's chromium) or set PAYOPS_SKIP_BROWSER_TESTS=1 to skip the Web UI tests knowingly.`,
  };
}

/** `test` for a test that drives Chromium: it runs, fails naming why Chromium is missing, or is skipped on request. */
export function browserTest(name: string, fn: () => Promise<void>, timeoutMs?: number): void {
  const verdict = browserVerdict(chromiumMissing);
  if (verdict.run) return test(name, fn, timeoutMs);
  if (verdict.skip) return test.skip(`${name} (${verdict.why})`, fn, timeoutMs);
  test(name, () => {
    throw new Error(verdict.why);
  });
}

/** Chromium, headless, with the flags that keep it off the network (ENVIRONMENT.md); a launch failure names it. */
export async function launchChromium(): Promise<Browser> {
  try {
    return await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
      ],
    });
  } catch (err) {
    throw new Error(
      `Chromium (${CHROMIUM}) could not be launched: ${err instanceof Error ? err.message : String(err)}`,
      {
        cause: err,
      },
    );
  }
}
