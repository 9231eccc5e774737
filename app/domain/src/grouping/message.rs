//! Message normalization: the variable parts of an error message (ids, numbers, addresses, dates,
//! quoted values, paths...) become placeholders so `user 42 not found` and `user 43 not found` group.
//!
//! Replacements run in a fixed order, most specific first: a URL is replaced before the path and
//! numbers inside it are seen, a timestamp before its digits are. Placeholders (`<num>`, `<url>`...)
//! contain no digits, so later rules never rewrite them.

use std::net::Ipv6Addr;
use std::sync::LazyLock;

use regex::{Captures, Regex};

/// `'alice'`, `"users_email_key"`: the opening quote must not follow a letter, so the apostrophe in
/// `can't` is not a quote.
static QUOTED: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r#"(^|\W)(?:'[^'\n]*'|"[^"\n]*")"#).expect("valid regex"));

/// `https://api.stripe.com/v1/charges?id=ch_1`, `postgres://app@db:5432/app`.
static URL: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r#"\b[A-Za-z][A-Za-z0-9+.-]*://[^\s'"<>]+"#).expect("valid regex"));

/// `alice@example.com`.
static EMAIL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\b[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+\b").expect("valid regex")
});

/// `/var/lib/app/uploads/a.csv`, `./config/app.yml`, `C:\data\in.txt`, `/etc/app.conf`: at least
/// two segments, or one with an extension, starting after a space, bracket, `=` or `,`.
static PATH: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(^|[\s(\[=,])(?:(?:[A-Za-z]:|~|\.{1,2})?(?:[/\\][\w.@~+%-]+){2,}[/\\]?|(?:~|\.{1,2})?/[\w@~+%-]+\.\w+)",
    )
    .expect("valid regex")
});

/// `0b9e2f4c-1d7a-4c3e-9f51-2a6d8e0c7b13`.
static UUID: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\b[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\b")
        .expect("valid regex")
});

/// ISO 8601 (`2026-11-03T14:03:01.123Z`, `2026-11-03 14:03:01+01:00`, `2026-11-03`), RFC 2822
/// (`Tue, 03 Nov 2026 14:03:01 +0000`), JavaScript's `Date.toString()` (`Tue Nov 03 2026 14:03:01
/// GMT+0000 (Coordinated Universal Time)`) and bare clock times (`14:03:01.5`). Runs after IPv4, so
/// `10.0.3.7:5432` is not read as a time.
static DATE: LazyLock<Regex> = LazyLock::new(|| {
    let day = "(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)";
    let month = "(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)";
    let time = r"\d{1,2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?";
    let zone = r"(?:\s*(?:Z|[+-]\d{2}:?\d{2}|(?:GMT|UTC)(?:[+-]\d{4})?|[A-Z]{3})\b(?:\s*\([A-Za-z ]+\))?)?";
    Regex::new(&format!(
        r"\b\d{{4}}-\d{{2}}-\d{{2}}(?:[T ]{time}(?:Z|[+-]\d{{2}}:?\d{{2}})?)?|\b(?:{day},?\s+)?(?:\d{{1,2}}\s+{month}|{month}\s+\d{{1,2}})\s+\d{{4}}(?:\s+{time}{zone})?|\b\d{{1,2}}:\d{{2}}:\d{{2}}(?:[.,]\d+)?Z?\b"
    ))
    .expect("valid regex")
});

/// `10.0.3.7`, `10.0.3.7:5432`.
static IPV4: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\b\d{1,3}(?:\.\d{1,3}){3}(?::\d{1,5})?\b").expect("valid regex"));

/// Candidates for IPv6 (`2001:db8::1`, `[::1]:5432`, `fe80::1ff:fe23:4567:890a`); each is checked
/// with `Ipv6Addr`'s parser, so `Foo::Bar` and `14:03` stay.
static IPV6_CANDIDATE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(^|[^\w:])([0-9A-Fa-f]{0,4}:[0-9A-Fa-f:.]*)").expect("valid regex")
});

/// `0x7f3a2c001b40`, and hex runs mixing digits and letters: `3f2a1b9c`, `a94a8fe5ccb19ba6`.
static HEX: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\b(?:0[xX][0-9a-fA-F]+|[0-9a-fA-F]{6,})\b").expect("valid regex")
});

