// Signing in with a password in Chromium, in a browser context without the admin's API token: pages
// send a stranger to the sign-in page and back to where they were going; a wrong password gets one
// generic message; the session cookie is HttpOnly; signing out ends the session. The JSON API answers
// 401 without credentials, and a cross-site form post is refused even with a live session.

import { expect, test } from './support/fixtures';
import { ADMIN_EMAIL, ADMIN_PASSWORD } from './support/accounts';
import { consoleProblems, screenshotPath } from './support/ui';

test.use({ extraHTTPHeaders: {} });

test('a stranger signs in, lands where they were going, and signs out', async ({ page, context, baseURL }) => {
  const problems = consoleProblems(page);
  await page.goto('/settings');
  await expect(page).toHaveURL(/\/signin\?next=%2Fsettings$/);
  await expect(page.getByRole('heading', { name: 'Sign in' })).toBeVisible();

  await page.getByLabel('Email').fill(ADMIN_EMAIL);
  await page.getByLabel('Password').fill('not the password');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('alert')).toHaveText('Wrong email or password.');

  await page.getByLabel('Email').fill(ADMIN_EMAIL);
  await page.getByLabel('Password').fill(ADMIN_PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page).toHaveURL(`${baseURL}/settings`);
  await expect(page.locator('.user-menu')).toContainText('E2E Admin');
  await expect(page.locator('.user-menu .role-badge')).toHaveText('admin');
  const [session] = (await context.cookies()).filter((c) => c.httpOnly);
  expect(session, 'an HttpOnly session cookie').toBeDefined();
  expect(session.sameSite).toBe('Lax');
  await page.screenshot({ path: screenshotPath('settings-signed-in.png') });

  await page.locator('.user-menu').getByRole('button', { name: 'Sign out' }).click();
  await page.goto('/');
  await expect(page).toHaveURL(/\/signin/);
  expect(problems, 'errors and warnings in the browser console').toEqual([]);
});

test('the JSON API wants credentials, and cross-site posts are refused', async ({ page, playwright, baseURL }) => {
  const anonymous = await playwright.request.newContext({ baseURL });
  const refused = await anonymous.get('/api/v1/issues');
  expect(refused.status()).toBe(401);
  expect((await refused.json()).error).toContain('sign in');
  await anonymous.dispose();

  await page.goto('/signin');
  await page.getByLabel('Email').fill(ADMIN_EMAIL);
  await page.getByLabel('Password').fill(ADMIN_PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page).toHaveURL(`${baseURL}/`);
  // The page's own request carries the session; one claiming to come from another site is refused.
  const forged = await page.request.post('/api/v1/issues/status', {
    headers: { Origin: 'https://evil.example', 'Content-Type': 'application/json' },
    data: { ids: [1], status: 'ignored' },
  });
  expect(forged.status()).toBe(403);
  expect(await forged.text()).toContain('cross-site');
});
