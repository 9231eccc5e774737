'use strict'

// checkout-js: an Express service traced by dd-trace, started as `node --require dd-trace/init express_dd.js`
// (the tracer reads DD_SERVICE, DD_ENV, DD_VERSION and DD_TRACE_AGENT_URL from the environment).

const tracer = require('dd-trace')
const { buildApp, serve } = require('./routes')

const app = buildApp((name, fn) => tracer.trace(name, { resource: name }, fn))

// dd-trace flushes on beforeExit, once the server is closed and the event loop drains.
serve(app)
