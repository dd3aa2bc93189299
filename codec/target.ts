import { KeyConfigError } from './keys';

/** Where payloads are sent: the Temporal address and whether the connection carries TLS or an API key. */
export interface PayloadTarget {
  address: string;
  tls?: unknown;
  apiKey?: unknown;
}

/** The host of `host:port`, `[v6]:port`, a bare host or a bare IPv6 address. */
function hostOf(address: string): string {
  const a = address.trim().toLowerCase();
  if (a.startsWith('[')) return a.slice(1, a.indexOf(']') > 0 ? a.indexOf(']') : undefined);
  if (a.split(':').length > 2) return a; // a bare IPv6 address
  return a.split(':')[0] ?? a;
}

/** True only for this machine: localhost, 127.0.0.0/8, ::1. Anything else may be a shared cluster. */
export function isLoopbackAddress(address: string): boolean {
  const host = hostOf(address);
  return (
    host === 'localhost' ||
    host.endsWith('.localhost') ||
    /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host) ||
    host === '::1' ||
    host === '0:0:0:0:0:0:0:1'
  );
}

/** Is the target anything but a dev server on this machine (another host, or TLS / an API key, i.e. a cluster)? */
export const isRemoteTarget = (target: PayloadTarget): boolean =>
  !isLoopbackAddress(target.address) || !!target.tls || !!target.apiKey;

/**
 * The local payload keys (the public development key, or static `PAYLOAD_KEYS`) are for a dev server on this machine
 * only. Against anything else a client or worker must be configured with the KMS key the cluster's workers use:
 * payloads sealed with the public key are plaintext to anyone, and the workers there cannot decrypt them, so a signal
 * sealed so would poison its workflow (every workflow task fails until a reset). Throws naming the variable.
 */
export function requireExplicitPayloadKeys(settings: { PAYLOAD_KMS_KEY_ID?: string }, target: PayloadTarget): void {
  if (settings.PAYLOAD_KMS_KEY_ID || !isRemoteTarget(target)) return;
  const why = !isLoopbackAddress(target.address) ? 'is not loopback' : target.apiKey ? 'uses an API key' : 'uses TLS';
  throw new KeyConfigError(
    `PAYLOAD_KMS_KEY_ID: required to connect to ${target.address} (it ${why}); the local payload keys are for a dev ` +
      'server on this machine only (set PAYLOAD_KMS_KEY_ID to the KMS key the workers there use)',
  );
}
