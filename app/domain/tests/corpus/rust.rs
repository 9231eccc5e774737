//! Rust: an axum service `shop`, its panics reported by a panic hook with `std::backtrace` (the
//! `panicked at` header and `stack backtrace:`), its `anyhow` errors with their `Caused by:` list and
//! `Stack backtrace:`. Layouts are where it was built and where its dependencies came from: a Docker
//! build (`/usr/src/app`, `/usr/local/cargo/registry`), a CI runner (`~/.cargo/registry` with the
//! newer index hash), `cargo vendor` (`vendor/<crate>/`), a relative short backtrace (`./src/…`) and
//! Windows. Versions: Rust 1.77 (legacy mangling, short backtrace), 1.80 (`RUST_BACKTRACE=full`:
//! addresses, hashes, the whole panic machinery) and 1.86 (v0 mangling `{closure#0}`,
//! `__rustc::rust_begin_unwind`, a thread id in the header, and the service's own panic hook at the
//! top), each with its own tokio and axum.

use super::{Case, Root, Variant, never_tracked};
use domain::stacktrace::Language;

struct Layout {
    name: &'static str,
    /// Where the crate's sources were; `.` for the short backtrace's relative paths.
    app: Root,
    /// Where a dependency's sources are, `{crate}` standing for `tokio-1.38.0` (or `tokio` vendored).
    deps: &'static str,
    vendored: bool,
}

const LAYOUTS: [Layout; 5] = [
    Layout {
        name: "docker build",
        app: Root("/usr/src/app"),
        deps: "/usr/local/cargo/registry/src/index.crates.io-6f17d22bba15001f/{crate}",
        vendored: false,
    },
    Layout {
        name: "github actions",
        app: Root("/home/runner/work/shop/shop"),
        deps: "/home/runner/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/{crate}",
        vendored: false,
    },
    Layout {
        name: "cargo vendor",
        app: Root("/build/shop"),
        deps: "/build/shop/vendor/{crate}",
        vendored: true,
    },
    Layout {
        name: "short relative",
        app: Root("."),
        deps: "/root/.cargo/registry/src/index.crates.io-6f17d22bba15001f/{crate}",
        vendored: false,
    },
    Layout {
        name: "windows",
        app: Root(r"C:\Users\build\shop"),
        deps: r"C:\Users\build\.cargo\registry\src\index.crates.io-1949cf8c6b5b557f\{crate}",
        vendored: false,
    },
];

struct Version {
    name: &'static str,
    full: bool,
    v0: bool,
    rustc: &'static str,
    tokio: &'static str,
    axum: &'static str,
}

const VERSIONS: [Version; 3] = [
    Version {
        name: "rust 1.77, short backtrace",
        full: false,
        v0: false,
        rustc: "aedd173a2c086e558c2b66d3743b344f977621a7",
        tokio: "1.37.0",
        axum: "0.7.5",
    },
    Version {
        name: "rust 1.80, full backtrace",
        full: true,
        v0: false,
        rustc: "051478957371ee0084a7c0913941d2a8c4757bb9",
        tokio: "1.38.0",
        axum: "0.7.5",
    },
    Version {
        name: "rust 1.86, v0 mangling",
        full: false,
        v0: true,
        rustc: "05f9846f893b09a1be1fc8560e33fc3c815cfecb",
        tokio: "1.44.1",
        axum: "0.8.1",
    },
];

struct Stack<'a> {
    layout: &'a Layout,
    version: &'a Version,
    text: String,
    index: usize,
    /// Only mangled hashes vary between builds; `n` makes them differ.
    n: u32,
}

