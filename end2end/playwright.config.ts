import { defineConfig } from '@playwright/test';

// Real tracers send to a real stackprint binary (tests/global-setup.ts); the tests check the JSON API and
// the UI in Debian's Chromium. Run end2end/setup.sh once, then `npx playwright test`
// (STACKPRINT_BIN picks the binary; default ../target/release/stackprint).
export default defineConfig({
  testDir: './tests',
  globalSetup: './tests/global-setup.ts',
  outputDir: './test-results',
  // One machine with two cores shared with the build: one worker, no retries that would hide flakiness.
  workers: 1,
  fullyParallel: false,
  retries: 0,
  forbidOnly: !!process.env.CI,
  timeout: 60_000,
  expect: { timeout: 10_000 },
  reporter: [['list'], ['html', { open: 'never', outputFolder: './playwright-report' }]],
  use: {
    browserName: 'chromium',
    headless: true,
    screenshot: 'only-on-failure',
    trace: 'retain-on-failure',
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    },
  },
});
