// The UI in Chromium: the issue list at / shows every issue the tracers opened, and following a row leads
// to the issue page with its type, message, count and parsed stack frames.

import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { EXPECTATIONS } from './support/expectations';
import { expect, test } from './support/fixtures';
import { consoleProblems, expectSearchParam, facet, gotoHydrated, issueRows, screenshotPath } from './support/ui';

const SCREENSHOTS = path.join(__dirname, '..', 'test-results', 'screenshots');

test.beforeAll(() => mkdirSync(SCREENSHOTS, { recursive: true }));

test('the issue list shows a row per issue, linking to its page', async ({ page, api }) => {
  const { issues } = await api.issues({ limit: 100 });
  expect(issues.length).toBe(2 * EXPECTATIONS.length);

  await page.goto('/');
  for (const issue of issues) {
    const link = page.getByRole('link').and(page.locator(`[href$="/issues/${issue.id}"]`));
    await expect(link, `row for ${issue.service} ${issue.error_type}`).toBeVisible();
  }
  for (const text of new Set(issues.flatMap((i) => [i.service, i.error_type]))) {
    await expect(page.getByText(text, { exact: true }).first(), `"${text}" on the list`).toBeVisible();
  }
  await page.screenshot({ path: path.join(SCREENSHOTS, 'issues.png'), fullPage: true });
});

for (const expected of EXPECTATIONS.filter((e) => ['checkout-py', 'checkout-js'].includes(e.service))) {
  test(`following the ${expected.service} ${expected.fail.errorType} row opens its issue page`, async ({ page, api }) => {
    const { issues } = await api.issues({ service: expected.service, error_type: expected.fail.errorType });
    expect(issues).toHaveLength(1);
    const [issue] = issues;

    await page.goto('/');
    const link = page.getByRole('link').and(page.locator(`[href$="/issues/${issue.id}"]`));
    // A click before hydration can be lost: retry until the navigation happens.
    await expect(async () => {
      await link.click({ timeout: 2_000 });
      await expect(page).toHaveURL(new RegExp(`/issues/${issue.id}$`), { timeout: 2_000 });
    }).toPass({ timeout: 20_000 });

    await expect(page.getByText(expected.fail.errorType, { exact: true }).first()).toBeVisible();
    await expect(page.getByText(expected.fail.message).first()).toBeVisible();
    await expect(page.getByText(new RegExp(`^\\s*${issue.count}\\s*(events?|occurrences?|times)?\\s*$`, 'i')).first()).toBeVisible();
    // The innermost two frames are named uniquely enough to find as text ('checkout' and 'fail' are not).
    for (const fn of expected.fail.functions.slice(0, 2)) {
      await expect(page.getByText(fn).first(), `frame ${fn} on the issue page`).toBeVisible();
    }
    await expect(page.getByText(/orders\.(py|js)/).first()).toBeVisible();
    await page.screenshot({ path: path.join(SCREENSHOTS, `issue-${expected.service}.png`), fullPage: true });
  });
}

// The explorer: search, facets, time range, sort and keyboard, over the 8 issues of the 4 tracer apps
// (2 per service: the /fail bug with 2 events, the /crash bug with 1).

test('facets add terms to the search, alt-click and ⊖ exclude them', async ({ page }) => {
  const problems = consoleProblems(page);
  await gotoHydrated(page, '/');
  await expect(issueRows(page)).toHaveCount(8);
  await expect(facet(page, 'Environment')).toContainText(/test\s*8/);

  await facet(page, 'Service').getByRole('link', { name: /^checkout-py \d+$/ }).click();
  await expectSearchParam(page, 'search', 'service:checkout-py');
  await expect(issueRows(page)).toHaveCount(2);
  await expect(page.getByLabel('Search issues')).toHaveValue('service:checkout-py');
  await expect(page.locator('.search-layer .tok-key')).toHaveText('service:');
  await expect(page.locator('.search-layer .tok-value')).toHaveText('checkout-py');
  await expect(facet(page, 'Environment')).toContainText(/test\s*2/);
  await expect(facet(page, 'Service').locator('.facet-item.included')).toContainText('checkout-py');

  // Alt-click excludes the value.
  await facet(page, 'Error type').getByRole('link', { name: /^orders\.CouponExpired \d+$/ }).click({ modifiers: ['Alt'] });
  await expectSearchParam(page, 'search', 'service:checkout-py -type:orders.CouponExpired');
  await expect(issueRows(page)).toHaveCount(1);
  await expect(issueRows(page).first()).toContainText('builtins.ValueError');
  await expect(page.locator('.search-layer .tok-negation')).toHaveText('-');
  await page.screenshot({ path: screenshotPath('explorer-facets.png'), fullPage: true });

  // Clicking an included value takes it out again; ⊖ excludes.
  await facet(page, 'Service').getByRole('link', { name: /^checkout-py \d+$/ }).click();
  await expectSearchParam(page, 'search', '-type:orders.CouponExpired');
  await expect(issueRows(page)).toHaveCount(6);
  await facet(page, 'Service').getByRole('link', { name: 'Exclude service:checkout-js' }).click();
  await expectSearchParam(page, 'search', '-type:orders.CouponExpired -service:checkout-js');
  await expect(issueRows(page)).toHaveCount(4);
  await expect(page.locator('table.issues')).not.toContainText('checkout-js');
  expect(problems, 'errors and warnings in the browser console').toEqual([]);
});

