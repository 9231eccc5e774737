'use strict'

// The checkout domain shared by the Express apps: a few frames of app code between the route and the throw.

const ORDERS = new Map([['1001', { items: 2, total: 42 }]])
const COUPONS = new Map([['HALF', { percent: 50 }]])

function loadOrder (orderId) {
  const order = ORDERS.get(orderId)
  if (order === undefined) {
    throw new Error(`order ${orderId} not found`)
  }
  return order
}

function priceOrder (orderId) {
  const order = loadOrder(orderId)
  return order.total
}

function checkout (orderId) {
  return { order: orderId, total: priceOrder(orderId) }
}

function discountRatio (coupon) {
  // A coupon that is not in the table: reading a property of undefined throws a TypeError.
  return COUPONS.get(coupon).percent / 100
}

function applyCoupon (coupon) {
  return { coupon, ratio: discountRatio(coupon) }
}

function reserveStock (sku) {
  throw new RangeError(`sku ${sku} is out of stock`)
}

module.exports = { checkout, applyCoupon, reserveStock }
