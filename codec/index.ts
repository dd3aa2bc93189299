/**
 * Payload encryption: the AES-256-GCM codec with its keyrings (static keys, KMS data keys), the failure converter
 * that encodes messages and stack traces, and the data converter clients and workers use. The codec server lives in
 * `codec/server.ts`, run as a process by `workers/codec-server.ts` (not exported here: the typed client does not
 * need it).
 */
export {
  AesGcmCodec,
  ENCRYPTED_ENCODING,
  KEY_ID_METADATA,
  PayloadDecryptionError,
  type AesGcmCodecOptions,
  type DecodeFailure,
  type DecodeFailureCode,
} from './aes-gcm-codec';
export { KeyConfigError, LOCAL_DEV_KEY, parseKeyList, StaticKeyring, type EncryptionKey, type Keyring } from './keys';
export {
  createPayloadCodec,
  dataConverterFromEnv,
  encryptedDataConverter,
  failureConverterPath,
  keyringFor,
  payloadCodecEnv,
  type KmsOptions,
  type PayloadCodecSettings,
} from './settings';
