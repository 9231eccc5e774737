//! Git tags of a trace chunk. ddtrace-py sets `_dd.git.commit.sha` and `_dd.git.repository_url` on the
//! chunk's root span only, which is often not the entry span nor the span carrying the error; source
//! snippets need them on every event, so events take them from the chunk when their spans lack them.

use std::collections::BTreeMap;

use crate::span::{Span, tags as key};

const GIT_KEYS: [&str; 4] = [
    key::GIT_COMMIT_SHA,
    key::GIT_REPOSITORY_URL,
    key::DD_GIT_COMMIT_SHA,
    key::DD_GIT_REPOSITORY_URL,
];

/// Adds to `tags` the git tags it lacks, from the spans of `chunk`: spans of `service` first (a
/// process's repository is its own), chunk roots (whose parent is not in the chunk) before other spans,
/// then the earliest start and lowest span id, so the choice does not depend on span order.
pub(super) fn complete_git_tags(
    tags: &mut BTreeMap<String, String>,
    chunk: &[Span],
    service: &str,
) {
    let missing: Vec<&str> = GIT_KEYS
        .into_iter()
        .filter(|k| tags.get(*k).is_none_or(|v| v.is_empty()))
        .collect();
    if missing.is_empty() || !chunk.iter().any(has_git_tag) {
        return;
    }
    let ids: std::collections::HashSet<u64> = chunk.iter().map(|s| s.span_id).collect();
    let rank = |s: &Span| {
        (
            s.service != service,
            s.parent_id != 0 && ids.contains(&s.parent_id),
            s.start,
            s.span_id,
        )
    };
    for k in missing {
        let best = chunk
            .iter()
            .filter(|s| s.meta.get(k).is_some_and(|v| !v.is_empty()))
            .min_by_key(|s| rank(s));
        if let Some(value) = best.and_then(|s| s.meta.get(k)) {
            tags.insert(k.to_owned(), value.clone());
        }
    }
}

fn has_git_tag(span: &Span) -> bool {
    GIT_KEYS.iter().any(|k| span.meta.contains_key(*k))
}

#[cfg(test)]
mod tests {
    use super::super::extract;
    use super::super::fixtures::{Build, meta, span};
    use crate::span::{Protocol, SpanKind};

    /// ddtrace + Flask: the chunk root `flask.request` is the entry span here, but the tags sit on the
    /// root only; with a proxy span above it in the same process the entry span is a child.
    #[test]
    fn events_carry_the_chunk_roots_git_tags() {
        let sha = "4f2a9c1e8b7d6a5f4e3d2c1b0a9f8e7d6c5b4a3f";
        let url = "https://github.com/acme/shop.git";
        let cases = [
            // The root is the entry span, the carrier a child without the tags.
            vec![
                span(1, 0, "web", "flask.request")
                    .err()
                    .kind(SpanKind::Server)
                    .with("_dd.git.commit.sha", sha)
                    .with("_dd.git.repository_url", url),
                span(2, 1, "web", "flask.dispatch_request")
                    .err()
                    .details("ValueError"),
            ],
            // The root is another service's span of the same process (a worker's queue span); the
            // entry span of `web` is its child.
            vec![
                span(1, 0, "queue", "celery.run")
                    .with("_dd.git.commit.sha", sha)
                    .with("_dd.git.repository_url", url),
                span(2, 1, "web", "flask.request")
                    .err()
                    .kind(SpanKind::Server)
                    .details("ValueError"),
            ],
        ];
        for trace in cases {
            let out = extract(&trace, &meta(Protocol::Datadog));
            let event = out
                .events
                .iter()
                .map(|tracked| &tracked.event)
                .find(|e| e.service == "web")
                .expect("an event");
            assert_eq!(
                event
                    .span_tags
                    .get("_dd.git.commit.sha")
                    .map(String::as_str),
                Some(sha)
            );
            assert_eq!(
                event
                    .span_tags
                    .get("_dd.git.repository_url")
                    .map(String::as_str),
                Some(url)
            );
            assert!(!event.span_tags.contains_key("git.commit.sha"));
        }
    }

    #[test]
    fn the_events_own_tags_win() {
        let trace = [
            span(1, 0, "web", "flask.request")
                .err()
                .kind(SpanKind::Server)
                .with("git.commit.sha", "own")
                .details("E"),
            span(2, 1, "web", "child").with("git.commit.sha", "other"),
        ];
        let out = extract(&trace, &meta(Protocol::Datadog));
        assert_eq!(out.events[0].event.span_tags["git.commit.sha"], "own");
    }
}
