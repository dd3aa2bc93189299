/**
 * Unit tests run workflow code unbundled, where no webpack define sets the trust environment and
 * workflows/shared/trust.ts's `trustEnvironment()` throws (fail-closed). Tests are local: this says so explicitly,
 * as the local bundle's define does (jest `setupFiles`). Bundles built in tests get it from `bundlerOptionsFor`.
 */
(globalThis as { __PAYOPS_TRUST_ENV__?: string }).__PAYOPS_TRUST_ENV__ = 'local';
