// Helpers of the browser tests: hydration, console problems, screenshots, the explorer's rows, and a
// hand-made Datadog payload for events the tracer apps cannot send (a newer release).

import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { expect, type Locator, type Page } from '@playwright/test';

export const SCREENSHOTS = path.join(__dirname, '..', '..', 'test-results', 'screenshots');

export function screenshotPath(name: string): string {
  mkdirSync(SCREENSHOTS, { recursive: true });
  return path.join(SCREENSHOTS, name);
}

/** Opens `url` and waits until the WASM has hydrated the page (the app marks `<body data-hydrated>`). */
export async function gotoHydrated(page: Page, url: string) {
  await page.goto(url);
  await page.locator('body[data-hydrated]').waitFor({ state: 'attached' });
}

/** Collects page errors and console errors and warnings (hydration mismatches show up there). */
export function consoleProblems(page: Page): string[] {
  const problems: string[] = [];
  page.on('pageerror', (error) => problems.push(String(error)));
  page.on('console', (message) => {
    if (message.type() === 'error' || message.type() === 'warning') problems.push(message.text());
  });
  return problems;
}

export function issueRows(page: Page): Locator {
  return page.locator('table.issues tbody tr');
}

export function facet(page: Page, title: string): Locator {
  return page.getByRole('complementary', { name: 'Facets' }).getByRole('region', { name: title, exact: true });
}

/** The value of `name` in the current URL's query string. */
export function queryParam(page: Page, name: string): string | null {
  return new URL(page.url()).searchParams.get(name);
}

export async function expectSearchParam(page: Page, name: string, value: string | null) {
  await expect.poll(() => queryParam(page, name)).toBe(value);
}

export interface DatadogError {
  service: string;
  env: string;
  version: string;
  resource: string;
  errorType: string;
  message: string;
  stack: string;
}

/** Sends one errored service-entry span to the Datadog Agent API as a tracer would (v0.4, JSON). */
export async function sendDatadogError(agentURL: string, error: DatadogError) {
  const id = () => Math.floor(Math.random() * 2 ** 52) + 1;
  const span = {
    trace_id: id(),
    span_id: id(),
    parent_id: 0,
    name: 'flask.request',
    resource: error.resource,
    service: error.service,
    type: 'web',
    start: Date.now() * 1_000_000,
    duration: 5_000_000,
    error: 1,
    meta: {
      env: error.env,
      version: error.version,
      language: 'python',
      'span.kind': 'server',
      'error.type': error.errorType,
      'error.message': error.message,
      'error.stack': error.stack,
    },
    metrics: { '_dd.top_level': 1, _sampling_priority_v1: 1 },
  };
  const response = await fetch(`${agentURL}/v0.4/traces`, {
    method: 'PUT',
    headers: {
      'Content-Type': 'application/json',
      'Datadog-Meta-Lang': 'python',
      'X-Datadog-Trace-Count': '1',
    },
    body: JSON.stringify([[span]]),
  });
  expect(response.status, await response.text()).toBe(200);
}
