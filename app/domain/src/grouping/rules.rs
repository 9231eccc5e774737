//! Per-language clean-up of module and function names: the parts a compiler, runtime or framework
//! generates (lambda and closure numbering, proxy classes, addresses) are removed so the same code
//! gives the same name in every build and process.

use std::sync::LazyLock;

use regex::Regex;

use super::GroupingVersion;
use crate::stacktrace::Language;

/// Occurrences of `pattern` become `replacement` (`${1}` keeps the first group).
struct Rule {
    pattern: &'static LazyLock<Regex>,
    replacement: &'static str,
}

const fn rule(pattern: &'static LazyLock<Regex>, replacement: &'static str) -> Rule {
    Rule {
        pattern,
        replacement,
    }
}

/// `com.acme.orders.OrderService$$Lambda$1234/0x0000000800c0a000.apply` (JDK 17),
/// `OrderService$$Lambda/0x000001f0a1b2c3d4.apply` (JDK 21), `OrderService$$Lambda$12/1831932724` (JDK 8).
static JAVA_LAMBDA_CLASS: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(\$\$Lambda)(?:\$\d+)?(?:/(?:0x)?[0-9a-fA-F]+)?").expect("valid regex")
});

/// `com.acme.orders.OrderController.lambda$handle$0`: javac numbers synthetic lambda methods per class.
static JAVA_SYNTHETIC_LAMBDA: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(lambda\$[^$.]*)\$\d+$").expect("valid regex"));

/// `com.acme.orders.OrderService$$SpringCGLIB$$0.placeOrder` (Spring 6),
/// `OrderService$$EnhancerBySpringCGLIB$$5f3e2a1b.placeOrder`, `Customer$HibernateProxy$Xk2PqA7z.getName`.
static JAVA_GENERATED_CLASS: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(\$\$(?:EnhancerBySpringCGLIB|FastClassBySpringCGLIB|EnhancerByCGLIB|SpringCGLIB)|\$(?:HibernateProxy|ByteBuddy|MockitoMock))\$\$?\w+",
    )
    .expect("valid regex")
});

/// `jdk.internal.reflect.GeneratedMethodAccessor123.invoke`, `jdk.proxy2.$Proxy142.findById`,
/// `com.sun.proxy.$Proxy87.save`.
static JAVA_NUMBERED_CLASS: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(Generated(?:Method|Constructor|SerializationConstructor)Accessor|\$Proxy|jdk\.proxy)\d+",
    )
    .expect("valid regex")
});

/// `Shop.Api.OrdersController.<>c__DisplayClass5_0.<Create>b__0`, `Shop.Api.OrderService.<PlaceAsync>d__12.MoveNext`,
/// `Program.<<Main>$>g__Handle|0_0`: Roslyn numbers closures, lambdas, state machines and local functions.
static DOTNET_COMPILER_GENERATED: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(c__DisplayClass|>b__|>d__|>g__\w+\|)\d+(?:_\d+)?").expect("valid regex")
});

/// `async handleOrder` (a V8 frame after an `await`) is the same function as `handleOrder`.
static JS_ASYNC_PREFIX: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^async ").expect("valid regex"));

/// `Layer.handle [as handle_request]`: V8 appends the property a method was called through.
static JS_CALLED_AS: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\s*\[as [^\]]*\]$").expect("valid regex"));

/// `Object.<anonymous>` (CommonJS module body), `Immediate.<anonymous>`, `Timeout.<anonymous>`: the
/// receiver of an anonymous function depends on who called it.
static JS_ANONYMOUS: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^(?:[\w$]+\.)+<anonymous>$").expect("valid regex"));

/// `App\Http\Controllers\{closure}` (PHP 8.3: the closure's namespace) and
/// `{closure:App\Http\Controllers\OrderController::store():42}` (PHP 8.4: its method and line; a nested
/// closure names its parent: `{closure:{closure:App\Kernel::boot():12}:14}`).
static PHP_CLOSURE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?:[A-Za-z_]\w*\\)*\{closure(?::(?:\{[^{}]*\}|[^{}])*)?\}").expect("valid regex")
});

/// `class@anonymous/var/www/src/Kernel.php:31$0`: PHP names anonymous classes by file, line and counter.
static PHP_ANONYMOUS_CLASS: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"class@anonymous[^$]*\$[0-9a-f]+").expect("valid regex"));

