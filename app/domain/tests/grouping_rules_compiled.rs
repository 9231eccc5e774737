//! What must group together and what must stay apart, on stack traces as the JVM, Go, .NET and Rust
//! print them. The rules shared by every language are in `grouping_rules.rs`.

mod common;

use common::{assert_apart, assert_same_issue, frames_hash};
use domain::stacktrace::Language;

const JAVA_IMPORT_JDK17: &str =
    "java.io.UncheckedIOException: failed to import batch 2024-11-07/batch-0042.csv
\tat com.acme.imports.BatchImporter.lambda$importAll$0(BatchImporter.java:61)
\tat com.acme.imports.BatchImporter$$Lambda$412/0x0000000800d4c4a8.accept(Unknown Source)
\tat java.base/java.util.ArrayList.forEach(ArrayList.java:1596)
\tat com.acme.imports.BatchImporter.importAll(BatchImporter.java:59)
\tat com.acme.imports.Customer$HibernateProxy$Xk2PqA7z.importAll(Unknown Source)
\tat com.acme.imports.ImportJob.run(ImportJob.kt:27)
\tat java.base/java.lang.Thread.run(Thread.java:1583)
";

#[test]
fn java_same_bug_after_a_redeploy() {
    // Another lambda was added above, the JVM was upgraded (lambda proxy frames hidden), the Hibernate
    // proxy got another suffix, the tracer instruments the executor.
    let jdk21 = "java.io.UncheckedIOException: failed to import batch 2024-11-08/batch-0007.csv
\tat com.acme.imports.BatchImporter.lambda$importAll$1(BatchImporter.java:66)
\tat java.base/java.util.ArrayList.forEach(ArrayList.java:1604)
\tat com.acme.imports.BatchImporter.importAll(BatchImporter.java:64)
\tat com.acme.imports.Customer$HibernateProxy$Q9dLm3Rt.importAll(Unknown Source)
\tat com.acme.imports.ImportJob.run(ImportJob.kt:27)
\tat datadog.trace.bootstrap.instrumentation.java.concurrent.Wrapper.run(Wrapper.java:47)
\tat java.base/java.lang.Thread.run(Thread.java:1583)
";
    assert_same_issue(Language::Java, JAVA_IMPORT_JDK17, jdk21);
}

#[test]
fn java_stays_apart() {
    let other_type = JAVA_IMPORT_JDK17.replace(
        "java.io.UncheckedIOException",
        "java.lang.IllegalArgumentException",
    );
    let other_function = JAVA_IMPORT_JDK17.replace("lambda$importAll$0", "lambda$validateAll$0");
    assert_apart(
        Language::Java,
        JAVA_IMPORT_JDK17,
        &[
            (&other_type, "another error type at the same place"),
            (&other_function, "the same type from another function"),
        ],
    );
}

#[test]
fn java_caused_by_counts() {
    let wrapped = |cause: &str| {
        format!(
            "jakarta.servlet.ServletException: Request processing failed: {cause}
\tat org.springframework.web.servlet.FrameworkServlet.processRequest(FrameworkServlet.java:1022)
\tat jakarta.servlet.http.HttpServlet.service(HttpServlet.java:658)
\tat org.apache.catalina.core.ApplicationFilterChain.internalDoFilter(ApplicationFilterChain.java:205)
\tat java.base/java.lang.Thread.run(Thread.java:1583)
Caused by: {cause}
\tat com.acme.shop.checkout.CheckoutService.placeOrder(CheckoutService.java:88)
\tat com.acme.shop.checkout.CheckoutService$$SpringCGLIB$$0.placeOrder(<generated>)
\tat com.acme.shop.checkout.CheckoutController.checkout(CheckoutController.java:41)
\tat java.base/jdk.internal.reflect.DirectMethodHandleAccessor.invoke(DirectMethodHandleAccessor.java:103)
\tat org.springframework.web.servlet.FrameworkServlet.processRequest(FrameworkServlet.java:1014)
\t... 3 more
"
        )
    };
    let no_address =
        wrapped("java.lang.IllegalStateException: Cart 7f3e9a21 has no shipping address");
    let base = frames_hash(Language::Java, &no_address);
    assert_eq!(
        base,
        frames_hash(
            Language::Java,
            &wrapped("java.lang.IllegalStateException: Cart 0c11d4e9 has no shipping address")
        )
    );
    assert_ne!(
        base,
        frames_hash(
            Language::Java,
            &wrapped("java.lang.NullPointerException: Cannot invoke \"Cart.lines()\"")
        )
    );
    let from_coupon = no_address.replace(
        "CheckoutService.placeOrder(CheckoutService.java:88)",
        "CheckoutService.applyCoupon(CheckoutService.java:120)",
    );
    assert_ne!(
        base,
        frames_hash(Language::Java, &from_coupon),
        "a cause raised from another function"
    );
}

