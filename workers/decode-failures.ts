import type { DecodeFailure } from '../codec/aes-gcm-codec';
import { emfLine } from '../activities/sweeper/emf';
import type { AppConfig } from './config';
import { processLogger } from './logger';

/**
 * The decode-failure metric: `payops.codec.decodeFailures` in namespace `payops`, dimension Stage, one count per
 * failed decode (an EMF line on stdout, as the sweeper's counts; the CDK stack alarms on any). A payload that cannot
 * be decoded in a workflow activation fails the workflow task again on every retry: the workflow is stuck until it
 * is reset past the payload (README: "Payload decode failures").
 */
export const DECODE_FAILURE_NAMESPACE = 'payops';
export const DECODE_FAILURE_METRIC = 'payops.codec.decodeFailures';

/**
 * Logs and counts each decode failure: the workflow (or activity) and namespace, the failure code and key ID; never
 * the payload (nor its metadata beyond the key ID).
 */
export function decodeFailureReporter(
  config: Pick<AppConfig, 'PAYOPS_STAGE'>,
  writeLine: (line: string) => void = (line) => void process.stdout.write(`${line}\n`),
): (failure: DecodeFailure) => void {
  return (failure) => {
    processLogger().error('payload decode failed', { ...failure, runbook: 'README: Payload decode failures' });
    writeLine(
      emfLine({
        namespace: DECODE_FAILURE_NAMESPACE,
        name: DECODE_FAILURE_METRIC,
        value: 1,
        dimensions: { Stage: config.PAYOPS_STAGE },
        timestamp: Date.now(),
      }),
    );
  };
}
