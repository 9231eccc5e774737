//! Rust: a panic (`thread 'main' panicked at src/main.rs:10:5:` + message) followed by the std backtrace
//! (`  4: checkout::orders::load` then `at ./src/orders.rs:42:18`, or `RUST_BACKTRACE=full`'s
//! `  4:     0x55d4c3b1e2a4 - checkout::orders::load::h1a2b3c4d5e6f7a8`), and anyhow's `{:?}` (`Error: ...`,
//! `Caused by:` messages, `Stack backtrace:`). The backtrace is printed innermost first and reversed;
//! anyhow's causes become exceptions of their own, without frames (anyhow captures one backtrace).

use std::sync::LazyLock;

use regex::Regex;

use super::{Exception, Frame, is_tracer, number};

/// `   4: checkout::orders::load`, `   9: <alloc::boxed::Box<F,A> as core::ops::function::FnOnce<Args>>::call_once`,
/// and `RUST_BACKTRACE=full`'s address right-aligned to the width of a 64-bit one:
/// `  12:     0x55d4c3b1e2a4 - checkout::orders::load::h1a2b3c4d5e6f7a8`, `  13:                0x0 - <unknown>`.
static FRAME: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"^\s*\d+: (?:\s*0x(?P<address>[0-9a-fA-F]+) - )?(?P<symbol>\S.*?)(?:::h[0-9a-f]{16})?\s*$",
    )
    .expect("valid regex")
});

/// `             at ./src/orders.rs:42:18`, `at /rustc/90b35a6239c3d8bdabc530a6a0816f7ff89a0aaf/library/core/src/panicking.rs:72:14`.
static LOCATION: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^\s+at (?P<file>\S.*?):(?P<line>\d+)(?::(?P<col>\d+))?\s*$").expect("valid regex")
});

/// `thread 'main' panicked at src/main.rs:10:5:` (message on the next lines, Rust 1.73+),
/// `thread 'tokio-runtime-worker' panicked at 'index out of bounds: the len is 3 but the index is 5', src/cart.rs:88:17`
/// (older), `thread '<unnamed>' (31337) panicked at ...` (with the thread id).
static PANIC: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"^thread '[^']*'(?: \(\d+\))? panicked at (?:'(?P<message>.*)', )?\S+?:\d+:\d+:?\s*$",
    )
    .expect("valid regex")
});

/// anyhow's `Error: failed to load order 42` (what `main` returning `Err` prints).
static ANYHOW: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^Error: (?P<message>.*)$").expect("valid regex"));

/// anyhow's cause lines: `    0: query failed`, or a single unnumbered `    connection refused`.
static CAUSE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^\s+(?:\d+: )?(?P<message>\S.*)$").expect("valid regex"));

/// The standard library, the panic machinery and libc: `std::panicking::begin_panic_handler`,
/// `<alloc::boxed::Box<F,A> as core::ops::function::FnOnce<Args>>::call_once`, `rust_begin_unwind`,
/// `__rust_try`, `__libc_start_main`; common crates, whose frames have no file in release builds:
/// `tokio::runtime::task::harness::Harness<T,S>::poll`, `<hyper::proto::h1::dispatch::Dispatcher<D,Bs,I,T> as ...>`,
/// `<tower::util::map_response::MapResponseFuture<F,N> as ...>`, `axum::routing::Router<S>::call_with_state`,
/// `futures_util::future::future::FutureExt::poll_unpin`, `tracing::instrument::Instrumented<T>`, `sqlx_core::pool::...`.
static NOT_APP_SYMBOL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"^<?(?:(?:std|core|alloc|tokio|tokio_util|futures|futures_util|futures_core|hyper|hyper_util|tower|tower_http|axum|axum_core|actix_web|actix_http|tracing|tracing_core|sqlx|sqlx_core|reqwest|serde|serde_json|anyhow|eyre)::|rust_begin_unwind|rust_panic|__rust|_start|__libc_start)",
    )
    .expect("valid regex")
});

/// Toolchain and dependency sources: `/rustc/90b35a6239c3d8bdabc530a6a0816f7ff89a0aaf/library/std/src/rt.rs`,
/// `/home/dev/.cargo/registry/src/index.crates.io-6f17d22bba15001f/tokio-1.38.0/src/runtime/park.rs`,
/// `/usr/local/cargo/registry/src/...` (Docker's CARGO_HOME), `/home/dev/.cargo/git/checkouts/...`;
/// and the C runtime's sources, which `RUST_BACKTRACE=full` shows below a thread's first Rust frame
/// when libc has debug info: `start_thread` at `./nptl/pthread_create.c:442:8`, `clone3` at
/// `./misc/../sysdeps/unix/sysv/linux/x86_64/clone3.S:81`, `../sysdeps/nptl/libc_start_call_main.h:58:16`.
static NOT_APP_FILE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^/rustc/|cargo[\\/]registry[\\/]|\.cargo[\\/]git[\\/]|\.[chS]$")
        .expect("valid regex")
});