/// `150ms`, `2.5s`, `1m30s` (Go), `30 seconds`.
static DURATION: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"\b(?:(?:\d+(?:\.\d+)?(?:ns|us|µs|ms|s|m|h))+|\d+(?:\.\d+)?\s*(?:milliseconds?|seconds?|secs?|minutes?|mins?|hours?))\b",
    )
    .expect("valid regex")
});

/// `usr_8f3Kq2`, `cus_NffrFeUfNV2Hib`, `V1StGXR8Z5jdHi6B`, `R482913307`: tokens with a part of six
/// characters or more where a letter follows a digit or four digits follow a letter; `sha256`,
/// `x86_64` and `e2e` are not ids.
static ID: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\b[A-Za-z0-9][A-Za-z0-9_-]*\b").expect("valid regex"));

/// `42`, `-1`, `3.14`, `1,024`, not digits glued to letters (`sha256`) or after a dot.
static NUMBER: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(^|[^A-Za-z0-9.])\d+(?:[.,]\d+)*").expect("valid regex"));

static WHITESPACE: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"\s+").expect("valid regex"));

/// The message with its variable parts replaced by placeholders and whitespace collapsed.
pub fn normalize(message: &str) -> String {
    let text = QUOTED.replace_all(message, "${1}<str>");
    let text = URL.replace_all(&text, "<url>");
    let text = EMAIL.replace_all(&text, "<email>");
    let text = PATH.replace_all(&text, "${1}<path>");
    let text = UUID.replace_all(&text, "<uuid>");
    let text = IPV4.replace_all(&text, "<ip>");
    let text = DATE.replace_all(&text, "<date>");
    let text = IPV6_CANDIDATE.replace_all(&text, replace_ipv6);
    let text = HEX.replace_all(&text, replace_hex);
    let text = DURATION.replace_all(&text, "<duration>");
    let text = ID.replace_all(&text, replace_id);
    let text = NUMBER.replace_all(&text, "${1}<num>");
    WHITESPACE.replace_all(text.trim(), " ").into_owned()
}

fn replace_ipv6(caps: &Captures<'_>) -> String {
    let (before, candidate) = (&caps[1], &caps[2]);
    let address = candidate.trim_end_matches(['.', ':']);
    if address.parse::<Ipv6Addr>().is_ok() {
        format!("{before}<ip>{}", &candidate[address.len()..])
    } else {
        caps[0].to_owned()
    }
}

fn replace_hex(caps: &Captures<'_>) -> String {
    let token = &caps[0];
    let prefixed = token.starts_with("0x") || token.starts_with("0X");
    let mixed =
        token.bytes().any(|b| b.is_ascii_digit()) && token.bytes().any(|b| b.is_ascii_alphabetic());
    if prefixed || mixed {
        "<hex>".to_owned()
    } else {
        token.to_owned()
    }
}

