import { startCodecServer as startServer, type CodecServer } from '../codec/server';
import type { CodecServerSettings } from '../codec/server-settings';
import type { PayloadCodec } from '@temporalio/common';
import { processLogger, safeError } from './logger';

export type { CodecServer };

/**
 * The codec server (`codec/server.ts`) as a process runs it: a request that fails unexpectedly is logged with its
 * error reduced to codes (never its message, which may quote a payload).
 */
export function startCodecServer(opts: { codec: PayloadCodec; settings: CodecServerSettings }): Promise<CodecServer> {
  return startServer({
    ...opts,
    reportFailure: (err) => processLogger().error('codec request failed', { error: safeError(err) }),
  });
}

if (require.main === module) {
  void (async () => {
    const { loadConfig } = await import('./config');
    const { kmsOptions } = await import('./data-converter');
    const { createPayloadCodec } = await import('../codec/settings');
    const { codecServerSettings } = await import('../codec/server-settings');
    const { SERVICES, setupProcessLogger } = await import('./logger');
    const config = loadConfig();
    const log = setupProcessLogger(config, SERVICES.codecServer);
    const server = await startCodecServer({
      codec: createPayloadCodec(config, kmsOptions(config)),
      settings: codecServerSettings(config),
    });
    log.info('codec server listening', { url: server.url, namespace: config.TEMPORAL_NAMESPACE });
  })().catch((err: Error) => {
    // Start-up failures name configuration variables (never values): the message is what the operator needs.
    processLogger().error(err.message);
    process.exit(1);
  });
}
