import { createHash } from 'node:crypto';
import { DecryptCommand, GenerateDataKeyCommand, KMSClient, type KMSClientConfig } from '@aws-sdk/client-kms';
import type { EncryptionKey, Keyring } from './keys';

/** Payload metadata holding the KMS-wrapped data key, beside `encryption-key-id`. */
export const WRAPPED_KEY_METADATA = 'encryption-data-key';
/** Bound to every data key: KMS refuses to unwrap it for any other purpose. */
const ENCRYPTION_CONTEXT = { purpose: 'payops-temporal-payload' };
const MAX_CACHED_KEYS = 1000;

const idOf = (wrapped: Uint8Array) => `kms-${createHash('sha256').update(wrapped).digest('hex').slice(0, 32)}`;

/**
 * Envelope encryption with AWS KMS: a data key from `GenerateDataKey` encrypts payloads for `ttlMs`, then a new one is
 * generated; each payload carries its KMS-wrapped data key, so any payload can be decrypted (`Decrypt`) as long as the
 * KMS key is usable: rotating the KMS key or the data key needs no keyring change. Unwrapped keys are cached in memory.
 * A `fallback` keyring decrypts payloads sealed with static keys before KMS was configured.
 */
export class KmsKeyring implements Keyring {
  private readonly kms: KMSClient;
  private active?: { key: Promise<EncryptionKey>; until: number };
  private readonly cache = new Map<string, Uint8Array>();

  constructor(
    kms: KMSClient | KMSClientConfig,
    private readonly kmsKeyId: string,
    private readonly ttlMs: number,
    private readonly fallback?: Keyring,
  ) {
    this.kms = kms instanceof KMSClient ? kms : new KMSClient(kms);
  }

  async current(): Promise<EncryptionKey> {
    if (!this.active || Date.now() >= this.active.until) {
      const key = this.generate();
      this.active = { key, until: Date.now() + this.ttlMs };
      key.catch(() => (this.active = undefined));
    }
    return this.active.key;
  }

  async find(id: string, metadata: Record<string, Uint8Array>): Promise<Uint8Array | undefined> {
    const cached = this.cache.get(id);
    if (cached) return cached;
    const wrapped = metadata[WRAPPED_KEY_METADATA];
    if (!wrapped) return this.fallback?.find(id, metadata);
    if (idOf(wrapped) !== id) return undefined;
    const out = await this.kms.send(
      new DecryptCommand({ CiphertextBlob: wrapped, EncryptionContext: ENCRYPTION_CONTEXT }),
    );
    if (!out.Plaintext) return undefined;
    this.remember(id, out.Plaintext);
    return out.Plaintext;
  }

  private async generate(): Promise<EncryptionKey> {
    const out = await this.kms.send(
      new GenerateDataKeyCommand({ KeyId: this.kmsKeyId, KeySpec: 'AES_256', EncryptionContext: ENCRYPTION_CONTEXT }),
    );
    if (!out.Plaintext || !out.CiphertextBlob) throw new Error('KMS GenerateDataKey returned no key');
    const id = idOf(out.CiphertextBlob);
    this.remember(id, out.Plaintext);
    return { id, key: out.Plaintext, metadata: { [WRAPPED_KEY_METADATA]: out.CiphertextBlob } };
  }

  private remember(id: string, key: Uint8Array): void {
    if (this.cache.size >= MAX_CACHED_KEYS) this.cache.delete(this.cache.keys().next().value as string);
    this.cache.set(id, key);
  }
}
