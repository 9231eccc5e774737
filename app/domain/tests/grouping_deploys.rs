//! Grouping 2026-12 does not depend on where the code was deployed: the same stack under container,
//! VM, Capistrano, CI and Windows roots, and under roots no rule names, is one issue; another file or
//! function under the same root is another issue. Python, Node, Ruby and PHP frames count by their
//! path below the root; Go, .NET and Rust ones by import path, class or crate path, with the deploy
//! root still in their files.

mod common;

use common::frames_hash as hash;
use domain::grouping::{GroupingVersion, culprit};
use domain::stacktrace::{Language, parse};

/// Deploy roots seen in the wild and two nobody would list.
const ROOTS: [&str; 16] = [
    "/app",
    "/usr/src/app",
    "/code",
    "/workspace",
    "/var/www/html",
    "/rails",
    "/opt/shop",
    "/srv/shop/releases/20261201120000",
    "/home/deploy/shop/current",
    "/var/www/releases/3f2a1b9c",
    "/builds/acme/shop",
    "/home/runner/work/shop/shop",
    "/tmp/build_8f3a2b1c9d",
    "C:\\inetpub\\wwwroot",
    "/mnt/disk2/svc-7",
    "/data/k8s/pods/shop-7d9f8-x2x9q/volumes/code",
];

fn python(root: &str, file: &str, function: &str, line: u32) -> String {
    let sep = if root.contains('\\') { "\\" } else { "/" };
    format!(
        "Traceback (most recent call last):\n  File \"/usr/local/lib/python3.12/site-packages/flask/app.py\", line 880, in full_dispatch_request\n  File \"{root}{sep}shop{sep}views.py\", line {}, in checkout\n  File \"{root}{sep}shop{sep}{file}\", line {line}, in {function}\nKeyError: 'sku'\n",
        line + 40
    )
}

fn node(root: &str, file: &str, function: &str, line: u32) -> String {
    let sep = if root.contains('\\') { "\\" } else { "/" };
    format!(
        "TypeError: Cannot read properties of undefined (reading 'id')\n    at {function} ({root}{sep}dist{sep}{file}:{line}:17)\n    at async handler ({root}{sep}dist{sep}routes{sep}cart.js:{}:5)\n    at Layer.handle [as handle_request] ({root}{sep}node_modules{sep}express{sep}lib{sep}router{sep}layer.js:95:5)\n",
        line + 3
    )
}

fn ruby(root: &str, file: &str, function: &str, line: u32) -> String {
    format!(
        "{root}/app/models/{file}:{line}:in `{function}'\n{root}/vendor/bundle/ruby/3.3.0/gems/activesupport-7.1.3/lib/active_support/cache.rb:1002:in `block in fetch'\n{root}/app/controllers/carts_controller.rb:{}:in `show'\n/usr/local/bundle/gems/actionpack-7.1.3/lib/action_controller/metal/basic_implicit_render.rb:6:in `send_action'\n",
        line + 7
    )
}

fn php(root: &str, file: &str, function: &str, line: u32) -> String {
    format!(
        "#0 {root}/src/Service/{file}({line}): App\\Service\\Pricing->{function}()\n#1 {root}/src/Controller/CartController.php({}): App\\Service\\Cart->total()\n#2 {root}/vendor/symfony/http-kernel/HttpKernel.php(181): App\\Controller\\CartController->show()\n#3 {{main}}\n",
        line + 9
    )
}

/// dd-trace-go's `error.stack`; Go prints `/` even on Windows.
fn go(root: &str, file: &str, function: &str, line: u32) -> String {
    let root = root.replace('\\', "/");
    format!(
        "github.com/acme/shop/internal/{file}.{function}\n\t{root}/internal/{file}/{file}.go:{line}\ngithub.com/acme/shop/internal/api.(*Handler).Checkout\n\t{root}/internal/api/checkout.go:{}\nnet/http.HandlerFunc.ServeHTTP\n\t/usr/local/go/src/net/http/server.go:2171\n",
        line + 5
    )
}

/// `exception.ToString()` with the PDB's paths.
fn dotnet(root: &str, file: &str, function: &str, line: u32) -> String {
    let sep = if root.contains('\\') { "\\" } else { "/" };
    format!(
        "System.InvalidOperationException: No price for sku-7\n   at Acme.Shop.Cart.{file}.{function}(String sku) in {root}{sep}Cart{sep}{file}.cs:line {line}\n   at Acme.Shop.Controllers.CheckoutController.Checkout(CheckoutRequest request) in {root}{sep}Controllers{sep}CheckoutController.cs:line {}\n   at Microsoft.AspNetCore.Mvc.Infrastructure.ActionMethodExecutor.TaskOfIActionResultExecutor.Execute(ActionContext actionContext)\n",
        line + 5
    )
}