impl Stack<'_> {
    fn symbol(&self, symbol: &str) -> String {
        let symbol = if self.version.v0 {
            symbol.replace("{{closure}}", "{closure#0}")
        } else {
            symbol.to_owned()
        };
        if self.version.full && !self.version.v0 {
            format!(
                "{symbol}::h{:016x}",
                0x3c4d_5e6f_7a8b_9c0d_u64 + u64::from(self.n)
            )
        } else {
            symbol
        }
    }

    fn frame(&mut self, symbol: &str, location: Option<String>) {
        let symbol = self.symbol(symbol);
        let index = self.index;
        self.index += 1;
        if self.version.full {
            let address = 0x55d4_c5a1_b2c3_u64 + (index as u64) * 0x1a0 + u64::from(self.n);
            self.text
                .push_str(&format!("{index:>4}:     0x{address:x} - {symbol}\n"));
            if let Some(location) = location {
                self.text
                    .push_str(&format!("                               at {location}\n"));
            }
        } else {
            self.text.push_str(&format!("{index:>4}: {symbol}\n"));
            if let Some(location) = location {
                self.text.push_str(&format!("             at {location}\n"));
            }
        }
    }

    fn app(&mut self, symbol: &str, relative: &str, line: u32, column: u32) {
        let file = self.layout.app.join(relative);
        self.frame(symbol, Some(format!("{file}:{line}:{column}")));
    }

    fn dep(&mut self, symbol: &str, krate: &str, version: &str, relative: &str, at: &str) {
        let dir = if self.layout.vendored {
            self.layout.deps.replace("{crate}", krate)
        } else {
            self.layout
                .deps
                .replace("{crate}", &format!("{krate}-{version}"))
        };
        let file = Root(Box::leak(dir.into_boxed_str())).join(relative);
        self.frame(symbol, Some(format!("{file}:{at}")));
    }

    fn std(&mut self, symbol: &str, relative: &str, at: &str) {
        let rustc = self.version.rustc;
        self.frame(
            symbol,
            Some(format!("/rustc/{rustc}/library/{relative}:{at}")),
        );
    }

    fn panic_machinery(&mut self) {
        if self.version.v0 {
            // The service's own hook reports panics with `Backtrace::force_capture()`.
            self.std(
                "std::backtrace::Backtrace::create",
                "std/src/backtrace.rs",
                "331:13",
            );
            self.app(
                "shop::telemetry::report_panic",
                "src/telemetry.rs",
                40 + self.n % 3,
                21,
            );
            self.std(
                "std::panicking::rust_panic_with_hook",
                "std/src/panicking.rs",
                "841:13",
            );
        }
        if self.version.full {
            self.std(
                "std::backtrace_rs::backtrace::libunwind::trace",
                "std/src/../../backtrace/src/backtrace/libunwind.rs",
                "105:5",
            );
            self.std(
                "std::panicking::default_hook::{{closure}}",
                "std/src/panicking.rs",
                "272:22",
            );
            self.std(
                "std::panicking::rust_panic_with_hook",
                "std/src/panicking.rs",
                "779:13",
            );
        }
        let unwind = if self.version.v0 {
            "__rustc::rust_begin_unwind"
        } else {
            "rust_begin_unwind"
        };
        self.std(unwind, "std/src/panicking.rs", "652:5");
        self.std(
            "core::panicking::panic_fmt",
            "core/src/panicking.rs",
            "72:14",
        );
        self.std("core::panicking::panic", "core/src/panicking.rs", "146:5");
        self.std(
            "core::option::unwrap_failed",
            "core/src/option.rs",
            "1999:5",
        );
    }

    /// The service's frames from the axum handler down to the tokio worker.
    fn server(&mut self) {
        let (tokio, axum) = (self.version.tokio, self.version.axum);
        self.dep(
            "<axum::handler::future::IntoServiceFuture<F> as core::future::future::Future>::poll",
            "axum",
            axum,
            "src/handler/future.rs",
            "34:1",
        );
        self.dep(
            "<tower_sessions::service::SessionManager<S,Store> as tower_service::Service<http::request::Request<ReqBody>>>::call::{{closure}}",
            "tower-sessions",
            "0.12.3",
            "src/service.rs",
            "307:28",
        );
        self.dep(
            "tokio::runtime::task::core::Core<T,S>::poll::{{closure}}",
            "tokio",
            tokio,
            "src/runtime/task/core.rs",
            "328:17",
        );
        self.std("std::panicking::try", "std/src/panicking.rs", "516:19");
        self.dep(
            "tokio::runtime::scheduler::multi_thread::worker::Context::run_task",
            "tokio",
            tokio,
            "src/runtime/scheduler/multi_thread/worker.rs",
            "576:9",
        );
    }
}

