// A team in Chromium, signed in with passwords (no API token in these browser contexts): the admin
// invites a member and a viewer by link, each sets a password on the invitation page and signs in
// through the form; the member assigns an issue to themself, comments (markup stays text, the link
// is clickable) and finds it with `assignee:me`; the viewer sees the assignee and the comment but
// no triage, assignment or comment controls. Issues of checkout-js and checkout-py's ValueError are
// left alone: triage.spec.ts changes those.

import type { Browser, Page } from '@playwright/test';
import { expect, test, adminHeaders } from './support/fixtures';
import type { Issue } from './support/fixtures';
import { ADMIN_EMAIL, ADMIN_PASSWORD } from './support/accounts';
import { consoleProblems, gotoHydrated, issueRows, screenshotPath } from './support/ui';

test.use({ extraHTTPHeaders: {} });

const MEMBER = { email: 'e2e-member@stackprint.test', name: 'Mia Member', password: 'member passphrase 1' };
const VIEWER = { email: 'e2e-viewer@stackprint.test', name: 'Vic Viewer', password: 'viewer passphrase 1' };

async function signIn(page: Page, email: string, password: string) {
  await page.goto('/signin');
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page).not.toHaveURL(/\/signin/);
}

/** The admin makes an invitation link on the users page. */
async function invite(page: Page, email: string, role: string): Promise<string> {
  await gotoHydrated(page, '/settings/users');
  const form = page.getByRole('region', { name: 'Invite someone' });
  await form.getByLabel('Email').fill(email);
  await form.getByLabel('Role').selectOption(role);
  await form.getByRole('button', { name: 'Make an invitation link' }).click();
  const link = await form.locator('[data-snippet="invitation link"] code').textContent();
  expect(link).toContain('/invite?token=');
  return (link ?? '').trim();
}

/** In a fresh browser: the invitee accepts, signs out, and signs in again with the new password. */
async function join(browser: Browser, baseURL: string, link: string, who: typeof MEMBER): Promise<Page> {
  const context = await browser.newContext({ baseURL });
  const page = await context.newPage();
  await page.goto(link);
  await page.getByLabel('Name').fill(who.name);
  await page.getByLabel('Password').fill(who.password);
  await page.getByRole('button', { name: 'Create my account' }).click();
  await expect(page.locator('.user-menu')).toContainText(who.name);
  await page.locator('.user-menu').getByRole('button', { name: 'Sign out' }).click();
  await signIn(page, who.email, who.password);
  await expect(page.locator('.user-menu')).toContainText(who.name);
  return page;
}

/** An issue no other spec changes. */
async function quietIssue(baseURL: string, playwright: typeof import('@playwright/test')): Promise<Issue> {
  const admin = await playwright.request.newContext({ baseURL, extraHTTPHeaders: adminHeaders() });
  const response = await admin.get('/api/v1/issues?limit=200');
  const { issues } = (await response.json()) as { issues: Issue[] };
  await admin.dispose();
  const quiet = issues.find(
    (i) => i.service !== 'checkout-js' && !(i.service === 'checkout-py' && i.error_type === 'builtins.ValueError'),
  );
  expect(quiet, 'an issue outside triage.spec.ts').toBeDefined();
  return quiet as Issue;
}

test('an invited member assigns an issue to themself and comments; a viewer only reads', async ({
  page,
  browser,
  baseURL,
  playwright,
}) => {
  const problems = consoleProblems(page);
  await signIn(page, ADMIN_EMAIL, ADMIN_PASSWORD);
  const memberLink = await invite(page, MEMBER.email, 'member');
  const viewerLink = await invite(page, VIEWER.email, 'viewer');
  const issue = await quietIssue(baseURL as string, playwright);

  const member = await join(browser, baseURL as string, memberLink, MEMBER);
  const memberProblems = consoleProblems(member);
  await gotoHydrated(member, `/issues/${issue.id}`);
  await expect(member.locator('.assignee-fact')).toHaveText('Nobody');
  await member.getByRole('button', { name: 'Assign to me' }).click();
  await expect(member.locator('.assignee-fact')).toHaveText(MEMBER.name);
  const timeline = member.locator('ol.timeline');
  await expect(timeline).toContainText(`${MEMBER.name} assigned ${MEMBER.name}`);

  const comment = '<script>window.pwned = 1</script> looked at it, see https://ci.example.test/run/42.';
  await member.getByLabel('Comment').fill(comment);
  await member.getByRole('button', { name: 'Comment', exact: true }).click();
  const posted = timeline.locator('.timeline-item.comment');
  await expect(posted).toHaveCount(1);
  await expect(posted.locator('.comment-body')).toHaveText(comment);
  await expect(posted.getByRole('link', { name: 'https://ci.example.test/run/42' })).toHaveAttribute(
    'href',
    'https://ci.example.test/run/42',
  );
  expect(await member.evaluate(() => (window as unknown as { pwned?: number }).pwned)).toBeUndefined();
  await expect(posted.getByRole('button', { name: 'Delete' })).toBeVisible();
  await member.screenshot({ path: screenshotPath('issue-assigned-commented.png') });

  // `assignee:me` finds it, and the list names the assignee.
  await gotoHydrated(member, '/?search=assignee:me');
  await expect(issueRows(member)).toHaveCount(1);
  await expect(issueRows(member).first()).toContainText(issue.message.slice(0, 40));
  await expect(issueRows(member).locator('.assignee')).toHaveText(MEMBER.name);
  await gotoHydrated(member, '/?search=assignee:nobody@stackprint.test');
  await expect(member.getByRole('alert')).toContainText('no user has the email');
  expect(memberProblems, 'errors and warnings in the member browser console').toEqual([]);

  // The viewer reads the assignee and the comment, and is offered no control.
  const viewer = await join(browser, baseURL as string, viewerLink, VIEWER);
  await gotoHydrated(viewer, `/issues/${issue.id}`);
  await expect(viewer.locator('.assignee-fact')).toHaveText(MEMBER.name);
  await expect(viewer.locator('.comment-body')).toHaveText(comment);
  await expect(viewer.getByRole('group', { name: 'Status' })).toHaveCount(0);
  await expect(viewer.getByRole('button', { name: 'Assign to me' })).toHaveCount(0);
  await expect(viewer.getByLabel('Comment')).toHaveCount(0);
  await expect(viewer.getByRole('button', { name: 'Delete' })).toHaveCount(0);
  await viewer.screenshot({ path: screenshotPath('issue-as-viewer.png') });
  expect(problems, 'errors and warnings in the admin browser console').toEqual([]);
});
