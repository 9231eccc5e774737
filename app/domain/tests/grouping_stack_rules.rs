//! A service's stack rules in grouping: in-app rules change which frames are the service's code (and
//! so the issue and the culprit), fingerprint rules put every matching event in one issue, and the tree
//! names the rule that applied. Without rules, grouping is what `fingerprint_as` gives.

mod common;

use common::reported;
use domain::grouping::{
    Fingerprint, GroupingVersion, StackRules, culprit_with, fingerprint_as, fingerprint_with,
};
use domain::stacktrace::{Language, parse};

const VERSION: GroupingVersion = GroupingVersion::CURRENT;

fn rules(text: &str) -> StackRules {
    StackRules::parse(text).expect("valid rules")
}

fn group(language: Language, stack: &str, rules: &StackRules) -> Fingerprint {
    let stacktrace = parse(stack, Some(language));
    fingerprint_with(VERSION, &reported("shop-api", &stacktrace, None), rules)
}

/// The shop's code as a checkout under `/app` and as a wheel installed into site-packages.
fn python(shop: &str) -> String {
    format!(
        "Traceback (most recent call last):\n  File \"/usr/local/lib/python3.12/site-packages/django/core/handlers/base.py\", line 197, in _get_response\n  File \"{shop}/views.py\", line 30, in checkout\n  File \"{shop}/cart.py\", line 12, in total\nKeyError: 'sku-7'\n"
    )
}

#[test]
fn an_in_app_rule_makes_an_installed_package_the_service() {
    let checkout = python("/app/shop");
    let wheel = python("/usr/local/lib/python3.12/site-packages/shop");
    let none = StackRules::default();
    let shop = rules("path:**/site-packages/shop/** +app");
    // Without the rule the wheel has no application frame, so it is grouped by type and message.
    assert_ne!(
        group(Language::Python, &checkout, &none).hash,
        group(Language::Python, &wheel, &none).hash
    );
    assert_eq!(
        group(Language::Python, &checkout, &shop).hash,
        group(Language::Python, &wheel, &shop).hash
    );
    // The rule does not touch the checkout's frames.
    assert_eq!(
        group(Language::Python, &checkout, &shop).hash,
        group(Language::Python, &checkout, &none).hash
    );
    let stacktrace = parse(&wheel, Some(Language::Python));
    assert_eq!(
        culprit_with(&stacktrace, VERSION, &shop).as_deref(),
        Some("cart.py in total")
    );
}

/// A PHP service with an SDK copied into `lib/acme-sdk/` (not through Composer, so not in `vendor/`);
/// the newer SDK retries, which adds a frame of its own.
fn php(newer_sdk: bool) -> String {
    let mut calls = vec![
        "/var/www/html/lib/acme-sdk/src/Http/Transport.php(41): Acme\\Sdk\\Http\\Transport->send(Object(Acme\\Sdk\\Request))",
    ];
    if newer_sdk {
        calls.push("/var/www/html/lib/acme-sdk/src/Http/Retry.php(19): Acme\\Sdk\\Http\\Transport->request('POST', '/charges')");
        calls.push("/var/www/html/lib/acme-sdk/src/Client.php(90): Acme\\Sdk\\Http\\Retry->run(Object(Closure))");
    } else {
        calls.push("/var/www/html/lib/acme-sdk/src/Client.php(88): Acme\\Sdk\\Http\\Transport->request('POST', '/charges')");
    }
    calls.extend([
        "/var/www/html/src/Payments/Gateway.php(41): Acme\\Sdk\\Client->charge(Array)",
        "/var/www/html/src/Controller/CheckoutController.php(27): App\\Payments\\Gateway->charge(Object(App\\Entity\\Order))",
        "{main}",
    ]);
    calls
        .iter()
        .enumerate()
        .map(|(i, call)| format!("#{i} {call}\n"))
        .collect()
}

