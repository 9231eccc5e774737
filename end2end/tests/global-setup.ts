// Starts stackprint on a fresh database, runs every tracer app against it, and waits until the API shows
// what the apps sent. The returned function is the global teardown: it stops stackprint.
//
// The tests read the run through the environment: STACKPRINT_URL and STACKPRINT_E2E_RUN (a JSON file with
// each app's requests, exit status and log paths).

import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { EXPECTATIONS } from './support/expectations';
import { startFakeGitHub, type FakeGitHub, type FakeGitHubInfo } from './support/fake-github';
import { authorization } from './support/accounts';
import { freePorts, pollUntil } from './support/processes';
import { END2END_DIR, startStackprint } from './support/server';
import { driveApp, TRACER_APPS, type AppRun } from './support/tracers';

export interface RunInfo {
  /** Epoch milliseconds when the first tracer app started. */
  startedAt: number;
  baseURL: string;
  agentURL: string;
  otlpURL: string;
  stackprintLogs: string[];
  apps: AppRun[];
  /** The fake GitHub API for the source-code test, or why it could not start. */
  fakeGitHub: FakeGitHubInfo | { error: string };
}

export const RUN_DIR = path.join(END2END_DIR, 'test-results', 'stackprint-run');

export default async function globalSetup() {
  for (const needed of ['.venv/bin/ddtrace-run', 'node_modules/dd-trace']) {
    if (!existsSync(path.join(END2END_DIR, needed))) {
      throw new Error(`${needed} is missing: run end2end/setup.sh first`);
    }
  }
  mkdirSync(RUN_DIR, { recursive: true });
  const stackprint = await startStackprint(RUN_DIR);
  process.env.STACKPRINT_URL = stackprint.baseURL;
  // The tests act as the admin through this token (fixtures.ts); it is not written to run.json.
  process.env.STACKPRINT_E2E_TOKEN = stackprint.token;
  let fake: FakeGitHub | undefined;
  const stopAll = async () => {
    await fake?.stop();
    await stackprint.stop();
  };
  try {
    // Only the source-code test needs it: without it that test fails and says why, the others run.
    let fakeGitHub: RunInfo['fakeGitHub'];
    try {
      fake = await startFakeGitHub(RUN_DIR);
      const { url, token, root, logPaths } = fake;
      fakeGitHub = { url, token, root, logPaths };
    } catch (error) {
      console.warn(`global setup: no fake GitHub: ${String(error)}`);
      fakeGitHub = { error: String(error) };
    }

    const ports = await freePorts(TRACER_APPS.length);
    const startedAt = Date.now();
    const apps = await Promise.all(TRACER_APPS.map((app, i) => driveApp(app, stackprint, ports[i], RUN_DIR)));
    await waitForIssues(stackprint.baseURL, stackprint.token);

    const run: RunInfo = {
      startedAt,
      baseURL: stackprint.baseURL,
      agentURL: stackprint.agentURL,
      otlpURL: stackprint.otlpURL,
      stackprintLogs: stackprint.logPaths,
      apps,
      fakeGitHub,
    };
    const runFile = path.join(RUN_DIR, 'run.json');
    writeFileSync(runFile, JSON.stringify(run, null, 2));
    process.env.STACKPRINT_E2E_RUN = runFile;
  } catch (error) {
    await stopAll();
    throw error;
  }
  return stopAll;
}

/**
 * Waits until every service shows both of its issues with their full counts. The apps flushed on exit, so
 * this is quick when intake works; if it never happens the setup goes on and the tests say what is missing.
 */
async function waitForIssues(baseURL: string, token: string) {
  const timeoutMs = Number(process.env.STACKPRINT_E2E_WAIT_MS ?? 30_000);
  try {
    await pollUntil('every service to show its issues', timeoutMs, async () => {
      for (const expected of EXPECTATIONS) {
        const response = await fetch(`${baseURL}/api/v1/issues?service=${encodeURIComponent(expected.service)}`, {
          headers: authorization(token),
        });
        if (!response.ok) return undefined;
        const { issues } = (await response.json()) as { issues: { error_type: string; count: number }[] };
        const count = (type: string) => issues.find((issue) => issue.error_type === type)?.count ?? 0;
        if (count(expected.fail.errorType) < 2 || count(expected.crash.errorType) < 1) return undefined;
      }
      return true;
    }, 250);
  } catch (error) {
    console.warn(`global setup: ${String(error)}; running the tests anyway`);
  }
}
