//! JVM stacks as `Throwable.printStackTrace` prints them (dd-trace-java's `error.stack`, OTel's
//! `exception.stacktrace`) and as Logback prints them (`... N common frames omitted`). Kotlin and Scala
//! print the same way. The JVM prints the innermost frame first, so frames are reversed; `Caused by:`
//! blocks come after the reported exception already, in cause order.
//!
//! `... N more` says the last N frames equal the enclosing trace's last N frames. They are filled in
//! from the enclosing trace, so each exception's frames are its whole stack (`getStackTrace()`) and do not
//! depend on whether it was printed on its own or as someone's cause: the same `IllegalStateException`
//! reported directly or wrapped by Spring's `NestedServletException` has the same frames.
//! `Suppressed:` blocks (try-with-resources close failures) are not causes and are skipped.

use std::sync::LazyLock;

use regex::Regex;

use super::{Exception, Frame, MAX_EXCEPTIONS, MAX_FRAMES, is_tracer, number};

/// `\tat com.acme.shop.CheckoutService.place(CheckoutService.java:57)`,
/// `\tat java.base/java.lang.Thread.run(Thread.java:833)` (module prefix), `\tat app//com.acme.Main.run(Main.kt:12)`
/// (class loader prefix), `\tat com.acme.Foo$$Lambda$1234/0x0000000801a3c8f0.apply(Unknown Source)`,
/// `\tat jdk.internal.reflect.NativeMethodAccessorImpl.invoke0(Native Method)`,
/// `\tat com.acme.CheckoutService$$SpringCGLIB$$0.place(<generated>)`, and Logback's packaging
/// suffix `\tat org.Foo.bar(Foo.java:10) ~[foo-1.2.jar:1.2]`. The location must be a file name (with a
/// dot) so a .NET `at A.B(Int32 id)` line does not pass for a Java frame.
static FRAME: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"^\s*at (?P<qual>[^\s(]+)\((?:Native Method|Unknown Source|<generated>|(?P<file>[^\s():]+\.[^\s():]+)(?::(?P<line>\d+))?)\)(?:\s.*)?$",
    )
    .expect("valid regex")
});

/// Splits `java.base/java.lang.Thread` or `app//com.acme.Main` into prefix and class; the class itself
/// may contain `/` only in a hidden lambda class: `com.acme.Foo$$Lambda$1234/0x0000000801a3c8f0`.
static QUALIFIED: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(?:[^/]*/)*?(?P<class>[^/]*(?:/0x[0-9a-fA-F]+[^/]*)?)\.(?P<method>[^./]+)$")
        .expect("valid regex")
});

/// `\t... 48 more` (JVM) and `\t... 87 common frames omitted` (Logback).
static ELIDED: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^\s*\.\.\. (?P<n>\d+) (?:more|common frames omitted)\s*$").expect("valid regex")
});

/// `Caused by: java.net.SocketTimeoutException: Read timed out`; indented only inside a `Suppressed:` block.
static CAUSED_BY: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(?P<indent>\s*)Caused by: (?P<header>.*)$").expect("valid regex")
});

/// `\tSuppressed: java.io.IOException: close failed`.
static SUPPRESSED: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^\s*Suppressed: ").expect("valid regex"));

/// `java.lang.IllegalStateException: Order 42 has no lines`, a bare `java.lang.NullPointerException`,
/// `Exception in thread "main" java.lang.OutOfMemoryError: Java heap space`.
static HEADER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r#"^(?:Exception in thread "[^"]*" )?(?P<type>[A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)+|[A-Z][\w$]*(?:Exception|Error|Throwable))(?::\s?(?P<message>.*))?$"#,
    )
    .expect("valid regex")
});

