//! What must group together and what must stay apart, on stack traces as Node.js, Ruby and PHP print
//! them. The rules shared by every language are in `grouping_rules.rs`.

mod common;

use common::{assert_apart, assert_same_issue, frames_hash};
use domain::stacktrace::Language;

const JS_ORDER_V1: &str = "TypeError: Cannot read properties of undefined (reading 'total')
    at OrdersController.show (/app/dist/orders/controller.js:42:27)
    at /app/node_modules/express/lib/router/layer.js:95:5
    at Layer.handle [as handle_request] (/app/node_modules/express/lib/router/layer.js:95:5)
    at next (/app/node_modules/express/lib/router/route.js:149:13)
    at Route.dispatch (/app/node_modules/express/lib/router/route.js:119:3)
";

#[test]
fn javascript_same_bug_after_a_redeploy() {
    let v2 = "TypeError: Cannot read properties of undefined (reading 'total')
    at async OrdersController.show (/usr/src/app/dist/orders/controller.js:44:31)
    at /usr/src/app/node_modules/dd-trace/packages/datadog-instrumentations/src/router.js:100:12
    at /usr/src/app/node_modules/express/lib/router/layer.js:95:5
    at Layer.handle [as handle_request] (/usr/src/app/node_modules/express/lib/router/layer.js:95:5)
    at /usr/src/app/node_modules/dd-trace/packages/datadog-instrumentations/src/router.js:100:12
    at next (/usr/src/app/node_modules/express/lib/router/route.js:149:13)
    at Route.dispatch (/usr/src/app/node_modules/express/lib/router/route.js:119:3)
";
    assert_same_issue(Language::JavaScript, JS_ORDER_V1, v2);
}

#[test]
fn javascript_anonymous_functions_and_recursion() {
    // The same `socket.on('data', function () { ... })` handler on a plain and on a TLS socket, with
    // a recursive `walk` through `Array.forEach` of another depth.
    let plain = "RangeError: frame 17 exceeds limit
    at parse (/app/dist/ingest/frames.js:30:11)
    at walk (/app/dist/ingest/frames.js:12:9)
    at Array.forEach (<anonymous>)
    at /app/dist/ingest/frames.js:14:18
    at walk (/app/dist/ingest/frames.js:12:9)
    at Socket.<anonymous> (/app/dist/ingest/server.js:21:5)
    at Socket.emit (node:events:519:28)
    at addChunk (node:internal/streams/readable:559:12)
";
    let tls = "RangeError: frame 3 exceeds limit
    at parse (/usr/src/app/dist/ingest/frames.js:31:11)
    at walk (/usr/src/app/dist/ingest/frames.js:13:9)
    at Array.forEach (<anonymous>)
    at /usr/src/app/dist/ingest/frames.js:15:18
    at walk (/usr/src/app/dist/ingest/frames.js:13:9)
    at Array.forEach (<anonymous>)
    at /usr/src/app/dist/ingest/frames.js:15:18
    at walk (/usr/src/app/dist/ingest/frames.js:13:9)
    at Array.forEach (<anonymous>)
    at /usr/src/app/dist/ingest/frames.js:15:18
    at walk (/usr/src/app/dist/ingest/frames.js:13:9)
    at TLSSocket.<anonymous> (/usr/src/app/dist/ingest/server.js:23:5)
    at TLSSocket.emit (node:events:519:28)
    at addChunk (node:internal/streams/readable:559:12)
";
    assert_same_issue(Language::JavaScript, plain, tls);
}

#[test]
fn javascript_stays_apart() {
    let other_type = JS_ORDER_V1.replace("TypeError: Cannot read", "ReferenceError: Cannot read");
    let other_function = JS_ORDER_V1.replace("OrdersController.show", "OrdersController.update");
    assert_apart(
        Language::JavaScript,
        JS_ORDER_V1,
        &[
            (&other_type, "another error type at the same place"),
            (&other_function, "the same type from another function"),
        ],
    );

    let with_cause = |cause: &str| {
        format!(
            "Error: failed to charge order 9f1c2d7e
    at chargeOrder (/app/dist/payments/charge.js:77:15)
    at async PaymentsController.capture (/app/dist/payments/controller.js:24:9) {{
  [cause]: {cause}
}}
"
        )
    };
    let refused = with_cause(
        "Error: connect ECONNREFUSED 10.0.3.7:443\n      at TCPConnectWrap.afterConnect [as oncomplete] (node:net:1607:16)",
    );
    let declined = with_cause(
        "CardDeclinedError: card declined\n      at PspClient.capture (/app/dist/payments/psp-client.js:31:20)",
    );
    assert_ne!(
        frames_hash(Language::JavaScript, &refused),
        frames_hash(Language::JavaScript, &declined)
    );
}