/// `(*Relay).Start.gowrap1` (a `go r.Run(ctx)` statement, `Start.func1` before Go 1.22),
/// `(*Server).handleConn.func2.1`, `Recover.func1.deferwrap1`: the compiler numbers closures per function.
static GO_CLOSURE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\.(?:func|gowrap|deferwrap)\d+(?:\.\d+)*").expect("valid regex"));

/// `block in Order#subtotal`, `Sidekiq::Processor#execute_job`, `Order.import`: Ruby 3.4 qualifies
/// methods with their class where 3.3 printed `block in subtotal`, so the qualifier is dropped (the
/// file still tells classes apart).
static RUBY_METHOD_OWNER: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\b[A-Z]\w*(?:::[A-Z]\w*)*[#.]").expect("valid regex"));

/// `block in #<Class:0x00007f8b1c0a1b2c>` (Ruby), any address a runtime prints inside a name.
static MEMORY_ADDRESS: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"0x[0-9a-fA-F]{6,}").expect("valid regex"));

/// `<listcomp>`, `<dictcomp>`, `<setcomp>`: Python 3.12 inlines comprehensions (PEP 709), so these
/// frames exist on 3.11 and vanish after an upgrade. `<genexpr>` and `<lambda>` stay real frames.
static PYTHON_INLINED_COMPREHENSION: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^<(?:list|dict|set)comp>$").expect("valid regex"));

/// `com.acme.imports.BatchImporter$$Lambda$412/0x0000000800d4c4a8.accept(Unknown Source)` (once cleaned,
/// `BatchImporter$$Lambda`): the JVM shows or hides lambda proxy frames by version and flags
/// (`-XX:+ShowHiddenFrames`), and the `lambda$importAll$0` frame next to it names the code anyway.
static JAVA_LAMBDA_PROXY: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\$\$Lambda$").expect("valid regex"));

/// `block in total`, `block (2 levels) in total`, `rescue in total`, `ensure in total` (2026-12): the
/// same method as `total`, so a cache or transaction block wrapped around the raising call (which adds a
/// `block in` frame and the library's frames between) leaves the frame and, by the recursion collapse,
/// the issue unchanged.
static RUBY_BLOCK: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(?:(?:block(?: \(\d+ levels\))?|rescue|ensure) in )+").expect("valid regex")
});

/// `shop::orders::place::{{closure}}` (rustc's legacy mangling), `shop::orders::place::{closure#2}`
/// (v0 mangling, numbered per function), `{async_fn#0}`, `{async_block#1}` (2026-12): the numbers change
/// when another closure is added above, so they are dropped and both manglings read the same.
static RUST_CLOSURE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\{\{(closure|async_fn|async_block)\}\}|\{(closure|async_fn|async_block)#\d+\}")
        .expect("valid regex")
});

/// Where a Rust panic is raised and reported: `core::panicking::panic_fmt`, `rust_begin_unwind`,
/// `std::panicking::begin_panic_handler`, `std::panicking::rust_panic_with_hook`,
/// `core::result::unwrap_failed`, `core::option::expect_failed`. Frames inside them (closer to where the
/// backtrace was captured) are the panic hook's, not the bug's. `std::panicking::try` and
/// `std::panic::catch_unwind` are not matched: they run *around* application code (tokio tasks).
static RUST_PANIC_RAISE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"^(?:core::panicking::|std::panicking::(?:begin_panic|rust_panic|default_hook|panic_count)|rust_begin_unwind$|rust_panic$|__rust_start_panic$|core::result::unwrap_failed$|core::option::(?:expect|unwrap)_failed$|std::sys(?:_common)?::backtrace::__rust_end_short_backtrace$)",
    )
    .expect("valid regex")
});

pub const HINT_PANIC_MACHINERY: &str =
    "inside Rust's panic machinery (the panic hook that reported it), so it is ignored";

pub const HINT_PYTHON_COMPREHENSION: &str =
    "comprehension frames are inlined since Python 3.12, so they are ignored";
pub const HINT_JAVA_LAMBDA_PROXY: &str =
    "lambda proxy frames are hidden by some JVMs, so they are ignored";

