//! Ruby backtraces: `Exception#full_message` (uncaught exceptions, dd-trace-rb's `error.stack`), which
//! prints each exception as `file:line:in 'm': message (Type)` then `\tfrom` lines and its causes after it,
//! plain `backtrace.join("\n")`, and the Rails log's `Type (message):` header followed by frames.
//! Ruby prints the innermost frame first, so frames are reversed.

use std::sync::LazyLock;

use regex::Regex;

use super::{Exception, Frame, is_tracer, number};

/// `/srv/shop/app/models/order.rb:42:in `total'`, `\tfrom bin/rails:4:in `<main>'`, Ruby 3.4's
/// `app/models/order.rb:42:in 'Order#total'`, and the first line of an exception with its message:
/// `app/models/order.rb:42:in 'Order#total': undefined method 'price' for nil (NoMethodError)`.
static FRAME: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"^\s*(?P<from>from )?(?P<file>\S.*?):(?P<line>\d+):in [`'](?P<func>.*?)'(?P<rest>.*)$",
    )
    .expect("valid regex")
});

/// What follows the first frame of `full_message`: `: Couldn't find Order with 'id'=42 (ActiveRecord::RecordNotFound)`.
static MESSAGE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^: (?P<message>.*) \((?P<type>[A-Z]\w*(?:::[A-Z]\w*)*)\)\s*$")
        .expect("valid regex")
});

/// Rails' `NoMethodError (undefined method `price' for nil:NilClass):` and `RuntimeError: boom`.
static HEADER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(?P<type>[A-Z]\w*(?:::[A-Z]\w*)*)(?: \((?P<paren>.*)\):?|: (?P<message>.*))\s*$")
        .expect("valid regex")
});

/// Gems and the Ruby install: `/usr/local/bundle/gems/activesupport-7.1.3/lib/active_support/callbacks.rb`,
/// `/app/vendor/bundle/ruby/3.2.0/gems/rack-3.0.9/lib/rack/builder.rb`, `/usr/local/lib/ruby/3.3.0/net/http.rb`,
/// `/usr/local/lib/ruby/site_ruby/3.3.0/rubygems/core_ext/kernel_require.rb`, `<internal:kernel>`, and
/// gems as Rails' backtrace cleaner prints them: `activesupport (7.1.3) lib/active_support/callbacks.rb`.
static NOT_APP: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^[\w.-]+ \([\w.]+\) |/gems/|/ruby/(?:site_ruby/)?\d+\.\d+(?:\.\d+)?/|^<internal:|/rubygems/|(?:^|/)vendor/")
        .expect("valid regex")
});

pub(super) fn parse(text: &str) -> Vec<Exception> {
    let mut exceptions = Vec::new();
    let mut current = Exception::default();
    // `full_message` prints a message's further lines between its first frame and the `from` lines; a
    // blank line ends it (Ruby 3.4's error_highlight snippet follows one: `\n    quantity * variant.price`).
    let mut in_message = false;
    for line in text.lines() {
        if let Some(caps) = FRAME.captures(line) {
            let message = caps.name("rest").and_then(|m| MESSAGE.captures(m.as_str()));
            in_message = message.is_some();
            // A first line with a message starts the next exception of the chain (its cause).
            if caps.name("from").is_none() && message.is_some() && !current.frames.is_empty() {
                finish(&mut exceptions, &mut current);
            }
            if let Some(message) = message {
                current.error_type = message.name("type").map(|m| m.as_str().to_owned());
                current.message = message.name("message").map(|m| m.as_str().to_owned());
            }
            current.frames.push(frame(&caps));
        } else if in_message {
            in_message = !line.trim().is_empty();
            if let (true, Some(message)) = (in_message, current.message.as_mut()) {
                message.push('\n');
                message.push_str(line);
            }
        } else if current.frames.is_empty()
            && let Some(caps) = HEADER.captures(line.trim())
        {
            current.error_type = caps.name("type").map(|m| m.as_str().to_owned());
            current.message = caps
                .name("paren")
                .or(caps.name("message"))
                .map(|m| m.as_str().to_owned());
        }
    }
    finish(&mut exceptions, &mut current);
    exceptions
}

