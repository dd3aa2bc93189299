import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import { SNSClient } from '@aws-sdk/client-sns';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { AppConfig } from '../../workers/config';

/** All AWS clients from one config; the endpoint override and static credentials exist only in local mode. */
export function makeAwsClients(config: Pick<AppConfig, 'PAYOPS_MODE' | 'AWS_REGION' | 'AWS_ENDPOINT_URL'>) {
  const local = config.PAYOPS_MODE === 'local';
  const base = {
    region: config.AWS_REGION,
    ...(local
      ? {
          endpoint: config.AWS_ENDPOINT_URL ?? 'http://127.0.0.1:5000',
          credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
        }
      : {}),
  };
  return {
    dynamo: new DynamoDBClient(base),
    s3: new S3Client({ ...base, forcePathStyle: local }),
    ses: new SESv2Client(base),
    sns: new SNSClient(base),
    sqs: new SQSClient(base),
  };
}
export type AwsClients = ReturnType<typeof makeAwsClients>;
