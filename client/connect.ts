import { Client, Connection } from '@temporalio/client';
import { loadConfig, type AppConfig } from '../workers/config';
import { connectionOptions } from '../workers/dependencies';

/** A Temporal client from the same config as the workers (TEMPORAL_ADDRESS, namespace, TLS, API key). */
export async function connectClient(
  config: AppConfig = loadConfig(),
): Promise<{ client: Client; config: AppConfig; close(): Promise<void> }> {
  const connection = await Connection.connect(connectionOptions(config));
  return {
    client: new Client({ connection, namespace: config.TEMPORAL_NAMESPACE }),
    config,
    close: () => connection.close(),
  };
}