fn finish(exceptions: &mut Vec<Exception>, current: &mut Exception) {
    if !current.frames.is_empty() {
        current.frames.reverse();
        exceptions.push(std::mem::take(current));
    }
}

fn frame(caps: &regex::Captures<'_>) -> Frame {
    let file = caps.name("file").map_or("", |m| m.as_str());
    Frame {
        module: None,
        file: Some(file.to_owned()),
        function: caps.name("func").map(|m| m.as_str().to_owned()),
        line: caps.name("line").and_then(|m| number(m.as_str())),
        column: None,
        in_app: !NOT_APP.is_match(file) && !is_tracer(file),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames() {
        let cases = [
            (
                "\tfrom bin/rails:4:in `<main>'",
                "bin/rails",
                Some(4),
                "<main>",
                true,
            ),
            (
                "/srv/shop/app/models/order.rb:29:in `block in subtotal'",
                "/srv/shop/app/models/order.rb",
                Some(29),
                "block in subtotal",
                true,
            ),
            (
                "app/models/order.rb:42:in 'Order#total'",
                "app/models/order.rb",
                Some(42),
                "Order#total",
                true,
            ),
            (
                "/usr/local/bundle/gems/rack-3.0.9/lib/rack/builder.rb:1:in `call'",
                "/usr/local/bundle/gems/rack-3.0.9/lib/rack/builder.rb",
                Some(1),
                "call",
                false,
            ),
            (
                "/usr/local/lib/ruby/3.3.0/net/http.rb:1603:in `initialize'",
                "/usr/local/lib/ruby/3.3.0/net/http.rb",
                Some(1603),
                "initialize",
                false,
            ),
            (
                "<internal:kernel>:187:in `loop'",
                "<internal:kernel>",
                Some(187),
                "loop",
                false,
            ),
            (
                "activesupport (7.1.3) lib/active_support/callbacks.rb:98:in `run_callbacks'",
                "activesupport (7.1.3) lib/active_support/callbacks.rb",
                Some(98),
                "run_callbacks",
                false,
            ),
        ];
        for (line, file, line_no, function, in_app) in cases {
            let f = frame(&FRAME.captures(line).expect(line));
            assert_eq!(
                (f.file.as_deref(), f.line, f.function.as_deref(), f.in_app),
                (Some(file), line_no, Some(function), in_app),
                "{line}"
            );
        }
        assert!(FRAME.captures("    at f (/srv/app/a.js:1:2)").is_none());
    }

    #[test]
    fn causes_follow_and_frames_reverse() {
        let text = "/a.rb:5:in 'rescue in foo': outer (RuntimeError)\n\tfrom /a.rb:2:in 'foo'\n\tfrom /a.rb:9:in '<main>'\n/a.rb:3:in 'foo': inner (ArgumentError)\n\tfrom /a.rb:9:in '<main>'\n";
        let exceptions = parse(text);
        let types: Vec<_> = exceptions.iter().map(|e| e.error_type.as_deref()).collect();
        assert_eq!(types, [Some("RuntimeError"), Some("ArgumentError")]);
        let functions: Vec<_> = exceptions[0]
            .frames
            .iter()
            .map(|f| f.function.as_deref())
            .collect();
        assert_eq!(
            functions,
            [Some("<main>"), Some("foo"), Some("rescue in foo")]
        );
        assert_eq!(exceptions[0].message.as_deref(), Some("outer"));
    }

    #[test]
    fn rails_header() {
        let text = "ActiveRecord::RecordNotFound (Couldn't find Order with 'id'=42):\n\napp/controllers/orders_controller.rb:12:in `show'\n";
        let e = &parse(text)[0];
        assert_eq!(
            e.error_type.as_deref(),
            Some("ActiveRecord::RecordNotFound")
        );
        assert_eq!(
            e.message.as_deref(),
            Some("Couldn't find Order with 'id'=42")
        );
    }
}
