import type { DataConverter } from '@temporalio/common';
import { awsOptions, type AppConfig } from '../workers/config';
import { createPayloadCodec, encryptedDataConverter, type KmsOptions } from './settings';

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

/** The data converter the workers, the ingress and the codec server build from config (one rule everywhere). */
export function dataConverterFor(config: AppConfig): DataConverter {
  return encryptedDataConverter(createPayloadCodec(config, kmsOptions(config)));
}
