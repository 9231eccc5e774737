//! V8 stacks (Node.js `err.stack`, dd-trace-js `error.stack`, Chrome), and `util.inspect` output with
//! `[cause]:` blocks. V8 prints the innermost frame first, so each exception's frames are reversed.
//! The file is the unit of code: `module` stays empty.

use std::sync::LazyLock;

use regex::Regex;

use super::{Exception, Frame, is_tracer, number};

/// `    at getOrder (/srv/app/src/orders.js:42:17)`, `    at new Promise (<anonymous>)`,
/// `    at async Promise.all (index 0)`, and the function-less
/// `    at /srv/app/node_modules/dd-trace/packages/dd-trace/src/plugins/util/web.js:3:9` and
/// `    at async file:///srv/app/src/server.mjs:58:7`.
static FRAME: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^\s+at (?:(?P<func>.+?) \((?P<loc>.*)\)|(?:async )?(?P<bare>\S+:\d+(?::\d+)?))$")
        .expect("valid regex")
});

/// `/srv/app/src/orders.js:42:17`, `node:internal/process/task_queues:95:5`,
/// `file:///srv/app/src/index.mjs:5:9`, `https://shop.example.com/static/app.3f9c1d.js:1:20417`.
static LOCATION: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(?P<file>.+?):(?P<line>\d+)(?::(?P<col>\d+))?$").expect("valid regex")
});

/// `  [cause]: Error: connect ECONNREFUSED 127.0.0.1:5432` inside `util.inspect(err)`.
static CAUSE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^\s*\[cause\]: (?P<header>.*)$").expect("valid regex"));

/// `TypeError: Cannot read properties of undefined (reading 'id')`, a bare `Error`,
/// `Error [ERR_HTTP_HEADERS_SENT]: Cannot set headers after they are sent to the client`,
/// `Uncaught ReferenceError: cart is not defined` (browser console).
static HEADER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"^(?:Uncaught )?(?P<type>[A-Za-z_$][\w$.]*)(?: (?P<code>\[[^\]]+\]))?(?:: (?P<message>.*)|:?)$",
    )
    .expect("valid regex")
});

/// Node core, builtins and dependencies: `node:internal/modules/cjs/loader:1256:14`, `node:events:517:28`,
/// `internal/process/task_queues.js:95:5` (Node < 16), `events.js:315:20` (Node < 12 core modules
/// have no directory), `/srv/app/node_modules/express/lib/router/layer.js`.
static NOT_APP: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(?:node:|internal/)|[\\/]node_modules[\\/]|^[^\\/]+$").expect("valid regex")
});

pub(super) fn parse(text: &str) -> Vec<Exception> {
    let mut exceptions = Vec::new();
    let mut current = Exception::default();
    for line in text.lines() {
        // `util.inspect` opens the error's own properties after its last frame: `    at f (/a.js:1:2) {`.
        let line = line.strip_suffix(" {").unwrap_or(line);
        if let Some(frame) = frame(line) {
            current.frames.push(frame);
        } else if let Some(caps) = CAUSE.captures(line) {
            finish(&mut exceptions, &mut current);
            header(&mut current, caps.name("header").map_or("", |m| m.as_str()));
        } else if current.frames.is_empty() && !line.trim().is_empty() {
            header(&mut current, line);
        }
        // Lines after the frames (`  code: 'ECONNREFUSED',`, `}`, `... 4 lines matching cause stack
        // trace ...`) are not part of any frame.
    }
    finish(&mut exceptions, &mut current);
    exceptions
}

fn finish(exceptions: &mut Vec<Exception>, current: &mut Exception) {
    if !current.frames.is_empty() || current.error_type.is_some() || current.message.is_some() {
        current.frames.reverse();
        exceptions.push(std::mem::take(current));
    }
}

/// The first line names the error; V8 prints multi-line messages as is, so the next lines continue it.
fn header(current: &mut Exception, line: &str) {
    if let Some(message) = current.message.as_mut() {
        message.push('\n');
        message.push_str(line);
        return;
    }
    match HEADER.captures(line.trim()) {
        Some(caps) if current.error_type.is_none() => {
            current.error_type = caps.name("type").map(|m| m.as_str().to_owned());
            current.message = match (caps.name("code"), caps.name("message")) {
                (Some(code), Some(m)) => Some(format!("{} {}", code.as_str(), m.as_str())),
                (code, m) => code.or(m).map(|m| m.as_str().to_owned()),
            };
        }
        _ => current.message = Some(line.trim().to_owned()),
    }
}

