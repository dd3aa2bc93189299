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

/**
 * All AWS clients from one set of options; the endpoint override and static credentials exist only in local mode.
 * Each client is built on first use and then kept (one client, one keep-alive connection pool, per process): building
 * five resolves five configurations (credentials chain, endpoints), which a Lambda worker would otherwise do before its
 * first poll, and a worker never uses SQS.
 */
export function makeAwsClients(options: AwsClientOptions) {
  const { local } = options;
  const base = {
    region: options.region,
    ...(local
      ? { endpoint: options.endpoint, credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } }
      : {}),
  };
  const once = <T extends { middlewareStack: { remove(name: string): boolean } }>(make: () => T) => {
    let client: T | undefined;
    return () => (client ??= quiet(make()));
  };
  const dynamo = once(() => new DynamoDBClient(base));
  const s3 = once(() => new S3Client({ ...base, forcePathStyle: local }));
  const ses = once(() => new SESv2Client(base));
  const sns = once(() => new SNSClient(base));
  const sqs = once(() => new SQSClient(base));
  return {
    get dynamo() {
      return dynamo();
    },
    get s3() {
      return s3();
    },
    get ses() {
      return ses();
    },
    get sns() {
      return sns();
    },
    get sqs() {
      return sqs();
    },
  };
}
export type AwsClients = ReturnType<typeof makeAwsClients>;

/**
 * Without the SDK's logger middleware. No client here is given a logger, yet the default no-op logger has an `info`,
 * so that middleware copied every input and output through the sensitive-data filter on each call only to discard
 * it (about 0.1 ms of the worker's main thread per call). Errors still reach the caller unchanged.
 */
function quiet<T extends { middlewareStack: { remove(name: string): boolean } }>(client: T): T {
  client.middlewareStack.remove('loggerMiddleware');
  return client;
}
