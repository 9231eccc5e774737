'use strict'

// The routes both Express apps serve; `traceChild(name, fn)` runs fn in a child span with the app's tracer.

const express = require('express')
const orders = require('./orders')

function buildApp (traceChild) {
  const app = express()

  app.get('/ok', (req, res) => {
    res.json({ status: 'ok' })
  })

  app.get('/handled', (req, res) => {
    try {
      traceChild('inventory.reserve', () => orders.reserveStock('sku-42'))
      res.json({ status: 'reserved' })
    } catch (err) {
      res.json({ status: 'backordered' })
    }
  })

  app.get('/fail/:orderId', function fail (req, res) {
    res.json(orders.checkout(req.params.orderId))
  })

  app.get('/crash', function crash (req, res) {
    res.json(orders.applyCoupon('SPRING'))
  })

  // The app's own error log goes to stdout: stderr carries only what the tracer says.
  app.use((err, req, res, next) => {
    console.log(`unhandled error on ${req.method} ${req.path}: ${err.stack}`)
    res.status(500).json({ error: err.message })
  })

  return app
}

// Serves on PORT. On SIGTERM it stops accepting, runs `shutdown` (the tracer's flush) if given, and exits;
// without one the event loop simply drains, which fires the tracer's own beforeExit flush.
function serve (app, shutdown) {
  const server = app.listen(Number(process.env.PORT), '127.0.0.1', () => {
    console.log(`listening on 127.0.0.1:${process.env.PORT}`)
  })
  process.once('SIGTERM', () => {
    server.close(() => {
      if (shutdown === undefined) return
      shutdown().then(() => process.exit(0), (err) => {
        console.error('tracer shutdown failed:', err)
        process.exit(1)
      })
    })
  })
}

module.exports = { buildApp, serve }
