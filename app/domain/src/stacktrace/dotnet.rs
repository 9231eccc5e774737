//! .NET `Exception.ToString()` (dd-trace-dotnet's `error.stack`, ASP.NET Core logs). Inner exceptions
//! nest: `Outer: m\n ---> Inner: m\n   at <inner frames>\n   --- End of inner exception stack trace ---\n
//!   at <outer frames>`, so every header comes first and the frame sections follow innermost exception
//! first. Frames are printed innermost first and reversed. The function is the method name without its
//! parameter list (`Get`, not `Get(Int32 id)`); the module is namespace and class.

use std::sync::LazyLock;

use regex::Regex;

use super::{Exception, Frame, is_tracer, number};

/// `   at Acme.Shop.Orders.OrderRepository.Get(Int32 id) in /src/Acme.Shop/Orders/OrderRepository.cs:line 27`,
/// `   at System.Collections.Generic.Dictionary`2.get_Item(TKey key)`, `   at lambda_method5(Closure, Object)`.
/// No space before the parenthesis, so a V8 `at getOrder (/srv/app/a.js:1:2)` line is not a .NET frame.
static FRAME: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^\s*at (?P<method>[^\s(]+)\(.*?\)(?: in (?P<file>.+):line (?P<line>\d+))?\s*$")
        .expect("valid regex")
});

/// `   --- End of inner exception stack trace ---`.
static END_OF_INNER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^\s*--- End of inner exception stack trace ---\s*$").expect("valid regex")
});

/// ` ---> System.Collections.Generic.KeyNotFoundException: ...` (.NET Core: own line; .NET Framework: same
/// line as the outer message), and AggregateException's trailing ` ---> (Inner Exception #1) ...`.
static INNER: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"\s*---> ").expect("valid regex"));

/// `System.InvalidOperationException: Order 42 has no lines`, `Acme.Shop.Errors+NotFound: ...`,
/// a bare `System.OperationCanceledException`, and the HRESULT that `ExternalException`s print:
/// `Npgsql.PostgresException (0x80004005): 23505: duplicate key value violates unique constraint`.
static HEADER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(?P<type>[A-Za-z_][\w`+]*(?:\.[A-Za-z_][\w`+]*)+)(?: \(0x[0-9A-Fa-f]+\))?(?::\s?(?P<message>.*))?$")
        .expect("valid regex")
});

/// The base class library, ASP.NET Core, common libraries and expression-compiled delegates:
/// `System.Collections.Generic.Dictionary`2.get_Item`, `Microsoft.AspNetCore.Mvc.Infrastructure.ActionMethodExecutor`,
/// `Npgsql.NpgsqlConnector.ReadMessage`, `Newtonsoft.Json.JsonSerializer.Deserialize`, `Polly.Policy.Execute`,
/// `lambda_method5(Closure, Object)` (no namespace: generated at runtime by ASP.NET Core).
static NOT_APP: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(?:(?:System|Microsoft|Npgsql|Newtonsoft|Polly|Grpc)\.|lambda_method)")
        .expect("valid regex")
});

pub(super) fn parse(text: &str) -> Vec<Exception> {
    let mut headers: Vec<Exception> = Vec::new();
    // Frame sections in printed order: the innermost exception's first, the reported one's last.
    let mut sections: Vec<Vec<Frame>> = vec![Vec::new()];
    let mut in_frames = false;
    for line in text.lines() {
        if let Some(frame) = frame(line) {
            in_frames = true;
            if let Some(section) = sections.last_mut() {
                section.push(frame);
            }
        } else if END_OF_INNER.is_match(line) {
            sections.push(Vec::new());
        } else if in_frames && INNER.is_match(line) {
            // AggregateException lists its inner exceptions again after the frames.
            break;
        } else if !in_frames {
            header_line(&mut headers, line);
        }
        // `--- End of stack trace from previous location ---` separates async continuations of one stack.
    }
    while headers.len() < sections.len() {
        headers.push(Exception::default());
    }
    let innermost = headers.len() - 1;
    for (i, mut frames) in sections.into_iter().enumerate() {
        frames.reverse();
        if let Some(exception) = headers.get_mut(innermost - i) {
            exception.frames = frames;
        }
    }
    headers.retain(|e| !e.frames.is_empty() || e.error_type.is_some());
    headers
}

/// Splits a header line on ` ---> ` (each part after one names an inner exception); log lines before
/// the first exception name (`fail: Microsoft.AspNetCore.Diagnostics.ExceptionHandlerMiddleware[1]`)
/// are skipped; other lines continue the current message.
fn header_line(headers: &mut Vec<Exception>, line: &str) {
    for (i, part) in INNER.split(line).enumerate() {
        let part = part.trim();
        match headers.last_mut() {
            Some(current) if i == 0 => {
                if !part.is_empty() {
                    let message = current.message.get_or_insert_default();
                    if !message.is_empty() {
                        message.push('\n');
                    }
                    message.push_str(part);
                }
            }
            _ => {
                if let Some(caps) = HEADER.captures(part) {
                    headers.push(Exception {
                        error_type: caps.name("type").map(|m| m.as_str().to_owned()),
                        message: caps.name("message").map(|m| m.as_str().to_owned()),
                        frames: Vec::new(),
                    });
                } else if i > 0 {
                    headers.push(Exception {
                        message: Some(part.to_owned()),
                        ..Exception::default()
                    });
                }
            }
        }
    }
}

