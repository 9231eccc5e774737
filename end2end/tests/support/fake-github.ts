// The fake GitHub API (the server crate's `fake_github` example) serving end2end/tracers/ as a private
// acme/shop at any commit, for the source-code test. It is built next to the stackprint binary
// (`cargo build -p server --examples`, which `cargo test` does too).

import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { pollUntil, spawnLogged, stop, tail, type Spawned } from './processes';
import { END2END_DIR, stackprintBinary } from './server';

export const FAKE_REPOSITORY = 'acme/shop';

export interface FakeGitHubInfo {
  /** The API base (`http://127.0.0.1:PORT`), what a GitHub Enterprise repository is linked with. */
  url: string;
  /** The token the fake accepts; the test checks it never leaves stackprint. */
  token: string;
  /** The directory served as the repository. */
  root: string;
  logPaths: string[];
}

export interface FakeGitHub extends FakeGitHubInfo {
  stop(): Promise<void>;
}

export function fakeGitHubBinary(): string {
  return path.join(path.dirname(stackprintBinary()), 'examples', 'fake_github');
}

export async function startFakeGitHub(runDir: string): Promise<FakeGitHub> {
  const bin = fakeGitHubBinary();
  if (!existsSync(bin)) {
    throw new Error(`${bin} is missing: build it with \`cargo build -p server --examples\``);
  }
  // A fresh random token per run, shaped like a classic personal access token.
  const token = `ghp_e2e${randomBytes(16).toString('hex')}`;
  const root = path.join(END2END_DIR, 'tracers');
  const args = ['--root', root, '--repo', FAKE_REPOSITORY, '--token', token, '--port', '0'];
  const proc: Spawned = spawnLogged(bin, args, {
    cwd: END2END_DIR,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', RUST_BACKTRACE: '1', NO_COLOR: '1' },
    logPrefix: path.join(runDir, 'fake-github'),
  });
  let exit: string | undefined;
  proc.exited.then(
    ({ code, signal }) => (exit = `exited (code ${code}, signal ${signal})`),
    (error) => (exit = `failed to start: ${String(error)}`),
  );
  let url: string;
  try {
    // It prints its API base on stdout once listening.
    url = await pollUntil('the fake GitHub to print its address', 15_000, async () => {
      if (exit) throw new Error(`fake_github ${exit}`);
      const printed = readFileSync(proc.stdoutPath, 'utf8').split('\n')[0].trim();
      return printed.startsWith('http') ? printed : undefined;
    });
  } catch (error) {
    await stop(proc, 2_000);
    throw new Error(`${String(error)}\n--- stderr ---\n${tail(proc.stderrPath)}`);
  }
  return {
    url,
    token,
    root,
    logPaths: [proc.stdoutPath, proc.stderrPath],
    async stop() {
      await stop(proc, 5_000);
    },
  };
}
