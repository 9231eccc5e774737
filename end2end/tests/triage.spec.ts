// Triage in Chromium: bulk status changes from the explorer (recorded as the signed-in user), ignored issues leaving the default view, and a regression: a resolved issue
// seen again in a newer release goes back to review, marked regressed, while an event of the release
// it was resolved in does not reopen it. Runs last (alphabetically): it changes the data.

import { expect, test } from './support/fixtures';
import type { Api, Issue } from './support/fixtures';
import { ADMIN_EMAIL, ADMIN_NAME } from './support/accounts';
import { consoleProblems, gotoHydrated, issueRows, screenshotPath, sendDatadogError } from './support/ui';

interface ActivityEntry {
  actor: string | null;
  kind: string;
  from_status: string;
  to_status: string;
  version: string | null;
}

async function activity(api: Api, id: Issue['id']) {
  return (await api.get<{ activity: ActivityEntry[] }>(`/api/v1/issues/${id}/activity`)).activity;
}

test('bulk status changes from the explorer, recorded as the signed-in user', async ({ page, api }) => {
  const problems = consoleProblems(page);
  await gotoHydrated(page, '/?search=service:checkout-js');
  await expect(issueRows(page)).toHaveCount(2);

  await page.getByRole('checkbox', { name: 'Select every issue on this page' }).check();
  await expect(page.getByText('2 selected — mark as')).toBeVisible();
  const bulk = page.getByRole('group', { name: 'Change the status of the selected issues' });
  await bulk.getByRole('button', { name: 'Reviewed' }).click();
  await expect(bulk.getByRole('status')).toHaveText('Marked 2 issues as Reviewed.');
  await expect(issueRows(page).locator('.status-reviewed')).toHaveCount(2);
  await expect(page.getByText('Select issues to triage them')).toBeVisible();
  await page.screenshot({ path: screenshotPath('explorer-bulk.png') });

  const { issues } = await api.issues({ service: 'checkout-js' });
  for (const issue of issues) {
    expect(issue.status).toBe('reviewed');
    const [change] = (await activity(api, issue.id)).slice(-1);
    expect(change).toMatchObject({ actor: ADMIN_EMAIL, kind: 'status_change', from_status: 'for_review', to_status: 'reviewed' });
  }

  // Ignored issues leave the default view but stay findable.
  const typeError = issueRows(page).filter({ hasText: 'TypeError' });
  await typeError.getByRole('checkbox').check();
  await bulk.getByRole('button', { name: 'Ignored' }).click();
  await expect(bulk.getByRole('status')).toHaveText('Marked 1 issue as Ignored.');
  await expect(issueRows(page)).toHaveCount(1);
  await expect(issueRows(page)).not.toContainText('TypeError');
  await gotoHydrated(page, '/?search=service:checkout-js%20status:ignored');
  await expect(issueRows(page)).toHaveCount(1);
  await expect(issueRows(page).first()).toContainText('TypeError');

  expect(problems, 'errors and warnings in the browser console').toEqual([]);
});

test('a resolved issue seen in a newer version regresses; its own version does not reopen it', async ({ page, api, run }) => {
  const { issues } = await api.issues({ service: 'checkout-py', error_type: 'builtins.ValueError' });
  const [issue] = issues;
  const { latest_event: latest } = await api.issue(issue.id);
  expect(latest.version).toBe('1.0.0');

  // Resolve it from the issue page (no name set in this browser: recorded as "web").
  await gotoHydrated(page, `/issues/${issue.id}`);
  const status = page.getByRole('group', { name: 'Status' });
  await status.getByRole('button', { name: 'Resolved' }).click();
  await expect(status.getByRole('button', { name: 'Resolved' })).toHaveAttribute('aria-pressed', 'true');
  await expect(page.locator('.timeline')).toContainText(`${ADMIN_NAME} changed the status from For review to Resolved in 1.0.0`);
  await expect(page.locator('.issue-header .badge').first()).toHaveText('Resolved');

  const send = async (version: string, count: number) => {
    await sendDatadogError(run.agentURL, {
      service: 'checkout-py',
      env: 'test',
      version,
      resource: 'GET /fail/<order_id>',
      errorType: 'builtins.ValueError',
      message: 'order 999 not found',
      stack: latest.stack ?? '',
    });
    await expect.poll(async () => (await api.issue(issue.id)).issue.count, { timeout: 10_000 }).toBe(count);
  };

  // Another event of 1.0.0, the version it was resolved in: still resolved.
  await send('1.0.0', issue.count + 1);
  expect((await api.issue(issue.id)).issue.status).toBe('resolved');

  // An event of 1.1.0 reopens it.
  await send('1.1.0', issue.count + 2);
  expect((await api.issue(issue.id)).issue.status).toBe('for_review');
  await gotoHydrated(page, `/issues/${issue.id}`);
  await expect(status.getByRole('button', { name: 'For review' })).toHaveAttribute('aria-pressed', 'true');
  await expect(page.locator('.issue-header')).toContainText('Regressed');
  await expect(page.locator('.timeline-item.regression')).toContainText('Regressed an event of 1.1.0 reopened it: Resolved → For review');
  await expect(page.getByRole('table', { name: 'Versions' })).toContainText('1.1.0');
  await page.screenshot({ path: screenshotPath('issue-regressed.png'), fullPage: true });

  await gotoHydrated(page, '/?search=service:checkout-py');
  const row = issueRows(page).filter({ hasText: 'builtins.ValueError' });
  await expect(row.locator('.badge.regressed')).toHaveText('Regressed');
  await page.screenshot({ path: screenshotPath('explorer-regressed.png') });
  const [last] = (await activity(api, issue.id)).slice(-1);
  expect(last).toMatchObject({ actor: null, kind: 'regression', version: '1.1.0', to_status: 'for_review' });
});