/// A panic's `std::backtrace` with absolute source paths (the binary runs away from its build dir).
fn rust(root: &str, file: &str, function: &str, line: u32) -> String {
    let sep = if root.contains('\\') { "\\" } else { "/" };
    format!(
        "thread 'tokio-runtime-worker' panicked at src/cart.rs:{line}:9:\nboom\nstack backtrace:\n   0: rust_begin_unwind\n   1: core::panicking::panic_fmt\n   2: shop::{file}::{function}\n             at {root}{sep}src{sep}{file}.rs:{line}:9\n   3: shop::routes::checkout::{{{{closure}}}}\n             at {root}{sep}src{sep}routes{sep}checkout.rs:{}:20\n",
        line + 5
    )
}

type Template = fn(&str, &str, &str, u32) -> String;

const CASES: [(Language, Template, &str, &str, &str, &str); 7] = [
    (
        Language::Python,
        python,
        "cart.py",
        "total",
        "pricing.py",
        "total",
    ),
    (
        Language::JavaScript,
        node,
        "cart.js",
        "total",
        "pricing.js",
        "total",
    ),
    (
        Language::Ruby,
        ruby,
        "cart.rb",
        "total",
        "order.rb",
        "total",
    ),
    (
        Language::Php,
        php,
        "Cart.php",
        "total",
        "Cart.php",
        "subtotal",
    ),
    (Language::Go, go, "cart", "Total", "pricing", "Total"),
    (
        Language::DotNet,
        dotnet,
        "PriceBook",
        "PriceOf",
        "PriceBook",
        "DiscountOf",
    ),
    (Language::Rust, rust, "cart", "total", "pricing", "total"),
];

#[test]
fn one_issue_under_every_deploy_root() {
    for (language, template, file, function, _, _) in CASES {
        let first = hash(language, &template(ROOTS[0], file, function, 10));
        for (i, root) in ROOTS.iter().enumerate() {
            let stack = template(root, file, function, 10 + i as u32);
            assert_eq!(hash(language, &stack), first, "{language:?} under {root}");
        }
    }
}

#[test]
fn other_code_under_the_same_root_stays_apart() {
    for (language, template, file, function, other_file, other_function) in CASES {
        for root in ROOTS {
            assert_ne!(
                hash(language, &template(root, file, function, 10)),
                hash(language, &template(root, other_file, other_function, 10)),
                "{language:?} under {root}"
            );
        }
    }
}

#[test]
fn the_culprit_is_project_relative() {
    for root in ROOTS.iter().filter(|r| !r.contains('\\')) {
        let stack = parse(
            &ruby(root, "cart.rb", "block (2 levels) in total", 3),
            Some(Language::Ruby),
        );
        assert_eq!(
            culprit(&stack, GroupingVersion::V2026_12).as_deref(),
            Some("app/models/cart.rb in total"),
            "{root}"
        );
    }
}

#[test]
fn a_cache_block_around_the_call_is_the_same_issue() {
    let plain = "/app/app/models/cart.rb:12:in `total'\n/app/app/controllers/carts_controller.rb:8:in `show'\n";
    let cached = "/srv/shop/current/app/models/cart.rb:14:in `block in total'\n/usr/local/bundle/gems/activesupport-7.1.3/lib/active_support/cache.rb:1002:in `fetch'\n/srv/shop/current/app/models/cart.rb:13:in `total'\n/srv/shop/current/app/controllers/carts_controller.rb:8:in `show'\n";
    assert_eq!(hash(Language::Ruby, plain), hash(Language::Ruby, cached));
}

#[test]
fn rust_closures_and_panic_hooks_do_not_split() {
    let before = "   0: shop::telemetry::panic_hook::{{closure}}\n             at ./src/telemetry.rs:40:9\n   1: std::panicking::rust_panic_with_hook\n   2: std::panicking::begin_panic_handler::{{closure}}\n   3: rust_begin_unwind\n   4: core::panicking::panic_fmt\n   5: shop::orders::place::{{closure}}\n             at ./src/orders.rs:88:13\n   6: shop::orders::place\n             at ./src/orders.rs:80:5\n";
    let after = "   0: shop::observability::report_panic\n             at ./src/observability.rs:12:9\n   1: std::panicking::rust_panic_with_hook\n   2: std::panicking::begin_panic_handler::{closure#0}\n   3: rust_begin_unwind\n   4: core::panicking::panic_fmt\n   5: shop::orders::place::{closure#2}\n             at ./src/orders.rs:91:13\n   6: shop::orders::place\n             at ./src/orders.rs:80:5\n";
    assert_eq!(hash(Language::Rust, before), hash(Language::Rust, after));
    let stack = parse(before, Some(Language::Rust));
    assert_eq!(
        culprit(&stack, GroupingVersion::V2026_12).as_deref(),
        Some("shop::orders in place::{closure}")
    );
}
