// Stack rules in Chromium, as an admin: open a service's rules, get faulty lines listed by number,
// preview a valid change over the service's latest events, save it and see the version go up; a save
// made from a version someone else replaced meanwhile is refused and says so, keeping the text. The
// JSON API sees what the page saved. The save is audited.

import { expect, test } from './support/fixtures';
import { consoleProblems, gotoHydrated, screenshotPath } from './support/ui';

const SERVICE = 'checkout-py';
// Matches no frame of the test apps, so it changes no grouping for the specs after this one.
const RULE = 'path:**/no-such-vendor-dir/** -app';

test('edit, preview and save a service’s stack rules', async ({ page, api }) => {
  const problems = consoleProblems(page);
  const before = await api.get<{ current: { version: number } | null }>(`/api/v1/stack-rules/${SERVICE}`);
  const start = before.current?.version ?? 0;

  await gotoHydrated(page, '/settings/stack-rules');
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Stack rules');
  await page.getByRole('textbox', { name: 'Service' }).fill(SERVICE);
  await page.getByRole('button', { name: 'Edit its rules' }).click();
  await page.locator('body[data-hydrated]').waitFor({ state: 'attached' });
  await expect(page.getByRole('heading', { name: `Rules of ${SERVICE}` })).toBeVisible();
  const editor = page.getByRole('textbox', { name: 'Rules', exact: true });

  // Faulty lines are listed with their number, the line and why.
  await editor.fill(`${RULE}\nfile:x.py +app\nmodule:acme.*`);
  await page.getByRole('button', { name: 'Preview' }).click();
  const faulty = page.getByRole('alert', { name: 'Faulty lines' });
  await expect(faulty.getByRole('listitem')).toHaveCount(2);
  await expect(faulty.getByRole('listitem').first()).toContainText('line 2');
  await expect(faulty.getByRole('listitem').first()).toContainText('file:x.py +app');
  await expect(faulty.getByRole('listitem').first()).toContainText('unknown matcher `file:`');
  await expect(faulty.getByRole('listitem').nth(1)).toContainText('line 3');

  // A valid change: the preview counts over the service's stored events.
  await editor.fill(RULE);
  await page.getByRole('button', { name: 'Preview' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Among the latest' })).toContainText(
    /Among the latest [1-9]\d* events \(\d+ issues\): 0 issues would merge, 0 would split\./,
  );
  await expect(faulty).toHaveCount(0);

  await page.getByRole('button', { name: 'Save' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Saved' })).toHaveText(`Saved as version ${start + 1}.`);
  await expect(page.getByText(`Editing version ${start + 1}.`)).toBeVisible();
  const services = page.getByRole('table');
  await expect(services.getByRole('row').filter({ hasText: SERVICE })).toContainText(`version ${start + 1}`);
  const saved = await api.get<{ current: { version: number; rules: string } }>(`/api/v1/stack-rules/${SERVICE}`);
  expect(saved.current).toMatchObject({ version: start + 1, rules: RULE });

  // Someone else saves meanwhile (the JSON API); this editor's save is refused and keeps the text.
  const other = await page.request.put(`/api/v1/stack-rules/${SERVICE}`, {
    data: { rules: `${RULE}\n# reviewed`, based_on: start + 1 },
  });
  expect(other.status(), await other.text()).toBe(200);
  await editor.fill(`${RULE}\n# mine`);
  await page.getByRole('button', { name: 'Save' }).click();
  await expect(page.getByRole('alert')).toContainText(`Not saved: someone saved version ${start + 2} meanwhile.`);
  await expect(editor).toHaveValue(`${RULE}\n# mine`);
  await page.screenshot({ path: screenshotPath('stack-rules-stale.png'), fullPage: true });

  await gotoHydrated(page, `/settings/stack-rules?service=${SERVICE}`);
  await expect(page.getByText(`Editing version ${start + 2}.`)).toBeVisible();
  await expect(editor).toHaveValue(`${RULE}\n# reviewed`);

  const audit = await api.get<{ entries: { action: string; detail: Record<string, string> }[] }>(
    '/api/v1/audit?action=stack_rules_saved',
  );
  expect(audit.entries.map((e) => e.detail.version)).toEqual(
    expect.arrayContaining([String(start + 1), String(start + 2)]),
  );
  expect(problems).toEqual([]);
});