/// The JDK, Kotlin/Scala runtimes and common frameworks: `java.lang.Thread.run`,
/// `jdk.internal.reflect.DirectMethodHandleAccessor.invoke`, `sun.reflect.GeneratedMethodAccessor88.invoke`,
/// `com.sun.proxy.$Proxy142.findById`, `kotlinx.coroutines.DispatchedTask.run`,
/// `org.springframework.web.servlet.FrameworkServlet.service`, `org.apache.catalina.core.StandardWrapperValve.invoke`,
/// `org.hibernate.internal.SessionImpl.find`, `io.netty.channel.nio.NioEventLoop.run`,
/// `reactor.core.publisher.Mono.block`, `com.fasterxml.jackson.databind.ObjectMapper.readValue`,
/// `com.zaxxer.hikari.pool.HikariPool.getConnection`, `org.postgresql.core.v3.QueryExecutorImpl.execute`,
/// `com.mysql.cj.jdbc.ClientPreparedStatement.executeInternal`, `ch.qos.logback.classic.Logger.error`,
/// `io.grpc.stub.ClientCalls.blockingUnaryCall`; and Spring's generated proxies of application
/// classes, `com.acme.shop.CheckoutService$$SpringCGLIB$$0.place`.
static NOT_APP: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"^(?:java|javax|jakarta|jdk|sun|com\.sun|kotlin|kotlinx|scala|org\.springframework|org\.apache|org\.hibernate|io\.netty|reactor|com\.fasterxml|com\.zaxxer|org\.postgresql|com\.mysql|ch\.qos\.logback|io\.grpc)\.|\$\$(?:SpringCGLIB|EnhancerBySpringCGLIB|FastClassBySpringCGLIB)\$\$",
    )
    .expect("valid regex")
});

/// An exception while its lines are read: frames in printed order (innermost first).
#[derive(Default)]
struct Block {
    exception: Exception,
    elided: usize,
}

pub(super) fn parse(text: &str) -> Vec<Exception> {
    let mut done: Vec<Exception> = Vec::new();
    let mut block = Block::default();
    let mut in_suppressed = false;
    for line in text.lines() {
        if let Some(caps) = CAUSED_BY.captures(line) {
            if in_suppressed && !caps.name("indent").is_some_and(|m| m.as_str().is_empty()) {
                continue;
            }
            in_suppressed = false;
            finish(&mut done, std::mem::take(&mut block));
            header(
                &mut block.exception,
                caps.name("header").map_or("", |m| m.as_str()),
            );
        } else if SUPPRESSED.is_match(line) {
            in_suppressed = true;
        } else if in_suppressed {
            continue;
        } else if let Some(frame) = frame(line) {
            block.exception.frames.push(frame);
        } else if let Some(caps) = ELIDED.captures(line) {
            block.elided = caps
                .name("n")
                .and_then(|m| m.as_str().parse().ok())
                .unwrap_or(0);
        } else if block.exception.frames.is_empty() {
            header(&mut block.exception, line);
        }
    }
    finish(&mut done, block);
    for exception in &mut done {
        exception.frames.reverse();
    }
    done
}

/// Copying elided frames makes a long chain quadratic, so blocks past [`MAX_EXCEPTIONS`] are dropped
/// here and at most [`MAX_FRAMES`] frames are copied into one.
fn finish(done: &mut Vec<Exception>, mut block: Block) {
    let exception = &mut block.exception;
    let empty = exception.frames.is_empty() && exception.error_type.is_none();
    if empty || done.len() >= MAX_EXCEPTIONS {
        return;
    }
    if let Some(enclosing) = done.last() {
        let start = enclosing
            .frames
            .len()
            .saturating_sub(block.elided.min(MAX_FRAMES));
        exception
            .frames
            .extend_from_slice(&enclosing.frames[start..]);
    }
    done.push(block.exception);
}

/// Log lines before the exception are skipped; lines after its first line continue the message.
fn header(exception: &mut Exception, line: &str) {
    if exception.error_type.is_some() {
        let message = exception.message.get_or_insert_default();
        if !message.is_empty() {
            message.push('\n');
        }
        message.push_str(line);
    } else if let Some(caps) = HEADER.captures(line.trim()) {
        exception.error_type = caps.name("type").map(|m| m.as_str().to_owned());
        exception.message = caps.name("message").map(|m| m.as_str().to_owned());
    }
}