fn case(variant: Variant, layout: &Layout, version: &Version, n: u32) -> Case {
    let mut s = Stack {
        layout,
        version,
        text: String::new(),
        index: 0,
        n,
    };
    let shift = n % 4;
    let (error_type, message) = match variant {
        Variant::Base | Variant::OtherService | Variant::OtherFunction => {
            let raising = if variant == Variant::OtherFunction {
                "discount_of"
            } else {
                "price_of"
            };
            let message = "called `Option::unwrap()` on a `None` value";
            let thread = if version.v0 {
                "thread 'tokio-runtime-worker' (23) panicked"
            } else {
                "thread 'tokio-runtime-worker' panicked"
            };
            s.text = format!(
                "{thread} at src/cart/pricing.rs:{}:37:\n{message}\nstack backtrace:\n",
                40 + shift
            );
            s.panic_machinery();
            s.app(
                &format!("shop::cart::pricing::{raising}"),
                "src/cart/pricing.rs",
                40 + shift,
                37,
            );
            s.app("shop::cart::Cart::total", "src/cart/mod.rs", 61 + shift, 9);
            s.app(
                "shop::routes::checkout::create::{{closure}}",
                "src/routes/checkout.rs",
                35 + shift,
                20,
            );
            s.server();
            if !version.full {
                s.text.push_str("note: Some details are omitted, run with `RUST_BACKTRACE=full` for a verbose backtrace.\n");
            }
            ("panic", message.to_owned())
        }
        Variant::OtherType => {
            let message = format!(
                "no rows returned by a query that expected to return at least one row (order {})",
                1000 + n
            );
            s.text = format!("Error: {message}\n\nStack backtrace:\n");
            s.dep(
                "anyhow::error::<impl core::convert::From<E> for anyhow::Error>::from",
                "anyhow",
                "1.0.86",
                "src/error.rs",
                "565:25",
            );
            s.app(
                "shop::cart::pricing::price_of",
                "src/cart/pricing.rs",
                40 + shift,
                37,
            );
            s.app("shop::cart::Cart::total", "src/cart/mod.rs", 61 + shift, 9);
            s.app(
                "shop::routes::checkout::create::{{closure}}",
                "src/routes/checkout.rs",
                35 + shift,
                20,
            );
            s.server();
            ("sqlx_core::error::Error", message)
        }
        Variant::CauseA | Variant::CauseB => {
            let message = format!("failed to charge order {}", 1000 + n);
            let causes = if variant == Variant::CauseA {
                "    0: request to https://psp.example.com/v1/charges failed\n    1: error sending request for url (https://psp.example.com/v1/charges)\n    2: tcp connect error: Connection refused (os error 111)\n"
            } else {
                "    0: invalid receipt from the payment provider\n    1: expected value at line 1 column 1\n"
            };
            s.text = format!("Error: {message}\n\nCaused by:\n{causes}\nStack backtrace:\n");
            s.dep(
                "anyhow::error::<impl core::convert::From<E> for anyhow::Error>::from",
                "anyhow",
                "1.0.86",
                "src/error.rs",
                "565:25",
            );
            s.app(
                "shop::psp::Client::charge::{{closure}}",
                "src/psp.rs",
                if variant == Variant::CauseA { 64 } else { 71 } + shift,
                20,
            );
            s.app(
                "shop::routes::checkout::pay::{{closure}}",
                "src/routes/checkout.rs",
                88 + shift,
                9,
            );
            s.server();
            ("anyhow::Error", message)
        }
    };
    Case {
        label: variant.label("rust"),
        service: variant.service("shop", "shop-jobs"),
        language: Language::Rust,
        error_type: error_type.to_owned(),
        message,
        stack: s.text,
        note: format!("{} on {}", layout.name, version.name),
        rules: None,
    }
}

pub fn cases() -> Vec<Case> {
    let mut cases = Vec::new();
    let mut n = 0;
    for variant in Variant::ALL {
        for layout in &LAYOUTS {
            for version in &VERSIONS {
                n += 1;
                cases.push(case(variant, layout, version, n));
            }
        }
    }
    cases.extend([
        never_tracked(
            Language::Rust,
            "anyhow::Error",
            "connection refused",
            "Error: connection refused",
        ),
        never_tracked(
            Language::Rust,
            "panic",
            "boom",
            "thread 'main' panicked at src/main.rs:3:5:\nboom\nnote: run with `RUST_BACKTRACE=1` environment variable to display a backtrace\n",
        ),
        never_tracked(
            Language::Rust,
            "anyhow::Error",
            "failed to sync",
            "Error: failed to sync\n\nCaused by:\n    connection refused\n",
        ),
    ]);
    cases
}