test('the search bar highlights as you type, explains errors and submits to the URL', async ({ page }) => {
  await gotoHydrated(page, '/');
  const search = page.getByLabel('Search issues');

  // `/` focuses the search from anywhere on the page.
  await page.locator('h1').click();
  await page.keyboard.press('/');
  await expect(search).toBeFocused();

  await search.fill('service:checkout-otel OR "not found"');
  await expect(search).toHaveAttribute('aria-invalid', 'true');
  await expect(page.locator('.search-layer .tok-error')).toHaveText('OR');
  await expect(page.locator('#search-errors')).toContainText('OR is not supported; terms are combined with AND');
  await page.screenshot({ path: screenshotPath('explorer-search-error.png') });
  await search.press('Enter');
  await expect(page).toHaveURL(/\/$/);

  await search.fill('service:checkout-otel "not found"');
  await expect(search).toHaveAttribute('aria-invalid', 'false');
  await expect(page.locator('#search-errors')).toBeEmpty();
  await search.press('Enter');
  await expectSearchParam(page, 'search', 'service:checkout-otel "not found"');
  await expect(issueRows(page)).toHaveCount(1);
  await expect(issueRows(page).first()).toContainText('order 4711 not found');

  // The search is the URL: loading it renders the same list on the server.
  await page.goto(page.url());
  await expect(issueRows(page)).toHaveCount(1);
  await expect(search).toHaveValue('service:checkout-otel "not found"');
});

test('the time range is in the URL; a range without events says so', async ({ page }) => {
  await gotoHydrated(page, '/');
  const ranges = page.getByRole('navigation', { name: 'Time range' });
  await expect(ranges.getByRole('link', { name: '1d' })).toHaveAttribute('aria-current', 'true');

  await ranges.getByRole('link', { name: '4h' }).click();
  await expectSearchParam(page, 'range', '4h');
  await expect(ranges.getByRole('link', { name: '4h' })).toHaveAttribute('aria-current', 'true');
  await expect(issueRows(page)).toHaveCount(8);
  await expect(issueRows(page).first().getByRole('img', { name: /^Trend: [1-9]\d* events? in \d+ buckets of 10 min/ })).toBeVisible();

  await page.locator('.range-custom summary').click();
  await page.getByLabel('From (UTC)').fill('2020-01-01T00:00');
  await page.getByLabel('To (UTC)').fill('2020-01-02T00:00');
  await page.getByRole('button', { name: 'Apply' }).click();
  await expectSearchParam(page, 'from', '2020-01-01T00:00');
  await expectSearchParam(page, 'to', '2020-01-02T00:00');
  await expect(page.getByText('No issues had events in this time range.')).toBeVisible();
  await expect(page.locator('.range-custom summary')).toHaveText('2020-01-01 00:00 – 2020-01-02 00:00 UTC');
  await page.screenshot({ path: screenshotPath('explorer-empty-range.png') });

  await page.getByRole('link', { name: 'Look at the last 30 days' }).click();
  await expectSearchParam(page, 'range', '30d');
  await expect(issueRows(page)).toHaveCount(8);
});

test('sorting by events and by first seen', async ({ page }) => {
  await gotoHydrated(page, '/');
  const sorts = page.getByRole('navigation', { name: 'Sort by' });

  await sorts.getByRole('link', { name: 'Events' }).click();
  await expectSearchParam(page, 'sort', 'count');
  await expect(sorts.getByRole('link', { name: 'Events' })).toHaveAttribute('aria-current', 'true');
  await expect(issueRows(page)).toHaveCount(8);
  // The rows are replaced once the sorted list arrives: wait for it rather than read the old ones.
  const counts = async () => (await page.locator('table.issues td.count').allTextContents()).map(Number);
  await expect.poll(counts).toEqual([2, 2, 2, 2, 1, 1, 1, 1]);

  await sorts.getByRole('link', { name: 'First seen' }).click();
  await expectSearchParam(page, 'sort', 'first_seen');
  await expect(issueRows(page)).toHaveCount(8);
  const firstSeen = () =>
    page
      .locator('table.issues tbody tr')
      .evaluateAll((rows) => rows.map((row) => row.querySelector('td.seen time')!.getAttribute('title')!));
  await expect.poll(async () => {
    const seen = await firstSeen();
    return seen.join() === [...seen].sort().reverse().join();
  }, 'first seen, newest first').toBe(true);
});

test('j and k move through the rows, x selects, Enter opens', async ({ page }) => {
  await gotoHydrated(page, '/');
  const rows = issueRows(page);
  await expect(rows).toHaveCount(8);

  await page.keyboard.press('j');
  await expect(rows.nth(0)).toHaveClass(/\bcursor\b/);
  await page.keyboard.press('j');
  await expect(rows.nth(1)).toHaveClass(/\bcursor\b/);
  await expect(rows.nth(1).locator('a.issue-link')).toBeFocused();
  await page.keyboard.press('x');
  await expect(rows.nth(1).getByRole('checkbox')).toBeChecked();
  await expect(page.getByText('1 selected — mark as')).toBeVisible();
  await page.keyboard.press('k');
  await expect(rows.nth(0)).toHaveClass(/\bcursor\b/);
  await page.screenshot({ path: screenshotPath('explorer-keyboard.png') });

  const href = await rows.nth(0).locator('a.issue-link').getAttribute('href');
  await page.keyboard.press('Enter');
  await expect(page).toHaveURL(new RegExp(`${href}$`));
  await expect(page.getByRole('heading', { name: 'Events over time' })).toBeVisible();
});
