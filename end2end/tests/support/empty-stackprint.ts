// A second stackprint with its own empty SQLite database (the shared run has data, and may be on
// PostgreSQL), for the empty state of a new install.

import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { authorization, provisionAdmin } from './accounts';
import { freePorts, pollUntil, spawnLogged, stop, tail } from './processes';
import { END2END_DIR, stackprintBinary } from './server';

export interface EmptyStackprint {
  /** The UI's port; it listens on 127.0.0.1. */
  port: number;
  agentPort: number;
  otlpPort: number;
  /** An admin's API token for it. */
  token: string;
  stop(): Promise<void>;
}

export async function startEmptyStackprint(): Promise<EmptyStackprint> {
  const bin = stackprintBinary();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'stackprint-empty-'));
  const [port, agentPort, otlpPort] = await freePorts(3);
  const databaseUrl = `sqlite://${path.join(dir, 'stackprint.sqlite')}`;
  const args = [
    'serve',
    '--listen', `127.0.0.1:${port}`,
    '--agent-listen', `127.0.0.1:${agentPort}`,
    '--otlp-listen', `127.0.0.1:${otlpPort}`,
    '--database-url', databaseUrl,
  ];
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: process.env.HOME ?? '/tmp',
    STACKPRINT_LOG: 'info',
    NO_COLOR: '1',
    STACKPRINT_GITHUB_API_URL: 'http://127.0.0.1:9',
  };
  // From the workspace root, where the built site is (target/site).
  const cwd = path.resolve(END2END_DIR, '..');
  const token = provisionAdmin(bin, databaseUrl, env, cwd);
  const proc = spawnLogged(bin, args, { cwd, env, logPrefix: path.join(dir, 'stackprint') });
  try {
    await pollUntil('the empty stackprint to answer', 60_000, async () => {
      if (proc.child.exitCode !== null) throw new Error(`stackprint exited with ${proc.child.exitCode}`);
      const response = await fetch(`http://127.0.0.1:${port}/api/v1/stats`, { headers: authorization(token) }).catch(() => undefined);
      return response?.ok ? true : undefined;
    });
  } catch (error) {
    await stop(proc, 2_000);
    throw new Error(`${String(error)}\n--- stderr ---\n${tail(proc.stderrPath)}`);
  }
  return {
    port,
    agentPort,
    otlpPort,
    token,
    async stop() {
      await stop(proc, 10_000);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
