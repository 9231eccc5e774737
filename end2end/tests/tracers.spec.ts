// What the real tracers' traffic turned into, checked through the JSON API: one issue per bug and service,
// counted per failing request, with the type the tracer reports and a parsed stack; nothing for handled
// errors or successful requests; and no complaint from any tracer about the intake.

import { readFileSync } from 'node:fs';
import { EXPECTATIONS, LIBRARY_FILE, TRACER_COMPLAINT, type ExpectedBug } from './support/expectations';
import { expect, test, type Api, type Frame, type Issue } from './support/fixtures';
import { ROUTES } from './support/tracers';

async function issueFor(api: Api, service: string, bug: ExpectedBug): Promise<Issue> {
  const { issues } = await api.issues({ service, limit: 100 });
  const matching = issues.filter((issue) => issue.error_type === bug.errorType);
  expect(
    matching,
    `${service}: exactly one issue of type ${bug.errorType}; the service has ${JSON.stringify(
      issues.map((i) => [i.error_type, i.message, i.count]),
    )}`,
  ).toHaveLength(1);
  return matching[0];
}

/** Timestamps may come as epoch milliseconds or as RFC 3339 text. */
function epochMs(value: number | string): number {
  const ms = typeof value === 'number' ? value : Date.parse(value);
  expect(Number.isFinite(ms), `not a timestamp: ${JSON.stringify(value)}`).toBe(true);
  return ms;
}

function describeFrames(frames: Frame[]): string {
  return frames.map((f) => `${f.in_app ? 'app' : 'lib'} ${f.function} ${f.file}:${f.line}`).join('\n');
}

