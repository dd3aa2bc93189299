import { Client, Connection, type ClientInterceptors, type ConnectionOptions } from '@temporalio/client';
import type { DataConverter } from '@temporalio/common';
import { loadClientConnectConfig, type ConfigDataSource } from '@temporalio/envconfig';
import { dataConverterFromEnv } from '../codec/settings';
import { configuredTaskQueue } from './config';

/** Where a client with nothing configured connects: the local dev server `npm start` runs. */
export const DEFAULT_TEMPORAL_ADDRESS = '127.0.0.1:7233';
const DEFAULT_NAMESPACE = 'default';

/** Where the connection settings come from; everything is optional (the environment and `temporal.toml` suffice). */
export interface ConnectOptions {
  /**
   * Variables read instead of `process.env`: `TEMPORAL_ADDRESS`, `TEMPORAL_NAMESPACE`, `TEMPORAL_API_KEY`,
   * `TEMPORAL_TLS` and `TEMPORAL_TLS_*`, `TEMPORAL_GRPC_META_*`, `TEMPORAL_PROFILE`, `TEMPORAL_CONFIG_FILE`,
   * `TEMPORAL_TASK_QUEUE`. They override the profile's values.
   */
  env?: Record<string, string | undefined>;
  /** The `temporal.toml` profile (default: `TEMPORAL_PROFILE`, then `default`). */
  profile?: string;
  /** The config file's path or contents, instead of `TEMPORAL_CONFIG_FILE` or the user's config directory. */
  configSource?: ConfigDataSource;
  /**
   * Payload encryption; default from the environment (`PAYOPS_MODE`, `PAYLOAD_KEYS`/`PAYLOAD_KEY_ID` or
   * `PAYLOAD_KMS_KEY_ID`, see codec/settings.ts), the same keys the workers use. Connecting anywhere but loopback,
   * or with TLS or an API key (a `temporal.toml` profile's included), requires `PAYLOAD_KMS_KEY_ID`.
   */
  dataConverter?: DataConverter;
  /**
   * Client interceptors, e.g. OpenTelemetry's (`{ workflow: [new OpenTelemetryWorkflowClientInterceptor()] }` from
   * `@temporalio/interceptors-opentelemetry`, or `startTracing(...).clientInterceptors` in the product's processes):
   * the client never loads tracing itself, so a service brings its own tracer provider.
   */
  interceptors?: ClientInterceptors;
}

/** Connection settings as both `Connection.connect` (client) and `NativeConnection.connect` (worker) take them. */
export interface TemporalSettings {
  connection: {
    address: string;
    tls?: ConnectionOptions['tls'];
    apiKey?: string;
    metadata?: ConnectionOptions['metadata'];
  };
  namespace: string;
}

/**
 * Temporal's standard environment configuration (`@temporalio/envconfig`, as the Lambda worker reads it): a
 * `temporal.toml` profile, overridden by `TEMPORAL_*` variables; TLS when configured or when an API key is given.
 */
export function temporalSettings(options: ConnectOptions = {}): TemporalSettings {
  const env = options.env ?? process.env;
  const { connectionOptions, namespace } = loadClientConnectConfig({
    profile: options.profile,
    configSource: options.configSource,
    overrideEnvVars: Object.fromEntries(
      Object.entries(env).filter((entry): entry is [string, string] => entry[1] !== undefined),
    ),
  });
  const { address, tls, apiKey, metadata } = connectionOptions;
  return {
    connection: {
      address: address ?? DEFAULT_TEMPORAL_ADDRESS,
      ...(tls !== undefined ? { tls } : {}),
      ...(apiKey !== undefined ? { apiKey } : {}),
      ...(metadata !== undefined ? { metadata } : {}),
    },
    namespace: namespace ?? DEFAULT_NAMESPACE,
  };
}

/** A connected typed-client handle: the Temporal client, the task queue starts default to, and how to close it. */
export interface ConnectedClient {
  client: Client;
  /** `TEMPORAL_TASK_QUEUE` (default `payops`): where the domain clients start workflows unless told otherwise. */
  taskQueue: string;
  close(): Promise<void>;
}

/** Connects a Temporal client from the environment and `temporal.toml` (see {@link temporalSettings}). */
export async function connectClient(options: ConnectOptions = {}): Promise<ConnectedClient> {
  const settings = temporalSettings(options);
  const env = options.env ?? process.env;
  const taskQueue = configuredTaskQueue(env);
  // The local payload keys only against a dev server on this machine (codec/target.ts): elsewhere, the KMS key.
  const dataConverter = options.dataConverter ?? dataConverterFromEnv(env, settings.connection);
  const connection = await Connection.connect(settings.connection);
  return {
    client: new Client({
      connection,
      namespace: settings.namespace,
      dataConverter,
      interceptors: options.interceptors,
    }),
    taskQueue,
    close: () => connection.close(),
  };
}
