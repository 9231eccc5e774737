// The tracer apps (end2end/tracers/), how to start each one pointed at stackprint, and the driver that sends
// them their requests.

import path from 'node:path';
import { END2END_DIR } from './server';
import { pollUntil, sleep, spawnLogged, stop } from './processes';

export type TracerKind = 'ddtrace-py' | 'dd-trace-js' | 'otel-py' | 'otel-js';

export interface TracerApp {
  service: string;
  tracer: TracerKind;
  cwd: string;
  command: string;
  args: string[];
  /** Environment besides PORT and the intake address. */
  env: Record<string, string>;
}

const PYTHON_DIR = path.join(END2END_DIR, 'tracers', 'python');
const NODE_DIR = path.join(END2END_DIR, 'tracers', 'node');
const VENV_BIN = path.join(END2END_DIR, '.venv', 'bin');

const DATADOG_ENV = {
  DD_ENV: 'test',
  DD_VERSION: '1.0.0',
  DD_REMOTE_CONFIGURATION_ENABLED: 'false',
  DD_INSTRUMENTATION_TELEMETRY_ENABLED: 'false',
  DD_TRACE_STARTUP_LOGS: 'false',
};

/**
 * The commit and repository checkout-py reports (ddtrace turns these into `_dd.git.commit.sha` and
 * `_dd.git.repository_url` span tags), so its errors show source code once acme/shop is linked.
 */
export const GIT_COMMIT = '5eed1e55c0ffee00d15ea5e0ddba11ab1e5ca1ab';
export const GIT_REPOSITORY_URL = 'https://github.com/acme/shop';

const OTEL_ENV = {
  OTEL_RESOURCE_ATTRIBUTES: 'deployment.environment.name=test,service.version=1.0.0',
  OTEL_BSP_SCHEDULE_DELAY: '500',
};

export const TRACER_APPS: TracerApp[] = [
  {
    service: 'checkout-py',
    tracer: 'ddtrace-py',
    cwd: PYTHON_DIR,
    command: path.join(VENV_BIN, 'ddtrace-run'),
    args: [path.join(VENV_BIN, 'python'), 'flask_dd.py'],
    // The writer flushes every DD_TRACE_WRITER_INTERVAL_SECONDS (default 1) and at exit.
    env: {
      ...DATADOG_ENV,
      DD_SERVICE: 'checkout-py',
      DD_TRACE_WRITER_INTERVAL_SECONDS: '0.5',
      DD_GIT_COMMIT_SHA: GIT_COMMIT,
      DD_GIT_REPOSITORY_URL: GIT_REPOSITORY_URL,
    },
  },
  {
    service: 'checkout-js',
    tracer: 'dd-trace-js',
    cwd: NODE_DIR,
    command: process.execPath,
    args: ['--require', 'dd-trace/init', 'express_dd.js'],
    env: {
      ...DATADOG_ENV,
      DD_SERVICE: 'checkout-js',
      // Milliseconds; the exporter also flushes on beforeExit.
      DD_TRACE_FLUSH_INTERVAL: '500',
      // dd-trace-js prints nothing, not even failed deliveries, unless its logger is on.
      DD_TRACE_DEBUG: 'true',
      DD_TRACE_LOG_LEVEL: 'warn',
    },
  },
  {
    service: 'checkout-otel',
    tracer: 'otel-py',
    cwd: PYTHON_DIR,
    command: path.join(VENV_BIN, 'python'),
    args: ['flask_otel.py'],
    env: { ...OTEL_ENV, OTEL_SERVICE_NAME: 'checkout-otel' },
  },
  {
    service: 'checkout-otel-js',
    tracer: 'otel-js',
    cwd: NODE_DIR,
    command: process.execPath,
    args: ['--require', './otel.js', 'express_otel.js'],
    env: { ...OTEL_ENV, OTEL_SERVICE_NAME: 'checkout-otel-js' },
  },
];

/** What each app is sent after it answers /ok, in order, with the status the app must answer. */
export const ROUTES: { path: string; status: number }[] = [
  { path: '/handled', status: 200 },
  { path: '/fail/4711', status: 500 },
  { path: '/ok', status: 200 },
  { path: '/fail/815', status: 500 },
  { path: '/crash', status: 500 },
  { path: '/handled', status: 200 },
];

/**
 * Each app keeps serving at least this long after it first answers: tracers do some things only on their
 * periodic ticks (ddtrace checks `/info` for the debugger endpoints after ~1 s and warns if the agent lacks
 * them; writers flush every 0.5 s here). A long-lived service meets all of them, so the test must too.
 */
const MIN_UPTIME_MS = 2_500;

export interface AppRun {
  service: string;
  tracer: TracerKind;
  /** Every request the app answered (the readiness probes included), with its status. */
  requests: { path: string; status: number }[];
  exit: { code: number | null; signal: string | null; killed: boolean };
  stdoutPath: string;
  stderrPath: string;
}

/** Starts the app, waits until it serves /ok, sends ROUTES, then stops it with SIGTERM so it flushes. */
export async function driveApp(
  app: TracerApp,
  intake: { agentURL: string; otlpURL: string },
  port: number,
  logDir: string,
): Promise<AppRun> {
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: process.env.HOME ?? '/tmp',
    LANG: 'C.UTF-8',
    PYTHONUNBUFFERED: '1',
    PYTHONDONTWRITEBYTECODE: '1',
    NODE_ENV: 'production',
    PORT: String(port),
    DD_TRACE_AGENT_URL: intake.agentURL,
    OTEL_EXPORTER_OTLP_ENDPOINT: intake.otlpURL,
    ...app.env,
  };
  const proc = spawnLogged(app.command, app.args, { cwd: app.cwd, env, logPrefix: path.join(logDir, app.service) });
  const requests: AppRun['requests'] = [];
  const get = async (route: string) => {
    // A fresh connection per request, so that closing the server is not held up by keep-alive sockets.
    const response = await fetch(`http://127.0.0.1:${port}${route}`, { headers: { connection: 'close' } });
    await response.arrayBuffer();
    requests.push({ path: route, status: response.status });
    return response.status;
  };
  let exited = false;
  proc.exited.finally(() => (exited = true)).catch(() => undefined);
  try {
    await pollUntil(`${app.service} to serve /ok`, 30_000, async () => {
      if (exited) throw new Error(`${app.service} exited before serving (see ${proc.stderrPath})`);
      return (await get('/ok')) === 200 ? true : undefined;
    });
    const ready = Date.now();
    for (const route of ROUTES) await get(route.path);
    await sleep(ready + MIN_UPTIME_MS - Date.now());
  } catch (error) {
    await stop(proc, 5_000);
    throw error;
  }
  const exit = await stop(proc, 20_000);
  return {
    service: app.service,
    tracer: app.tracer,
    requests,
    exit: { code: exit.code, signal: exit.signal, killed: exit.killed },
    stdoutPath: proc.stdoutPath,
    stderrPath: proc.stderrPath,
  };
}