fn replace_id(caps: &Captures<'_>) -> String {
    let token = &caps[0];
    let id_like = token.split(['_', '-']).any(|part| {
        let bytes = part.as_bytes();
        let letter_after_digit = bytes
            .windows(2)
            .any(|w| w[0].is_ascii_digit() && w[1].is_ascii_alphabetic());
        let digits_after_letter = bytes
            .windows(5)
            .any(|w| w[0].is_ascii_alphabetic() && w[1..].iter().all(u8::is_ascii_digit));
        part.len() >= 6 && (letter_after_digit || digits_after_letter)
    });
    if id_like {
        "<id>".to_owned()
    } else {
        token.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::normalize;

    #[test]
    fn replaces_variable_parts() {
        let cases = [
            // numbers
            ("User 42 not found", "User <num> not found"),
            (
                "index out of range [5] with length 3",
                "index out of range [<num>] with length <num>",
            ),
            ("expected -1, got 3.14", "expected -<num>, got <num>"),
            ("order #1,024 failed", "order #<num> failed"),
            ("job-7 crashed", "job-<num> crashed"),
            (
                "sha256 mismatch on x86_64 with utf-8",
                "sha256 mismatch on x86_<num> with utf-<num>",
            ),
            // ids
            (
                "no such customer: cus_NffrFeUfNV2Hib",
                "no such customer: <id>",
            ),
            ("session usr_8f3Kq2 expired", "session <id> expired"),
            ("token V1StGXR8Z5jdHi6B revoked", "token <id> revoked"),
            ("e2e run of h2c", "e2e run of h2c"),
            (
                "payment capture failed for order R482913307",
                "payment capture failed for order <id>",
            ),
            // hex and memory addresses
            ("commit 3f2a1b9c is missing", "commit <hex> is missing"),
            (
                "#<User:0x00007f3a2c001b40> is frozen",
                "#<User:<hex>> is frozen",
            ),
            ("bad flag 0x1f", "bad flag <hex>"),
            ("deadbeef stays a word", "deadbeef stays a word"),
            // UUIDs
            (
                "Order 0b9e2f4c-1d7a-4c3e-9f51-2a6d8e0c7b13 not found",
                "Order <uuid> not found",
            ),
            // emails and URLs
            (
                "no account for alice.smith+test@example.co.uk",
                "no account for <email>",
            ),
            (
                "GET https://api.example.com/v1/users/42?expand=orders returned 503",
                "GET <url> returned <num>",
            ),
            (
                "could not connect to postgres://app@db-1:5432/app",
                "could not connect to <url>",
            ),
            // IPs
            (
                "dial tcp 10.0.3.7:5432: i/o timeout",
                "dial tcp <ip>: i/o timeout",
            ),
            (
                "dial tcp [::1]:5432: connect: connection refused",
                "dial tcp [<ip>]:<num>: connect: connection refused",
            ),
            ("peer fe80::1ff:fe23:4567:890a reset", "peer <ip> reset"),
            ("from 2001:db8::1.", "from <ip>."),
            (
                "ActiveRecord::RecordNotFound in Foo::Bar",
                "ActiveRecord::RecordNotFound in Foo::Bar",
            ),
            // dates and timestamps
            (
                "token expired at 2026-11-03T14:03:01.123Z",
                "token expired at <date>",
            ),
            (
                "not after 2026-11-03 14:03:01+01:00 or 2026-11-04",
                "not after <date> or <date>",
            ),
            (
                "Expires: Tue, 03 Nov 2026 14:03:01 +0000",
                "Expires: <date>",
            ),
            (
                "invalid Tue Nov 03 2026 14:03:01 GMT+0000 (Coordinated Universal Time)",
                "invalid <date>",
            ),
            ("cron fired at 14:03:01.5", "cron fired at <date>"),
            // durations
            ("query took 150ms", "query took <duration>"),
            ("timed out after 2.5s", "timed out after <duration>"),
            (
                "context deadline exceeded after 1m30s",
                "context deadline exceeded after <duration>",
            ),
            ("retry in 30 seconds", "retry in <duration>"),
            // quoted values
            ("KeyError: 'user_id'", "KeyError: <str>"),
            (
                r#"duplicate key value violates unique constraint "users_email_key""#,
                "duplicate key value violates unique constraint <str>",
            ),
            (
                "can't find the user's 'admin' role",
                "can't find the user's <str> role",
            ),
            (
                "Cannot read properties of undefined (reading 'id')",
                "Cannot read properties of undefined (reading <str>)",
            ),
            // paths
            (
                "open /etc/app/config.yaml: no such file or directory",
                "open <path>: no such file or directory",
            ),
            ("cannot read ./config/app.yml", "cannot read <path>"),
            (r"missing C:\data\in.txt", "missing <path>"),
            ("no config at /app.conf", "no config at <path>"),
            (
                "use and/or 50/100 text/html",
                "use and/or <num>/<num> text/html",
            ),
            // untouched
            (
                "called `Option::unwrap()` on a `None` value",
                "called `Option::unwrap()` on a `None` value",
            ),
            ("  spaced \n  out  ", "spaced out"),
            ("", ""),
        ];
        let wrong: Vec<_> = cases
            .iter()
            .map(|(input, expected)| (input, normalize(input), expected))
            .filter(|(_, actual, expected)| actual != *expected)
            .collect();
        assert!(wrong.is_empty(), "(input, actual, expected): {wrong:#?}");
    }

    #[test]
    fn equal_after_normalization() {
        let pairs = [
            (
                "Order 1001 for alice@example.com failed",
                "Order 77 for bob@example.org failed",
            ),
            (
                "timeout after 150ms on 10.0.0.1:80",
                "timeout after 3.2s on 10.0.0.2:8080",
            ),
            (
                "job 0b9e2f4c-1d7a-4c3e-9f51-2a6d8e0c7b13 at 2026-11-03T14:03:01Z",
                "job 5a1c3e9f-0000-4c3e-9f51-2a6d8e0c7b13 at 2026-12-01T00:00:00Z",
            ),
        ];
        for (a, b) in pairs {
            assert_eq!(normalize(a), normalize(b), "{a:?} vs {b:?}");
        }
    }
}