fn frame(line: &str) -> Option<Frame> {
    let caps = FRAME.captures(line)?;
    let function = caps.name("func").map(|m| m.as_str().to_owned());
    let loc = caps
        .name("loc")
        .or(caps.name("bare"))
        .map_or("", |m| m.as_str());
    // `eval at handler (/srv/app/a.js:3:9), <anonymous>:1:1`: the last part is the evaluated code.
    let loc = loc.rsplit(", ").next().unwrap_or(loc);
    let mut frame = Frame {
        function,
        ..Frame::default()
    };
    if let Some(caps) = LOCATION.captures(loc) {
        let file = caps.name("file").map_or("", |m| m.as_str());
        // `<anonymous>` is eval'd or builtin code, not a file.
        if !file.starts_with('<') {
            frame.in_app = !NOT_APP.is_match(file) && !is_tracer(file);
            frame.file = Some(file.to_owned());
        }
        frame.line = caps.name("line").and_then(|m| number(m.as_str()));
        frame.column = caps.name("col").and_then(|m| number(m.as_str()));
    }
    Some(frame)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames() {
        let f = |file: &str, line, column, in_app| (Some(file.to_owned()), line, column, in_app);
        let cases = [
            (
                "    at getOrder (/srv/app/src/orders.js:42:17)",
                f("/srv/app/src/orders.js", Some(42), Some(17), true),
            ),
            (
                "    at /srv/app/node_modules/dd-trace/x.js:3:9",
                f(
                    "/srv/app/node_modules/dd-trace/x.js",
                    Some(3),
                    Some(9),
                    false,
                ),
            ),
            (
                "    at Module._compile (node:internal/modules/cjs/loader:1256:14)",
                f(
                    "node:internal/modules/cjs/loader",
                    Some(1256),
                    Some(14),
                    false,
                ),
            ),
            (
                "    at emitOne (events.js:116:13)",
                f("events.js", Some(116), Some(13), false),
            ),
            (
                "    at file:///srv/app/index.mjs:5:9",
                f("file:///srv/app/index.mjs", Some(5), Some(9), true),
            ),
            (
                "    at async file:///srv/app/index.mjs:5:9",
                f("file:///srv/app/index.mjs", Some(5), Some(9), true),
            ),
            (
                "    at x (/srv/app/vendor/dd-trace-shim.js:1:1)",
                f("/srv/app/vendor/dd-trace-shim.js", Some(1), Some(1), false),
            ),
            (
                "    at new Promise (<anonymous>)",
                (None, None, None, false),
            ),
            (
                "    at async Promise.all (index 0)",
                (None, None, None, false),
            ),
        ];
        for (line, expected) in cases {
            let frame = frame(line).expect(line);
            assert_eq!(
                (frame.file, frame.line, frame.column, frame.in_app),
                expected,
                "{line}"
            );
        }
        assert_eq!(frame("at the end"), None);
        assert_eq!(frame("    at the end of the day"), None);
    }

    #[test]
    fn headers() {
        let cases = [
            (
                "TypeError: x is not a function",
                Some("TypeError"),
                Some("x is not a function"),
            ),
            ("Error", Some("Error"), None),
            (
                "Error [ERR_HTTP_HEADERS_SENT]: Cannot set headers",
                Some("Error"),
                Some("[ERR_HTTP_HEADERS_SENT] Cannot set headers"),
            ),
            (
                "Uncaught ReferenceError: cart is not defined",
                Some("ReferenceError"),
                Some("cart is not defined"),
            ),
            (
                "something odd happened",
                None,
                Some("something odd happened"),
            ),
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

    #[test]
    fn innermost_last_and_causes_follow() {
        let text = "Error: outer\n    at b (/a.js:2:1)\n    at a (/a.js:1:1) {\n  [cause]: TypeError: inner\n      at c (/a.js:3:1)\n}\n";
        let exceptions = parse(text);
        let types: Vec<_> = exceptions.iter().map(|e| e.error_type.as_deref()).collect();
        assert_eq!(types, [Some("Error"), Some("TypeError")]);
        let functions: Vec<_> = exceptions[0]
            .frames
            .iter()
            .map(|f| f.function.as_deref())
            .collect();
        assert_eq!(functions, [Some("a"), Some("b")]);
    }
}