fn frame(line: &str) -> Option<Frame> {
    let caps = FRAME.captures(line)?;
    let qualified = QUALIFIED.captures(caps.name("qual")?.as_str())?;
    let class = qualified.name("class")?.as_str();
    Some(Frame {
        module: Some(class.to_owned()),
        file: caps.name("file").map(|m| m.as_str().to_owned()),
        function: qualified.name("method").map(|m| m.as_str().to_owned()),
        line: caps.name("line").and_then(|m| number(m.as_str())),
        column: None,
        in_app: !NOT_APP.is_match(class) && !is_tracer(class),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames() {
        let cases = [
            (
                "\tat com.acme.Checkout.place(Checkout.java:57)",
                "com.acme.Checkout",
                "place",
                Some("Checkout.java"),
                Some(57),
                true,
            ),
            (
                "\tat java.base/java.lang.Thread.run(Thread.java:833)",
                "java.lang.Thread",
                "run",
                Some("Thread.java"),
                Some(833),
                false,
            ),
            (
                "\tat app//com.acme.Main.run(Main.kt:12)",
                "com.acme.Main",
                "run",
                Some("Main.kt"),
                Some(12),
                true,
            ),
            (
                "\tat com.acme.Foo$$Lambda$1234/0x0000000801a3c8f0.apply(Unknown Source)",
                "com.acme.Foo$$Lambda$1234/0x0000000801a3c8f0",
                "apply",
                None,
                None,
                true,
            ),
            (
                "\tat com.acme.Foo$$Lambda/0x000071a4c8004a38.get(Unknown Source)",
                "com.acme.Foo$$Lambda/0x000071a4c8004a38",
                "get",
                None,
                None,
                true,
            ),
            (
                "\tat jdk.internal.reflect.NativeMethodAccessorImpl.invoke0(Native Method)",
                "jdk.internal.reflect.NativeMethodAccessorImpl",
                "invoke0",
                None,
                None,
                false,
            ),
            (
                "\tat org.Foo.<init>(Foo.java:10) ~[foo-1.2.jar:1.2]",
                "org.Foo",
                "<init>",
                Some("Foo.java"),
                Some(10),
                true,
            ),
            (
                "\tat datadog.trace.instrumentation.servlet3.Servlet3Advice.onExit(Servlet3Advice.java:80)",
                "datadog.trace.instrumentation.servlet3.Servlet3Advice",
                "onExit",
                Some("Servlet3Advice.java"),
                Some(80),
                false,
            ),
            (
                "\tat com.acme.CheckoutService$$SpringCGLIB$$0.place(<generated>)",
                "com.acme.CheckoutService$$SpringCGLIB$$0",
                "place",
                None,
                None,
                false,
            ),
        ];
        for (line, module, function, file, line_no, in_app) in cases {
            let f = frame(line).expect(line);
            assert_eq!(
                (
                    f.module.as_deref(),
                    f.function.as_deref(),
                    f.file.as_deref(),
                    f.line,
                    f.in_app
                ),
                (Some(module), Some(function), file, line_no, in_app),
                "{line}"
            );
        }
        assert_eq!(
            frame("   at Acme.Shop.Orders.Get(Int32 id) in /src/Orders.cs:line 27"),
            None
        );
    }

    #[test]
    fn elided_frames_come_from_the_enclosing_trace() {
        let text = "a.Outer: wrap\n\tat a.B.c(B.java:3)\n\tat a.B.main(B.java:9)\nCaused by: a.Inner: root\n\tat a.D.e(D.java:1)\n\t... 1 more\n\tSuppressed: a.Close: x\n\t\tat a.F.g(F.java:2)\n\tCaused by: a.Nested: y\n";
        let exceptions = parse(text);
        let types: Vec<_> = exceptions.iter().map(|e| e.error_type.as_deref()).collect();
        assert_eq!(types, [Some("a.Outer"), Some("a.Inner")]);
        let functions: Vec<_> = exceptions[1]
            .frames
            .iter()
            .map(|f| f.function.as_deref())
            .collect();
        assert_eq!(functions, [Some("main"), Some("e")]);
    }

    #[test]
    fn headers() {
        let cases = [
            (
                "java.lang.IllegalStateException: Order 42",
                Some("java.lang.IllegalStateException"),
                Some("Order 42"),
            ),
            (
                "java.lang.NullPointerException",
                Some("java.lang.NullPointerException"),
                None,
            ),
            (
                "Exception in thread \"main\" java.lang.Error: boom",
                Some("java.lang.Error"),
                Some("boom"),
            ),
            ("2024-05-01 ERROR Request failed", None, None),
        ];
        for (line, error_type, message) in cases {
            let mut e = Exception::default();
            header(&mut e, line);
            assert_eq!(
                (e.error_type.as_deref(), e.message.as_deref()),
                (error_type, message),
                "{line}"
            );
        }
    }
}
