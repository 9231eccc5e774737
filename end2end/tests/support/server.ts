// Starts the stackprint binary on free loopback ports with a fresh SQLite database, or on the (fresh,
// throwaway) PostgreSQL database named by STACKPRINT_E2E_DATABASE_URL.

import { existsSync } from 'node:fs';
import path from 'node:path';
import { authorization, provisionAdmin } from './accounts';
import { freePorts, pollUntil, spawnLogged, stop, tail, type Spawned } from './processes';

export interface Stackprint {
  /** UI and JSON API. */
  baseURL: string;
  /** Datadog Agent trace API. */
  agentURL: string;
  /** OTLP/HTTP receiver (without the /v1/traces path). */
  otlpURL: string;
  /** An admin's API token (`Authorization: Bearer …`). */
  token: string;
  /** stackprint's own log (tracing output goes to stdout, panics to stderr). */
  logPaths: string[];
  stop(): Promise<void>;
}

export const END2END_DIR = path.resolve(__dirname, '..', '..');

export function stackprintBinary(): string {
  const bin = path.resolve(END2END_DIR, process.env.STACKPRINT_BIN ?? '../target/release/stackprint');
  if (!existsSync(bin)) {
    throw new Error(
      `stackprint binary not found at ${bin}: build it (cargo build --release) or point STACKPRINT_BIN at it`,
    );
  }
  return bin;
}

export async function startStackprint(runDir: string): Promise<Stackprint> {
  const bin = stackprintBinary();
  const [ui, agent, otlp] = await freePorts(3);
  const databaseUrl =
    process.env.STACKPRINT_E2E_DATABASE_URL ?? `sqlite://${path.join(runDir, 'stackprint.sqlite')}`;
  const args = [
    'serve',
    '--listen', `127.0.0.1:${ui}`,
    '--agent-listen', `127.0.0.1:${agent}`,
    '--otlp-listen', `127.0.0.1:${otlp}`,
    '--database-url', databaseUrl,
  ];
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: process.env.HOME ?? '/tmp',
    STACKPRINT_LOG: process.env.STACKPRINT_LOG ?? 'info',
    RUST_BACKTRACE: '1',
    NO_COLOR: '1',
    // Never the real GitHub: repositories seen in spans but not linked are read anonymously from this
    // address, which refuses connections, so pages show "GitHub could not be reached" at once.
    STACKPRINT_GITHUB_API_URL: process.env.STACKPRINT_GITHUB_API_URL ?? 'http://127.0.0.1:9',
  };
  // From the workspace root, as `make run` starts it: the built site is found at target/site from there.
  const cwd = path.resolve(END2END_DIR, '..');
  const token = provisionAdmin(bin, databaseUrl, env, cwd);
  const proc: Spawned = spawnLogged(bin, args, { cwd, env, logPrefix: path.join(runDir, 'stackprint') });
  const baseURL = `http://127.0.0.1:${ui}`;

  let exit: string | undefined;
  proc.exited.then(
    ({ code, signal }) => (exit = `exited (code ${code}, signal ${signal})`),
    (error) => (exit = `failed to start: ${String(error)}`),
  );
  try {
    await pollUntil('GET /api/v1/stats to answer', 60_000, async () => {
      if (exit) throw new Error(`stackprint ${exit}`);
      const response = await fetch(`${baseURL}/api/v1/stats`, { headers: authorization(token) });
      return response.ok ? true : undefined;
    });
  } catch (error) {
    await stop(proc, 2_000);
    throw new Error(
      `${String(error)}\n$ ${bin} ${args.join(' ')}\n--- stderr ---\n${tail(proc.stderrPath)}\n--- stdout ---\n${tail(proc.stdoutPath)}`,
    );
  }

  return {
    baseURL,
    agentURL: `http://127.0.0.1:${agent}`,
    otlpURL: `http://127.0.0.1:${otlp}`,
    token,
    logPaths: [proc.stdoutPath, proc.stderrPath],
    async stop() {
      const { killed } = await stop(proc, 10_000);
      if (killed) console.warn('stackprint did not exit within 10 s of SIGTERM and was killed');
    },
  };
}