const GO_PANIC: &str = "panic: runtime error: index out of range [5] with length 3

goroutine 42 [running]:
github.com/acme/shop/internal/orders.(*Service).LineTotal.func1(...)
\t/build/internal/orders/service.go:91
github.com/acme/shop/internal/orders.(*Service).LineTotal(0xc0001a2000, {0xc0000b4000, 0x24})
\t/build/internal/orders/service.go:88 +0x1d4
github.com/acme/shop/internal/orders.(*Handler).Show(0xc0000a6180, {0x9c2f40, 0xc0001c40e0}, 0xc0001d8000)
\t/build/internal/orders/handler.go:41 +0x9e
net/http.HandlerFunc.ServeHTTP(0xc0000b8000?, {0x9c2f40?, 0xc0001c40e0?}, 0x7f3a2c1d5e80?)
\t/usr/local/go/src/net/http/server.go:2171 +0x29
net/http.serverHandler.ServeHTTP({0xc0001b2f00?}, {0x9c2f40?, 0xc0001c40e0?}, 0x6?)
\t/usr/local/go/src/net/http/server.go:3142 +0x8e
net/http.(*conn).serve(0xc0001ae120, {0x9c3a28, 0xc0001b2e10})
\t/usr/local/go/src/net/http/server.go:2044 +0x5e8
created by net/http.(*Server).Serve in goroutine 1
\t/usr/local/go/src/net/http/server.go:3290 +0x4b4
";

#[test]
fn go_same_bug_after_a_redeploy() {
    // Another goroutine, other addresses and offsets, another build directory, the tracer's wrapper,
    // and a closure added above this one.
    let other = "panic: runtime error: index out of range [7] with length 2

goroutine 1187 [running]:
github.com/acme/shop/internal/orders.(*Service).LineTotal.func2(...)
\t/src/internal/orders/service.go:95
github.com/acme/shop/internal/orders.(*Service).LineTotal(0xc000312a80, {0xc0002e6090, 0x24})
\t/src/internal/orders/service.go:92 +0x1e0
github.com/acme/shop/internal/orders.(*Handler).Show(0xc0000a8240, {0x9d1f60, 0xc0003a2000}, 0xc0003b4100)
\t/src/internal/orders/handler.go:41 +0xa5
net/http.HandlerFunc.ServeHTTP(0xc0000ba000?, {0x9d1f60?, 0xc0003a2000?}, 0x7f8e1b2c3d40?)
\t/usr/local/go/src/net/http/server.go:2171 +0x29
gopkg.in/DataDog/dd-trace-go.v1/contrib/net/http.TraceAndServe(...)
\t/go/pkg/mod/gopkg.in/!data!dog/dd-trace-go.v1@v1.62.0/contrib/net/http/trace.go:86 +0x62c
net/http.serverHandler.ServeHTTP({0xc0002f4f00?}, {0x9d1f60?, 0xc0003a2000?}, 0x6?)
\t/usr/local/go/src/net/http/server.go:3142 +0x8e
net/http.(*conn).serve(0xc0002b0120, {0x9d2a48, 0xc0002f4e10})
\t/usr/local/go/src/net/http/server.go:2044 +0x5e8
created by net/http.(*Server).Serve in goroutine 23
\t/usr/local/go/src/net/http/server.go:3290 +0x4b4
";
    assert_same_issue(Language::Go, GO_PANIC, other);
}

