import { z } from 'zod';

/**
 * Loaded once per worker thread by the bundle's `preloadModules` (see workers/bundle-options.ts), so every workflow in
 * the reused V8 context shares one zod instead of evaluating the library again for each run. Only the library is
 * shared: schemas stay per workflow, because zod memoises on schema objects and the SDK freezes shared modules.
 */
// Building and running one schema here also runs zod's lazy global set-up (the default locale) before the freeze.
export const zodLoaded = z.object({ ok: z.boolean() }).safeParse({ ok: true }).success;