static JAVA: &[Rule] = &[
    rule(&JAVA_LAMBDA_CLASS, "${1}"),
    rule(&JAVA_SYNTHETIC_LAMBDA, "${1}"),
    rule(&JAVA_GENERATED_CLASS, "${1}"),
    rule(&JAVA_NUMBERED_CLASS, "${1}"),
];
static DOTNET: &[Rule] = &[rule(&DOTNET_COMPILER_GENERATED, "${1}")];
static JAVASCRIPT: &[Rule] = &[
    rule(&JS_ASYNC_PREFIX, ""),
    rule(&JS_CALLED_AS, ""),
    rule(&JS_ANONYMOUS, "<anonymous>"),
];
static PHP: &[Rule] = &[
    rule(&PHP_CLOSURE, "{closure}"),
    rule(&PHP_ANONYMOUS_CLASS, "class@anonymous"),
];
static GO: &[Rule] = &[rule(&GO_CLOSURE, ".func")];
static RUBY: &[Rule] = &[rule(&RUBY_METHOD_OWNER, "")];
static RUBY_2026_12: &[Rule] = &[rule(&RUBY_BLOCK, "")];
static RUST_2026_12: &[Rule] = &[rule(&RUST_CLOSURE, "{$1$2}")];
static ALL_LANGUAGES: &[Rule] = &[rule(&MEMORY_ADDRESS, "<addr>")];

fn rule_sets(language: Option<Language>, version: GroupingVersion) -> Vec<&'static [Rule]> {
    let mut sets = match language {
        Some(Language::Java) => vec![JAVA],
        Some(Language::DotNet) => vec![DOTNET],
        Some(Language::JavaScript) => vec![JAVASCRIPT],
        Some(Language::Php) => vec![PHP],
        Some(Language::Ruby) => vec![RUBY],
        Some(Language::Go) => vec![GO],
        // The Rust parser already drops symbol hashes (`::h3b8f1c2d4e5a6b7c`).
        Some(Language::Python | Language::Rust) => Vec::new(),
        // Ruby's rule would strip `Foo.` from any dotted name, so it needs to know the language.
        None => vec![JAVA, DOTNET, JAVASCRIPT, PHP, GO],
    };
    if version >= GroupingVersion::V2026_12 {
        match language {
            Some(Language::Ruby) => sets.push(RUBY_2026_12),
            Some(Language::Rust) => sets.push(RUST_2026_12),
            _ => {}
        }
    }
    sets.push(ALL_LANGUAGES);
    sets
}

/// A module or function name with generated parts removed; `None` when nothing is left.
pub fn clean_symbol(
    symbol: &str,
    language: Option<Language>,
    version: GroupingVersion,
) -> Option<String> {
    let mut text = symbol.trim().to_owned();
    for rule in rule_sets(language, version).into_iter().flatten() {
        text = rule
            .pattern
            .replace_all(&text, rule.replacement)
            .into_owned();
    }
    let text = text.trim();
    (!text.is_empty()).then(|| text.to_owned())
}

/// The function name that counts; V8 prints no name for anonymous functions, which is `<anonymous>`.
pub fn clean_function(
    function: Option<&str>,
    language: Option<Language>,
    version: GroupingVersion,
) -> Option<String> {
    match function.and_then(|f| clean_symbol(f, language, version)) {
        None if language == Some(Language::JavaScript) => Some("<anonymous>".to_owned()),
        cleaned => cleaned,
    }
}

/// Why a frame (module and function already cleaned) must not count because some runtime versions
/// do not print it.
pub fn unstable_frame(
    module: Option<&str>,
    function: Option<&str>,
    language: Option<Language>,
) -> Option<&'static str> {
    let python = matches!(language, Some(Language::Python) | None);
    let java = matches!(language, Some(Language::Java) | None);
    if python && function.is_some_and(|f| PYTHON_INLINED_COMPREHENSION.is_match(f)) {
        Some(HINT_PYTHON_COMPREHENSION)
    } else if java && module.is_some_and(|m| JAVA_LAMBDA_PROXY.is_match(m)) {
        Some(HINT_JAVA_LAMBDA_PROXY)
    } else {
        None
    }
}

/// Whether a Rust frame (`module::function`, cleaned) raises or reports a panic.
pub fn rust_panic_raise(module: Option<&str>, function: Option<&str>) -> bool {
    let symbol = match (module, function) {
        (Some(module), Some(function)) => format!("{module}::{function}"),
        (Some(only), None) | (None, Some(only)) => only.to_owned(),
        (None, None) => return false,
    };
    RUST_PANIC_RAISE.is_match(&symbol)
}