for (const expected of EXPECTATIONS) {
  const { service } = expected;

  test.describe(`${service} (${expected.tracer})`, () => {
    test('the app answered every route as designed and exited cleanly', async ({ run }) => {
      const app = run.apps.find((a) => a.service === service)!;
      expect(app, `no run recorded for ${service}`).toBeTruthy();
      // The readiness probe's /ok, then the routes.
      expect(app.requests).toEqual([{ path: '/ok', status: 200 }, ...ROUTES]);
      expect(app.exit, `${service} exit after SIGTERM; stderr in ${app.stderrPath}`).toEqual({
        code: 0,
        signal: null,
        killed: false,
      });
    });

    test('the tracer logged no complaint about the intake', async ({ run }) => {
      const app = run.apps.find((a) => a.service === service)!;
      const stderr = readFileSync(app.stderrPath, 'utf8');
      const complaints = stderr.split('\n').filter((line) => TRACER_COMPLAINT.test(line));
      expect(complaints, `${service} stderr (${app.stderrPath}):\n${stderr}`).toEqual([]);
    });

    test('the failing route opened one issue counting every failing request', async ({ api, run }) => {
      const issue = await issueFor(api, service, expected.fail);
      expect(issue.count).toBe(ROUTES.filter((r) => expected.fail.route.test(r.path)).length);
      expect(issue.service).toBe(service);
      expect(issue.env).toBe('test');
      expect(issue.message).toMatch(expected.fail.message);
      expect(issue.first_version).toBe('1.0.0');
      expect(issue.last_version).toBe('1.0.0');
      const [first, last] = [epochMs(issue.first_seen), epochMs(issue.last_seen)];
      expect(first, `first_seen ${issue.first_seen}`).toBeGreaterThanOrEqual(run.startedAt);
      expect(first).toBeLessThan(last);
      expect(last, `last_seen ${issue.last_seen}`).toBeLessThanOrEqual(Date.now());

      const filtered = await api.issues({ service, error_type: expected.fail.errorType });
      expect(filtered.issues.map((i) => i.id)).toEqual([issue.id]);
      expect(filtered.total).toBe(1);
    });

    for (const [name, bug] of [
      ['failing route', expected.fail],
      ['second bug', expected.crash],
    ] as const) {
      test(`the ${name}'s latest event has a parsed stack trace with app and library frames`, async ({ api }) => {
        const issue = await issueFor(api, service, bug);
        const detail = await api.issue(issue.id);
        expect(detail.issue.id).toBe(issue.id);
        expect(detail.grouping_version).toBeTruthy();
        expect(detail.fingerprint_tree).toBeTruthy();
        const event = detail.latest_event;
        expect(event.service).toBe(service);
        expect(event.env).toBe('test');
        expect(event.version).toBe('1.0.0');
        expect(event.error_type).toBe(bug.errorType);
        expect(event.message).toMatch(bug.message);
        expect(event.trace_id).toBeTruthy();
        expect(event.span_id).toBeTruthy();

        expect(event.stacktrace, `no parsed stack trace; raw stack:\n${event.stack}`).toBeTruthy();
        const stacktrace = event.stacktrace!;
        expect(stacktrace.language).toMatch(expected.language);
        // The parsed text may name the type without the module the tracer's tag adds (`ValueError: …`).
        const exception = stacktrace.exceptions.find(
          (e) => e.error_type === bug.errorType || bug.errorType.endsWith(`.${e.error_type}`),
        );
        expect(exception, `no exception of type ${bug.errorType} in ${JSON.stringify(stacktrace.exceptions)}`).toBeTruthy();
        const frames = exception!.frames;
        const listing = describeFrames(frames);
        expect(frames.length, listing).toBeGreaterThanOrEqual(3);

        const appFrames = frames.filter((f) => f.in_app);
        for (const fn of bug.functions) {
          const frame = appFrames.find((f) => f.function?.split('.').pop() === fn);
          expect(frame, `in-app frame for ${fn}:\n${listing}`).toBeTruthy();
          expect(frame!.file, listing).toMatch(bug.file);
          expect(frame!.line, listing).toBeGreaterThan(0);
        }
        const handler = appFrames.find((f) => f.function?.split('.').pop() === bug.handler.function);
        expect(handler, `in-app frame for the route handler ${bug.handler.function}:\n${listing}`).toBeTruthy();
        expect(handler!.file, listing).toMatch(bug.handler.file);

        const libraryFrames = frames.filter((f) => f.file && LIBRARY_FILE.test(f.file));
        expect(libraryFrames.length, `library frames (flask, express, the tracer):\n${listing}`).toBeGreaterThan(0);
        for (const frame of libraryFrames) expect(frame.in_app, `${frame.file} is library code:\n${listing}`).toBe(false);
        for (const frame of appFrames) expect(frame.file, `in-app frame outside the app:\n${listing}`).toMatch(/\/tracers\/(python|node)\//);
      });
    }

    test('the second bug is a separate issue', async ({ api }) => {
      const fail = await issueFor(api, service, expected.fail);
      const crash = await issueFor(api, service, expected.crash);
      expect(crash.id).not.toBe(fail.id);
      expect(crash.fingerprint).not.toBe(fail.fingerprint);
      expect(crash.count).toBe(ROUTES.filter((r) => expected.crash.route.test(r.path)).length);
      expect(crash.message).toMatch(expected.crash.message);
    });

    test('handled errors and successful requests opened nothing', async ({ api }) => {
      const { issues, total } = await api.issues({ service, limit: 100 });
      const found = issues.map((i) => `${i.error_type}: ${i.message} (${i.count})`);
      expect(total, found.join('\n')).toBe(2);
      expect(issues.map((i) => i.error_type).sort()).toEqual([expected.fail.errorType, expected.crash.errorType].sort());
    });

    test("the issue's events and trace are retrievable", async ({ api, request }) => {
      const issue = await issueFor(api, service, expected.fail);
      const { events } = await api.get<{ events: { trace_id: string; message: string }[] }>(
        `/api/v1/issues/${issue.id}/events`,
      );
      expect(events).toHaveLength(issue.count);
      expect(events.map((e) => e.message).sort()).toEqual(['order 4711 not found', 'order 815 not found']);

      const { latest_event: event } = await api.issue(issue.id);
      const trace = await request.get(`/api/v1/traces/${event.trace_id}`);
      expect(trace.status(), await trace.text()).toBe(200);
      expect(await trace.text()).toContain(service);
    });

    test('stats count a hit for every request the app served', async ({ api, run }) => {
      const app = run.apps.find((a) => a.service === service)!;
      const stats = await api.stats();
      expect(stats.hits[service], JSON.stringify(stats.hits)).toBe(app.requests.length);
    });
  });
}

test('stats add up over all tracers', async ({ api }) => {
  const stats = await api.stats();
  const perService = EXPECTATIONS.length;
  const failing = ROUTES.filter((r) => /^\/(fail|crash)/.test(r.path)).length;
  expect(stats.issues, JSON.stringify(stats)).toBe(2 * perService);
  expect(stats.error_events, JSON.stringify(stats)).toBe(failing * perService);
  expect(stats.skipped.missing_error_details, JSON.stringify(stats)).toBe(0);
});

test('the issue list filters, sorts and pages', async ({ api }) => {
  const all = await api.issues({ env: 'test', sort: 'count', limit: 100 });
  expect(all.total).toBe(2 * EXPECTATIONS.length);
  const counts = all.issues.map((i) => i.count);
  expect(counts).toEqual([...counts].sort((a, b) => b - a));

  const first = await api.issues({ sort: 'count', limit: 3, offset: 0 });
  const second = await api.issues({ sort: 'count', limit: 3, offset: 3 });
  expect(first.issues).toHaveLength(3);
  expect(second.issues).toHaveLength(3);
  expect(first.total).toBe(all.total);
  const firstIds = new Set(first.issues.map((i) => i.id));
  expect(second.issues.filter((i) => firstIds.has(i.id))).toEqual([]);

  expect((await api.issues({ env: 'production' })).total).toBe(0);
  expect((await api.issues({ service: 'no-such-service' })).total).toBe(0);
});

test('stackprint logged no warning or error while ingesting', async ({ run }) => {
  // Strip ANSI colours in case the log is coloured despite NO_COLOR.
  const log = run.stackprintLogs.map((path) => readFileSync(path, 'utf8')).join('\n').replace(/\x1b\[[0-9;]*m/g, '');
  const problems = log.split('\n').filter((line) => /\b(WARN|ERROR)\b|panicked/.test(line));
  expect(problems, run.stackprintLogs.join(', ')).toEqual([]);
});