pub(super) fn parse(text: &str) -> Vec<Exception> {
    let mut reported = Exception::default();
    let mut causes = Vec::new();
    let mut in_causes = false;
    let mut in_message = false;
    for line in text.lines() {
        if line.trim() == "Caused by:" {
            in_causes = true;
        } else if in_causes {
            match CAUSE.captures(line) {
                Some(caps) => causes.push(Exception {
                    message: caps.name("message").map(|m| m.as_str().to_owned()),
                    ..Exception::default()
                }),
                None => in_causes = false,
            }
        } else if let Some(caps) = LOCATION.captures(line) {
            if let Some(frame) = reported.frames.last_mut().filter(|f| f.file.is_none()) {
                frame.file = caps.name("file").map(|m| m.as_str().to_owned());
                frame.line = caps.name("line").and_then(|m| number(m.as_str()));
                frame.column = caps.name("col").and_then(|m| number(m.as_str()));
            }
        } else if let Some(caps) = FRAME.captures(line) {
            in_message = false;
            // `RUST_BACKTRACE=full` ends some stacks on a null return address, which the short
            // backtrace never prints: it names nothing.
            if caps
                .name("address")
                .is_some_and(|a| a.as_str().bytes().all(|b| b == b'0'))
            {
                continue;
            }
            reported.frames.push(Frame {
                function: caps.name("symbol").map(|m| m.as_str().to_owned()),
                ..Frame::default()
            });
        } else if let Some(caps) = PANIC.captures(line) {
            reported.error_type = Some("panic".to_owned());
            reported.message = caps.name("message").map(|m| m.as_str().to_owned());
            in_message = reported.message.is_none();
        } else if in_message
            && !line.is_empty()
            && !line.starts_with("stack backtrace:")
            && !line.starts_with("note: ")
        {
            let message = reported.message.get_or_insert_default();
            if !message.is_empty() {
                message.push('\n');
            }
            message.push_str(line);
        } else if reported.message.is_none()
            && let Some(caps) = ANYHOW.captures(line)
        {
            reported.message = caps.name("message").map(|m| m.as_str().to_owned());
        } else {
            in_message = false;
        }
    }
    // `  0: ` lines alone could be anything; a Rust backtrace has paths or sources.
    if !reported
        .frames
        .iter()
        .any(|f| f.file.is_some() || f.function.as_deref().is_some_and(|s| s.contains("::")))
    {
        return Vec::new();
    }
    for frame in &mut reported.frames {
        finish_frame(frame);
    }
    reported.frames.reverse();
    let mut exceptions = vec![reported];
    exceptions.append(&mut causes);
    exceptions
}

/// Splits the symbol into module and function and decides `in_app`.
fn finish_frame(frame: &mut Frame) {
    let Some(symbol) = frame.function.take() else {
        return;
    };
    let (module, function) = split_path(&symbol);
    frame.in_app = match frame.file.as_deref() {
        Some(file) => {
            !NOT_APP_FILE.is_match(file) && !NOT_APP_SYMBOL.is_match(&symbol) && !is_tracer(file)
        }
        // `main`, `__libc_start_call_main`: symbols without a path and without a source are the C runtime's.
        None => module.is_some() && !NOT_APP_SYMBOL.is_match(&symbol),
    } && !is_tracer(&symbol);
    frame.module = module.map(str::to_owned);
    frame.function = Some(function.to_owned());
}

