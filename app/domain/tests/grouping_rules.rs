//! What must group together and what must stay apart: the rules shared by every language (override,
//! unparseable stacks, services, the message without in-app frames), on Python tracebacks. The other
//! languages are in `grouping_rules_dynamic.rs` (Node.js, Ruby, PHP) and `grouping_rules_compiled.rs`
//! (JVM, Go, .NET, Rust).

mod common;

use common::{assert_apart, assert_same_issue, group, hash};
use domain::grouping::{GroupingInput, fingerprint};
use domain::stacktrace::{Language, parse};

const PY_ORDER_V41: &str = r#"Traceback (most recent call last):
  File "/home/deploy/.venv/lib/python3.11/site-packages/django/core/handlers/exception.py", line 55, in inner
    response = get_response(request)
  File "/home/deploy/.venv/lib/python3.11/site-packages/django/core/handlers/base.py", line 197, in _get_response
    response = wrapped_callback(request, *callback_args, **callback_kwargs)
  File "/srv/app/releases/41/app/views.py", line 88, in order_detail
    order = load_order(request.user, order_id)
  File "/srv/app/releases/41/app/orders.py", line 31, in load_order
    raise OrderNotFound(f"order {order_id} not found for {user.email}")
app.orders.OrderNotFound: order 1042 not found for alice@example.com
"#;

#[test]
fn python_same_bug_after_a_redeploy() {
    let v42 = r#"Traceback (most recent call last):
  File "/usr/local/lib/python3.12/site-packages/django/core/handlers/exception.py", line 57, in inner
    response = get_response(request)
               ^^^^^^^^^^^^^^^^^^^^^
  File "/usr/local/lib/python3.12/site-packages/ddtrace/contrib/internal/django/patch.py", line 144, in wrapped
    return func(*args, **kwargs)
           ^^^^^^^^^^^^^^^^^^^^^
  File "/usr/local/lib/python3.12/site-packages/django/core/handlers/base.py", line 197, in _get_response
    response = wrapped_callback(request, *callback_args, **callback_kwargs)
               ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^
  File "/srv/app/releases/42/app/views.py", line 91, in order_detail
    order = load_order(request.user, order_id)
            ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^
  File "/srv/app/releases/42/app/orders.py", line 35, in load_order
    raise OrderNotFound(f"order {order_id} not found for {user.email}")
app.orders.OrderNotFound: order 77 not found for bob@example.org
"#;
    assert_same_issue(Language::Python, PY_ORDER_V41, v42);
}

#[test]
fn python_recursion_depth_and_comprehensions() {
    let shallow = r#"Traceback (most recent call last):
  File "/srv/app/app/tasks.py", line 20, in sync_categories
    paths = sorted((path_of(c) for c in categories), key=lambda p: p.depth)
  File "/srv/app/app/tasks.py", line 20, in <genexpr>
    paths = sorted((path_of(c) for c in categories), key=lambda p: p.depth)
  File "/srv/app/app/tasks.py", line 20, in <lambda>
    paths = sorted((path_of(c) for c in categories), key=lambda p: p.depth)
  File "/srv/app/app/categories.py", line 14, in path_of
    return [path_of(p) for p in node.parents]
  File "/srv/app/app/categories.py", line 14, in <listcomp>
    return [path_of(p) for p in node.parents]
  File "/srv/app/app/categories.py", line 11, in path_of
    raise CycleError(node.id)
app.categories.CycleError: 42
"#;
    // Python 3.12 inlines the list comprehension; the recursion is deeper and the lines moved.
    let deep = r#"Traceback (most recent call last):
  File "/srv/app/app/tasks.py", line 22, in sync_categories
    paths = sorted((path_of(c) for c in categories), key=lambda p: p.depth)
                                                         ^^^^^^^^^^^^^^^^^^
  File "/srv/app/app/tasks.py", line 22, in <genexpr>
    paths = sorted((path_of(c) for c in categories), key=lambda p: p.depth)
  File "/srv/app/app/tasks.py", line 22, in <lambda>
    paths = sorted((path_of(c) for c in categories), key=lambda p: p.depth)
  File "/srv/app/app/categories.py", line 15, in path_of
    return [path_of(p) for p in node.parents]
            ^^^^^^^^^^
  File "/srv/app/app/categories.py", line 15, in path_of
    return [path_of(p) for p in node.parents]
            ^^^^^^^^^^
  File "/srv/app/app/categories.py", line 15, in path_of
    return [path_of(p) for p in node.parents]
            ^^^^^^^^^^
  [Previous line repeated 6 more times]
  File "/srv/app/app/categories.py", line 12, in path_of
    raise CycleError(node.id)
app.categories.CycleError: 7
"#;
    assert_same_issue(Language::Python, shallow, deep);
}

#[test]
fn python_stays_apart() {
    let other_type = PY_ORDER_V41.replace(
        "app.orders.OrderNotFound: order 1042 not found for alice@example.com",
        "AttributeError: 'AnonymousUser' object has no attribute 'email'",
    );
    let other_function = PY_ORDER_V41.replace("in load_order", "in load_invoice");
    assert_apart(
        Language::Python,
        PY_ORDER_V41,
        &[
            (&other_type, "another error type at the same place"),
            (&other_function, "the same type from another function"),
        ],
    );
}

