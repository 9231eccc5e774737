"""Keeps the apps' own output (request lines, Flask's exception log) on stdout, so stderr carries only what
the tracer says. The end-to-end suite asserts that the tracer's stderr has no complaint about the intake."""

import logging
import signal
import sys

import flask.logging


def app_logs_to_stdout(app, tracer_loggers=()):
    logging.basicConfig(stream=sys.stdout, level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    app.logger.removeHandler(flask.logging.default_handler)
    for name in tracer_loggers:
        tracer_log = logging.getLogger(name)
        tracer_log.addHandler(logging.StreamHandler(sys.stderr))
        tracer_log.setLevel(logging.WARNING)
        tracer_log.propagate = False


def exit_on_sigterm():
    """SIGTERM must unwind through sys.exit so that the tracer's atexit hook flushes the last spans."""
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
