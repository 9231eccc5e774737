"""checkout-py: a Flask service traced by ddtrace, started as `ddtrace-run python flask_dd.py`.

Routes: /ok succeeds; /handled records an error on a child span and still answers 200; /fail/<id> raises
ValueError("order <id> not found") three frames deep; /crash raises orders.CouponExpired (a second bug).
"""

import os

from ddtrace.trace import tracer
from flask import Flask

import orders
from app_logging import app_logs_to_stdout, exit_on_sigterm

app = Flask(__name__)


@app.route("/ok")
def ok():
    return {"status": "ok"}


@app.route("/handled")
def handled():
    try:
        with tracer.trace("inventory.reserve", resource="reserve_stock"):
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
    # ddtrace logs through its own stderr handler on the "ddtrace" logger.
    app_logs_to_stdout(app)
    exit_on_sigterm()
    app.run(host="127.0.0.1", port=int(os.environ["PORT"]), threaded=True)
