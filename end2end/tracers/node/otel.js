'use strict'

// OpenTelemetry setup for express_otel.js, loaded with `node --require ./otel.js` so that http and express
// are instrumented before they are first required. Exports OTLP/HTTP JSON to OTEL_EXPORTER_OTLP_ENDPOINT;
// the resource comes from OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES, the batch delay from
// OTEL_BSP_SCHEDULE_DELAY.

const { diag, DiagConsoleLogger, DiagLogLevel } = require('@opentelemetry/api')
const { OTLPTraceExporter } = require('@opentelemetry/exporter-trace-otlp-http')
const { registerInstrumentations } = require('@opentelemetry/instrumentation')
const { ExpressInstrumentation } = require('@opentelemetry/instrumentation-express')
const { HttpInstrumentation } = require('@opentelemetry/instrumentation-http')
const { defaultResource, detectResources, envDetector } = require('@opentelemetry/resources')
const { BatchSpanProcessor, NodeTracerProvider } = require('@opentelemetry/sdk-trace-node')

// Export failures are reported through diag, which is silent unless a logger is set.
diag.setLogger(new DiagConsoleLogger(), DiagLogLevel.WARN)

const provider = new NodeTracerProvider({
  resource: defaultResource().merge(detectResources({ detectors: [envDetector] })),
  spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter())],
})
provider.register()

registerInstrumentations({
  instrumentations: [new HttpInstrumentation(), new ExpressInstrumentation()],
})

module.exports = { provider }
