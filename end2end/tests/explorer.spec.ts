// The UI in Chromium: the issue list at / shows every issue the tracers opened, and following a row leads
// to the issue page with its type, message, count and parsed stack frames.

import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { EXPECTATIONS } from './support/expectations';
import { expect, test } from './support/fixtures';

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
