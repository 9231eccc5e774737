// Source code in stack traces, in Chromium: checkout-py (ddtrace + Flask, started with DD_GIT_COMMIT_SHA and
// DD_GIT_REPOSITORY_URL) names acme/shop, which the settings page offers for linking; linked to the fake
// GitHub API (tests/support/fake-github.ts, serving end2end/tracers/ at any commit) first with a wrong token,
// then with the right one, its issue page shows the code around each in-app frame's line at the event's
// commit. A manual mapping to a file the repository lacks gives a note on that frame only. The token never
// appears in a page, an API answer or stackprint's log. Leaves nothing linked behind.

import { readFileSync } from 'node:fs';
import type { Page, Response } from '@playwright/test';
import { expect, test } from './support/fixtures';
import type { Frame } from './support/fixtures';
import type { FakeGitHubInfo } from './support/fake-github';
import { GIT_COMMIT } from './support/tracers';
import { consoleProblems, gotoHydrated, issueRows, screenshotPath } from './support/ui';

/** Every page, server function and JSON API answer the browser gets, to search them for the token. */
function recordAnswers(page: Page): () => Promise<{ url: string; body: string }[]> {
  const pending: Promise<{ url: string; body: string } | undefined>[] = [];
  page.on('response', (response: Response) => {
    const url = response.url();
    const kind = response.request().resourceType();
    if (kind === 'document' || url.includes('/api/ui/') || url.includes('/api/v1/')) {
      pending.push(
        response.text().then(
          (body) => ({ url, body }),
          () => undefined,
        ),
      );
    }
  });
  return async () => (await Promise.all(pending)).filter((a): a is { url: string; body: string } => !!a);
}

const short = GIT_COMMIT.slice(0, 7);

