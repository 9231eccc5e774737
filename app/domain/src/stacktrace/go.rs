//! Go stacks: panics (`panic: ...` then `goroutine N [running]:`), `debug.Stack()` output, and
//! dd-trace-go's `error.stack` (the same function / `\tfile:line` pairs without arguments or `+0x` offsets).
//! Go prints the innermost frame first, so frames are reversed; `created by` (the `go` statement that
//! started the goroutine) becomes the outermost frame. Only the first goroutine is kept: it is the one
//! that panicked (`GOTRACEBACK=all` prints the others after it, and they are not part of the error).
//! A stack taken while recovering (net/http's `http: panic serving`, `debug.Stack()` in a recover
//! middleware) has the deferred handler above the builtin `panic` frame: those frames ran after the
//! error, so the stack ends at `panic` and the raising frame is the one that called it.

use std::sync::LazyLock;

use regex::Regex;

use super::{Exception, Frame, is_tracer, number};

/// `goroutine 42 [running]:`, `goroutine 1 gp=0xc0000061c0 m=0 mp=0x5b5c20 [running]:` (`GOTRACEBACK=system`).
static GOROUTINE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^goroutine \d+ .*\[.*\]:\s*$").expect("valid regex"));

/// `\t/build/internal/handlers/orders.go:57 +0x4e`, `\t/usr/local/go/src/runtime/asm_amd64.s:1695 +0x1`,
/// `\t/usr/local/go/src/net/http/server.go:2171` (inlined, or dd-trace-go), with
/// ` fp=0xc00004e7d0 sp=0xc00004e7b0 pc=0x43b1c5` under `GOTRACEBACK=system`.
static LOCATION: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^\s+(?P<file>\S.*\.(?:go|s)):(?P<line>\d+)(?: \+0x[0-9a-fA-F]+)?(?: fp=.*)?\s*$")
        .expect("valid regex")
});

/// `created by net/http.(*Server).Serve in goroutine 1` (Go 1.21+; older Go omits ` in goroutine 1`).
static CREATED_BY: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^created by (?P<func>.+?)(?: in goroutine \d+)?\s*$").expect("valid regex")
});

/// Splits `github.com/acme/svc/handlers.(*Server).Handle` into package and function; a package's last
/// element may carry a gopkg.in version: `gopkg.in/yaml.v3.(*decoder).unmarshal`.
static QUALIFIED: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(?P<pkg>(?:[^/]*/)*[^./]+(?:\.v\d+)?)\.(?P<func>.+)$").expect("valid regex")
});

/// `panic: runtime error: index out of range [5] with length 3`, `panic: boom [recovered]`,
/// `fatal error: concurrent map writes`, and net/http's recovered handler panic
/// `2024/11/07 14:02:11 http: panic serving 10.0.4.17:51234: runtime error: invalid memory address or nil pointer dereference`.
static HEADER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"^(?:(?P<type>panic|fatal error)|.*?http: (?P<http>panic) serving \S+): (?P<message>.*?)(?: \[recovered\])?\s*$",
    )
    .expect("valid regex")
});

/// Module caches and vendored code: `/go/pkg/mod/github.com/jackc/pgx/v5@v5.5.5/conn.go`,
/// `/root/go/pkg/mod/...`, `github.com/jackc/pgx/v5@v5.5.5/conn.go` (`-trimpath`), `/src/vendor/github.com/...`;
/// GOROOT sources: `/usr/local/go/src/net/http/server.go`, `/usr/lib/go-1.22/src/runtime/proc.go`.
static NOT_APP_FILE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"/pkg/mod/|@v\d|(?:^|/)vendor/|^/usr/local/go/src/|^/usr/lib/go(?:-[\d.]+)?/src/")
        .expect("valid regex")
});

