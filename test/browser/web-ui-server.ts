import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { kmsOptions } from '../../workers/data-converter';
import { startCodecServer, type CodecServer } from '../../workers/codec-server';
import { createPayloadCodec } from '../../codec/settings';
import { bin, DATA_DIR } from '../../infra/local/paths';
import { freePort, startServer, type ManagedProcess } from '../../infra/local/processes';
import type { AppConfig } from '../../workers/config';
import { searchAttributeCliArgs } from '../../workflows/shared/search-attributes';
import { testConfig } from '../support/stack';

const run = promisify(execFile);

/** Where screenshots go: `test-results/screenshots/` at the repository root (CI's artefact folder). */
export const SCREENSHOTS = join(__dirname, '../../test-results/screenshots');

/**
 * A dev server of its own with the Web UI on (the shared test stack's is headless) and the codec server the UI
 * decodes payloads with, as `npm start` runs them; `config` points a worker and client at it.
 */
export interface WebUiServer {
  config: AppConfig;
  uiBase: string;
  /** The codec server the UI decodes through (its calls show in a browser's network log). */
  codecUrl: string;
  /** Where the dev server keeps its log (and its database, with `fileDb`); removed on stop. */
  runDir: string;
  stop(): Promise<void>;
}

/**
 * Starts the UI's dev server on two free ports. A port found free can be taken by another process before the server
 * binds it (several stacks start side by side in the gate): that start, and only that, is tried again on new ports.
 */
export async function startWebUiServer(name: string, opts: { fileDb?: boolean } = {}): Promise<WebUiServer> {
  for (let attempt = 1; ; attempt += 1) {
    const runDir = join(DATA_DIR, `${name}-${process.pid}-${Date.now().toString(36)}`);
    try {
      return await startOnce(runDir, opts.fileDb ?? false);
    } catch (err) {
      const log = join(runDir, 'temporal.log');
      const portTaken = existsSync(log) && readFileSync(log, 'utf8').includes('address already in use');
      if (!portTaken || attempt >= 3) throw err;
      console.warn(`[web ui] a port was taken before the dev server bound it (attempt ${attempt}); new ports`);
    }
  }
}

async function startOnce(runDir: string, fileDb: boolean): Promise<WebUiServer> {
  mkdirSync(runDir, { recursive: true });
  const [temporalPort, uiPort] = [await freePort(), await freePort()];
  const config = testConfig({ TEMPORAL_ADDRESS: `127.0.0.1:${temporalPort}` });
  const codecServer: CodecServer = await startCodecServer({
    codec: createPayloadCodec(config, kmsOptions(config)),
    settings: {
      host: '127.0.0.1',
      port: 0,
      corsOrigins: [`http://127.0.0.1:${uiPort}`, `http://localhost:${uiPort}`],
      namespace: config.TEMPORAL_NAMESPACE,
      auth: { kind: 'none' },
    },
  });
  let temporal: ManagedProcess;
  try {
    temporal = await startServer({
      name: 'temporal',
      command: bin('temporal'),
      args: [
        ...['server', 'start-dev', '--ip', '127.0.0.1', '--port', String(temporalPort), '--ui-port', String(uiPort)],
        ...['--ui-codec-endpoint', codecServer.url, '--log-level', 'warn', '--ui-disable-news-fetch'],
        ...(fileDb ? ['--db-filename', join(runDir, 'temporal.db'), '--sqlite-pragma', 'journal_mode=WAL'] : []),
        ...searchAttributeCliArgs().flatMap((sa) => ['--search-attribute', sa]),
      ],
      runDir,
      timeoutMs: 90_000,
      ready: async () => {
        await run(bin('temporal'), ['operator', 'cluster', 'health', '--address', config.TEMPORAL_ADDRESS], {
          timeout: 5000,
        });
        return true;
      },
    });
  } catch (err) {
    await codecServer.stop();
    throw err;
  }
  return {
    config,
    uiBase: `http://127.0.0.1:${uiPort}`,
    codecUrl: codecServer.url,
    runDir,
    async stop() {
      await temporal.stop();
      await codecServer.stop();
      if (!process.env['PAYOPS_KEEP_TEST_RUN']) rmSync(runDir, { recursive: true, force: true });
    },
  };
}
