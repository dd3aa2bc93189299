import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { Payload, PayloadCodec, SerializationContext } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import type { Keyring } from './keys';

/** Payload metadata of an encrypted payload (the same names as Temporal's encryption samples). */
export const ENCRYPTED_ENCODING = 'binary/encrypted';
export const KEY_ID_METADATA = 'encryption-key-id';
const IV_BYTES = 12;
const TAG_BYTES = 16;

const text = (v: Uint8Array | null | undefined) => (v ? Buffer.from(v).toString('utf8') : undefined);

/** Why a payload could not be decoded: a code safe to log and count. */
export type DecodeFailureCode = 'plaintext' | 'no-key-id' | 'unknown-key' | 'too-short' | 'tampered';

/** Thrown when a payload cannot be decrypted; names the key ID (never key material or plaintext). */
export class PayloadDecryptionError extends Error {
  override name = 'PayloadDecryptionError';
  constructor(
    message: string,
    readonly code: DecodeFailureCode,
    readonly keyId?: string,
  ) {
    super(message);
  }
}

/** What is reported of a decode failure: whose payload and why, never the payload. */
export interface DecodeFailure {
  code: DecodeFailureCode;
  keyId?: string;
  namespace?: string;
  workflowId?: string;
  activityId?: string;
}

export interface AesGcmCodecOptions {
  /**
   * Refuse payloads that are not encrypted (outside local mode). Otherwise anyone who can signal a workflow could
   * put plaintext into its history, and nothing would notice a client that does not encrypt.
   */
  requireEncrypted?: boolean;
  /** Called for every payload that cannot be decoded (workers log and count it: workers/decode-failures.ts). */
  onDecodeFailure?: (failure: DecodeFailure) => void;
}

/**
 * AES-256-GCM payload codec. The whole payload (metadata + data, protobuf-encoded) is encrypted with a random 96-bit
 * IV; the key ID is the additional authenticated data, so a payload cannot be re-labelled to another key. Payloads
 * that are not encrypted pass through decode unchanged (histories recorded before encryption still replay) unless
 * `requireEncrypted` (outside local mode), which refuses them.
 */
export class AesGcmCodec implements PayloadCodec {
  constructor(
    private readonly keyring: Keyring,
    private readonly options: AesGcmCodecOptions = {},
  ) {}

  async encode(payloads: Payload[]): Promise<Payload[]> {
    return Promise.all(payloads.map((p) => this.encryptOne(p)));
  }

  async decode(payloads: Payload[], context?: SerializationContext): Promise<Payload[]> {
    try {
      return await Promise.all(payloads.map((p) => this.decryptOne(p)));
    } catch (err) {
      if (err instanceof PayloadDecryptionError) this.options.onDecodeFailure?.(failureOf(err, context));
      throw err;
    }
  }

  private async encryptOne(payload: Payload): Promise<Payload> {
    const { id, key, metadata } = await this.keyring.current();
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', key, iv);
    cipher.setAAD(Buffer.from(id, 'utf8'));
    const plain = temporal.api.common.v1.Payload.encode(payload).finish();
    const sealed = Buffer.concat([iv, cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
    return {
      metadata: {
        encoding: Buffer.from(ENCRYPTED_ENCODING),
        [KEY_ID_METADATA]: Buffer.from(id),
        ...metadata,
      },
      data: sealed,
    };
  }

  private async decryptOne(payload: Payload): Promise<Payload> {
    const metadata = payload.metadata ?? {};
    if (text(metadata['encoding']) !== ENCRYPTED_ENCODING) {
      if (!this.options.requireEncrypted) return payload;
      throw new PayloadDecryptionError(
        'payload is not encrypted; refused outside local mode (every client must encrypt with the payload codec)',
        'plaintext',
      );
    }
    const id = text(metadata[KEY_ID_METADATA]);
    if (!id) throw new PayloadDecryptionError(`encrypted payload has no ${KEY_ID_METADATA}`, 'no-key-id');
    const key = await this.keyring.find(id, metadata as Record<string, Uint8Array>);
    if (!key) throw new PayloadDecryptionError(`payload encrypted with unknown key "${id}"`, 'unknown-key', id);
    const data = Buffer.from(payload.data ?? new Uint8Array());
    if (data.length < IV_BYTES + TAG_BYTES)
      throw new PayloadDecryptionError(`encrypted payload too short (key "${id}")`, 'too-short', id);
    const decipher = createDecipheriv('aes-256-gcm', key, data.subarray(0, IV_BYTES));
    decipher.setAAD(Buffer.from(id, 'utf8'));
    decipher.setAuthTag(data.subarray(data.length - TAG_BYTES));
    let plain: Buffer;
    try {
      plain = Buffer.concat([decipher.update(data.subarray(IV_BYTES, data.length - TAG_BYTES)), decipher.final()]);
    } catch {
      throw new PayloadDecryptionError(
        `payload failed authentication with key "${id}" (tampered or wrong key)`,
        'tampered',
        id,
      );
    }
    const opened = temporal.api.common.v1.Payload.decode(plain);
    // A plain object with plain byte arrays, like the payloads the converters make (not a protobuf message instance).
    return {
      metadata: Object.fromEntries(Object.entries(opened.metadata).map(([k, v]) => [k, new Uint8Array(v)])),
      data: new Uint8Array(opened.data),
    };
  }
}

/** The reportable part of a failure: its code and key ID, and whose payload it was (the SDK's serialization context). */
function failureOf(err: PayloadDecryptionError, context?: SerializationContext): DecodeFailure {
  return {
    code: err.code,
    ...(err.keyId ? { keyId: err.keyId } : {}),
    ...(context?.namespace ? { namespace: context.namespace } : {}),
    ...(context?.workflowId ? { workflowId: context.workflowId } : {}),
    ...(context?.type === 'activity' && context.activityId ? { activityId: context.activityId } : {}),
  };
}