const RUBY_33: &str = "/srv/storefront/releases/20240105123456/app/services/checkout/payment_capture.rb:58:in `rescue in capture!': payment capture failed for order R482913307 (Checkout::PaymentError)
\tfrom /srv/storefront/releases/20240105123456/app/services/checkout/payment_capture.rb:49:in `capture!'
\tfrom /srv/storefront/releases/20240105123456/app/controllers/checkouts_controller.rb:31:in `block in update'
\tfrom /usr/local/bundle/gems/activesupport-7.1.3/lib/active_support/callbacks.rb:121:in `block in run_callbacks'
\tfrom /srv/storefront/releases/20240105123456/app/controllers/checkouts_controller.rb:30:in `update'
\tfrom /usr/local/bundle/gems/actionpack-7.1.3/lib/abstract_controller/base.rb:224:in `process_action'
\tfrom /usr/local/bundle/gems/puma-6.4.2/lib/puma/thread_pool.rb:155:in `block in spawn_thread'
";

#[test]
fn ruby_same_bug_after_a_redeploy() {
    // Another release directory, Ruby 3.4's quoting and class-qualified labels, the tracer's wrapper.
    let ruby_34 = "/srv/storefront/releases/20240212093011/app/services/checkout/payment_capture.rb:61:in 'rescue in Checkout::PaymentCapture#capture!': payment capture failed for order R519004211 (Checkout::PaymentError)
\tfrom /srv/storefront/releases/20240212093011/app/services/checkout/payment_capture.rb:50:in 'Checkout::PaymentCapture#capture!'
\tfrom /srv/storefront/releases/20240212093011/app/controllers/checkouts_controller.rb:31:in 'block in CheckoutsController#update'
\tfrom /usr/local/bundle/gems/activesupport-7.2.1/lib/active_support/callbacks.rb:121:in 'block in ActiveSupport::Callbacks#run_callbacks'
\tfrom /srv/storefront/releases/20240212093011/app/controllers/checkouts_controller.rb:30:in 'CheckoutsController#update'
\tfrom /usr/local/bundle/gems/datadog-2.3.0/lib/datadog/tracing/contrib/action_pack/action_controller/instrumentation.rb:153:in 'Datadog::Tracing::Contrib::ActionPack::ActionController::Instrumentation#process_action'
\tfrom /usr/local/bundle/gems/actionpack-7.2.1/lib/abstract_controller/base.rb:226:in 'AbstractController::Base#process_action'
\tfrom /usr/local/bundle/gems/puma-6.4.2/lib/puma/thread_pool.rb:155:in 'block in Puma::ThreadPool#spawn_thread'
";
    assert_same_issue(Language::Ruby, RUBY_33, ruby_34);
}

#[test]
fn ruby_stays_apart() {
    let other_type = RUBY_33.replace("(Checkout::PaymentError)", "(Checkout::FraudSuspected)");
    let other_function = RUBY_33.replace("in `capture!'", "in `refund!'");
    let with_cause = |cause: &str| {
        format!(
            "{RUBY_33}{cause}\n\tfrom /srv/storefront/releases/20240105123456/app/services/checkout/payment_capture.rb:49:in `capture!'\n"
        )
    };
    let timeout = with_cause(
        "/usr/local/lib/ruby/3.3.0/net/protocol.rb:229:in `rbuf_fill': Net::ReadTimeout with #<TCPSocket:(closed)> (Net::ReadTimeout)\n\tfrom /srv/storefront/releases/20240105123456/app/clients/psp_client.rb:22:in `post_capture'",
    );
    let declined = with_cause(
        "/srv/storefront/releases/20240105123456/app/clients/psp_client.rb:40:in `check!': card declined (PspClient::Declined)\n\tfrom /srv/storefront/releases/20240105123456/app/clients/psp_client.rb:23:in `post_capture'",
    );
    assert_apart(
        Language::Ruby,
        RUBY_33,
        &[
            (&other_type, "another error type at the same place"),
            (&other_function, "the same type from another function"),
        ],
    );
    assert_ne!(
        frames_hash(Language::Ruby, &timeout),
        frames_hash(Language::Ruby, &declined),
        "a cause of another type"
    );
}

