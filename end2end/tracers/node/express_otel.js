'use strict'

// checkout-otel-js: an Express service traced by the OpenTelemetry JS SDK, started as
// `node --require ./otel.js express_otel.js`.

const { trace, SpanStatusCode } = require('@opentelemetry/api')
const { provider } = require('./otel')
const { buildApp, serve } = require('./routes')

const tracer = trace.getTracer('checkout-otel-js')

function traceChild (name, fn) {
  return tracer.startActiveSpan(name, (span) => {
    try {
      return fn()
    } catch (err) {
      span.recordException(err)
      span.setStatus({ code: SpanStatusCode.ERROR, message: err.message })
      throw err
    } finally {
      span.end()
    }
  })
}

serve(buildApp(traceChild), () => provider.shutdown())
