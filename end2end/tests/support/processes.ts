// Child processes whose output goes to log files, and the small polling helpers the setup needs.

import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, openSync, readFileSync } from 'node:fs';
import { createServer, type AddressInfo, type Server } from 'node:net';

export interface Spawned {
  child: ChildProcess;
  stdoutPath: string;
  stderrPath: string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export function spawnLogged(
  command: string,
  args: string[],
  options: { cwd: string; env: Record<string, string>; logPrefix: string },
): Spawned {
  const stdoutPath = `${options.logPrefix}.stdout.log`;
  const stderrPath = `${options.logPrefix}.stderr.log`;
  const child = spawn(command, args, { cwd: options.cwd, env: options.env, stdio: ['ignore', 'pipe', 'pipe'] });
  // Opened (and emptied) before returning: a caller polling a log must never read an earlier run's
  // (the PostgreSQL pass reuses the SQLite pass's run directory).
  child.stdout!.pipe(createWriteStream(stdoutPath, { fd: openSync(stdoutPath, 'w') }));
  child.stderr!.pipe(createWriteStream(stderrPath, { fd: openSync(stderrPath, 'w') }));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code, signal) => resolve({ code, signal }));
  });
  // Keep an unobserved spawn failure from crashing the runner; callers await `exited` when they care.
  exited.catch(() => undefined);
  return { child, stdoutPath, stderrPath, exited };
}

/** SIGTERM, then SIGKILL if the process has not exited within `graceMs`. */
export async function stop(
  proc: Spawned,
  graceMs: number,
): Promise<{ code: number | null; signal: NodeJS.Signals | null; killed: boolean }> {
  if (proc.child.exitCode !== null || proc.child.signalCode !== null) {
    return { code: proc.child.exitCode, signal: proc.child.signalCode, killed: false };
  }
  proc.child.kill('SIGTERM');
  const timer = new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), graceMs).unref());
  const first = await Promise.race([proc.exited, timer]);
  if (first !== 'timeout') return { ...first, killed: false };
  proc.child.kill('SIGKILL');
  return { ...(await proc.exited), killed: true };
}

/** `count` distinct free loopback ports (all held open until every one is found). */
export async function freePorts(count: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from({ length: count }, () => {
      const server = createServer();
      return new Promise<Server>((resolve, reject) => {
        server.once('error', reject);
        server.listen(0, '127.0.0.1', () => resolve(server));
      });
    }),
  );
  const ports = servers.map((server) => (server.address() as AddressInfo).port);
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  return ports;
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Calls `probe` until it returns a value other than undefined, or throws after `timeoutMs`. */
export async function pollUntil<T>(
  what: string,
  timeoutMs: number,
  probe: () => Promise<T | undefined>,
  intervalMs = 100,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${lastError ? `: ${String(lastError)}` : ''}`);
    }
    await sleep(intervalMs);
  }
}

export function tail(path: string, lines = 40): string {
  try {
    return readFileSync(path, 'utf8').split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}
