//! A [`WriteBatch`] turned into rows ready to bind, the same for both backends: events grouped into
//! issue upserts, large repeated texts deduplicated, counters converted to `i64`.

use std::borrow::Cow;
use std::collections::btree_map::Entry;
use std::collections::{BTreeMap, BTreeSet, HashMap};

use domain::errors::ErrorEvent;
use domain::span::Span;

use super::aliases::Routes;
use super::decode::trace_hex;
use super::window::{FINE_RETENTION_MS, FIVE_MINUTES_MS, HOUR_MS};
use super::{NewEvent, StoreError, TraceBlob, WriteBatch};

/// `span_tags` keys whose value usually repeats a column; stored as JSON `null` when it does.
pub(super) const COLUMN_TAGS: [&str; 3] = ["error.type", "error.message", "error.stack"];

/// The aggregate of one batch's events for one (service, fingerprint).
pub(super) struct IssueRow<'a> {
    pub service: Cow<'a, str>,
    pub fingerprint: Cow<'a, str>,
    pub grouping_version: Cow<'a, str>,
    pub tree: String,
    pub error_type: Cow<'a, str>,
    pub message: Cow<'a, str>,
    pub culprit: Option<Cow<'a, str>>,
    pub env: Cow<'a, str>,
    pub count: i64,
    pub first_seen: i64,
    pub last_seen: i64,
    pub first_version: Option<Cow<'a, str>>,
    pub last_version: Option<Cow<'a, str>>,
}

pub(super) struct EventRow<'a> {
    /// Index into [`BatchRows::issues`].
    pub issue: usize,
    pub time: i64,
    pub trace_id: String,
    pub span_id: i64,
    pub error_span_id: i64,
    pub service: Cow<'a, str>,
    pub env: Option<Cow<'a, str>>,
    pub version: Option<Cow<'a, str>>,
    pub host: Option<Cow<'a, str>>,
    pub container_id: Option<Cow<'a, str>>,
    pub resource: Cow<'a, str>,
    pub operation: Cow<'a, str>,
    pub error_type: Cow<'a, str>,
    pub message: Cow<'a, str>,
    pub language: Option<Cow<'a, str>>,
    /// The merged issue whose fingerprint routed the event to its issue (`events.merged_from`).
    pub merged_from: Option<i64>,
    /// Indexes into [`BatchRows::texts`].
    pub stack: usize,
    pub host_tags: Option<usize>,
    pub container_tags: Option<usize>,
    pub span_tags: String,
    pub metrics: String,
}

/// A distinct large text of the batch.
pub(super) struct TextRow {
    pub hash: i64,
    pub body: String,
}

pub(super) struct HitRow<'a> {
    pub service: Cow<'a, str>,
    pub env: Cow<'a, str>,
    pub resource: Cow<'a, str>,
    pub bucket: i64,
    pub hits: i64,
    pub errors: i64,
}

/// Events of one issue with one value of a facet (`issue_values`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct ValueCount {
    pub count: i64,
    pub first_seen: i64,
    pub last_seen: i64,
}

/// The event fields kept per issue in `issue_values`, by facet name.
pub(super) const VALUE_FACETS: [&str; 4] = ["env", "version", "host", "resource"];

