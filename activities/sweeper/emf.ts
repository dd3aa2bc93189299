/**
 * CloudWatch embedded metric format (EMF): a JSON log line that CloudWatch Logs turns into metrics, so a Lambda
 * worker's stdout (or a long-lived worker's, shipped by the CloudWatch agent) feeds the stack's alarms with no metric
 * filter and no PutMetricData call. Written by hand rather than with OpenTelemetry: an OTel meter needs an exporter
 * and a collector (or the CloudWatch agent's OTLP endpoint) in every deployment, while an EMF line needs only the log
 * stream both worker kinds already have. Format: https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html
 */

/** One metric value with its dimensions, as one EMF line. */
export interface EmfMetric {
  namespace: string;
  name: string;
  value: number;
  unit?: 'Count' | 'None';
  /** Dimension name → value; all of them form the metric's one dimension set. */
  dimensions: Record<string, string>;
  /** Epoch milliseconds the value is for. */
  timestamp: number;
}

/** Limits of the specification that a bad value would silently break (CloudWatch drops the whole line). */
const MAX_DIMENSIONS = 30;
const MAX_DIMENSION_VALUE = 1024;

/** The EMF JSON line (no trailing newline) of one metric; throws on what CloudWatch would drop without a word. */
export function emfLine(m: EmfMetric): string {
  const names = Object.keys(m.dimensions);
  if (names.length === 0 || names.length > MAX_DIMENSIONS) throw new Error(`EMF: 1-${MAX_DIMENSIONS} dimensions`);
  for (const [name, value] of Object.entries(m.dimensions)) {
    if (!value || value.length > MAX_DIMENSION_VALUE) throw new Error(`EMF: dimension ${name} needs a short value`);
    if (name === m.name || name === '_aws') throw new Error(`EMF: dimension ${name} collides with a member`);
  }
  if (!Number.isFinite(m.value)) throw new Error(`EMF: ${m.name} must be a finite number`);
  return JSON.stringify({
    _aws: {
      Timestamp: m.timestamp,
      CloudWatchMetrics: [
        { Namespace: m.namespace, Dimensions: [names], Metrics: [{ Name: m.name, Unit: m.unit ?? 'Count' }] },
      ],
    },
    ...m.dimensions,
    [m.name]: m.value,
  });
}
