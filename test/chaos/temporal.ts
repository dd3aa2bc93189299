import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { bin } from '../../infra/local/paths';
import { freePort, startServer, type ManagedProcess } from '../../infra/local/processes';
import { searchAttributeCliArgs } from '../../workflows/shared/search-attributes';

const run = promisify(execFile);

/**
 * The matrix's own Temporal dev server, with a file DB (SQLite, WAL) in the run directory so a row can SIGKILL it
 * and start it again on the same port with every workflow still there.
 */
export class ChaosTemporal {
  private proc?: ManagedProcess;
  private constructor(
    readonly port: number,
    private readonly runDir: string,
  ) {}

  static async start(runDir: string): Promise<ChaosTemporal> {
    const t = new ChaosTemporal(await freePort(), runDir);
    await t.up();
    return t;
  }

  get address(): string {
    return `127.0.0.1:${this.port}`;
  }

  private async up(): Promise<void> {
    this.proc = await startServer({
      name: 'temporal',
      command: bin('temporal'),
      args: [
        'server',
        'start-dev',
        '--ip',
        '127.0.0.1',
        '--port',
        String(this.port),
        '--headless',
        '--log-level',
        'error',
        '--db-filename',
        join(this.runDir, 'temporal.db'),
        '--sqlite-pragma',
        'journal_mode=WAL',
        ...searchAttributeCliArgs().flatMap((sa) => ['--search-attribute', sa]),
      ],
      runDir: this.runDir,
      timeoutMs: 90_000,
      ready: async () => {
        await run(bin('temporal'), ['operator', 'cluster', 'health', '--address', this.address], { timeout: 5000 });
        return true;
      },
    });
  }

  /** SIGKILL (no graceful shutdown), then the same binary, port and file DB again. */
  async killAndRestart(downMs: number): Promise<void> {
    const pid = this.proc?.pid;
    if (pid) {
      process.kill(pid, 'SIGKILL');
      await this.proc?.stop(); // waits until the PID is gone and removes the PID file
    }
    await new Promise((r) => setTimeout(r, downMs));
    await this.up();
  }

  async stop(): Promise<void> {
    await this.proc?.stop();
  }
}
