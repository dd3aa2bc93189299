import { GetObjectCommand, NoSuchKey, PutObjectCommand } from '@aws-sdk/client-s3';
import type { AwsClients } from '../aws';
import type { ReportsPort } from './port';

/** Reports in S3: a put of the same key replaces the object, so retried writes are harmless. */
export function createS3Reports(deps: { aws: AwsClients; bucket: string }): ReportsPort {
  return {
    async put(key, body, contentType) {
      await deps.aws.s3.send(
        new PutObjectCommand({
          Bucket: deps.bucket,
          Key: key,
          Body: body,
          ContentType: contentType,
          // Said explicitly: an empty body would otherwise be taken for a stream of unknown length.
          ContentLength: Buffer.byteLength(body, 'utf8'),
        }),
      );
      return { key };
    },
    async get(key) {
      try {
        const out = await deps.aws.s3.send(new GetObjectCommand({ Bucket: deps.bucket, Key: key }));
        return await out.Body?.transformToString('utf8');
      } catch (err) {
        if (err instanceof NoSuchKey || (err as Error).name === 'NoSuchKey') return undefined;
        throw err;
      }
    },
  };
}