pub(super) struct BatchRows<'a> {
    /// Sorted by (service, fingerprint), so concurrent writers lock issues in the same order.
    pub issues: Vec<IssueRow<'a>>,
    /// (issue index, env) pairs.
    pub envs: BTreeSet<(usize, Cow<'a, str>)>,
    /// Event count per (issue index, hour).
    pub buckets: BTreeMap<(usize, i64), i64>,
    /// Event count per (issue index, 5 minutes), for events of the last [`FINE_RETENTION_MS`].
    pub fine_buckets: BTreeMap<(usize, i64), i64>,
    /// Per (issue index, facet, value): events with that value. Absent and empty values are left out.
    pub values: BTreeMap<(usize, &'static str, Cow<'a, str>), ValueCount>,
    /// The same per hour: (issue index, hour, facet, value) to events (`issue_value_hours`).
    pub value_hours: BTreeMap<(usize, i64, &'static str, Cow<'a, str>), i64>,
    pub events: Vec<EventRow<'a>>,
    pub texts: Vec<TextRow>,
    /// One entry per trace id (hex), spans of repeated ids merged.
    pub traces: BTreeMap<String, Cow<'a, TraceBlob>>,
    pub hits: Vec<HitRow<'a>>,
    pub skipped: Vec<(Cow<'a, str>, &'static str, i64)>,
    /// (reason, hour, count) of refused intake requests.
    pub drops: Vec<(&'static str, i64, i64)>,
    pub spans: i64,
    /// (service, repository URL) pairs the events name, for the source settings.
    pub repositories: BTreeSet<(String, String)>,
}

impl<'a> BatchRows<'a> {
    /// `now` (Unix ms) decides which events are recent enough for 5-minute counts; `routes` which
    /// issue fingerprints that are not their issue's own join.
    pub fn new(batch: &'a WriteBatch, now: i64, routes: &'a Routes) -> Result<Self, StoreError> {
        let (issues, issue_of) = group_issues(&batch.events, routes);
        let mut rows = BatchRows {
            issues,
            envs: BTreeSet::new(),
            buckets: BTreeMap::new(),
            fine_buckets: BTreeMap::new(),
            values: BTreeMap::new(),
            value_hours: BTreeMap::new(),
            events: Vec::with_capacity(batch.events.len()),
            texts: Vec::new(),
            traces: BTreeMap::new(),
            hits: Vec::with_capacity(batch.hits.len()),
            skipped: Vec::with_capacity(batch.skipped.len()),
            drops: Vec::with_capacity(batch.drops.len()),
            spans: to_i64(batch.spans, "span counter")?,
            repositories: super::source::seen_pairs(&batch.events),
        };
        let mut text_ids = HashMap::new();
        for (new, &issue) in batch.events.iter().zip(&issue_of) {
            let event = &new.event;
            let time = unix_ms(event.timestamp);
            let hour = time.div_euclid(HOUR_MS) * HOUR_MS;
            rows.envs
                .insert((issue, clean(event.env.as_deref().unwrap_or(""))));
            *rows.buckets.entry((issue, hour)).or_default() += 1;
            if time >= now - FINE_RETENTION_MS {
                *rows
                    .fine_buckets
                    .entry((issue, time.div_euclid(FIVE_MINUTES_MS) * FIVE_MINUTES_MS))
                    .or_default() += 1;
            }
            let values = [
                event.env.as_deref(),
                event.version.as_deref(),
                event.host.as_deref(),
                Some(event.resource.as_str()),
            ];
            for (facet, value) in VALUE_FACETS.into_iter().zip(values) {
                if let Some(value) = value.filter(|v| !v.is_empty()) {
                    let value = clean(value);
                    *rows
                        .value_hours
                        .entry((issue, hour, facet, value.clone()))
                        .or_default() += 1;
                    rows.values
                        .entry((issue, facet, value))
                        .and_modify(|v| {
                            v.count += 1;
                            v.first_seen = v.first_seen.min(time);
                            v.last_seen = v.last_seen.max(time);
                        })
                        .or_insert(ValueCount {
                            count: 1,
                            first_seen: time,
                            last_seen: time,
                        });
                }
            }
            let stack = rows.text(&mut text_ids, clean(&event.stack).into_owned());
            let host_tags = (!event.host_tags.is_empty())
                .then(|| rows.text(&mut text_ids, json(&event.host_tags)));
            let container_tags = (!event.container_tags.is_empty())
                .then(|| rows.text(&mut text_ids, json(&event.container_tags)));
            rows.events.push(EventRow {
                issue,
                time,
                trace_id: trace_hex(event.trace_id),
                span_id: event.span_id as i64,
                error_span_id: event.error_span_id as i64,
                service: clean(&event.service),
                env: event.env.as_deref().map(clean),
                version: event.version.as_deref().map(clean),
                host: event.host.as_deref().map(clean),
                container_id: event.container_id.as_deref().map(clean),
                resource: clean(&event.resource),
                operation: clean(&event.operation),
                error_type: clean(&event.error_type),
                message: clean(&event.message),
                language: event.language.as_deref().map(clean),
                merged_from: merged_from(routes, new),
                stack,
                host_tags,
                container_tags,
                span_tags: span_tags_json(event),
                metrics: metrics_json(&event.metrics),
            });
        }
        for (trace_id, blob) in &batch.traces {
            match rows.traces.entry(trace_hex(*trace_id)) {
                Entry::Vacant(entry) => {
                    entry.insert(Cow::Borrowed(blob));
                }
                Entry::Occupied(mut entry) => {
                    let merged = blob.merged_over(entry.get().as_bytes())?;
                    entry.insert(Cow::Owned(merged));
                }
            }
        }
        for ((key, bucket), &(hits, errors)) in &batch.hits {
            rows.hits.push(HitRow {
                service: clean(&key.service),
                env: clean(&key.env),
                resource: clean(&key.resource),
                bucket: *bucket,
                hits: to_i64(hits, "hit counter")?,
                errors: to_i64(errors, "error counter")?,
            });
        }
        for ((service, reason), &count) in &batch.skipped {
            rows.skipped.push((
                clean(service),
                reason.as_str(),
                to_i64(count, "skipped counter")?,
            ));
        }
        for (&(reason, hour), &count) in &batch.drops {
            rows.drops
                .push((reason.as_str(), hour, to_i64(count, "drop counter")?));
        }
        Ok(rows)
    }

    /// Each trace's blob to store, merged over its stored blob (trace id to bytes) when there is one.
    pub fn trace_blobs<'s>(
        &'s self,
        stored: &HashMap<String, Vec<u8>>,
    ) -> Result<Vec<(&'s str, Cow<'s, TraceBlob>)>, StoreError> {
        self.traces
            .iter()
            .map(|(id, blob)| match stored.get(id) {
                Some(base) => Ok((id.as_str(), Cow::Owned(blob.merged_over(base)?))),
                None => Ok((id.as_str(), Cow::Borrowed(blob.as_ref()))),
            })
            .collect()
    }

    fn text(&mut self, ids: &mut HashMap<String, usize>, body: String) -> usize {
        if let Some(&id) = ids.get(&body) {
            return id;
        }
        let id = self.texts.len();
        ids.insert(body.clone(), id);
        self.texts.push(TextRow {
            hash: fnv1a(&body),
            body,
        });
        id
    }
}

