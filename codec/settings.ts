import type { DataConverter, PayloadCodec } from '@temporalio/common';
import { z } from 'zod';
import { AesGcmCodec, type AesGcmCodecOptions } from './aes-gcm-codec';
import { requireExplicitPayloadKeys, type PayloadTarget } from './target';
import { KeyConfigError, LOCAL_DEV_KEY, parseKeyList, StaticKeyring, type EncryptionKey, type Keyring } from './keys';
// A static import makes the build ship the module `failureConverterPath` names.
import './failure-converter';

/**
 * The payload-encryption variables, parsed with the rest of the configuration (spread into workers/config.ts) and by
 * the typed client from its environment. Values are never echoed: PAYLOAD_KEYS is checked by `parseKeyList`.
 */
export const payloadCodecEnv = {
  /** Static keys `<id>:<base64 32 bytes>,…`: local mode's keys (default: the public dev key); with KMS, decrypt-only. */
  PAYLOAD_KEYS: z.string().optional(),
  /** Which of PAYLOAD_KEYS encrypts new payloads (default: the first). */
  PAYLOAD_KEY_ID: z.string().min(1).optional(),
  /** KMS key (ID, ARN or alias) whose data keys encrypt payloads; required when PAYOPS_MODE=aws. */
  PAYLOAD_KMS_KEY_ID: z.string().min(1).optional(),
  /** How long one KMS data key encrypts before a new one is generated. */
  PAYLOAD_DATA_KEY_TTL_SEC: z.coerce.number().int().min(60).max(2_592_000).default(3600),
};
const payloadCodecSchema = z.object({ PAYOPS_MODE: z.enum(['local', 'aws']).default('local'), ...payloadCodecEnv });
export type PayloadCodecSettings = z.infer<typeof payloadCodecSchema>;

/** What a KMS client needs (region; in local mode moto's endpoint and static test credentials). */
export interface KmsOptions {
  region: string;
  endpoint?: string;
  credentials?: { accessKeyId: string; secretAccessKey: string };
}

/** Loads `@aws-sdk/client-kms` on first use only, so the typed client stays lean without KMS. */
class LazyKmsKeyring implements Keyring {
  private inner?: Promise<Keyring>;
  constructor(private readonly make: () => Promise<Keyring>) {}
  private get keyring() {
    return (this.inner ??= this.make());
  }
  async current(): Promise<EncryptionKey> {
    return (await this.keyring).current();
  }
  async find(id: string, metadata: Record<string, Uint8Array>) {
    return (await this.keyring).find(id, metadata);
  }
}

/** The keyring config chooses: KMS data keys when PAYLOAD_KMS_KEY_ID is set, else static keys (local mode only). */
export function keyringFor(settings: PayloadCodecSettings, kms?: KmsOptions): Keyring {
  const staticKeys = settings.PAYLOAD_KEYS ? parseKeyList(settings.PAYLOAD_KEYS) : undefined;
  const kmsKeyId = settings.PAYLOAD_KMS_KEY_ID;
  if (kmsKeyId) {
    const fallback = staticKeys ? new StaticKeyring(staticKeys) : undefined;
    const ttlMs = settings.PAYLOAD_DATA_KEY_TTL_SEC * 1000;
    return new LazyKmsKeyring(async () => {
      const { KmsKeyring } = await import('./kms-keyring');
      return new KmsKeyring(kms ?? {}, kmsKeyId, ttlMs, fallback);
    });
  }
  if (settings.PAYOPS_MODE !== 'local') {
    throw new KeyConfigError(
      'PAYLOAD_KMS_KEY_ID: required when PAYOPS_MODE=aws (payloads are encrypted with KMS data keys)',
    );
  }
  return new StaticKeyring(staticKeys ?? [LOCAL_DEV_KEY], settings.PAYLOAD_KEY_ID);
}

/**
 * The product's payload codec from settings: AES-256-GCM with the configured keyring. Outside local mode it refuses
 * payloads that are not encrypted; `onDecodeFailure` hears of every payload it cannot decode.
 */
export function createPayloadCodec(
  settings: PayloadCodecSettings,
  kms?: KmsOptions,
  opts: Pick<AesGcmCodecOptions, 'onDecodeFailure'> = {},
): PayloadCodec {
  return new AesGcmCodec(keyringFor(settings, kms), { requireEncrypted: settings.PAYOPS_MODE !== 'local', ...opts });
}

/** The module that exports the product's `failureConverter` (message and stack trace encoded). */
export const failureConverterPath = require.resolve('./failure-converter');

/** A data converter for clients and workers: encrypting codec plus encoded failure attributes. */
export function encryptedDataConverter(codec: PayloadCodec): DataConverter {
  return { payloadCodecs: [codec], failureConverterPath };
}

/**
 * The typed client's data converter from its environment (PAYOPS_MODE, PAYLOAD_*, and for KMS AWS_REGION and, in
 * local mode, AWS_ENDPOINT_URL). With `target` (where the client connects), anything but a dev server on this machine
 * requires PAYLOAD_KMS_KEY_ID (codec/target.ts). Errors name the variable.
 */
export function dataConverterFromEnv(env: Record<string, string | undefined>, target?: PayloadTarget): DataConverter {
  const parsed = payloadCodecSchema.safeParse(env);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new KeyConfigError(`${issue?.path.join('.') ?? 'PAYLOAD_*'}: ${issue?.message ?? 'invalid'}`);
  }
  if (target) requireExplicitPayloadKeys(parsed.data, target);
  const local = parsed.data.PAYOPS_MODE === 'local';
  const kms: KmsOptions = {
    region: env['AWS_REGION'] ?? 'us-east-1',
    ...(local
      ? {
          endpoint: env['AWS_ENDPOINT_URL'] ?? 'http://127.0.0.1:5000',
          credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
        }
      : {}),
  };
  return encryptedDataConverter(createPayloadCodec(parsed.data, kms));
}