/// `checkout::orders::load` → (`checkout::orders`, `load`); closures stay with their function
/// (`checkout::main::{{closure}}` → `checkout`, `main::{{closure}}`); `::` inside `<...>` does not split.
fn split_path(symbol: &str) -> (Option<&str>, &str) {
    let mut depth = 0i32;
    let mut split = None;
    let bytes = symbol.as_bytes();
    for (i, &b) in bytes.iter().enumerate() {
        match b {
            b'<' => depth += 1,
            b'>' => depth -= 1,
            b':' if depth == 0
                && bytes.get(i + 1) == Some(&b':')
                && !symbol[i + 2..].starts_with("{{closure}}") =>
            {
                split = Some(i);
            }
            _ => {}
        }
    }
    match split {
        Some(i) if i > 0 => (Some(&symbol[..i]), &symbol[i + 2..]),
        _ => (None, symbol),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stacktrace::{self, Language};

    #[test]
    fn paths() {
        let cases = [
            ("checkout::orders::load", Some("checkout::orders"), "load"),
            (
                "checkout::main::{{closure}}",
                Some("checkout"),
                "main::{{closure}}",
            ),
            (
                "checkout::main::{{closure}}::{{closure}}",
                Some("checkout"),
                "main::{{closure}}::{{closure}}",
            ),
            (
                "<alloc::boxed::Box<F,A> as core::ops::function::FnOnce<Args>>::call_once",
                Some("<alloc::boxed::Box<F,A> as core::ops::function::FnOnce<Args>>"),
                "call_once",
            ),
            ("rust_begin_unwind", None, "rust_begin_unwind"),
            ("::weird", None, "::weird"),
        ];
        for (symbol, module, function) in cases {
            assert_eq!(split_path(symbol), (module, function), "{symbol}");
        }
    }

    #[test]
    fn panic_with_backtrace() {
        let text = "thread 'main' panicked at src/main.rs:10:5:\nboom\nstack backtrace:\n   0: rust_begin_unwind\n             at /rustc/abc/library/std/src/panicking.rs:645:5\n   1: app::run::h0123456789abcdef\n             at ./src/main.rs:10:5\n   2: main\nnote: Some details are omitted\n";
        let e = &parse(text)[0];
        assert_eq!(
            (e.error_type.as_deref(), e.message.as_deref()),
            (Some("panic"), Some("boom"))
        );
        let frames: Vec<_> = e
            .frames
            .iter()
            .map(|f| (f.module.as_deref(), f.function.as_deref(), f.line, f.in_app))
            .collect();
        assert_eq!(
            frames,
            [
                (None, Some("main"), None, false),
                (Some("app"), Some("run"), Some(10), true),
                (None, Some("rust_begin_unwind"), Some(645), false)
            ]
        );
    }

    #[test]
    fn full_backtrace_with_padded_addresses() {
        let text = "thread 'main' panicked at src/main.rs:10:5:
called `Option::unwrap()` on a `None` value
stack backtrace:
   0:     0x55d4c5a1b2c3 - std::backtrace_rs::backtrace::libunwind::trace::h1a2b3c4d5e6f7a8b
                               at /rustc/90b35a6239c3d8bdabc530a6a0816f7ff89a0aaf/library/std/src/../../backtrace/src/backtrace/libunwind.rs:104:5
  14:     0x55d4c5a0f1e2 - myapp::handlers::checkout::h0123456789abcdef
                               at /home/deploy/myapp/src/handlers.rs:42:9
  15:     0x55d4c5a0e7b9 - myapp::main
  16:     0x7f3b1c894ac3 - start_thread
                               at ./nptl/pthread_create.c:442:8
  17:     0x7f3b1c926850 - clone3
                               at ./misc/../sysdeps/unix/sysv/linux/x86_64/clone3.S:81
  18:                0x0 - <unknown>
";
        let e = &parse(text)[0];
        assert_eq!(
            e.message.as_deref(),
            Some("called `Option::unwrap()` on a `None` value")
        );
        let frames: Vec<_> = e
            .frames
            .iter()
            .map(|f| {
                (
                    f.module.as_deref(),
                    f.function.as_deref(),
                    f.file.as_deref(),
                    f.line,
                    f.column,
                    f.in_app,
                )
            })
            .collect();
        assert_eq!(
            frames,
            [
                (
                    None,
                    Some("clone3"),
                    Some("./misc/../sysdeps/unix/sysv/linux/x86_64/clone3.S"),
                    Some(81),
                    None,
                    false
                ),
                (
                    None,
                    Some("start_thread"),
                    Some("./nptl/pthread_create.c"),
                    Some(442),
                    Some(8),
                    false
                ),
                (Some("myapp"), Some("main"), None, None, None, true),
                (
                    Some("myapp::handlers"),
                    Some("checkout"),
                    Some("/home/deploy/myapp/src/handlers.rs"),
                    Some(42),
                    Some(9),
                    true
                ),
                (
                    Some("std::backtrace_rs::backtrace::libunwind"),
                    Some("trace"),
                    Some(
                        "/rustc/90b35a6239c3d8bdabc530a6a0816f7ff89a0aaf/library/std/src/../../backtrace/src/backtrace/libunwind.rs"
                    ),
                    Some(104),
                    Some(5),
                    false
                ),
            ]
        );
        for hint in [None, Some(Language::Rust)] {
            let parsed = stacktrace::parse(text, hint);
            assert_eq!(parsed.language, Some(Language::Rust), "hint {hint:?}");
            assert_eq!(parsed.exceptions[0], *e, "hint {hint:?}");
        }
    }

    #[test]
    fn anyhow_causes_and_old_panic_format() {
        let text = "Error: load failed\n\nCaused by:\n    0: query failed\n    1: refused\n\nStack backtrace:\n   0: app::load\n             at ./src/lib.rs:3:9\n";
        let messages: Vec<_> = parse(text).into_iter().map(|e| e.message).collect();
        assert_eq!(
            messages,
            [
                Some("load failed".into()),
                Some("query failed".into()),
                Some("refused".into())
            ]
        );
        let text = "thread 'main' panicked at 'oops', src/main.rs:2:5\n   0: app::main\n";
        assert_eq!(parse(text)[0].message.as_deref(), Some("oops"));
        assert!(parse("   0: foo\n   1: bar\n").is_empty());
    }
}
