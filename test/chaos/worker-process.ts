import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';

/** The worker as a child process (`node --import tsx`, so the PID a row SIGKILLs is the worker itself). */
export class WorkerProcess {
  private child?: ChildProcess;
  constructor(
    private readonly env: Record<string, string>,
    private readonly bundlePath: string,
  ) {}

  /** Spawns the worker and resolves once it polls. */
  async start(): Promise<void> {
    const child = spawn(process.execPath, ['--import', 'tsx', join(__dirname, 'worker.ts'), this.bundlePath], {
      env: { ...process.env, ...this.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    let err = '';
    child.stderr?.on('data', (c: Buffer) => void (err = (err + c.toString()).slice(-4000)));
    await new Promise<void>((resolve, reject) => {
      child.stdout?.on('data', (c: Buffer) => {
        if (c.toString().includes('worker-ready')) resolve();
      });
      child.once('exit', (code) => reject(new Error(`chaos worker exited early (${code}): ${err}`)));
    });
  }

  get alive(): boolean {
    return !!this.child && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** SIGKILL: no graceful shutdown, in-flight activities are lost mid-call. */
  async kill(): Promise<void> {
    const child = this.child;
    if (!child || !this.alive) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGKILL');
    await exited;
  }

  async stop(): Promise<void> {
    const child = this.child;
    if (!child || !this.alive) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    const t = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(t);
  }
}