#[test]
fn go_stays_apart() {
    let other_type = GO_PANIC.replace(
        "panic: runtime error: index out of range [5] with length 3",
        "fatal error: concurrent map writes",
    );
    let other_function = GO_PANIC.replace(
        "(*Service).LineTotal.func1(...)",
        "(*Service).Subtotal.func1(...)",
    );
    assert_apart(
        Language::Go,
        GO_PANIC,
        &[
            (&other_type, "another error type at the same place"),
            (&other_function, "the same type from another function"),
        ],
    );
}

const DOTNET_BUILD_14: &str = r"System.InvalidOperationException: Could not place order 5e0b7c1a-93d2-4f7e-a1c4-2b8f6d3e9a10 ---> System.Collections.Generic.KeyNotFoundException: The given key was not present in the dictionary.
   at System.ThrowHelper.ThrowKeyNotFoundException()
   at System.Collections.Generic.Dictionary`2.get_Item(TKey key)
   at Contoso.Orders.Pricing.PriceList.<>c__DisplayClass4_0.<Resolve>b__0(OrderLine line) in C:\agent\_work\14\s\src\Contoso.Orders\Pricing\PriceList.cs:line 33
   at System.Linq.Enumerable.WhereSelectListIterator`2.MoveNext()
   at System.Linq.Enumerable.Sum(IEnumerable`1 source)
   at Contoso.Orders.Pricing.PriceList.Resolve(Order order) in C:\agent\_work\14\s\src\Contoso.Orders\Pricing\PriceList.cs:line 31
   at Contoso.Orders.Services.OrderService.<PlaceAsync>d__12.MoveNext() in C:\agent\_work\14\s\src\Contoso.Orders\Services\OrderService.cs:line 41
   --- End of inner exception stack trace ---
   at Contoso.Orders.Services.OrderService.<PlaceAsync>d__12.MoveNext() in C:\agent\_work\14\s\src\Contoso.Orders\Services\OrderService.cs:line 47
--- End of stack trace from previous location where exception was thrown ---
   at System.Runtime.CompilerServices.TaskAwaiter.ThrowForNonSuccess(Task task)
   at System.Runtime.CompilerServices.TaskAwaiter.HandleNonSuccessAndDebuggerNotification(Task task)
   at Contoso.Orders.Api.Controllers.OrdersController.<Post>d__3.MoveNext() in C:\agent\_work\14\s\src\Contoso.Orders.Api\Controllers\OrdersController.cs:line 29
";

#[test]
fn dotnet_same_bug_after_a_redeploy() {
    // Another build agent directory; a lambda and an async method were added above, so Roslyn
    // renumbered the display class, the lambda and the state machines.
    let build_15 = r"System.InvalidOperationException: Could not place order 0b9e2f4c-1d7a-4c3e-9f51-2a6d8e0c7b13 ---> System.Collections.Generic.KeyNotFoundException: The given key was not present in the dictionary.
   at System.ThrowHelper.ThrowKeyNotFoundException()
   at System.Collections.Generic.Dictionary`2.get_Item(TKey key)
   at Contoso.Orders.Pricing.PriceList.<>c__DisplayClass5_0.<Resolve>b__1(OrderLine line) in C:\agent\_work\15\s\src\Contoso.Orders\Pricing\PriceList.cs:line 38
   at System.Linq.Enumerable.WhereSelectListIterator`2.MoveNext()
   at System.Linq.Enumerable.Sum(IEnumerable`1 source)
   at Contoso.Orders.Pricing.PriceList.Resolve(Order order) in C:\agent\_work\15\s\src\Contoso.Orders\Pricing\PriceList.cs:line 36
   at Contoso.Orders.Services.OrderService.<PlaceAsync>d__13.MoveNext() in C:\agent\_work\15\s\src\Contoso.Orders\Services\OrderService.cs:line 44
   --- End of inner exception stack trace ---
   at Contoso.Orders.Services.OrderService.<PlaceAsync>d__13.MoveNext() in C:\agent\_work\15\s\src\Contoso.Orders\Services\OrderService.cs:line 50
