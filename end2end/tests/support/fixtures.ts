// The `test` the specs use: baseURL points at the stackprint the global setup started, `run` describes what
// the tracer apps did, and `api` wraps the JSON API.

import { readFileSync } from 'node:fs';
import { expect, test as base, type APIRequestContext } from '@playwright/test';
import type { RunInfo } from '../global-setup';
import { authorization } from './accounts';

export interface Issue {
  id: number | string;
  fingerprint: string;
  service: string;
  env: string;
  error_type: string;
  message: string;
  culprit: string;
  status: string;
  count: number;
  first_seen: number | string;
  last_seen: number | string;
  first_version: string | null;
  last_version: string | null;
}

export interface Frame {
  module: string | null;
  file: string | null;
  function: string | null;
  line: number | null;
  column: number | null;
  in_app: boolean;
}

export interface IssueDetail {
  issue: Issue;
  grouping_version: string;
  fingerprint_tree: unknown;
  latest_event: {
    trace_id: string;
    span_id: string;
    service: string;
    env: string;
    version: string;
    error_type: string;
    message: string;
    stack: string | null;
    stacktrace: {
      language: string;
      exceptions: { error_type: string; message: string; frames: Frame[] }[];
      raw: string;
    } | null;
    span_tags: Record<string, unknown>;
  };
}

export interface Stats {
  issues: number;
  error_events: number;
  skipped: { missing_error_details: number };
  hits: Record<string, number>;
}

export class Api {
  constructor(private readonly request: APIRequestContext) {}

  async get<T>(url: string): Promise<T> {
    const response = await this.request.get(url);
    expect(response.status(), `GET ${url}: ${await response.text()}`).toBe(200);
    return (await response.json()) as T;
  }

  issues(query: Record<string, string | number> = {}) {
    const params = new URLSearchParams(Object.entries(query).map(([k, v]) => [k, String(v)]));
    return this.get<{ issues: Issue[]; total: number }>(`/api/v1/issues?${params}`);
  }

  issue(id: Issue['id']) {
    return this.get<IssueDetail>(`/api/v1/issues/${id}`);
  }

  stats() {
    return this.get<Stats>('/api/v1/stats');
  }
}

function requireEnv(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: the tests run after tests/global-setup.ts`);
  return value;
}

export const test = base.extend<{ api: Api }, { run: RunInfo }>({
  run: [async ({}, use) => use(JSON.parse(readFileSync(requireEnv('STACKPRINT_E2E_RUN'), 'utf8'))), { scope: 'worker' }],
  baseURL: async ({}, use) => use(requireEnv('STACKPRINT_URL')),
  // Pages, server functions and the JSON API all take the admin's API token; accounts.spec.ts signs in
  // with a password in a context of its own.
  extraHTTPHeaders: async ({}, use) => use(authorization(requireEnv('STACKPRINT_E2E_TOKEN'))),
  api: async ({ request }, use) => use(new Api(request)),
});

export { expect };

/** The admin's API token header, for requests made outside the fixtures (plain `fetch`). */
export function adminHeaders(): Record<string, string> {
  return authorization(requireEnv('STACKPRINT_E2E_TOKEN'));
}