#[cfg(test)]
mod tests {
    use super::*;

    const V11: GroupingVersion = GroupingVersion::V2026_11;
    const V12: GroupingVersion = GroupingVersion::V2026_12;

    #[test]
    fn cleans_generated_names() {
        use Language::*;
        let cases = [
            (
                Java,
                "com.acme.orders.OrderService$$Lambda$1234/0x0000000800c0a000",
                "com.acme.orders.OrderService$$Lambda",
            ),
            (
                Java,
                "com.acme.orders.OrderService$$Lambda/0x000001f0a1b2c3d4",
                "com.acme.orders.OrderService$$Lambda",
            ),
            (
                Java,
                "com.acme.orders.OrderService$$Lambda$12/1831932724",
                "com.acme.orders.OrderService$$Lambda",
            ),
            (Java, "lambda$handle$0", "lambda$handle"),
            (Java, "lambda$static$12", "lambda$static"),
            (
                Java,
                "com.acme.orders.OrderService$$SpringCGLIB$$0",
                "com.acme.orders.OrderService$$SpringCGLIB",
            ),
            (
                Java,
                "com.acme.OrderService$$EnhancerBySpringCGLIB$$5f3e2a1b",
                "com.acme.OrderService$$EnhancerBySpringCGLIB",
            ),
            (
                Java,
                "com.acme.Customer$HibernateProxy$Xk2PqA7z",
                "com.acme.Customer$HibernateProxy",
            ),
            (
                Java,
                "jdk.internal.reflect.GeneratedMethodAccessor123",
                "jdk.internal.reflect.GeneratedMethodAccessor",
            ),
            (Java, "jdk.proxy2.$Proxy142", "jdk.proxy.$Proxy"),
            (Java, "com.acme.OrderService$1", "com.acme.OrderService$1"),
            (
                DotNet,
                "Shop.Api.OrdersController.<>c__DisplayClass5_0",
                "Shop.Api.OrdersController.<>c__DisplayClass",
            ),
            (DotNet, "<Create>b__0", "<Create>b__"),
            (
                DotNet,
                "Shop.Api.OrderService.<PlaceAsync>d__12",
                "Shop.Api.OrderService.<PlaceAsync>d__",
            ),
            (DotNet, "<<Main>$>g__Handle|0_0", "<<Main>$>g__Handle|"),
            (JavaScript, "async handleOrder", "handleOrder"),
            (
                JavaScript,
                "Layer.handle [as handle_request]",
                "Layer.handle",
            ),
            (JavaScript, "Object.<anonymous>", "<anonymous>"),
            (JavaScript, "Immediate.<anonymous>", "<anonymous>"),
            (JavaScript, "new OrderService", "new OrderService"),
            (
                Php,
                "{closure:App\\Http\\Controllers\\OrderController::store():42}",
                "{closure}",
            ),
            (Php, "App\\Http\\Controllers\\{closure}", "{closure}"),
            (
                Php,
                "{closure:{closure:App\\Kernel::boot():12}:14}",
                "{closure}",
            ),
            (
                Php,
                "class@anonymous/var/www/src/Kernel.php:31$0",
                "class@anonymous",
            ),
            (
                Rust,
                "shop::orders::place::{{closure}}",
                "shop::orders::place::{{closure}}",
            ),
            (Go, "(*Relay).Start.gowrap1", "(*Relay).Start.func"),
            (Go, "(*Relay).Start.func1", "(*Relay).Start.func"),
            (
                Go,
                "(*Server).handleConn.func2.1",
                "(*Server).handleConn.func",
            ),
            (Go, "Recover.func1.deferwrap1", "Recover.func.func"),
            (Go, "(*Server).funcMap", "(*Server).funcMap"),
            (
                Ruby,
                "block in #<Class:0x00007f8b1c0a1b2c>",
                "block in #<Class:<addr>>",
            ),
            (
                Ruby,
                "block (2 levels) in InvoiceJob#perform",
                "block (2 levels) in perform",
            ),
            (Ruby, "Sidekiq::Processor#execute_job", "execute_job"),
            (Ruby, "Order.import", "import"),
            (Ruby, "<module:Callbacks>", "<module:Callbacks>"),
            (Python, "<lambda>", "<lambda>"),
            (Python, "<genexpr>", "<genexpr>"),
        ];
        for (language, raw, expected) in cases {
            assert_eq!(
                clean_symbol(raw, Some(language), V11).as_deref(),
                Some(expected),
                "{language:?} {raw}"
            );
        }
    }