--- End of stack trace from previous location where exception was thrown ---
   at System.Runtime.CompilerServices.TaskAwaiter.ThrowForNonSuccess(Task task)
   at System.Runtime.CompilerServices.TaskAwaiter.HandleNonSuccessAndDebuggerNotification(Task task)
   at Contoso.Orders.Api.Controllers.OrdersController.<Post>d__4.MoveNext() in C:\agent\_work\15\s\src\Contoso.Orders.Api\Controllers\OrdersController.cs:line 29
";
    assert_same_issue(Language::DotNet, DOTNET_BUILD_14, build_15);
}

#[test]
fn dotnet_stays_apart() {
    let other_type = DOTNET_BUILD_14.replace(
        "System.InvalidOperationException: Could",
        "System.ApplicationException: Could",
    );
    let other_function = DOTNET_BUILD_14.replace(
        "PriceList.Resolve(Order order)",
        "PriceList.ResolveDiscounts(Order order)",
    );
    let other_inner = DOTNET_BUILD_14.replace(
        "System.Collections.Generic.KeyNotFoundException: The given key was not present in the dictionary.",
        "System.NullReferenceException: Object reference not set to an instance of an object.",
    );
    assert_apart(
        Language::DotNet,
        DOTNET_BUILD_14,
        &[
            (&other_type, "another error type at the same place"),
            (&other_function, "the same type from another function"),
            (&other_inner, "an inner exception of another type"),
        ],
    );
}

const RUST_PANIC: &str = "thread 'tokio-runtime-worker' panicked at src/cart/pricing.rs:88:17:
index out of bounds: the len is 3 but the index is 5
stack backtrace:
   0: rust_begin_unwind
             at /rustc/129f3b9964af4d4a709d1383930ade12dfe7c081/library/std/src/panicking.rs:652:5
   1: core::panicking::panic_bounds_check
             at /rustc/129f3b9964af4d4a709d1383930ade12dfe7c081/library/core/src/panicking.rs:274:5
   2: storefront::cart::pricing::apply_discounts
             at /build/storefront/src/cart/pricing.rs:88:17
   3: storefront::cart::pricing::total
             at /build/storefront/src/cart/pricing.rs:41:5
   4: storefront::routes::cart::show::{{closure}}
             at /build/storefront/src/routes/cart.rs:27:20
   5: <axum::handler::future::IntoServiceFuture<F> as core::future::future::Future>::poll
             at /usr/local/cargo/registry/src/index.crates.io-6f17d22bba15001f/axum-0.7.5/src/handler/future.rs:34:1
   6: tokio::runtime::scheduler::multi_thread::worker::Context::run_task
             at /usr/local/cargo/registry/src/index.crates.io-6f17d22bba15001f/tokio-1.38.0/src/runtime/scheduler/multi_thread/worker.rs:576:9
note: Some details are omitted, run with `RUST_BACKTRACE=full` for a verbose backtrace.
";