fn frame(line: &str) -> Option<Frame> {
    let caps = FRAME.captures(line)?;
    let method = caps.name("method")?.as_str();
    // `Acme.Shop.Orders.Order..ctor` is the constructor `.ctor` of `Acme.Shop.Orders.Order`.
    let split = match method.rfind('.') {
        Some(dot) if dot > 0 && method[..dot].ends_with('.') => Some(dot - 1),
        dot => dot,
    };
    let (module, function) = match split {
        Some(i) => (Some(&method[..i]), &method[i + 1..]),
        None => (None, method),
    };
    let in_app = !NOT_APP.is_match(method) && !is_tracer(method);
    Some(Frame {
        module: module.map(str::to_owned),
        file: caps.name("file").map(|m| m.as_str().to_owned()),
        function: Some(function.to_owned()),
        line: caps.name("line").and_then(|m| number(m.as_str())),
        column: None,
        in_app,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames() {
        let cases = [
            (
                "   at Acme.Shop.Orders.Repo.Get(Int32 id) in /src/Orders/Repo.cs:line 27",
                Some("Acme.Shop.Orders.Repo"),
                "Get",
                Some("/src/Orders/Repo.cs"),
                Some(27),
                true,
            ),
            (
                "   at System.Collections.Generic.Dictionary`2.get_Item(TKey key)",
                Some("System.Collections.Generic.Dictionary`2"),
                "get_Item",
                None,
                None,
                false,
            ),
            (
                "   at Acme.Shop.Orders.Order..ctor(String id) in C:\\src\\Order.cs:line 9",
                Some("Acme.Shop.Orders.Order"),
                ".ctor",
                Some("C:\\src\\Order.cs"),
                Some(9),
                true,
            ),
            (
                "   at Program.<>c.<<Main>$>b__0_0(HttpContext ctx) in /src/Program.cs:line 12",
                Some("Program.<>c"),
                "<<Main>$>b__0_0",
                Some("/src/Program.cs"),
                Some(12),
                true,
            ),
            (
                "   at lambda_method5(Closure, Object)",
                None,
                "lambda_method5",
                None,
                None,
                false,
            ),
            (
                "   at Datadog.Trace.ClrProfiler.CallTarget.CallTargetInvoker.BeginMethod()",
                Some("Datadog.Trace.ClrProfiler.CallTarget.CallTargetInvoker"),
                "BeginMethod",
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
                (module, Some(function), file, line_no, in_app),
                "{line}"
            );
        }
        assert_eq!(frame("    at getOrder (/srv/app/a.js:1:2)"), None);
    }

    #[test]
    fn headers() {
        let cases = [
            (
                "System.InvalidOperationException: Order 42",
                Some("System.InvalidOperationException"),
                Some("Order 42"),
            ),
            (
                "System.OperationCanceledException",
                Some("System.OperationCanceledException"),
                None,
            ),
            (
                "Npgsql.PostgresException (0x80004005): 23505: dup",
                Some("Npgsql.PostgresException"),
                Some("23505: dup"),
            ),
            (
                "fail: Microsoft.AspNetCore.Diagnostics.ExceptionHandlerMiddleware[1]",
                None,
                None,
            ),
        ];
        for (line, error_type, message) in cases {
            let mut headers = Vec::new();
            header_line(&mut headers, line);
            let e = headers.first();
            assert_eq!(
                (
                    e.and_then(|e| e.error_type.as_deref()),
                    e.and_then(|e| e.message.as_deref())
                ),
                (error_type, message),
                "{line}"
            );
        }
    }

    #[test]
    fn inner_exceptions_get_the_first_sections() {
        for arrow in ["\n ---> ", " ---> "] {
            let text = format!(
                "A.Outer: o{arrow}B.Mid: m\n ---> C.Root: r\n   at C.R.f()\n   --- End of inner exception stack trace ---\n   at B.M.g()\n   --- End of inner exception stack trace ---\n   at A.O.h()\n   at A.O.main()\n"
            );
            let exceptions = parse(&text);
            let summary: Vec<_> = exceptions
                .iter()
                .map(|e| {
                    (
                        e.error_type.as_deref(),
                        e.frames
                            .iter()
                            .map(|f| f.function.as_deref())
                            .collect::<Vec<_>>(),
                    )
                })
                .collect();
            assert_eq!(
                summary,
                [
                    (Some("A.Outer"), vec![Some("main"), Some("h")]),
                    (Some("B.Mid"), vec![Some("g")]),
                    (Some("C.Root"), vec![Some("f")]),
                ],
                "{arrow:?}"
            );
        }
    }
}
