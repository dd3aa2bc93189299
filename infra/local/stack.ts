import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { searchAttributeCliArgs } from '../../workflows/shared/search-attributes';
import { bin, DATA_DIR } from './paths';
import { freePort, portOpen, startServer, type ManagedProcess } from './processes';

const run = promisify(execFile);

export interface StackPorts {
  temporal: number;
  ui: number;
  moto: number;
  stripeMock: number;
  /** stripe-mock always serves HTTPS too; pinned to loopback so it never binds all interfaces. */
  stripeMockHttps: number;
}

/** Free loopback ports for every server of the stack (a test run's or the bench's own, beside any other). */
export async function freeStackPorts(): Promise<StackPorts> {
  return {
    temporal: await freePort(),
    ui: await freePort(),
    moto: await freePort(),
    stripeMock: await freePort(),
    stripeMockHttps: await freePort(),
  };
}

export interface ExternalServers {
  /** Undefined when an external Temporal cluster (TEMPORAL_ADDRESS) is used. */
  temporalAddress?: string;
  uiUrl?: string;
  awsEndpoint: string;
  stripeMockUrl: string;
  processes: ManagedProcess[];
  stop(): Promise<void>;
}

/**
 * Starts the third-party servers (Temporal dev server + Web UI, moto, stripe-mock), all on
 * 127.0.0.1, each with a PID file under `runDir`. `persist` keeps Temporal state in SQLite under .data/.
 */
export async function startExternalServers(opts: {
  ports: StackPorts;
  runDir: string;
  persist: boolean;
  embeddedTemporal: boolean;
  headless?: boolean;
  /** The codec server the Web UI decodes payloads with (`--ui-codec-endpoint`). */
  uiCodecEndpoint?: string;
  /**
   * The fairness matcher (default on: per-key PSP pacing needs it). The dev server can only switch it on for every
   * task queue, and on its SQLite store it slows long runs down (the benchmark's payout run: 5.2/s steady without
   * it, falling to 3/s after 1,000 payouts with it), so the benchmark turns it off except for its paced run.
   */
  fairness?: boolean;
  /** stripe-mock, for the PSP contract tests (default on); `npm start` runs without it. */
  stripeMock?: boolean;
  /**
   * moto served with keep-alive connections, as AWS serves them (waitress; see moto-serialized.py). The benchmark
   * turns it on so that its CPU figures do not count a connect per AWS call; the tests and `npm start` keep
   * werkzeug's server until a full test run has been made on waitress.
   */
  motoKeepAlive?: boolean;
}): Promise<ExternalServers> {
  const { ports, runDir } = opts;
  mkdirSync(runDir, { recursive: true });
  const processes: ManagedProcess[] = [];
  const stop = async () => {
    await Promise.all(processes.reverse().map((p) => p.stop()));
  };
  try {
    const starts: Array<Promise<ManagedProcess>> = [
      startServer({
        name: 'moto',
        command: bin('python'),
        args: [
          join(__dirname, 'moto-serialized.py'),
          '127.0.0.1',
          String(ports.moto),
          ...(opts.motoKeepAlive ? ['--keep-alive'] : []),
        ],
        runDir,
        ready: async () => (await fetch(`http://127.0.0.1:${ports.moto}/moto-api/data.json`)).ok,
      }),
    ];
    if (opts.stripeMock !== false)
      starts.push(
        startServer({
          name: 'stripe-mock',
          command: bin('stripe-mock'),
          args: ['-http-addr', `127.0.0.1:${ports.stripeMock}`, '-https-addr', `127.0.0.1:${ports.stripeMockHttps}`],
          runDir,
          ready: () => portOpen(ports.stripeMock),
        }),
      );
    if (opts.embeddedTemporal) {
      const temporalArgs = [
        'server',
        'start-dev',
        '--ip',
        '127.0.0.1',
        '--port',
        String(ports.temporal),
        ...(opts.headless ? ['--headless'] : ['--ui-port', String(ports.ui)]),
        ...(opts.uiCodecEndpoint && !opts.headless ? ['--ui-codec-endpoint', opts.uiCodecEndpoint] : []),
        '--log-level',
        'warn',
        ...(opts.persist
          ? ['--db-filename', join(DATA_DIR, 'temporal.db'), '--sqlite-pragma', 'journal_mode=WAL']
          : []),
        // Serverless (Lambda) workers are driven by the worker controller, off by default.
        '--dynamic-config-value',
        'workercontroller.enabled=true',
        // Per-key rate limits (PSP pacing per endpoint: client/psp-control.ts) need the fairness matcher.
        ...(opts.fairness === false ? [] : ['--dynamic-config-value', 'matching.enableFairness=true']),
        // One partition per task queue: the server splits a queue's rate limits across its partitions, each pacing
        // its share of the tasks, and a partition whose share of the backlog runs dry loses its share of the rate
        // (the PSP queue delivered 4.6/s of a 5/s limit on four partitions, 5.0/s on one; README "PSP pacing").
        '--dynamic-config-value',
        'matching.numTaskqueueReadPartitions=1',
        '--dynamic-config-value',
        'matching.numTaskqueueWritePartitions=1',
        ...searchAttributeCliArgs().flatMap((sa) => ['--search-attribute', sa]),
      ];
      starts.push(
        startServer({
          name: 'temporal',
          command: bin('temporal'),
          args: temporalArgs,
          runDir,
          timeoutMs: 90_000,
          ready: async () => {
            await run(bin('temporal'), ['operator', 'cluster', 'health', '--address', `127.0.0.1:${ports.temporal}`], {
              timeout: 5000,
            });
            return true;
          },
        }),
      );
    }
    const settled = await Promise.allSettled(starts);
    for (const s of settled) if (s.status === 'fulfilled') processes.push(s.value);
    const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    if (failed) throw failed.reason;
  } catch (err) {
    await stop();
    throw err;
  }
  return {
    temporalAddress: opts.embeddedTemporal ? `127.0.0.1:${ports.temporal}` : undefined,
    uiUrl: opts.embeddedTemporal && !opts.headless ? `http://127.0.0.1:${ports.ui}` : undefined,
    awsEndpoint: `http://127.0.0.1:${ports.moto}`,
    stripeMockUrl: `http://127.0.0.1:${ports.stripeMock}`,
    processes,
    stop,
  };
}
