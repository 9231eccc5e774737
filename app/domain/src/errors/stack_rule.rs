//! Whether an error's stack is worth an issue: Datadog's documented rule (Error Tracking
//! troubleshooting), "the stack must have at least two lines and one meaningful frame (a frame with a
//! function name and a filename in most languages)". `Error: upstream closed` alone, PHP's `#0 {main}`
//! or a stack of bare addresses tells nobody where the bug is, and grouping such errors by message
//! only would merge unrelated failures.

use crate::span::{Span, tags as key};
use crate::stacktrace::{self, Frame, Language, Stacktrace};

/// The stack parsed once, for grouping too; `None` when it fails the rule. Public so the grouping corpus
/// judges its never-tracked cases by the rule intake applies.
pub fn tracked_stack(stack: &str, language: Option<Language>) -> Option<Stacktrace> {
    if stack.lines().filter(|line| !line.trim().is_empty()).count() < 2 {
        return None;
    }
    let parsed = stacktrace::parse(stack, language);
    let tracked = parsed.frames().any(meaningful);
    tracked.then_some(parsed)
}

/// A span that describes its error but sent an empty `error.stack`: the stack rule's case, not one of
/// missing details.
pub(super) fn sent_empty_stack(span: &Span) -> bool {
    span.tag(key::ERROR_TYPE).is_some()
        && span
            .meta
            .get(key::ERROR_STACK)
            .is_some_and(String::is_empty)
}

/// A function and where it lives: a file, or the class/module for runtimes that print none (.NET
/// without PDBs, `Unknown Source` Java frames). PHP's `{main}` is the script itself, not a function.
fn meaningful(frame: &Frame) -> bool {
    let function = frame
        .function
        .as_deref()
        .map(str::trim)
        .filter(|f| !f.is_empty() && *f != "{main}");
    let place = frame.file.as_deref().or(frame.module.as_deref());
    function.is_some() && place.is_some_and(|p| !p.trim().is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn datadogs_rule_per_language() {
        use Language::*;
        // (language, stack, tracked)
        let cases: &[(Option<Language>, &str, bool)] = &[
            (Some(JavaScript), "", false),
            (Some(JavaScript), "   \n\n", false),
            (Some(JavaScript), "Error: upstream closed", false),
            (Some(JavaScript), "Error: upstream closed\n", false),
            (
                Some(JavaScript),
                "Error: upstream closed\n    at Socket.onClose (/app/src/client.js:10:5)\n",
                true,
            ),
            // V8 frames without a function name or a file: two lines, nothing meaningful.
            (
                Some(JavaScript),
                "Error: upstream closed\n    at <anonymous>\n    at new Promise (<anonymous>)\n",
                false,
            ),
            (Some(Php), "#0 {main}", false),
            (
                Some(Php),
                "PDOException: gone\n#0 {main}\n  thrown in /var/www/html/index.php on line 3\n",
                false,
            ),
            (
                Some(Php),
                "#0 /var/www/html/src/Cart.php(12): App\\Cart->total()\n#1 {main}\n",
                true,
            ),
            (
                Some(Python),
                "Traceback (most recent call last):\n  File \"/app/shop/views.py\", line 4, in checkout\nValueError: x\n",
                true,
            ),
            (Some(Python), "ValueError: x\n", false),
            (
                Some(Python),
                "Traceback (most recent call last):\nValueError: x\n",
                false,
            ),
            (
                Some(Java),
                "java.lang.IllegalStateException: x\n\tat com.acme.Cart.total(Cart.java:12)\n",
                true,
            ),
            (
                Some(Java),
                "java.lang.IllegalStateException: x\n\tat com.acme.Cart.total(Unknown Source)\n",
                true,
            ),
            (
                Some(DotNet),
                "System.InvalidOperationException: x\n   at Acme.Cart.Total()\n",
                true,
            ),
            (
                Some(Go),
                "goroutine 1 [running]:\nmain.handler(...)\n\t/app/main.go:12 +0x1d\n",
                true,
            ),
            (Some(Go), "context deadline exceeded\n\n", false),
            (
                Some(Ruby),
                "app/models/cart.rb:12:in `total'\napp/controllers/carts_controller.rb:5:in `show'\n",
                true,
            ),
            (
                Some(Rust),
                "panicked at src/main.rs:3:5\nstack backtrace:\n   0: shop::cart::total\n             at ./src/cart.rs:12:5\n",
                true,
            ),
            // Unknown text of two lines that no parser reads has no frame at all.
            (None, "upstream closed\nretrying later\n", false),
        ];
        for (language, stack, tracked) in cases {
            assert_eq!(
                tracked_stack(stack, *language).is_some(),
                *tracked,
                "{language:?} {stack:?}"
            );
        }
    }
}
