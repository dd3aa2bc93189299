import type { DataConverter } from '@temporalio/common';
import { requireExplicitPayloadKeys } from '../codec/target';
import { createPayloadCodec, encryptedDataConverter, type KmsOptions } from '../codec/settings';
import { awsOptions, type AppConfig } from './config';
import { decodeFailureReporter } from './decode-failures';

/** KMS client options from config: moto's endpoint and static credentials in local mode, as the other AWS clients. */
export function kmsOptions(config: AppConfig): KmsOptions {
  const aws = awsOptions(config);
  return {
    region: aws.region,
    ...(aws.local
      ? { endpoint: aws.endpoint, credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } }
      : {}),
  };
}

/**
 * The data converter the workers and the ingress build from config (one rule everywhere). Connecting anywhere but a
 * dev server on this machine (TEMPORAL_ADDRESS not loopback, TEMPORAL_TLS or TEMPORAL_API_KEY) requires
 * PAYLOAD_KMS_KEY_ID, whatever PAYOPS_MODE says (codec/target.ts).
 */
export function dataConverterFor(config: AppConfig): DataConverter {
  requireExplicitPayloadKeys(config, {
    address: config.TEMPORAL_ADDRESS,
    tls: config.TEMPORAL_TLS,
    apiKey: config.TEMPORAL_API_KEY,
  });
  // Decode failures are logged and counted (decode-failures.ts): a poisoned workflow is found, not guessed.
  return encryptedDataConverter(
    createPayloadCodec(config, kmsOptions(config), { onDecodeFailure: decodeFailureReporter(config) }),
  );
}
