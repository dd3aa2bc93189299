import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import { SNSClient } from '@aws-sdk/client-sns';
import { SQSClient } from '@aws-sdk/client-sqs';

/** What the AWS clients need; the composition root (`workers/dependencies.ts#awsOptions`) derives it from config. */
export interface AwsClientOptions {
  region: string;
  /** The emulator's URL (moto); only honoured with `local`. */
  endpoint?: string;
  /** Local mode: the endpoint override, static test credentials and path-style S3 URLs, as moto expects. */
  local: boolean;
}

/** All AWS clients from one set of options; the endpoint override and static credentials exist only in local mode. */
export function makeAwsClients(options: AwsClientOptions) {
  const { local } = options;
  const base = {
    region: options.region,
    ...(local
      ? { endpoint: options.endpoint, credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } }
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