test('snippets under in-app frames from a linked repository, secrets kept on the server', async ({ page, api, run }) => {
  test.setTimeout(120_000);
  if ('error' in run.fakeGitHub) throw new Error(`the fake GitHub did not start: ${run.fakeGitHub.error}`);
  const fake: FakeGitHubInfo = run.fakeGitHub;
  const badToken = `ghp_wrong${fake.token.slice(9)}`;
  const problems = consoleProblems(page);
  const answers = recordAnswers(page);
  const pagesHtml: string[] = [];

  // The Flask /fail errors carry the commit and repository the tracer was started with.
  const { issues } = await api.issues({ service: 'checkout-py', error_type: 'builtins.ValueError' });
  expect(issues).toHaveLength(1);
  const [issue] = issues;
  const detail = await api.issue(issue.id);
  const tags = detail.latest_event.span_tags;
  expect(tags['_dd.git.commit.sha'] ?? tags['git.commit.sha']).toBe(GIT_COMMIT);
  const frames = detail.latest_event.stacktrace!.exceptions.flatMap((e) => e.frames);
  const frameOf = (fn: string): Frame => frames.find((f) => f.function === fn && f.in_app)!;
  const raising = frameOf('load_order');
  const handler = frameOf('fail');
  expect(raising.file).toMatch(/\/python\/orders\.py$/);
  expect(handler.file).toMatch(/\/python\/flask_dd\.py$/);
  const stackRoot = raising.file!.slice(0, -'python/orders.py'.length);

  // Settings: acme/shop is seen in checkout-py's spans; "Link" fills the form.
  await gotoHydrated(page, '/settings/source');
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Source code');
  await expect(page.getByText('No repository is linked yet.')).toBeVisible();
  const seen = page.getByRole('region', { name: 'Seen in your spans' });
  const seenShop = seen.getByRole('listitem').filter({ hasText: 'acme/shop' });
  await expect(seenShop).toContainText('seen in checkout-py');
  await expect(seenShop).toContainText('https://github.com/acme/shop');
  await seenShop.getByRole('button', { name: 'Link acme/shop' }).click();
  const form = page.getByRole('region', { name: 'Link a repository' });
  await expect(form.getByLabel('Repository', { exact: true })).toHaveValue('acme/shop');
  await expect(form.getByLabel('Services (optional, comma-separated)', { exact: true })).toHaveValue('checkout-py');
  await form.getByLabel('Authentication', { exact: true }).selectOption('token');
  await form.getByLabel('Access token', { exact: true }).fill(badToken);
  await form.getByLabel('GitHub Enterprise API base URL (optional)', { exact: true }).fill(fake.url);
  await form.getByRole('button', { name: 'Link repository' }).click();
  await expect(form.getByRole('status')).toHaveText('Linked acme/shop.');
  await expect(form.getByLabel('Access token', { exact: true })).toHaveValue('');
  const repositories = page.getByRole('table', { name: 'Linked repositories' });
  const shopRow = repositories.getByRole('row').filter({ hasText: 'acme/shop' });
  await expect(shopRow).toContainText('Access token');
  await expect(shopRow).toContainText(fake.url);
  await expect(shopRow).toContainText('checkout-py');

  // With the wrong token, each in-app frame says so and the page is otherwise whole.
  await gotoHydrated(page, `/issues/${issue.id}`);
  const frame = (fn: string) =>
    page.locator('li.frame.in-app').filter({ has: page.locator('code.function', { hasText: new RegExp(`^${fn}$`) }) });
  await expect(frame('load_order').locator('.source-note')).toHaveText(
    'The credentials for acme/shop were rejected by GitHub: check Settings → Source code',
  );
  await expect(frame('load_order').getByRole('link', { name: 'Settings → Source code' })).toHaveAttribute(
    'href',
    '/settings/source',
  );
  await expect(page.getByRole('heading', { name: 'Why these events grouped' })).toBeVisible();
  const owners = page.getByRole('region', { name: 'Suggested owners' });
  await expect(owners.getByRole('status')).toHaveText('CODEOWNERS could not be read: GitHub refused the credentials');
  pagesHtml.push(await page.content());

  // The settings page shows the failure; editing replaces the token (never shown, never prefilled).
  await gotoHydrated(page, '/settings/source');
  await expect(shopRow.locator('.repo-error')).not.toBeEmpty();
  await shopRow.getByRole('button', { name: 'Edit acme/shop' }).click();
  const editForm = page.getByRole('region', { name: 'Edit acme/shop' });
  await expect(editForm.getByLabel('Authentication', { exact: true })).toHaveValue('keep');
  await expect(editForm.getByLabel('Repository', { exact: true })).toHaveValue('acme/shop');
  await expect(editForm.getByLabel('GitHub Enterprise API base URL (optional)', { exact: true })).toHaveValue(fake.url);
  await editForm.getByLabel('Authentication', { exact: true }).selectOption('token');
  await expect(editForm.getByLabel('Access token', { exact: true })).toHaveValue('');
  await editForm.getByLabel('Access token', { exact: true }).fill(fake.token);
  await editForm.getByRole('button', { name: 'Save' }).click();
  await expect(page.getByRole('region', { name: 'Link a repository' }).getByRole('status')).toHaveText('Saved acme/shop.');
  await expect(shopRow.locator('.repo-ok')).toHaveText('OK');
  pagesHtml.push(await page.content());
  await page.screenshot({ path: screenshotPath('source-settings.png'), fullPage: true });
  await page.emulateMedia({ colorScheme: 'dark' });
  await page.screenshot({ path: screenshotPath('source-settings-dark.png'), fullPage: true });
  await page.emulateMedia({ colorScheme: 'light' });

  // The issue page: the code around the raising line at the event's commit, highlighted, the line marked.
  await gotoHydrated(page, `/issues/${issue.id}`);
  await expect(page.locator('.source-from')).toHaveText(`Code from acme/shop at ${short}`);
  const snippet = frame('load_order').locator('.source-snippet');
  await expect(snippet).toBeVisible();
  await expect(snippet.locator('.snippet-path')).toHaveText(`python/orders.py:${raising.line}`);
  await expect(snippet.locator('.snippet-mapping')).toHaveText(`mapped by suffix ${stackRoot} → (repository root)`);
  const marked = snippet.locator('.snippet-line[aria-current="true"]');
  await expect(marked).toHaveCount(1);
  await expect(marked.locator('.line-number')).toHaveText(String(raising.line));
  await expect(marked).toContainText('raise ValueError(f"order {order_id} not found")');
  await expect(marked.locator('.tok-keyword', { hasText: 'raise' })).toBeVisible();
  await expect(marked.locator('.tok-string').first()).toContainText('not found');
  // ±5 lines around it (fewer only at the start of the file).
  await expect(snippet.locator('.snippet-line')).toHaveCount(11);
  const href = await snippet.getByRole('link', { name: 'View on GitHub' }).getAttribute('href');
  expect(href).toMatch(
    new RegExp(`^https?://[^/]+/acme/shop/blob/${GIT_COMMIT}/python/orders\\.py#L${raising.line}$`),
  );
  // Every in-app frame has its code; library frames have none.
  for (const fn of ['fail', 'checkout', 'price_order', 'load_order']) {
    await expect(frame(fn).locator('.source-snippet'), fn).toBeVisible();
  }
  await expect(page.locator('li.frame:not(.in-app) .source-snippet')).toHaveCount(0);
  // Suggested owners: end2end/tracers/.github/CODEOWNERS at the commit, for the culprit frame's file.
  const owner = owners.getByRole('link', { name: '@acme/checkout' });
  await expect(owner).toBeVisible();
  await expect(owners).toContainText('From .github/CODEOWNERS for python/orders.py.');
  await expect(owners.getByRole('link', { name: '.github/CODEOWNERS' })).toHaveAttribute(
    'href',
    new RegExp(`/acme/shop/blob/${GIT_COMMIT}/\\.github/CODEOWNERS#L3$`),
  );
  await owners.screenshot({ path: screenshotPath('suggested-owners.png') });
  await page.screenshot({ path: screenshotPath('source-issue-page.png'), fullPage: true });
  const trace = page.locator('.stacktrace');
  await trace.screenshot({ path: screenshotPath('source-stack-trace.png') });
  await page.emulateMedia({ colorScheme: 'dark' });
  await trace.screenshot({ path: screenshotPath('source-stack-trace-dark.png') });
  await page.emulateMedia({ colorScheme: 'light' });
  pagesHtml.push(await page.content());
  // Stored on the issue: the owner's link searches `owner:` and finds it.
  await owner.click();
  await expect(page.getByLabel('Search issues')).toHaveValue('owner:@acme/checkout');
  await expect(issueRows(page)).toHaveCount(1);
  await expect(issueRows(page)).toContainText('ValueError');

  // A manual mapping of the handler's file to a path the repository lacks: a note on that frame only.
  await gotoHydrated(page, '/settings/source');
  const mappingForm = page.getByRole('form', { name: 'Add a code mapping' });
  await mappingForm.getByLabel('Repository', { exact: true }).selectOption({ label: 'acme/shop' });
  await mappingForm.getByLabel('Service (optional)', { exact: true }).fill('checkout-py');
  await mappingForm.getByLabel('Stack root', { exact: true }).fill(handler.file!);
  await mappingForm.getByLabel('Source root', { exact: true }).fill('python/flask_app.py');
  await mappingForm.getByRole('button', { name: 'Add mapping' }).click();
  await expect(mappingForm.getByRole('status')).toHaveText(/^Added mapping #\d+\.$/);
  const mappingId = (await mappingForm.getByRole('status').textContent())!.match(/#(\d+)/)![1];
  const mappings = page.getByRole('table', { name: 'Code mappings' });
  await expect(mappings.getByRole('row').filter({ hasText: `#${mappingId}` })).toContainText('python/flask_app.py');

  await gotoHydrated(page, `/issues/${issue.id}`);
  await expect(frame('fail').locator('.source-note')).toHaveText(
    `File not found at ${short} in acme/shop: python/flask_app.py`,
  );
  await frame('fail').screenshot({ path: screenshotPath('source-note.png') });
  await expect(frame('load_order').locator('.snippet-mapping')).toHaveText(
    `mapped by suffix ${stackRoot} → (repository root)`,
  );
  pagesHtml.push(await page.content());

  // Other events of the issue show their code too (event navigation).
  await page.getByRole('link', { name: 'Older →' }).click();
  await expect(page.getByRole('heading', { name: 'Oldest event' })).toBeVisible();
  await expect(frame('load_order').locator('.snippet-line[aria-current="true"]')).toContainText('raise ValueError');

  // Clean up: delete the mapping, unlink after confirming.
  await gotoHydrated(page, '/settings/source');
  await mappings.getByRole('button', { name: `Delete mapping #${mappingId}` }).click();
  await expect(page.getByText('No code mappings.')).toBeVisible();
  await shopRow.getByRole('button', { name: 'Unlink acme/shop' }).click();
  const confirm = page.getByRole('group', { name: 'Confirm unlinking acme/shop' });
  await expect(confirm).toContainText('Unlink acme/shop and its code mappings?');
  await confirm.getByRole('button', { name: 'Yes, unlink' }).click();
  await expect(page.getByText('No repository is linked yet.')).toBeVisible();
  pagesHtml.push(await page.content());

  // The token went to stackprint once, and never came back: not in a page, an answer or the log.
  const recorded = await answers();
  expect(recorded.some((a) => a.url.includes('/api/ui/source/settings'))).toBe(true);
  expect(recorded.some((a) => a.url.includes('/api/ui/source/event'))).toBe(true);
  const v1 = await api.get<unknown>('/api/v1/repositories').catch(() => undefined);
  const leaks = [
    ...recorded.map((a) => ({ where: a.url, text: a.body })),
    ...pagesHtml.map((text, i) => ({ where: `page ${i}`, text })),
    ...run.stackprintLogs.map((log) => ({ where: log, text: readFileSync(log, 'utf8') })),
    { where: '/api/v1/repositories', text: JSON.stringify(v1 ?? '') },
  ].filter(({ text }) => text.includes(fake.token) || text.includes(badToken));
  expect(leaks.map((l) => l.where), 'places holding the token').toEqual([]);
  expect(problems, 'errors and warnings in the browser console').toEqual([]);
});