/// Groups events by (service, the fingerprint of the issue they join): the first occurrence
/// describes a new issue, versions follow the earliest and the latest event. Returns the issues and,
/// per event, its issue's index.
fn group_issues<'a>(events: &'a [NewEvent], routes: &'a Routes) -> (Vec<IssueRow<'a>>, Vec<usize>) {
    let joined = |new: &'a NewEvent| -> (&'a str, &'a str) {
        let service = new.event.service.as_str();
        let own = &new.fingerprint.hash;
        // Most batches route nothing: skip building the lookup key.
        let target = (!routes.is_empty())
            .then(|| routes.get(&(new.event.service.clone(), own.clone())))
            .flatten();
        (
            service,
            target.map_or(own, |route| &route.fingerprint).as_str(),
        )
    };
    let mut groups: BTreeMap<(&str, &str), IssueRow<'_>> = BTreeMap::new();
    for new in events {
        let event = &new.event;
        let time = unix_ms(event.timestamp);
        let version = event.version.as_deref().map(clean);
        let key = joined(new);
        let row = groups.entry(key).or_insert_with(|| IssueRow {
            service: clean(&event.service),
            fingerprint: clean(key.1),
            grouping_version: clean(&new.fingerprint.version),
            tree: json(&new.fingerprint.tree),
            error_type: clean(&event.error_type),
            message: clean(&event.message),
            culprit: new.culprit.as_deref().map(clean),
            env: clean(event.env.as_deref().unwrap_or("")),
            count: 0,
            first_seen: time,
            last_seen: time,
            first_version: version.clone(),
            last_version: version.clone(),
        });
        row.count += 1;
        if time < row.first_seen {
            row.first_seen = time;
            row.first_version = version.clone();
        }
        if time >= row.last_seen {
            row.last_seen = time;
            row.last_version = version;
        }
    }
    let index: HashMap<(&str, &str), usize> =
        groups.keys().enumerate().map(|(i, k)| (*k, i)).collect();
    let issue_of = events.iter().map(|new| index[&joined(new)]).collect();
    (groups.into_values().collect(), issue_of)
}

