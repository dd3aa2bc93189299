import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, Socket } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/** A server process the project started: its PID is recorded and it is stopped by that PID only. */
export interface ManagedProcess {
  name: string;
  pid: number;
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export async function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = new Socket();
    socket.setTimeout(500);
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('timeout', () => (socket.destroy(), resolve(false)));
    socket.once('error', () => resolve(false));
    socket.connect(port, '127.0.0.1');
  });
}

/** Polls `check` until it is true; fails loudly with the server's name and log path. */
export async function waitFor(
  what: string,
  check: () => Promise<boolean>,
  timeoutMs = 60_000,
  child?: ChildProcess,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child && child.exitCode !== null)
      throw new Error(`${what} exited with code ${child.exitCode} before it was ready`);
    if (await check().catch(() => false)) return;
    await sleep(100);
  }
  throw new Error(`${what} was not ready within ${timeoutMs} ms`);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Stops a process left over by an earlier run that crashed, if the PID file still names our binary. */
function reapStale(pidFile: string, command: string): void {
  if (!existsSync(pidFile)) return;
  const pid = Number(readFileSync(pidFile, 'utf8'));
  try {
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    if (cmdline.includes(command)) process.kill(pid, 'SIGKILL');
  } catch {
    // not running any more
  }
  rmSync(pidFile, { force: true });
}

export async function stopPid(pid: number, graceMs = 5000): Promise<void> {
  if (!alive(pid)) return;
  process.kill(pid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (alive(pid) && Date.now() < deadline) await sleep(50);
  if (alive(pid)) process.kill(pid, 'SIGKILL');
  while (alive(pid)) await sleep(20);
}

/** Spawns a server bound to 127.0.0.1, writes `<runDir>/<name>.pid`, logs to `<runDir>/<name>.log`, waits until `ready`. */
export async function startServer(opts: {
  name: string;
  command: string;
  args: string[];
  runDir: string;
  ready: () => Promise<boolean>;
  env?: NodeJS.ProcessEnv;
  timeoutMs?: number;
}): Promise<ManagedProcess> {
  mkdirSync(opts.runDir, { recursive: true });
  const pidFile = join(opts.runDir, `${opts.name}.pid`);
  reapStale(pidFile, opts.command);
  const log = createWriteStream(join(opts.runDir, `${opts.name}.log`), { flags: 'a' });
  const child = spawn(opts.command, opts.args, {
    env: { ...process.env, ...opts.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.pipe(log);
  child.stderr?.pipe(log);
  if (child.pid === undefined) throw new Error(`${opts.name}: could not start ${opts.command}`);
  const pid = child.pid;
  writeFileSync(pidFile, String(pid));
  const managed: ManagedProcess = {
    name: opts.name,
    pid,
    async stop() {
      await stopPid(pid);
      rmSync(pidFile, { force: true });
    },
  };
  try {
    await waitFor(`${opts.name} (log: ${join(opts.runDir, `${opts.name}.log`)})`, opts.ready, opts.timeoutMs, child);
  } catch (err) {
    await managed.stop();
    throw err;
  }
  return managed;
}