/// First elements of standard library packages, which need no dot (`net/http`, `runtime`, `sync`),
/// for GOROOTs elsewhere than the usual paths (`/opt/hostedtoolcache/go/1.22.1/x64/src/...`) and `-trimpath`.
const STDLIB: &[&str] = &[
    "archive",
    "bufio",
    "bytes",
    "cmp",
    "compress",
    "container",
    "context",
    "crypto",
    "database",
    "debug",
    "embed",
    "encoding",
    "errors",
    "expvar",
    "flag",
    "fmt",
    "go",
    "hash",
    "html",
    "image",
    "index",
    "internal",
    "io",
    "iter",
    "log",
    "maps",
    "math",
    "mime",
    "net",
    "os",
    "path",
    "plugin",
    "reflect",
    "regexp",
    "runtime",
    "slices",
    "sort",
    "strconv",
    "strings",
    "structs",
    "sync",
    "syscall",
    "testing",
    "text",
    "time",
    "unicode",
    "unique",
    "unsafe",
    "weak",
];

pub(super) fn parse(text: &str) -> Vec<Exception> {
    let mut exception = Exception::default();
    let mut pending: Option<&str> = None;
    for line in text.lines() {
        if GOROUTINE.is_match(line) {
            if !exception.frames.is_empty() {
                break;
            }
            pending = None;
        } else if let Some(caps) = LOCATION.captures(line) {
            if let Some(function) = pending.take() {
                exception.frames.push(frame(function, &caps));
            }
        } else {
            if exception.frames.is_empty()
                && exception.error_type.is_none()
                && let Some(caps) = HEADER.captures(line)
            {
                exception.error_type = caps
                    .name("type")
                    .or(caps.name("http"))
                    .map(|m| m.as_str().to_owned());
                exception.message = caps.name("message").map(|m| m.as_str().to_owned());
            }
            // Functions are printed unindented; anything else between frames is not one.
            pending = (!line.is_empty() && !line.starts_with(char::is_whitespace)).then_some(line);
        }
    }
    if exception.frames.is_empty() {
        return Vec::new();
    }
    // The outermost `panic` is the original one; a handler re-panicking prints more above it.
    if let Some(panic) = exception.frames.iter().rposition(is_builtin_panic) {
        exception.frames.drain(..panic);
    }
    exception.frames.reverse();
    vec![exception]
}

fn frame(function: &str, location: &regex::Captures<'_>) -> Frame {
    let name = match CREATED_BY.captures(function) {
        Some(caps) => caps.name("func").map_or(function, |m| m.as_str()),
        None => strip_arguments(function),
    };
    let (module, function) = match QUALIFIED.captures(name) {
        Some(caps) => (
            caps.name("pkg").map(|m| m.as_str()),
            caps.name("func").map_or(name, |m| m.as_str()),
        ),
        None => (None, name),
    };
    let file = location.name("file").map_or("", |m| m.as_str());
    Frame {
        in_app: is_app(module, function, file),
        module: module.map(str::to_owned),
        file: Some(file.to_owned()),
        function: Some(function.to_owned()),
        line: location.name("line").and_then(|m| number(m.as_str())),
        column: None,
    }
}

/// `main.(*Server).Handle(0xc0000a2000, {0x5c6f40, 0xc0000a2000})` → `main.(*Server).Handle`; the
/// receiver's parentheses stay because only the trailing balanced group is removed.
fn strip_arguments(function: &str) -> &str {
    let Some(body) = function.strip_suffix(')') else {
        return function;
    };
    let mut depth = 1usize;
    for (i, c) in body.char_indices().rev() {
        match c {
            ')' => depth += 1,
            '(' => {
                depth -= 1;
                if depth == 0 {
                    return &body[..i];
                }
            }
            _ => {}
        }
    }
    function
}

/// `panic({0x9a2f60?, 0xf1e3b0?})` at `/usr/local/go/src/runtime/panic.go:785`.
fn is_builtin_panic(frame: &Frame) -> bool {
    frame.module.is_none() && frame.function.as_deref() == Some("panic")
}

