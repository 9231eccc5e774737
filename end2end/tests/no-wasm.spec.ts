// Triage with JavaScript disabled: the issue page's status buttons and the explorer's bulk bar are
// plain forms; the server applies the change and redirects back to the page, which shows it. Uses the
// checkout-otel-js issues (no other spec asserts their status) and puts them back in review.

import { adminHeaders, expect, test } from './support/fixtures';
import type { Issue } from './support/fixtures';
import { ADMIN_EMAIL } from './support/accounts';
import { issueRows, screenshotPath } from './support/ui';

test.use({ javaScriptEnabled: false });

let ids: Issue['id'][] = [];

test.afterAll(async () => {
  if (ids.length === 0) return;
  const response = await fetch(`${process.env.STACKPRINT_URL}/api/v1/issues/status`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...adminHeaders() },
    body: JSON.stringify({ ids, status: 'for_review' }),
  });
  expect(response.status, await response.text()).toBe(200);
});

test('status changes on the issue page and in bulk without the WASM', async ({ page, api }) => {
  const { issues } = await api.issues({ service: 'checkout-otel-js' });
  expect(issues).toHaveLength(2);
  ids = issues.map((i) => i.id);
  for (const issue of issues) expect(issue.status).toBe('for_review');
  const [issue] = issues;

  // The issue page: the form posts, the server redirects back, the page shows the new status.
  await page.goto(`/issues/${issue.id}`);
  const status = page.getByRole('group', { name: 'Status' });
  await expect(status.getByRole('button', { name: 'For review' })).toHaveAttribute('aria-pressed', 'true');
  await status.getByRole('button', { name: 'Reviewed' }).click();
  await expect(page).toHaveURL(new RegExp(`/issues/${issue.id}\\??$`));
  await expect(status.getByRole('button', { name: 'Reviewed' })).toHaveAttribute('aria-pressed', 'true');
  await expect(page.locator('.issue-header .badge').first()).toHaveText('Reviewed');
  expect((await api.issue(issue.id)).issue.status).toBe('reviewed');
  const { activity } = await api.get<{ activity: { actor: string; to_status: string }[] }>(
    `/api/v1/issues/${issue.id}/activity`,
  );
  expect(activity.at(-1)).toMatchObject({ actor: ADMIN_EMAIL, to_status: 'reviewed' });

  // The explorer: nothing checked is refused with the reason.
  const list = '/?search=service:checkout-otel-js';
  await page.goto(list);
  await expect(issueRows(page)).toHaveCount(2);
  const bulk = page.getByRole('group', { name: 'Change the status of the selected issues' });
  await bulk.getByRole('button', { name: 'Ignored' }).click();
  await expect(bulk.getByRole('status')).toHaveText('Select 1 to 1000 issues.');

  // Both checked, marked resolved: back on the same view, both resolved.
  for (const row of await issueRows(page).all()) await row.getByRole('checkbox').check();
  await bulk.getByRole('button', { name: 'Resolved' }).click();
  await expect(page).toHaveURL(/\/\?search=service(:|%3A)checkout-otel-js&?$/);
  await expect(issueRows(page).locator('.status-resolved')).toHaveCount(2);
  await expect(bulk.getByRole('status')).toHaveText('');
  await page.screenshot({ path: screenshotPath('no-wasm-bulk.png') });
  for (const id of ids) expect((await api.issue(id)).issue.status).toBe('resolved');
});
