// What each tracer really sends for the two bugs (measured against a stand-in listener; see
// shared/TRACERS.md), and so what stackprint must show for each service.

import type { TracerKind } from './tracers';

export interface ExpectedBug {
  /** The route that raises it. */
  route: RegExp;
  /** error_type as the tracer reports it. */
  errorType: string;
  message: RegExp;
  /** In-app functions the parsed stack must name, innermost first (any order is accepted). */
  functions: string[];
  /** The app file those functions live in. */
  file: RegExp;
  /** The route handler and its file: the in-app frame where the request enters app code. */
  handler: { function: string; file: RegExp };
}

export interface ServiceExpectation {
  service: string;
  tracer: TracerKind;
  language: RegExp;
  fail: ExpectedBug;
  crash: ExpectedBug;
}

// ddtrace reports `module.Class` even for builtins; OpenTelemetry Python qualifies all but builtins;
// JavaScript tracers send the constructor name.
export const EXPECTATIONS: ServiceExpectation[] = [
  {
    service: 'checkout-py',
    tracer: 'ddtrace-py',
    language: /^python$/i,
    fail: {
      route: /^\/fail\//,
      errorType: 'builtins.ValueError',
      message: /^order (4711|815) not found$/,
      functions: ['load_order', 'price_order', 'checkout'],
      file: /(^|\/)orders\.py$/,
      handler: { function: 'fail', file: /(^|\/)flask_dd\.py$/ },
    },
    crash: {
      route: /^\/crash$/,
      errorType: 'orders.CouponExpired',
      message: /^coupon HALF expired on 2020-01-01$/,
      functions: ['discount_ratio', 'apply_coupon'],
      file: /(^|\/)orders\.py$/,
      handler: { function: 'crash', file: /(^|\/)flask_dd\.py$/ },
    },
  },
  {
    service: 'checkout-otel',
    tracer: 'otel-py',
    language: /^python$/i,
    fail: {
      route: /^\/fail\//,
      errorType: 'ValueError',
      message: /^order (4711|815) not found$/,
      functions: ['load_order', 'price_order', 'checkout'],
      file: /(^|\/)orders\.py$/,
      handler: { function: 'fail', file: /(^|\/)flask_otel\.py$/ },
    },
    crash: {
      route: /^\/crash$/,
      errorType: 'orders.CouponExpired',
      message: /^coupon HALF expired on 2020-01-01$/,
      functions: ['discount_ratio', 'apply_coupon'],
      file: /(^|\/)orders\.py$/,
      handler: { function: 'crash', file: /(^|\/)flask_otel\.py$/ },
    },
  },
  ...(['checkout-js', 'checkout-otel-js'] as const).map(
    (service): ServiceExpectation => ({
      service,
      tracer: service === 'checkout-js' ? 'dd-trace-js' : 'otel-js',
      language: /^(javascript|nodejs|node|js)$/i,
      fail: {
        route: /^\/fail\//,
        errorType: 'Error',
        message: /^order (4711|815) not found$/,
        functions: ['loadOrder', 'priceOrder', 'checkout'],
        file: /(^|\/)orders\.js$/,
        handler: { function: 'fail', file: /(^|\/)routes\.js$/ },
      },
      crash: {
        route: /^\/crash$/,
        errorType: 'TypeError',
        message: /^Cannot read properties of undefined \(reading 'percent'\)$/,
        functions: ['discountRatio', 'applyCoupon'],
        file: /(^|\/)orders\.js$/,
        handler: { function: 'crash', file: /(^|\/)routes\.js$/ },
      },
    }),
  ),
];

/** Library code: frames from here must not be in-app. */
export const LIBRARY_FILE = /(\/site-packages\/|\/dist-packages\/|\/node_modules\/|^node:|\/lib\/python3\.\d+\/)/;

/**
 * Lines a tracer writes to stderr when it cannot deliver to the intake or dislikes the agent. The apps send
 * their own logs to stdout, so stderr holds only what the tracer (or the runtime) says. Seen for real:
 *   ddtrace-py   "failed to send, dropping 6 traces to intake at http://…/v0.5/traces: Network error: …"
 *                "debugger::unsupported_agentUnsupported Datadog agent detected. …" (an /info it dislikes)
 *   dd-trace-js  "Error sending payload to the agent (status code: …)",
 *                "Error: DogStatsDClient: HTTP error from agent: …"
 *   OTel Python  "Transient error … encountered while exporting spans batch, retrying in 1.05s.",
 *                "Failed to export spans batch code: 404, reason: Not Found"
 *   OTel JS      "OTLPExporterError: Not Found" (diag logger, or our shutdown handler)
 */
export const TRACER_COMPLAINT =
  /\b(error|errors|failed|failure|unsupported|refused|dropping|dropped|timed? ?out|exception|traceback|warning)\b/i;