#[test]
fn python_chained_causes_count() {
    let wrapper = |cause: &str| {
        format!(
            r#"Traceback (most recent call last):
  File "/srv/app/app/payments.py", line 40, in charge
    return psp.capture(order.payment_id)
{cause}

The above exception was the direct cause of the following exception:

Traceback (most recent call last):
  File "/srv/app/app/views.py", line 12, in checkout
    payments.charge(order)
  File "/srv/app/app/payments.py", line 42, in charge
    raise PaymentFailed(order.id) from exc
app.payments.PaymentFailed: 1042
"#
        )
    };
    let card = r#"  File "/usr/local/lib/python3.12/site-packages/stripe/api_requestor.py", line 402, in handle_error_response
    raise err
stripe.error.CardError: Your card was declined."#;
    let timeout = r#"  File "/usr/local/lib/python3.12/site-packages/requests/adapters.py", line 532, in send
    raise ReadTimeout(e, request=request)
requests.exceptions.ReadTimeout: HTTPSConnectionPool(host='api.stripe.com', port=443): Read timed out. (read timeout=10)"#;
    let from_refund = wrapper(card).replacen("line 40, in charge", "line 58, in refund", 1);
    let base = hash(Language::Python, &wrapper(card));
    assert_ne!(
        base,
        hash(Language::Python, &wrapper(timeout)),
        "a cause of another type"
    );
    assert_ne!(
        base,
        hash(Language::Python, &from_refund),
        "a cause from another in-app function"
    );
    assert_eq!(
        base,
        hash(
            Language::Python,
            &wrapper(card).replace("line 42", "line 44")
        )
    );
}

#[test]
fn python_message_counts_without_in_app_frames() {
    let redis = |message: &str| {
        format!(
            r#"Traceback (most recent call last):
  File "/usr/local/lib/python3.12/site-packages/celery/app/trace.py", line 453, in trace_task
    R = retval = fun(*args, **kwargs)
  File "/usr/local/lib/python3.12/site-packages/redis/connection.py", line 357, in connect
    raise ConnectionError(self._error_message(e))
redis.exceptions.ConnectionError: {message}
"#
        )
    };
    let base = hash(
        Language::Python,
        &redis("Error 111 connecting to 10.0.3.7:6379. Connection refused."),
    );
    assert_eq!(
        base,
        hash(
            Language::Python,
            &redis("Error 111 connecting to 10.0.4.12:6380. Connection refused.")
        )
    );
    assert_ne!(
        base,
        hash(Language::Python, &redis("Timeout connecting to server"))
    );
    let tree = group(
        "worker",
        Language::Python,
        &redis("Timeout connecting to server"),
        None,
    )
    .tree;
    let message = tree
        .children
        .iter()
        .find(|c| c.id == "message")
        .expect("message component");
    assert!(message.contributes);
    assert_eq!(
        message.hint.as_deref(),
        Some("no in-app frame: grouped by error type and normalized message")
    );
}

#[test]
fn override_replaces_everything_but_the_service() {
    let orders = group(
        "shop-api",
        Language::Python,
        PY_ORDER_V41,
        Some("orders-db-outage"),
    );
    let other_bug = group(
        "shop-api",
        Language::Python,
        &PY_ORDER_V41.replace("OrderNotFound: order", "Timeout: order"),
        Some(" orders-db-outage "),
    );
    let other_service = group(
        "billing",
        Language::Python,
        PY_ORDER_V41,
        Some("orders-db-outage"),
    );
    assert_eq!(orders.hash, other_bug.hash);
    assert_ne!(orders.hash, other_service.hash);
    assert_ne!(
        orders.hash,
        group("shop-api", Language::Python, PY_ORDER_V41, None).hash
    );

    let ids: Vec<_> = orders
        .tree
        .children
        .iter()
        .map(|c| (c.id.as_str(), c.contributes))
        .collect();
    assert_eq!(
        ids,
        [
            ("service", true),
            ("override", true),
            ("exception", false),
            ("message", false),
            ("project_root", false)
        ]
    );
    assert_eq!(
        orders.tree.children[2].hint.as_deref(),
        Some("overridden by error.fingerprint")
    );
    assert_eq!(
        group("shop-api", Language::Python, PY_ORDER_V41, Some("  ")).hash,
        hash(Language::Python, PY_ORDER_V41)
    );
}

#[test]
fn unparseable_stack_falls_back_to_type_and_message() {
    let raw = |message: &str| {
        let stacktrace = parse(
            "<no stack: exception raised in C extension>",
            Some(Language::Python),
        );
        assert!(stacktrace.raw);
        fingerprint(&GroupingInput {
            service: "shop-api",
            error_type: "psycopg.OperationalError",
            message,
            stacktrace: &stacktrace,
            fingerprint_override: None,
        })
    };
    let first = raw(
        "connection to server at \"db-1.internal\" (10.0.3.7), port 5432 failed: timeout expired",
    );
    let second = raw(
        "connection to server at \"db-2.internal\" (10.0.3.9), port 5433 failed: timeout expired",
    );
    assert_eq!(first.hash, second.hash);
    assert_ne!(
        first.hash,
        raw("server closed the connection unexpectedly").hash
    );
    let hints: Vec<_> = first
        .tree
        .children
        .iter()
        .filter_map(|c| c.hint.as_deref())
        .collect();
    assert_eq!(
        hints,
        ["no frames in the stack: grouped by error type and normalized message"]
    );
    let stack_hint = first.tree.children[1].children[1].hint.as_deref();
    assert_eq!(stack_hint, Some("the stack could not be parsed"));
}

#[test]
fn services_never_share_an_issue() {
    assert_ne!(
        group("shop-api", Language::Python, PY_ORDER_V41, None).hash,
        group("shop-worker", Language::Python, PY_ORDER_V41, None).hash
    );
}
