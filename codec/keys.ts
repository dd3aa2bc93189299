import { createHash } from 'node:crypto';

/** A 256-bit AES key with the ID stored beside each payload it encrypts (and any metadata needed to find it again). */
export interface EncryptionKey {
  id: string;
  key: Uint8Array;
  /** Extra payload metadata written with the key ID, e.g. the KMS-wrapped data key. */
  metadata?: Record<string, Uint8Array>;
}

/** Where the codec gets keys: one to encrypt with now, and any known one (by ID) to decrypt with. */
export interface Keyring {
  current(): Promise<EncryptionKey>;
  /** The key a stored payload names, or undefined when this keyring does not know it. */
  find(id: string, metadata: Record<string, Uint8Array>): Promise<Uint8Array | undefined>;
}

/** Thrown for bad key configuration; the message names the variable and never contains key material. */
export class KeyConfigError extends Error {
  override name = 'KeyConfigError';
}

const KEY_ID = /^[A-Za-z0-9._-]{1,64}$/;

/**
 * The local development key, for `PAYOPS_MODE=local` only (derived from a public phrase: it protects nothing, it
 * only makes local runs exercise the same encrypted path as production).
 */
export const LOCAL_DEV_KEY: EncryptionKey = {
  id: 'local-dev-1',
  key: createHash('sha256').update('payops local development payload key (public, local mode only)').digest(),
};

/** Parses `PAYLOAD_KEYS` (`<id>:<base64 of 32 bytes>,…`); errors name the entry's position, never its value. */
export function parseKeyList(text: string, variable = 'PAYLOAD_KEYS'): EncryptionKey[] {
  const keys = text
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean)
    .map((entry, i) => {
      const [id, b64, ...rest] = entry.split(':');
      const key = Buffer.from(b64 ?? '', 'base64');
      if (!id || !KEY_ID.test(id) || rest.length > 0 || key.length !== 32) {
        throw new KeyConfigError(
          `${variable}: entry ${i + 1} must be <id>:<base64 of a 32-byte key> (id: letters, digits, . _ -)`,
        );
      }
      return { id, key };
    });
  if (keys.length === 0) throw new KeyConfigError(`${variable}: no key given`);
  const ids = keys.map((k) => k.id);
  const dup = ids.find((id, i) => ids.indexOf(id) !== i);
  if (dup) throw new KeyConfigError(`${variable}: key ID "${dup}" is listed twice`);
  return keys;
}

/** Keys held in memory by ID: the current one encrypts, every listed one decrypts (rotation: add new first, keep old). */
export class StaticKeyring implements Keyring {
  private readonly byId: Map<string, Uint8Array>;
  private readonly currentKey: EncryptionKey;

  constructor(keys: EncryptionKey[], currentId?: string) {
    this.byId = new Map(keys.map((k) => [k.id, k.key]));
    const chosen = currentId ? keys.find((k) => k.id === currentId) : keys[0];
    if (!chosen) throw new KeyConfigError(`PAYLOAD_KEY_ID: "${currentId}" is not one of the configured key IDs`);
    this.currentKey = { id: chosen.id, key: chosen.key };
  }

  async current(): Promise<EncryptionKey> {
    return this.currentKey;
  }

  async find(id: string): Promise<Uint8Array | undefined> {
    return this.byId.get(id);
  }
}