    #[test]
    fn rules_of_other_languages_do_not_apply() {
        assert_eq!(
            clean_symbol("async handleOrder", Some(Language::Python), V11).as_deref(),
            Some("async handleOrder")
        );
        assert_eq!(
            clean_symbol("Object.<anonymous>", None, V11).as_deref(),
            Some("<anonymous>")
        );
        assert_eq!(clean_symbol("  ", Some(Language::Ruby), V11), None);
    }

    #[test]
    fn anonymous_javascript_functions_have_a_name() {
        assert_eq!(
            clean_function(None, Some(Language::JavaScript), V11).as_deref(),
            Some("<anonymous>")
        );
        assert_eq!(clean_function(None, Some(Language::Python), V11), None);
    }

    #[test]
    fn frames_some_runtimes_hide() {
        use Language::*;
        let lambda_proxy = Some("com.acme.imports.BatchImporter$$Lambda");
        let cases = [
            (Python, None, "<listcomp>", Some(HINT_PYTHON_COMPREHENSION)),
            (Python, None, "<dictcomp>", Some(HINT_PYTHON_COMPREHENSION)),
            (Python, None, "<genexpr>", None),
            (Python, None, "<lambda>", None),
            (Java, None, "<listcomp>", None),
            (Java, lambda_proxy, "accept", Some(HINT_JAVA_LAMBDA_PROXY)),
            (
                Java,
                Some("com.acme.imports.BatchImporter"),
                "lambda$importAll",
                None,
            ),
        ];
        for (language, module, function, expected) in cases {
            assert_eq!(
                unstable_frame(module, Some(function), Some(language)),
                expected,
                "{language:?} {function}"
            );
        }
    }

    #[test]
    fn version_2026_12_unifies_blocks_and_closures() {
        use Language::*;
        let cases = [
            (Ruby, "block in total", "total", "block in total"),
            (
                Ruby,
                "block (3 levels) in Cart#total",
                "total",
                "block (3 levels) in total",
            ),
            (
                Ruby,
                "rescue in block in charge",
                "charge",
                "rescue in block in charge",
            ),
            (Ruby, "total", "total", "total"),
            (
                Rust,
                "place::{{closure}}",
                "place::{closure}",
                "place::{{closure}}",
            ),
            (
                Rust,
                "place::{closure#2}",
                "place::{closure}",
                "place::{closure#2}",
            ),
            (
                Rust,
                "run::{async_fn#0}",
                "run::{async_fn}",
                "run::{async_fn#0}",
            ),
            (
                Rust,
                "run::{async_block#1}::{closure#0}",
                "run::{async_block}::{closure}",
                "run::{async_block#1}::{closure#0}",
            ),
        ];
        for (language, raw, v12, v11) in cases {
            assert_eq!(
                clean_symbol(raw, Some(language), V12).as_deref(),
                Some(v12),
                "{raw}"
            );
            assert_eq!(
                clean_symbol(raw, Some(language), V11).as_deref(),
                Some(v11),
                "{raw}"
            );
        }
    }

    #[test]
    fn rust_panic_machinery_is_recognised() {
        let raising = [
            (Some("core::panicking"), Some("panic_fmt")),
            (None, Some("rust_begin_unwind")),
            (Some("std::panicking"), Some("begin_panic_handler")),
            (Some("std::panicking"), Some("rust_panic_with_hook")),
            (Some("core::result"), Some("unwrap_failed")),
            (Some("core::option"), Some("expect_failed")),
        ];
        for (module, function) in raising {
            assert!(
                rust_panic_raise(module, function),
                "{module:?} {function:?}"
            );
        }
        let around = [
            (Some("std::panicking"), Some("try")),
            (Some("std::panic"), Some("catch_unwind")),
            (Some("shop::orders"), Some("place")),
            (None, None),
        ];
        for (module, function) in around {
            assert!(
                !rust_panic_raise(module, function),
                "{module:?} {function:?}"
            );
        }
    }
}
