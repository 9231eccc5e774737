//! Teamwork on issues: who is assigned, and what people said (comments). Shared by the server (JSON
//! API, storage) and the pages, which render comments as text with [`linkify`].

use serde::{Deserialize, Serialize};

/// A user as issue pages name them: never more than id, email and display name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserRef {
    pub id: i64,
    pub email: String,
    pub display_name: String,
}

impl UserRef {
    /// The display name, or the email when the user has none.
    pub fn name(&self) -> &str {
        if self.display_name.trim().is_empty() {
            &self.email
        } else {
            &self.display_name
        }
    }
}

/// Names a user by id or by email (any letter case).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum UserKey {
    Id(i64),
    Email(String),
}

/// Body of `PUT /issues/{id}/assignee`: `{"user": 3}`, `{"user": "ana@example.com"}`, or
/// `{"user": null}` to unassign.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AssigneeChange {
    pub user: Option<UserKey>,
}

/// A comment on an issue. Its body is plain text: pages show it as text, with links made clickable.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Comment {
    pub id: i64,
    pub issue_id: i64,
    pub author: UserRef,
    pub body: String,
    /// Unix milliseconds.
    pub created_at: i64,
}

/// Body of `POST /issues/{id}/comments`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewComment {
    pub body: String,
}

/// The longest comment accepted, in characters.
pub const MAX_COMMENT_CHARS: usize = 10_000;

/// Why a comment is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CommentError {
    #[error("a comment cannot be empty")]
    Empty,
    #[error("a comment is at most {MAX_COMMENT_CHARS} characters")]
    TooLong,
}

/// The body to store: trimmed, not empty, at most [`MAX_COMMENT_CHARS`].
pub fn comment_body(body: &str) -> Result<&str, CommentError> {
    let body = body.trim();
    if body.is_empty() {
        Err(CommentError::Empty)
    } else if body.chars().count() > MAX_COMMENT_CHARS {
        Err(CommentError::TooLong)
    } else {
        Ok(body)
    }
}

/// A stretch of comment text: shown as text, or as a link to itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextPart<'a> {
    Text(&'a str),
    Link(&'a str),
}

/// Splits text into plain parts and `http://` / `https://` URLs (up to whitespace, without trailing
/// punctuation such as a sentence's full stop). No other scheme becomes a link, so `javascript:`
/// stays text.
pub fn linkify(text: &str) -> Vec<TextPart<'_>> {
    let mut parts = Vec::new();
    let mut rest = text;
    while let Some(start) = next_url(rest) {
        let tail = &rest[start..];
        let end = tail.find(char::is_whitespace).unwrap_or(tail.len());
        let url = tail[..end].trim_end_matches(['.', ',', ';', ':', '!', '?', ')', ']', '\'', '"']);
        let scheme_only = !url.contains("//") || url.ends_with("//");
        if start > 0 {
            parts.push(TextPart::Text(&rest[..start]));
        }
        if scheme_only {
            parts.push(TextPart::Text(url));
        } else {
            parts.push(TextPart::Link(url));
        }
        rest = &tail[url.len()..];
    }
    if !rest.is_empty() {
        parts.push(TextPart::Text(rest));
    }
    parts
}

/// Where the next `http://` or `https://` starts.
fn next_url(text: &str) -> Option<usize> {
    ["http://", "https://"]
        .into_iter()
        .filter_map(|scheme| text.find(scheme))
        .min()
}

#[cfg(test)]
mod tests {
    use super::TextPart::{Link, Text};
    use super::*;

    #[test]
    fn links_are_http_urls_without_trailing_punctuation() {
        for (text, parts) in [
            ("no links here", vec![Text("no links here")]),
            (
                "see https://example.com/a?b=1.",
                vec![Text("see "), Link("https://example.com/a?b=1"), Text(".")],
            ),
            (
                "(http://x.test/y) and https://z.test",
                vec![
                    Text("("),
                    Link("http://x.test/y"),
                    Text(") and "),
                    Link("https://z.test"),
                ],
            ),
            (
                "javascript:alert(1) <script>x</script>",
                vec![Text("javascript:alert(1) <script>x</script>")],
            ),
            (
                "just https:// alone",
                vec![Text("just "), Text("https://"), Text(" alone")],
            ),
            ("", vec![]),
        ] {
            assert_eq!(linkify(text), parts, "{text}");
        }
    }

    #[test]
    fn comments_are_trimmed_and_limited() {
        assert_eq!(comment_body("  hi \n"), Ok("hi"));
        assert_eq!(comment_body(" \n "), Err(CommentError::Empty));
        let long = "é".repeat(MAX_COMMENT_CHARS + 1);
        assert_eq!(comment_body(&long), Err(CommentError::TooLong));
        assert!(comment_body(&long[2..]).is_ok());
    }

    #[test]
    fn users_are_named_by_display_name_or_email() {
        let mut user = UserRef {
            id: 1,
            email: "ana@example.com".to_owned(),
            display_name: "Ana".to_owned(),
        };
        assert_eq!(user.name(), "Ana");
        user.display_name = " ".to_owned();
        assert_eq!(user.name(), "ana@example.com");
    }

    #[test]
    fn assignee_changes_take_an_id_an_email_or_null() {
        for (json, user) in [
            (r#"{"user": 3}"#, Some(UserKey::Id(3))),
            (
                r#"{"user": "ana@example.com"}"#,
                Some(UserKey::Email("ana@example.com".to_owned())),
            ),
            (r#"{"user": null}"#, None),
        ] {
            let change: AssigneeChange = serde_json::from_str(json).expect(json);
            assert_eq!(change.user, user, "{json}");
        }
        assert!(serde_json::from_str::<AssigneeChange>(r#"{"user": 1, "x": 2}"#).is_err());
    }
}
