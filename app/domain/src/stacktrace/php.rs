//! PHP `Throwable::__toString()` / uncaught fatal errors and `getTraceAsString()` output (the `#0 file(line):
//! call` lines alone). PHP prints previous exceptions first and the wrapping one after `Next `, so the list
//! is reversed to put the reported one first.
//!
//! PHP pairs each call with the place it was called *from*: `#0 src/Checkout.php(44): Repo->find()` means
//! `Repo->find` was called at Checkout.php:44, inside the function of `#1`. Frames are shifted so each
//! holds its function and the line executing in it: the raising frame gets the header's `in file:line`
//! (unknown without a header), each caller gets the line its callee was called from, and `{main}` the
//! script's top-level line.

use std::sync::LazyLock;

use regex::Regex;

use super::{Exception, Frame, is_tracer, number};

/// `PHP Fatal error:  Uncaught RuntimeException: Order 42 not found in /var/www/html/src/OrderRepository.php:27`,
/// `Next Doctrine\DBAL\Exception\UniqueConstraintViolationException: An exception occurred ... in /app/vendor/x.php:97`,
/// `PDOException: SQLSTATE[23000]: Integrity constraint violation in /app/src/Db.php:12`.
static HEADER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"^(?:PHP )?(?:Fatal error: +Uncaught |Next )?(?P<type>\\?[A-Za-z_][\w\\]*)(?:: (?P<message>.*?))? in (?P<file>\S+?)(?:\((?P<pline>\d+)\)|:(?P<line>\d+))\s*$",
    )
    .expect("valid regex")
});

/// `#0 /var/www/html/src/CheckoutService.php(44): App\Repository\OrderRepository->find(42)`,
/// `#3 [internal function]: App\Http\Kernel->App\Http\{closure}(Object(Illuminate\Http\Request))`, `#7 {main}`.
static FRAME: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^#\d+ (?:(?P<main>\{main\})|(?:\[internal function\]|(?P<file>.+?)\((?P<line>\d+)\)): (?P<call>.+))\s*$")
        .expect("valid regex")
});

/// The called name before its arguments, braces kept whole: `App\Http\{closure}`, PHP 8.4's
/// `{closure:App\Http\Kernel::handle():42}`.
static CALLEE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^(?P<callee>(?:\{[^}]*\}|[^({])+)").expect("valid regex"));

/// `App\Repository\OrderRepository->find`, `Illuminate\Support\Facades\Facade::__callStatic`.
static METHOD: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(?P<class>[A-Za-z_\\][\w\\]*)(?:->|::)(?P<func>.+)$").expect("valid regex")
});

/// Composer dependencies: `/var/www/app/vendor/laravel/framework/src/Illuminate/Pipeline/Pipeline.php`.
static NOT_APP: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?:^|[\\/])vendor[\\/]").expect("valid regex"));

/// A file and line, as PHP prints them (`in /app/src/Repo.php:27`, `/app/src/Checkout.php(44)`).
type Location = (String, Option<u32>);

/// One printed exception: its header and its `#N` lines as printed.
#[derive(Default)]
struct Block {
    exception: Exception,
    raised_at: Option<Location>,
    /// (where it was called from, what was called); `{main}` has neither.
    calls: Vec<(Option<Location>, Option<String>)>,
}

pub(super) fn parse(text: &str) -> Vec<Exception> {
    let mut exceptions = Vec::new();
    let mut block = Block::default();
    for line in text.lines() {
        if let Some(caps) = FRAME.captures(line) {
            let from = caps.name("file").map(|file| {
                let line = caps.name("line").and_then(|m| number(m.as_str()));
                (file.as_str().to_owned(), line)
            });
            let call = caps.name("call").and_then(|m| CALLEE.captures(m.as_str()));
            let callee = call
                .and_then(|c| c.name("callee"))
                .map(|m| m.as_str().to_owned());
            block.calls.push((
                from,
                callee.or_else(|| caps.name("main").map(|m| m.as_str().to_owned())),
            ));
        } else if let Some(caps) = HEADER.captures(line.trim()) {
            if !block.calls.is_empty() || block.exception.error_type.is_some() {
                exceptions.push(finish(std::mem::take(&mut block)));
            }
            block.exception.error_type = caps.name("type").map(|m| m.as_str().to_owned());
            block.exception.message = caps.name("message").map(|m| m.as_str().to_owned());
            let line = caps
                .name("line")
                .or(caps.name("pline"))
                .and_then(|m| number(m.as_str()));
            block.raised_at = caps.name("file").map(|m| (m.as_str().to_owned(), line));
        }
        // `Stack trace:`, `  thrown in /var/www/html/src/OrderRepository.php on line 27`.
    }
    if !block.calls.is_empty() || block.exception.error_type.is_some() {
        exceptions.push(finish(block));
    }
    exceptions.reverse();
    exceptions
}