const PHP_RELEASE_41: &str = r"PHP Fatal error:  Uncaught RuntimeException: Order 48213 not found in /var/www/shop/releases/41/src/Repository/OrderRepository.php:37
Stack trace:
#0 /var/www/shop/releases/41/src/Service/CheckoutService.php(61): App\Repository\OrderRepository->findOrFail(48213)
#1 /var/www/shop/releases/41/src/Service/CheckoutService.php(44): App\Service\CheckoutService->App\Service\{closure}(Object(App\Entity\Order))
#2 [internal function]: App\Service\CheckoutService->confirm(48213, Object(App\Entity\User))
#3 /var/www/shop/releases/41/vendor/symfony/http-kernel/HttpKernel.php(181): call_user_func_array(Array, Array)
#4 /var/www/shop/releases/41/vendor/symfony/http-kernel/HttpKernel.php(76): Symfony\Component\HttpKernel\HttpKernel->handleRaw(Object(Symfony\Component\HttpFoundation\Request), 1)
#5 /var/www/shop/releases/41/public/index.php(5): Symfony\Component\HttpKernel\HttpKernel->handle(Object(Symfony\Component\HttpFoundation\Request))
#6 {main}
  thrown in /var/www/shop/releases/41/src/Repository/OrderRepository.php on line 37
";

#[test]
fn php_same_bug_after_a_redeploy() {
    // Another release directory; PHP 8.4 (8.3 before) names the closure by its method and line; the
    // tracer's wrapper.
    let release_42 = r"PHP Fatal error:  Uncaught RuntimeException: Order 50177 not found in /var/www/shop/releases/42/src/Repository/OrderRepository.php:39
Stack trace:
#0 /var/www/shop/releases/42/src/Service/CheckoutService.php(66): App\Repository\OrderRepository->findOrFail(50177)
#1 /var/www/shop/releases/42/src/Service/CheckoutService.php(49): App\Service\CheckoutService->{closure:App\Service\CheckoutService::confirm():47}(Object(App\Entity\Order))
#2 [internal function]: App\Service\CheckoutService->confirm(50177, Object(App\Entity\User))
#3 /var/www/shop/releases/42/vendor/symfony/http-kernel/HttpKernel.php(181): call_user_func_array(Array, Array)
#4 /opt/datadog/dd-library/1.4.2/dd-trace-sources/src/DDTrace/Integrations/Symfony/SymfonyIntegration.php(214): Symfony\Component\HttpKernel\HttpKernel->handleRaw(Object(Symfony\Component\HttpFoundation\Request), 1)
#5 /var/www/shop/releases/42/vendor/symfony/http-kernel/HttpKernel.php(76): DDTrace\Integrations\Symfony\SymfonyIntegration->{closure:DDTrace\Integrations\Symfony\SymfonyIntegration::init():205}(Object(Symfony\Component\HttpFoundation\Request), 1)
#6 /var/www/shop/releases/42/public/index.php(5): Symfony\Component\HttpKernel\HttpKernel->handle(Object(Symfony\Component\HttpFoundation\Request))
#7 {main}
  thrown in /var/www/shop/releases/42/src/Repository/OrderRepository.php on line 39
";
    assert_same_issue(Language::Php, PHP_RELEASE_41, release_42);
}

#[test]
fn php_stays_apart() {
    let other_type = PHP_RELEASE_41.replace("Uncaught RuntimeException", "Uncaught LogicException");
    let other_function = PHP_RELEASE_41.replace(
        "OrderRepository->findOrFail(48213)",
        "OrderRepository->lockOrFail(48213)",
    );
    assert_apart(
        Language::Php,
        PHP_RELEASE_41,
        &[
            (&other_type, "another error type at the same place"),
            (&other_function, "the same type from another function"),
        ],
    );
}
