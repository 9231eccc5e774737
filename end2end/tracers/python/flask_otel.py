"""checkout-otel: a Flask service traced by the OpenTelemetry SDK, exporting OTLP/HTTP (protobuf) to
OTEL_EXPORTER_OTLP_ENDPOINT. Service name, version and environment come from OTEL_SERVICE_NAME and
OTEL_RESOURCE_ATTRIBUTES; the batch delay from OTEL_BSP_SCHEDULE_DELAY.

Routes as in flask_dd.py: /ok, /handled, /fail/<id>, /crash.
"""

import os

from flask import Flask
from opentelemetry import trace
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.instrumentation.flask import FlaskInstrumentor
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor

import orders
from app_logging import app_logs_to_stdout, exit_on_sigterm

provider = TracerProvider(resource=Resource.create())
provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
trace.set_tracer_provider(provider)
tracer = trace.get_tracer("checkout-otel")

app = Flask(__name__)
FlaskInstrumentor().instrument_app(app)


@app.route("/ok")
def ok():
    return {"status": "ok"}


@app.route("/handled")
def handled():
    try:
        # start_as_current_span records the exception and sets status ERROR before re-raising.
        with tracer.start_as_current_span("inventory.reserve"):
            orders.reserve_stock("sku-42")
    except RuntimeError:
        return {"status": "backordered"}
    return {"status": "reserved"}


@app.route("/fail/<order_id>")
def fail(order_id):
    return orders.checkout(order_id)


@app.route("/crash")
def crash():
    return orders.apply_coupon("HALF")


if __name__ == "__main__":
    app_logs_to_stdout(app, tracer_loggers=["opentelemetry"])
    exit_on_sigterm()
    app.run(host="127.0.0.1", port=int(os.environ["PORT"]), threaded=True)