#[test]
fn a_not_in_app_rule_folds_a_copied_sdk() {
    let sdk = rules("path:**/lib/acme-sdk/** -app");
    let none = StackRules::default();
    let older = php(false);
    let newer = php(true);
    assert_ne!(
        group(Language::Php, &older, &none).hash,
        group(Language::Php, &newer, &none).hash,
        "without the rule the SDK's frames count"
    );
    assert_eq!(
        group(Language::Php, &older, &sdk).hash,
        group(Language::Php, &newer, &sdk).hash
    );
    let tree = group(Language::Php, &older, &sdk).tree;
    let frames = &tree.children[1].children[1].children;
    let hints: Vec<_> = frames
        .iter()
        .filter(|f| f.hint.as_deref().is_some_and(|h| h.contains("stack rule")))
        .map(|f| (f.hint.as_deref(), f.contributes, f.fold))
        .collect();
    assert_eq!(
        hints,
        [(
            Some("not application code by stack rule line 1: path:**/lib/acme-sdk/** -app"),
            false,
            true
        ); 2]
    );
}

#[test]
fn a_fingerprint_rule_makes_one_issue() {
    let deadlocks = rules(
        "# one issue for every deadlock\ntype:DeadlockDetected message:\"*deadlock*\" -> db-deadlock\n",
    );
    let stack = |function: &str| {
        format!(
            "Traceback (most recent call last):\n  File \"/app/shop/{function}.py\", line 9, in {function}\nDeadlockDetected: deadlock detected\n"
        )
    };
    let orders = group(Language::Python, &stack("orders"), &deadlocks);
    let stock = group(Language::Python, &stack("stock"), &deadlocks);
    assert_eq!(orders.hash, stock.hash);
    let other = stack("orders").replace("deadlock detected", "lock timeout");
    assert_ne!(
        group(Language::Python, &other, &deadlocks).hash,
        orders.hash
    );
    let rule = &orders.tree.children[1];
    assert_eq!(
        (
            rule.id.as_str(),
            rule.values.as_slice(),
            rule.hint.as_deref()
        ),
        (
            "override",
            &["db-deadlock".to_owned()][..],
            Some(
                "set by stack rule line 2: type:DeadlockDetected message:\"*deadlock*\" -> db-deadlock; replaces everything but the service"
            )
        )
    );
    // An `error.fingerprint` tag, set in the code for that event, wins.
    let stacktrace = parse(&stack("orders"), Some(Language::Python));
    let tagged = fingerprint_with(
        VERSION,
        &reported("shop-api", &stacktrace, Some("orders-deadlock")),
        &deadlocks,
    );
    assert_eq!(tagged.tree.children[1].values, ["orders-deadlock"]);
}

#[test]
fn fold_marks_survive_an_override() {
    // The raising `send` has no file (the trace has no header), so only its module can say it is the
    // SDK's.
    let payments = rules(
        "path:**/lib/acme-sdk/** -app\nmodule:Acme\\Sdk\\* -app\nfunction:charge -> payments",
    );
    let tree = group(Language::Php, &php(false), &payments).tree;
    assert_eq!(tree.children[1].id, "override");
    let frames = &tree.children[2].children[1].children;
    let marks: Vec<_> = frames.iter().map(|f| (f.contributes, f.fold)).collect();
    // `{main}` and the gateway, then the SDK's three frames: nothing contributes under the override,
    // but the SDK's frames still fold.
    assert_eq!(
        marks,
        [
            (false, false),
            (false, false),
            (false, true),
            (false, true),
            (false, true)
        ]
    );
}

#[test]
fn no_rules_is_plain_grouping() {
    for version in [GroupingVersion::PREVIOUS, GroupingVersion::CURRENT] {
        let stacktrace = parse(
            &python("/srv/shop/releases/41/shop"),
            Some(Language::Python),
        );
        let input = reported("shop-api", &stacktrace, None);
        assert_eq!(
            fingerprint_with(version, &input, &StackRules::default()),
            fingerprint_as(version, &input)
        );
    }
}

#[test]
fn trees_with_rules_like_their_snapshots() {
    let shop = rules("path:**/site-packages/shop/** +app\npath:**/lib/acme-sdk/** -app");
    insta::assert_yaml_snapshot!(
        "python_wheel_with_in_app_rule",
        group(
            Language::Python,
            &python("/usr/local/lib/python3.12/site-packages/shop"),
            &shop
        )
    );
    insta::assert_yaml_snapshot!(
        "php_copied_sdk_not_in_app",
        group(Language::Php, &php(false), &shop)
    );
}
