import { ed25519 } from '@noble/curves/ed25519';
import { z } from 'zod';

/**
 * Loaded once per worker thread by the bundle's `preloadModules` (see workers/bundle-options.ts), so every workflow in
 * the reused V8 context shares these libraries instead of evaluating them again for each run: zod, and the ed25519
 * curve that verifies staff tokens (workflows/shared/identity.ts; its module set-up cost every payout 1.5 ms of CPU and
 * 37 KB of its cache entry). Only libraries are shared: schemas stay per workflow, because zod memoises on schema
 * objects and the SDK freezes shared modules.
 */
// Building and running one schema here also runs zod's lazy global set-up (the default locale) before the freeze.
export const zodLoaded = z.object({ ok: z.boolean() }).safeParse({ ok: true }).success;
export const ed25519Loaded = typeof ed25519.verify === 'function';
