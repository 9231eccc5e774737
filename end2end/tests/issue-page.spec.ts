// The issue page in Chromium, over the checkout-py /fail bug (2 events from ddtrace + Flask): header and
// status, the distribution chart with its hover counts, breakdowns, navigation across events with each
// event's own tags, searchable tag tables that lead to the explorer, the activity, and grouping.

import { expect, test } from './support/fixtures';
import { consoleProblems, expectSearchParam, gotoHydrated, screenshotPath } from './support/ui';

test('every section of the issue page', async ({ page, api }) => {
  const problems = consoleProblems(page);
  const { issues } = await api.issues({ service: 'checkout-py', error_type: 'builtins.ValueError' });
  expect(issues).toHaveLength(1);
  const [issue] = issues;
  expect(issue.count).toBe(2);

  await gotoHydrated(page, `/issues/${issue.id}`);
  await expect(page.getByRole('heading', { level: 1 })).toContainText('builtins.ValueError');
  const status = page.getByRole('group', { name: 'Status' });
  await expect(status.getByRole('button', { name: 'For review' })).toHaveAttribute('aria-pressed', 'true');

  // The distribution: a bar per bucket, the bucket's count on hover.
  await expect(page.getByRole('heading', { name: 'Events over time' })).toBeVisible();
  const chart = page.getByRole('group', { name: 'Events over time' });
  const busy = chart.getByRole('img', { name: /: [12] events?$/ });
  expect(await busy.count()).toBeGreaterThan(0);
  const distribution = page.locator('.distribution');
  await distribution.scrollIntoViewIfNeeded();
  await busy.last().hover();
  await expect(page.locator('.chart-tooltip')).toHaveText(/UTC: [12] events?$/);
  await page.screenshot({ path: screenshotPath('issue-distribution.png'), clip: (await distribution.boundingBox())! });
  await page.mouse.move(0, 0);
  await expect(page.locator('.chart-tooltip')).toHaveCount(0);
  await expect(page.locator('figcaption')).toContainText('2 events in buckets of');

  // Breakdowns with shares; resources with their error rate.
  await expect(page.getByRole('table', { name: 'Versions' })).toContainText(/1\.0\.0\s*2\s*100%/);
  await expect(page.getByRole('table', { name: 'Environments' })).toContainText('test');
  const resources = page.getByRole('table', { name: 'Resources' });
  await expect(resources).toContainText('Error rate');
  await expect(resources.locator('tbody tr').first()).toContainText(/\d+%/);

  // The latest event (/fail/815), then the oldest (/fail/4711), each with its own tags.
  const spanTags = page.getByRole('table', { name: 'Span tags' });
  await expect(page.getByRole('heading', { name: 'Latest event' })).toBeVisible();
  await expect(page.locator('.event-position')).toHaveText('1 of 2');
  await expect(spanTags).toContainText('/fail/815');
  await expect(page.getByRole('link', { name: 'View trace' })).toHaveAttribute('href', /^\/traces\/[0-9a-f]{32}\?/);
  await page.getByRole('link', { name: 'Older →' }).click();
  await expectSearchParam(page, 'event', '1');
  await expect(page.getByRole('heading', { name: 'Oldest event' })).toBeVisible();
  await expect(page.locator('.event-position')).toHaveText('2 of 2');
  await expect(spanTags).toContainText('/fail/4711');
  await expect(spanTags).not.toContainText('/fail/815');
  await page.getByRole('link', { name: 'Latest', exact: true }).click();
  await expect(page.getByRole('heading', { name: 'Latest event' })).toBeVisible();
  await expect(spanTags).toContainText('/fail/815');

  // Stack, activity, grouping.
  await expect(page.getByRole('heading', { name: 'Stack trace' })).toBeVisible();
  await expect(page.getByText('load_order').first()).toBeVisible();
  await expect(page.locator('.timeline')).toContainText('First seen in 1.0.0');
  await expect(page.getByRole('heading', { name: 'Why these events grouped' })).toBeVisible();
  await page.screenshot({ path: screenshotPath('issue-page.png'), fullPage: true });

  // Tag tables filter as you type; a facet tag leads to the explorer searching for it.
  const filter = page.getByLabel('Filter span tags');
  await filter.fill('http.');
  for (const row of await spanTags.locator('tbody tr:visible').all()) {
    await expect(row).toContainText('http.');
  }
  await expect(spanTags.locator('tbody tr:visible')).not.toHaveCount(0);
  await expect(spanTags.locator('tbody tr').filter({ has: page.locator('th code', { hasText: /^env$/ }) })).toBeHidden();
  await filter.fill('');
  await spanTags.getByRole('link', { name: 'test', exact: true }).click();
  await expectSearchParam(page, 'search', 'env:test');
  await expect(page.locator('table.issues tbody tr')).toHaveCount(8);
  expect(problems, 'errors and warnings in the browser console').toEqual([]);
});

test('the range of the distribution is in the URL and keeps the event shown', async ({ page, api }) => {
  const { issues } = await api.issues({ service: 'checkout-otel', error_type: 'ValueError' });
  const [issue] = issues;
  await gotoHydrated(page, `/issues/${issue.id}?event=1`);
  await expect(page.getByRole('heading', { name: 'Oldest event' })).toBeVisible();
  await page.getByRole('navigation', { name: 'Time range' }).getByRole('link', { name: '1h' }).click();
  await expectSearchParam(page, 'range', '1h');
  await expectSearchParam(page, 'event', '1');
  await expect(page.locator('figcaption')).toContainText('2 events in buckets of 5 min');
  await expect(page.getByRole('heading', { name: 'Oldest event' })).toBeVisible();
});

test('dark theme', async ({ page, api }) => {
  await page.emulateMedia({ colorScheme: 'dark' });
  await gotoHydrated(page, '/?search=service:checkout-py');
  await expect(page.locator('table.issues tbody tr')).toHaveCount(2);
  await page.screenshot({ path: screenshotPath('explorer-dark.png') });
  const { issues } = await api.issues({ service: 'checkout-py', error_type: 'builtins.ValueError' });
  await gotoHydrated(page, `/issues/${issues[0].id}`);
  await expect(page.getByRole('heading', { name: 'Events over time' })).toBeVisible();
  await page.screenshot({ path: screenshotPath('issue-dark.png') });
});
