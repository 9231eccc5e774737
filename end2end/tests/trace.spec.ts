// The trace view in Chromium: from an issue's latest event, "View trace" opens the flame graph of the trace
// the real tracer sent, with the span carrying the error marked; clicking a span shows its details, and
// the graph zooms and resets.

import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { EXPECTATIONS } from './support/expectations';
import { expect, test } from './support/fixtures';

const SCREENSHOTS = path.join(__dirname, '..', 'test-results', 'screenshots');

test.beforeAll(() => mkdirSync(SCREENSHOTS, { recursive: true }));

interface LatestEvent {
  trace_id: string;
  span_id: string;
  error_span_id: string;
  error_type: string;
}

interface TraceSpan {
  span_id: string;
  service: string;
  name: string;
  resource: string;
  error: boolean;
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

// One Datadog tracer and one OpenTelemetry SDK: their traces reach the store by different decoders. The
// first follows the link in the hydrated app, the second loads the trace page itself (the server's
// rendering, then hydration).
for (const [service, via, screenshot] of [
  ['checkout-py', 'link', 'trace.png'],
  ['checkout-otel-js', 'address', 'trace-checkout-otel-js.png'],
] as const) {
  test(`${service}: "View trace" shows the flame graph with the error span marked`, async ({ page, api }) => {
    const problems: string[] = [];
    page.on('pageerror', (error) => problems.push(String(error)));
    page.on('console', (message) => {
      if (message.type() === 'error' || message.type() === 'warning') problems.push(message.text());
    });
    const expected = EXPECTATIONS.find((e) => e.service === service)!;
    const { issues } = await api.issues({ service, error_type: expected.fail.errorType });
    expect(issues).toHaveLength(1);
    const [issue] = issues;
    const { latest_event: event } = await api.get<{ latest_event: LatestEvent }>(`/api/v1/issues/${issue.id}`);
    const trace = await api.get<{ spans: TraceSpan[] }>(`/api/v1/traces/${event.trace_id}`);
    const entry = trace.spans.find((s) => s.span_id === event.span_id)!;
    const carrier = trace.spans.find((s) => s.span_id === event.error_span_id)!;
    expect(entry, 'entry span in the stored trace').toBeDefined();
    expect(carrier, 'error span in the stored trace').toBeDefined();

    await page.goto(`/issues/${issue.id}`);
    const link = page.getByRole('link', { name: 'View trace' });
    if (via === 'link') {
      // A click before hydration can be lost: retry until the navigation happens.
      await expect(async () => {
        await link.click({ timeout: 2_000 });
        await expect(page).toHaveURL(new RegExp(`/traces/${event.trace_id}\\?`), { timeout: 2_000 });
      }).toPass({ timeout: 20_000 });
    } else {
      await page.goto((await link.getAttribute('href'))!);
    }

    const graph = page.getByRole('group', { name: /^Flame graph of \d+ spans/ });
    await expect(graph).toBeVisible();
    await expect(page.getByRole('heading', { level: 1 })).toContainText(event.trace_id);
    await expect(page.locator('.flame-tick').first()).toHaveText('0');

    // Spans are buttons named by service, name, duration and error.
    const errorSpan = graph.getByRole('button', {
      name: new RegExp(`^${escape(service)} ${escape(carrier.name)}\\b.*, error.*carries the error$`),
    });
    await expect(errorSpan).toBeVisible();
    await expect(errorSpan).toHaveClass(/\bis-error\b/);
    await expect(errorSpan).toHaveClass(/\bis-error-source\b/);
    await expect(graph.locator(`[data-span-id="${event.span_id}"]`)).toHaveClass(/\bis-entry\b/);

    // The span carrying the error is selected from the start: its error is in the details panel.
    const details = page.getByRole('region', { name: 'Span details' });
    await expect(details).toContainText(event.error_span_id);
    await expect(details.getByRole('heading', { name: 'Error', exact: true })).toBeVisible();
    await expect(details).toContainText(expected.fail.errorType);

    // Clicking the entry span shows its details instead (after hydration: retry until it does).
    if (entry.span_id !== carrier.span_id) {
      await expect(async () => {
        await graph.locator(`[data-span-id="${entry.span_id}"]`).click();
        await expect(details.locator('.span-id')).toHaveText(entry.span_id, { timeout: 1_000 });
      }).toPass({ timeout: 20_000 });
      await expect(details).toContainText(entry.resource);
      await expect(details).toContainText('Service entry');
    }

    // Zoom with the button and the wheel, then reset.
    const zoom = page.getByLabel('Zoom level');
    await expect(zoom).toHaveText('1.0×');
    await page.getByRole('button', { name: 'Zoom in' }).click();
    await expect(zoom).toHaveText('1.6×');
    const box = (await graph.boundingBox())!;
    await page.mouse.move(box.x + box.width * 0.25, box.y + box.height / 2);
    await page.mouse.wheel(0, -400);
    await expect(zoom).not.toHaveText('1.6×');
    await page.getByRole('button', { name: 'Reset' }).click();
    await expect(zoom).toHaveText('1.0×');

    // Back to the error span for the screenshot.
    await errorSpan.click();
    await expect(details.locator('.span-id')).toHaveText(carrier.span_id);
    await page.screenshot({ path: path.join(SCREENSHOTS, screenshot), fullPage: true });
    expect(problems, 'errors and warnings in the browser console').toEqual([]);
  });
}