/// The builtin `panic` has no package; everything else is judged by package and file.
fn is_app(module: Option<&str>, function: &str, file: &str) -> bool {
    let stdlib = match module {
        Some(pkg) => pkg
            .split('/')
            .next()
            .is_some_and(|first| STDLIB.contains(&first)),
        None => function == "panic",
    };
    !stdlib && !NOT_APP_FILE.is_match(file) && !is_tracer(file) && !module.is_some_and(is_tracer)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn function_names() {
        let cases = [
            ("main.main()", Some("main"), "main", true),
            ("main.main.func1()", Some("main"), "main.func1", true),
            (
                "github.com/acme/svc/handlers.(*Server).Handle(0xc0000a2000, {0x5c6f40, 0xc0000a2000})",
                Some("github.com/acme/svc/handlers"),
                "(*Server).Handle",
                true,
            ),
            (
                "net/http.HandlerFunc.ServeHTTP(...)",
                Some("net/http"),
                "HandlerFunc.ServeHTTP",
                false,
            ),
            (
                "gopkg.in/yaml.v3.(*decoder).unmarshal(0x1)",
                Some("gopkg.in/yaml.v3"),
                "(*decoder).unmarshal",
                true,
            ),
            (
                "gopkg.in/DataDog/dd-trace-go.v1/contrib/net/http.(*ServeMux).ServeHTTP",
                Some("gopkg.in/DataDog/dd-trace-go.v1/contrib/net/http"),
                "(*ServeMux).ServeHTTP",
                false,
            ),
            ("panic({0x6b3c40?, 0xc000012345?})", None, "panic", false),
            (
                "created by net/http.(*Server).Serve in goroutine 1",
                Some("net/http"),
                "(*Server).Serve",
                false,
            ),
            ("created by main.main", Some("main"), "main", true),
        ];
        let location = LOCATION.captures("\t/build/x.go:1 +0x1").expect("location");
        for (line, module, function, in_app) in cases {
            let f = frame(line, &location);
            assert_eq!(
                (f.module.as_deref(), f.function.as_deref(), f.in_app),
                (module, Some(function), in_app),
                "{line}"
            );
        }
    }

    #[test]
    fn files_outside_the_app() {
        let cases = [
            ("/build/internal/handlers/orders.go", true),
            ("github.com/acme/svc/main.go", true),
            ("/go/pkg/mod/github.com/jackc/pgx/v5@v5.5.5/conn.go", false),
            ("github.com/jackc/pgx/v5@v5.5.5/conn.go", false),
            ("/src/vendor/github.com/lib/pq/conn.go", false),
            ("/usr/local/go/src/net/http/server.go", false),
        ];
        for (file, in_app) in cases {
            assert_eq!(
                is_app(Some("github.com/acme/x"), "f", file),
                in_app,
                "{file}"
            );
        }
    }

    #[test]
    fn only_the_first_goroutine() {
        let text = "panic: boom [recovered]\n\tpanic: boom\n\ngoroutine 7 [running]:\nmain.b()\n\t/app/main.go:9 +0x1\nmain.a(...)\n\t/app/main.go:5\ncreated by main.main in goroutine 1\n\t/app/main.go:3 +0x2\n\ngoroutine 1 [chan receive]:\nmain.main()\n\t/app/main.go:4 +0x3\n";
        let exceptions = parse(text);
        assert_eq!(exceptions.len(), 1);
        let e = &exceptions[0];
        assert_eq!(
            (e.error_type.as_deref(), e.message.as_deref()),
            (Some("panic"), Some("boom"))
        );
        let functions: Vec<_> = e.frames.iter().map(|f| f.function.as_deref()).collect();
        assert_eq!(functions, [Some("main"), Some("a"), Some("b")]);
    }

    #[test]
    fn recovering_handler_frames_are_dropped() {
        let text = "http: panic serving 10.0.0.1:80: boom\ngoroutine 7 [running]:\nnet/http.(*conn).serve.func1()\n\t/usr/local/go/src/net/http/server.go:1947 +0xbe\npanic({0x1, 0x2})\n\t/usr/local/go/src/runtime/panic.go:785 +0x132\nmain.b()\n\t/app/main.go:9 +0x1\n";
        let e = &parse(text)[0];
        assert_eq!(
            (e.error_type.as_deref(), e.message.as_deref()),
            (Some("panic"), Some("boom"))
        );
        let functions: Vec<_> = e.frames.iter().map(|f| f.function.as_deref()).collect();
        assert_eq!(functions, [Some("b"), Some("panic")]);
    }
}