fn merged_from(routes: &Routes, new: &NewEvent) -> Option<i64> {
    if routes.is_empty() {
        return None;
    }
    let key = (new.event.service.clone(), new.fingerprint.hash.clone());
    routes.get(&key)?.merged_from
}

/// Merges a trace's spans: spans with an id already present replace the stored ones.
pub(super) fn merge_spans(mut base: Vec<Span>, new: &[Span]) -> Vec<Span> {
    let mut position: HashMap<u64, usize> = base
        .iter()
        .enumerate()
        .map(|(i, s)| (s.span_id, i))
        .collect();
    for span in new {
        let mut span = span.clone();
        // JSON has no NaN or infinity; such metrics carry no information worth a failed write.
        span.metrics.retain(|_, v| v.is_finite());
        match position.get(&span.span_id) {
            Some(&i) => base[i] = span,
            None => {
                position.insert(span.span_id, base.len());
                base.push(span);
            }
        }
    }
    base
}

/// `error.*` tags equal to their column are stored as `null` and restored on read.
fn span_tags_json(event: &ErrorEvent) -> String {
    let columns = [&event.error_type, &event.message, &event.stack];
    let tags: BTreeMap<&str, Option<Cow<'_, str>>> = event
        .span_tags
        .iter()
        .map(|(key, value)| {
            let repeats_column = COLUMN_TAGS
                .iter()
                .zip(columns)
                .any(|(tag, column)| key == tag && value == column);
            (key.as_str(), (!repeats_column).then(|| clean(value)))
        })
        .collect();
    json(&tags)
}

fn metrics_json(metrics: &BTreeMap<String, f64>) -> String {
    let finite: BTreeMap<&String, &f64> = metrics.iter().filter(|(_, v)| v.is_finite()).collect();
    json(&finite)
}

/// Serializes maps and trees of strings and finite numbers, which cannot fail.
fn json<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_string(value).unwrap_or_else(|e| {
        tracing::error!(error = %e, "serializing a stored value failed");
        String::from("null")
    })
}

/// PostgreSQL text cannot hold NUL; both backends store U+FFFD instead so they agree.
fn clean(text: &str) -> Cow<'_, str> {
    if text.contains('\0') {
        Cow::Owned(text.replace('\0', "\u{FFFD}"))
    } else {
        Cow::Borrowed(text)
    }
}

fn unix_ms(unix_nanos: i64) -> i64 {
    unix_nanos.div_euclid(1_000_000)
}

fn to_i64(value: u64, what: &'static str) -> Result<i64, StoreError> {
    i64::try_from(value).map_err(|_| StoreError::OutOfRange(what))
}

/// FNV-1a, 64 bits: stable across builds, unlike std's hasher. Only narrows the lookup.
fn fnv1a(text: &str) -> i64 {
    let hash = text.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |hash, byte| {
        (hash ^ u64::from(byte)).wrapping_mul(0x0000_0100_0000_01b3)
    });
    hash as i64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fnv1a_matches_reference_values() {
        assert_eq!(fnv1a("") as u64, 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a("a") as u64, 0xaf63_dc4c_8601_ec8c);
        assert_eq!(fnv1a("foobar") as u64, 0x8594_4171_f739_67e8);
    }

    #[test]
    fn nul_becomes_replacement_character() {
        assert_eq!(clean("a\0b"), "a\u{FFFD}b");
        assert!(matches!(clean("plain"), Cow::Borrowed("plain")));
    }

    #[test]
    fn merge_replaces_same_span_id_and_drops_non_finite_metrics() {
        let span = |id: u64, name: &str| Span {
            span_id: id,
            name: name.into(),
            ..Span::default()
        };
        let mut nan = span(3, "c");
        nan.metrics.insert("x".into(), f64::NAN);
        let merged = merge_spans(vec![span(1, "a"), span(2, "b")], &[span(2, "B"), nan]);
        let names: Vec<_> = merged.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names, ["a", "B", "c"]);
        assert!(merged[2].metrics.is_empty());
    }
}
