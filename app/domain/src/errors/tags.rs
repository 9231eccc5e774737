//! Which of an event's tags describe the span, the host and the container.

use std::collections::BTreeMap;

use crate::span::{Span, tags as key};

/// Host tags: exact keys, then key prefixes.
const HOST_KEYS: &[&str] = &[key::HOSTNAME];
const HOST_PREFIXES: &[&str] = &["host.", "os.", "cloud."];
/// Container tags: exact keys, then key prefixes.
const CONTAINER_KEYS: &[&str] = &[key::CONTAINER_ID, "pod_name"];
const CONTAINER_PREFIXES: &[&str] = &["container.", "k8s.", "kube_", "docker.", "ecs."];

/// An event's tags split three ways; every tag lands in exactly one map.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct TagSplit {
    pub span: BTreeMap<String, String>,
    pub host: BTreeMap<String, String>,
    pub container: BTreeMap<String, String>,
}

/// The tags of an error event: the entry span's, completed by the carrier's (the span the error details
/// came from). `error.*` tags are taken from the carrier only, so that the entry span's partial details
/// never mix with the carrier's; every other tag keeps the entry span's value when both have it.
pub fn merge_tags(entry: &Span, carrier: &Span) -> BTreeMap<String, String> {
    let mut merged: BTreeMap<String, String> = entry
        .meta
        .iter()
        .filter(|(key, _)| !key.starts_with("error."))
        .map(|(key, value)| (key.clone(), value.clone()))
        .collect();
    for (key, value) in &carrier.meta {
        if key.starts_with("error.") || !merged.contains_key(key) {
            merged.insert(key.clone(), value.clone());
        }
    }
    merged
}

/// Splits tags into span, host and container tags.
///
/// Host: `_dd.hostname` and keys starting `host.`, `os.`, `cloud.`. Container: `container_id`,
/// `pod_name` and keys starting `container.`, `k8s.`, `kube_`, `docker.`, `ecs.`. Everything else
/// describes the span.
pub fn split_tags(tags: BTreeMap<String, String>) -> TagSplit {
    let matches = |key: &str, keys: &[&str], prefixes: &[&str]| {
        keys.contains(&key) || prefixes.iter().any(|prefix| key.starts_with(prefix))
    };
    let mut split = TagSplit::default();
    for (key, value) in tags {
        let target = if matches(&key, HOST_KEYS, HOST_PREFIXES) {
            &mut split.host
        } else if matches(&key, CONTAINER_KEYS, CONTAINER_PREFIXES) {
            &mut split.container
        } else {
            &mut split.span
        };
        target.insert(key, value);
    }
    split
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_tags_by_key() {
        let cases: &[(&str, &str)] = &[
            ("_dd.hostname", "host"),
            ("host.name", "host"),
            ("host.arch", "host"),
            ("os.type", "host"),
            ("cloud.region", "host"),
            ("container_id", "container"),
            ("container.id", "container"),
            ("container.image.name", "container"),
            ("k8s.pod.name", "container"),
            ("kube_namespace", "container"),
            ("pod_name", "container"),
            ("docker.image", "container"),
            ("ecs.task_arn", "container"),
            ("env", "span"),
            ("http.status_code", "span"),
            ("error.type", "span"),
            ("hostname", "span"),
            ("_dd.p.tid", "span"),
        ];
        let tags = cases
            .iter()
            .map(|(key, _)| (key.to_string(), "v".to_string()))
            .collect();
        let split = split_tags(tags);
        for (key, want) in cases {
            let got = [
                ("span", &split.span),
                ("host", &split.host),
                ("container", &split.container),
            ]
            .iter()
            .filter(|(_, map)| map.contains_key(*key))
            .map(|(name, _)| *name)
            .collect::<Vec<_>>();
            assert_eq!(got, [*want], "{key}");
        }
    }

    #[test]
    fn merge_takes_error_tags_from_carrier_only() {
        let span = |pairs: &[(&str, &str)]| Span {
            meta: pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            ..Span::default()
        };
        let entry = span(&[
            ("env", "prod"),
            ("http.route", "/boom"),
            ("error.message", "partial"),
        ]);
        let carrier = span(&[
            ("env", "staging"),
            ("component", "flask"),
            ("error.type", "ValueError"),
            ("error.msg", "x"),
        ]);
        let merged = merge_tags(&entry, &carrier);
        let want = span(&[
            ("env", "prod"),
            ("http.route", "/boom"),
            ("component", "flask"),
            ("error.type", "ValueError"),
            ("error.msg", "x"),
        ]);
        assert_eq!(merged, want.meta);
    }
}