#[test]
fn rust_same_bug_after_a_redeploy() {
    // `RUST_BACKTRACE=full` (addresses, symbol hashes), a newer toolchain and tokio, moved lines.
    let full = "thread 'tokio-runtime-worker' panicked at src/cart/pricing.rs:91:17:
index out of bounds: the len is 2 but the index is 7
stack backtrace:
   0: 0x55d4c3b1e2a4 - rust_begin_unwind
                               at /rustc/3f5fd8dd41153bc5fdca9427e9e05be2c767ba23/library/std/src/panicking.rs:665:5
   1: 0x55d4c3a0f2d1 - core::panicking::panic_bounds_check::h0a9b8c7d6e5f4a3b
                               at /rustc/3f5fd8dd41153bc5fdca9427e9e05be2c767ba23/library/core/src/panicking.rs:280:5
   2: 0x55d4c39f88e0 - storefront::cart::pricing::apply_discounts::h3c4d5e6f7a8b9c0d
                               at /build/storefront/src/cart/pricing.rs:91:17
   3: 0x55d4c39f61a2 - storefront::cart::pricing::total::h1b2c3d4e5f6a7b8c
                               at /build/storefront/src/cart/pricing.rs:41:5
   4: 0x55d4c39f5e17 - storefront::routes::cart::show::{{closure}}::h9f8e7d6c5b4a3928
                               at /build/storefront/src/routes/cart.rs:27:20
   5: 0x55d4c39e4b10 - <axum::handler::future::IntoServiceFuture<F> as core::future::future::Future>::poll::h7a6b5c4d3e2f1a09
                               at /usr/local/cargo/registry/src/index.crates.io-6f17d22bba15001f/axum-0.7.9/src/handler/future.rs:34:1
   6: 0x55d4c39e9d33 - tokio::runtime::scheduler::multi_thread::worker::Context::run_task::h2e3f4a5b6c7d8e9f
                               at /usr/local/cargo/registry/src/index.crates.io-6f17d22bba15001f/tokio-1.41.1/src/runtime/scheduler/multi_thread/worker.rs:596:9
";
    assert_same_issue(Language::Rust, RUST_PANIC, full);
}

#[test]
fn rust_stays_apart() {
    let other_function = RUST_PANIC.replace(
        "storefront::cart::pricing::apply_discounts",
        "storefront::cart::pricing::apply_coupons",
    );
    assert_apart(
        Language::Rust,
        RUST_PANIC,
        &[(&other_function, "the same type from another function")],
    );
}

#[test]
fn rust_vendored_dependencies_are_not_the_service() {
    // `cargo vendor` puts a middleware crate no rule names into the project; from the registry its
    // frame was already a dependency's.
    let middleware = |dir: &str| {
        RUST_PANIC.replace(
            "   6: tokio::runtime",
            &format!("   6: <tower_sessions::service::SessionManager<S,Store> as tower_service::Service<http::request::Request<ReqBody>>>::call::{{{{closure}}}}\n             at {dir}/src/service.rs:307:28\n   7: tokio::runtime"),
        )
    };
    assert_same_issue(
        Language::Rust,
        &middleware(
            "/usr/local/cargo/registry/src/index.crates.io-6f17d22bba15001f/tower-sessions-0.12.3",
        ),
        &middleware("/build/storefront/vendor/tower-sessions"),
    );
}

#[test]
fn rust_anyhow_causes_tell_errors_apart() {
    let error = |causes: &str| {
        format!(
            "Error: failed to charge order 1042\n\nCaused by:\n{causes}\nStack backtrace:\n   0: storefront::psp::Client::charge::{{{{closure}}}}\n             at ./src/psp.rs:64:20\n   1: storefront::routes::checkout::pay::{{{{closure}}}}\n             at ./src/routes/checkout.rs:88:9\n"
        )
    };
    let refused = error(
        "    0: request to https://psp.example.com/v1/charges failed\n    1: tcp connect error: Connection refused (os error 111)\n",
    );
    let refused_again = error("    0: request to https://psp.example.com/v1/charges failed\n    1: tcp connect error: Connection refused (os error 111)\n")
        .replace("order 1042", "order 77");
    let unreadable = error(
        "    0: invalid receipt from the payment provider\n    1: expected value at line 1 column 1\n",
    );
    assert_same_issue(Language::Rust, &refused, &refused_again);
    assert_apart(
        Language::Rust,
        &refused,
        &[(&unreadable, "another cause converted at the same `?`")],
    );
}
