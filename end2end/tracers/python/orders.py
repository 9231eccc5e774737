"""The checkout domain shared by the Flask apps: a few frames of app code between the view and the raise."""

from datetime import date

ORDERS = {"1001": {"items": 2, "total": 42.0}}
COUPONS = {"HALF": {"percent": 50, "expires": date(2020, 1, 1)}}


class CouponExpired(Exception):
    """An app-defined type: tracers report it module-qualified (orders.CouponExpired)."""


def load_order(order_id):
    order = ORDERS.get(order_id)
    if order is None:
        raise ValueError(f"order {order_id} not found")
    return order


def price_order(order_id):
    order = load_order(order_id)
    return order["total"]


def checkout(order_id):
    return {"order": order_id, "total": price_order(order_id)}


def discount_ratio(code):
    coupon = COUPONS[code]
    if coupon["expires"] < date.today():
        raise CouponExpired(f"coupon {code} expired on {coupon['expires']}")
    return coupon["percent"] / 100


def apply_coupon(code):
    return {"coupon": code, "ratio": discount_ratio(code)}


def reserve_stock(sku):
    raise RuntimeError(f"sku {sku} is out of stock")
