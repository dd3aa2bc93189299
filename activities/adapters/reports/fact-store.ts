import { GetObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import type { AwsClients } from '../aws';

/**
 * Reads fact files back from the reports bucket: the keys under a prefix (every page) and an object's body. Reports
 * read through it locally; on AWS, Athena reads the bucket itself.
 */
export interface FactStore {
  list(prefix: string): Promise<string[]>;
  get(key: string): Promise<string | undefined>;
}

export function createS3FactStore(deps: { aws: AwsClients; bucket: string }): FactStore {
  return {
    async list(prefix) {
      const keys: string[] = [];
      let token: string | undefined;
      do {
        const out = await deps.aws.s3.send(
          new ListObjectsV2Command({ Bucket: deps.bucket, Prefix: prefix, ContinuationToken: token }),
        );
        for (const o of out.Contents ?? []) if (o.Key) keys.push(o.Key);
        token = out.IsTruncated ? out.NextContinuationToken : undefined;
      } while (token);
      return keys.sort();
    },
    async get(key) {
      const out = await deps.aws.s3.send(new GetObjectCommand({ Bucket: deps.bucket, Key: key }));
      return out.Body?.transformToString('utf8');
    },
  };
}

/** Over an in-memory map of objects (the fake reports port's). */
export const mapFactStore = (objects: Map<string, string>): FactStore => ({
  async list(prefix) {
    return [...objects.keys()].filter((k) => k.startsWith(prefix)).sort();
  },
  async get(key) {
    return objects.get(key);
  },
});