fn finish(block: Block) -> Exception {
    let Block {
        mut exception,
        raised_at,
        calls,
    } = block;
    let mut location = raised_at;
    for (from, callee) in calls {
        exception.frames.push(frame(callee, location));
        location = from;
    }
    exception.frames.reverse();
    exception
}

fn frame(callee: Option<String>, location: Option<Location>) -> Frame {
    let (file, line) = location.map_or((None, None), |(file, line)| (Some(file), line));
    let (module, function) = match callee.as_deref().and_then(|c| METHOD.captures(c)) {
        Some(caps) => (
            caps.name("class").map(|m| m.as_str().to_owned()),
            caps.name("func").map(|m| m.as_str().to_owned()),
        ),
        None => (None, callee),
    };
    let in_app = match file.as_deref() {
        Some(file) => !NOT_APP.is_match(file) && !is_tracer(file),
        // No file: PHP's own global functions and classes (`call_user_func_array`, `PDOStatement->execute`),
        // or the raising frame of a header-less `getTraceAsString()`, which is namespaced user code
        // (`Shop\Cart\TaxTable->rateFor`).
        None => module
            .as_deref()
            .or(function.as_deref())
            .is_some_and(|name| name.contains('\\') && !is_tracer(name)),
    };
    Frame {
        module,
        file,
        function,
        line,
        column: None,
        in_app,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_are_shifted_to_their_own_lines() {
        let text = "PHP Fatal error:  Uncaught RuntimeException: Order 42 not found in /app/src/Repo.php:27\nStack trace:\n#0 /app/src/Checkout.php(44): App\\Repo->find(42)\n#1 [internal function]: App\\Checkout->place(Array)\n#2 /app/vendor/slim/App.php(9): call_user_func(Array)\n#3 /app/public/index.php(12): Slim\\App->run()\n#4 {main}\n  thrown in /app/src/Repo.php on line 27\n";
        let e = &parse(text)[0];
        assert_eq!(e.error_type.as_deref(), Some("RuntimeException"));
        assert_eq!(e.message.as_deref(), Some("Order 42 not found"));
        let frames: Vec<_> = e
            .frames
            .iter()
            .map(|f| {
                (
                    f.module.as_deref(),
                    f.function.as_deref(),
                    f.file.as_deref(),
                    f.line,
                    f.in_app,
                )
            })
            .collect();
        assert_eq!(
            frames,
            [
                (
                    None,
                    Some("{main}"),
                    Some("/app/public/index.php"),
                    Some(12),
                    true
                ),
                (
                    Some("Slim\\App"),
                    Some("run"),
                    Some("/app/vendor/slim/App.php"),
                    Some(9),
                    false
                ),
                (None, Some("call_user_func"), None, None, false),
                (
                    Some("App\\Checkout"),
                    Some("place"),
                    Some("/app/src/Checkout.php"),
                    Some(44),
                    true
                ),
                (
                    Some("App\\Repo"),
                    Some("find"),
                    Some("/app/src/Repo.php"),
                    Some(27),
                    true
                ),
            ]
        );
    }

    #[test]
    fn callees() {
        let cases = [
            (
                "App\\Http\\Kernel->App\\Http\\{closure}(Object(Illuminate\\Http\\Request))",
                "App\\Http\\Kernel->App\\Http\\{closure}",
            ),
            (
                "{closure:App\\Http\\Kernel::handle():42}(Object(Request))",
                "{closure:App\\Http\\Kernel::handle():42}",
            ),
            ("include('/var/www/html/b...')", "include"),
        ];
        for (call, callee) in cases {
            let caps = CALLEE.captures(call).expect(call);
            assert_eq!(caps.name("callee").map(|m| m.as_str()), Some(callee));
        }
    }

    #[test]
    fn previous_exceptions_follow_the_reported_one() {
        let text = "PDOException: dup in key in /app/src/Db.php:12\nStack trace:\n#0 {main}\n\nNext App\\SaveFailed: could not save in /app/src/Repo.php:30\nStack trace:\n#0 {main}\n";
        let exceptions = parse(text);
        let types: Vec<_> = exceptions.iter().map(|e| e.error_type.as_deref()).collect();
        assert_eq!(types, [Some("App\\SaveFailed"), Some("PDOException")]);
        assert_eq!(exceptions[1].message.as_deref(), Some("dup in key"));
    }
}
