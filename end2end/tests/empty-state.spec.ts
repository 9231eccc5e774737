// The empty state of a new install, on a second stackprint with an empty database: the environment
// variables that point a tracer here name the host the browser used (localhost here, while the server
// listens on 127.0.0.1) and the configured intake ports; selectable before the WASM runs, copyable after.

import { expect, test } from '@playwright/test';
import { authorization } from './support/accounts';
import { startEmptyStackprint, type EmptyStackprint } from './support/empty-stackprint';
import { consoleProblems, gotoHydrated, screenshotPath } from './support/ui';

let server: EmptyStackprint;

test.beforeAll(async () => {
  server = await startEmptyStackprint();
});

test.afterAll(async () => {
  await server?.stop();
});

const snippets = () => ({
  agent: `DD_TRACE_AGENT_URL=http://localhost:${server.agentPort}`,
  otlp: `OTEL_EXPORTER_OTLP_ENDPOINT=http://localhost:${server.otlpPort}`,
});

test.describe('without JavaScript', () => {
  test.use({ javaScriptEnabled: false });

  test('the snippets name the host and ports, selectable as a whole', async ({ page }) => {
    await page.setExtraHTTPHeaders(authorization(server.token));
    await page.goto(`http://localhost:${server.port}/`);
    await expect(page.getByRole('heading', { name: 'No errors yet' })).toBeVisible();
    const { agent, otlp } = snippets();
    const code = page.locator('.getting-started pre code');
    await expect(code).toHaveText([agent, otlp]);
    for (const element of await code.all()) {
      expect(await element.evaluate((e) => getComputedStyle(e).userSelect)).toBe('all');
    }
    await expect(page.getByRole('button', { name: /^Copy/ })).toHaveCount(0);
    await page.screenshot({ path: screenshotPath('empty-state-no-js.png') });
  });
});

test('once hydrated, each snippet has a Copy button', async ({ page, context }) => {
  const problems = consoleProblems(page);
  const origin = `http://localhost:${server.port}`;
  await context.setExtraHTTPHeaders(authorization(server.token));
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin });
  await gotoHydrated(page, `${origin}/`);
  const { agent, otlp } = snippets();
  for (const [name, text] of [
    ['DD_TRACE_AGENT_URL', agent],
    ['OTEL_EXPORTER_OTLP_ENDPOINT', otlp],
  ]) {
    const button = page.getByRole('button', { name: `Copy ${name}` });
    await expect(button).toHaveText('Copy');
    await button.click();
    await expect(button).toHaveText('Copied');
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(text);
  }
  await page.screenshot({ path: screenshotPath('empty-state.png') });
  expect(problems, 'errors and warnings in the browser console').toEqual([]);
});
