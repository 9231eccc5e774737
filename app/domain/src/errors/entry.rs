//! A trace as a tree, built once: which spans are service entry spans and which span carries the
//! details of an entry span's error.
//!
//! Entry spans, per protocol:
//! - Datadog: a span that is top-level in its service (a root, a span whose parent is absent from this
//!   trace or belongs to another service, or a span the tracer marked `_dd.top_level`/`_top_level`).
//! - OTLP: a root (`parent_id` 0) or a SERVER/CONSUMER span. A span whose parent is merely absent is not
//!   enough: OTLP exporters batch ended spans, so children routinely arrive before their parent.
//!
//! Either way client and producer spans never are: dd-trace-js reports top-level `dns.lookup` and
//! `tcp.connect` client spans, which are calls out of a service, not work it received.

use std::collections::hash_map::{Entry, HashMap};
use std::collections::{HashSet, VecDeque};

use crate::span::{Protocol, Span, SpanKind, tags as key};

/// One trace indexed once, in O(n): spans deduplicated by id (the first one sent wins), with parent and
/// children links by position. A span naming itself as parent counts as having no parent.
pub(super) struct TraceTree<'a> {
    spans: Vec<&'a Span>,
    children: Vec<Vec<usize>>,
    is_entry: Vec<bool>,
}

/// The three tags an error event needs, borrowed from the span that carries them.
pub(super) struct ErrorDetails<'a> {
    pub error_type: &'a str,
    pub message: &'a str,
    pub stack: &'a str,
}

impl<'a> TraceTree<'a> {
    pub fn new(trace: &'a [Span], protocol: Protocol) -> Self {
        let mut by_id = HashMap::with_capacity(trace.len());
        let mut spans = Vec::with_capacity(trace.len());
        for span in trace {
            if let Entry::Vacant(slot) = by_id.entry(span.span_id) {
                slot.insert(spans.len());
                spans.push(span);
            }
        }
        let parents: Vec<Option<usize>> = spans
            .iter()
            .enumerate()
            .map(|(index, span)| match span.parent_id {
                0 => None,
                id => by_id.get(&id).copied().filter(|&parent| parent != index),
            })
            .collect();
        let mut children = vec![Vec::new(); spans.len()];
        for (index, parent) in parents.iter().enumerate() {
            if let Some(parent) = *parent {
                children[parent].push(index);
            }
        }
        let is_entry = spans
            .iter()
            .zip(&parents)
            .map(|(span, parent)| {
                let parent_service = parent.map(|parent| spans[parent].service.as_str());
                is_entry(span, parent_service, protocol)
            })
            .collect();
        Self {
            spans,
            children,
            is_entry,
        }
    }

    pub fn span(&self, index: usize) -> &'a Span {
        self.spans[index]
    }

    /// Entry spans by start time, then span id.
    pub fn entries(&self) -> Vec<usize> {
        let mut entries: Vec<usize> = (0..self.spans.len())
            .filter(|&index| self.is_entry[index])
            .collect();
        entries.sort_by_key(|&index| (self.spans[index].start, self.spans[index].span_id));
        entries
    }

    /// The span whose tags describe entry span `entry`'s error, with those details: the entry span itself
    /// when it carries all three, else the closest descendant in the same service that does, without
    /// entering another entry span's subtree. Errored candidates beat others; then the smallest depth,
    /// earliest start and lowest span id win.
    ///
    /// Breadth-first with a visited set, so a cyclic parent chain ends the walk. Each span has one parent,
    /// so the walks from different entry spans visit disjoint spans: O(n) over the whole trace.
    pub fn carrier(&self, entry: usize) -> Option<(usize, ErrorDetails<'a>)> {
        if let Some(details) = error_details(self.spans[entry]) {
            return Some((entry, details));
        }
        let service = &self.spans[entry].service;
        // (rank: not errored, depth, start, span id; span index; details): the smallest rank wins.
        type Candidate<'a> = ((bool, usize, i64, u64), usize, ErrorDetails<'a>);
        let mut best: Option<Candidate<'a>> = None;
        let mut visited = HashSet::from([entry]);
        let mut queue = VecDeque::from([(entry, 0_usize)]);
        while let Some((index, depth)) = queue.pop_front() {
            for &child in &self.children[index] {
                let span = self.spans[child];
                if self.is_entry[child] || span.service != *service || !visited.insert(child) {
                    continue;
                }
                queue.push_back((child, depth + 1));
                if let Some(details) = error_details(span) {
                    let rank = (!span.error, depth + 1, span.start, span.span_id);
                    if best
                        .as_ref()
                        .is_none_or(|(best_rank, ..)| rank < *best_rank)
                    {
                        best = Some((rank, child, details));
                    }
                }
            }
        }
        best.map(|(_, index, details)| (index, details))
    }
}

fn is_entry(span: &Span, parent_service: Option<&str>, protocol: Protocol) -> bool {
    let kind = match span.kind {
        SpanKind::Unspecified => span
            .tag(key::SPAN_KIND)
            .map(SpanKind::from_tag)
            .unwrap_or_default(),
        kind => kind,
    };
    if kind.is_outgoing() {
        return false;
    }
    match protocol {
        Protocol::Datadog => {
            span.marked_top_level() || parent_service.is_none_or(|parent| parent != span.service)
        }
        Protocol::Otlp => {
            span.parent_id == 0 || matches!(kind, SpanKind::Server | SpanKind::Consumer)
        }
    }
}

/// Type and stack must be non-empty. The message must be present but may be empty (`raise ValueError()`);
/// `error.message` is preferred over the Agent's legacy `error.msg`.
fn error_details(span: &Span) -> Option<ErrorDetails<'_>> {
    let message = span
        .tag(key::ERROR_MESSAGE)
        .or_else(|| span.tag(key::ERROR_MSG_LEGACY))
        .or_else(|| {
            span.meta
                .get(key::ERROR_MESSAGE)
                .or_else(|| span.meta.get(key::ERROR_MSG_LEGACY))
                .map(String::as_str)
        })?;
    Some(ErrorDetails {
        error_type: span.tag(key::ERROR_TYPE)?,
        message,
        stack: span.tag(key::ERROR_STACK)?,
    })
}

#[cfg(test)]
mod tests {
    use crate::errors::fixtures::{Build, Case, check, meta, span};
    use crate::errors::{SkipReason, extract};
    use crate::span::{Protocol, Span, SpanKind};

    #[test]
    fn carrier_choice_and_malformed_traces() {
        use Protocol::Datadog;
        use SpanKind::Internal;
        let cases = vec![
            Case {
                name: "carrier ties: errored beats closer, then earliest start, then lowest id",
                protocol: Datadog,
                trace: vec![
                    span(1, 0, "web", "request").err(),
                    span(2, 1, "web", "not errored").details("A"),
                    span(3, 1, "web", "errored").err().kind(Internal),
                    span(5, 3, "web", "late").err().details("B").start(50),
                    span(6, 3, "web", "early, high id")
                        .err()
                        .details("C")
                        .start(40),
                    span(4, 3, "web", "early, low id")
                        .err()
                        .details("D")
                        .start(40),
                ],
                events: &[("web", 1, 4, "D message")],
                skipped: &[],
                reason: SkipReason::MissingErrorDetails,
            },
            Case {
                name: "parent cycles and self-parents end",
                protocol: Datadog,
                trace: vec![
                    span(1, 2, "web", "a").err().details("A"),
                    span(2, 1, "web", "b").err().top_level(),
                    span(3, 4, "web", "c").err().details("C"),
                    span(4, 3, "web", "d").err(),
                    span(5, 5, "web", "self-parent").err().details("E"),
                ],
                events: &[("web", 2, 1, "A message"), ("web", 5, 5, "E message")],
                skipped: &[],
                reason: SkipReason::MissingErrorDetails,
            },
            Case {
                name: "duplicate span ids: the first one sent wins",
                protocol: Datadog,
                trace: vec![
                    span(1, 0, "web", "flask.request")
                        .err()
                        .details("ValueError"),
                    span(1, 0, "web", "flask.request"),
                    span(2, 1, "web", "child").err().details("KeyError"),
                    span(2, 0, "web", "child as a root")
                        .err()
                        .details("KeyError"),
                ],
                events: &[("web", 1, 1, "ValueError message")],
                skipped: &[],
                reason: SkipReason::MissingErrorDetails,
            },
        ];
        check(cases);
    }

    #[test]
    fn large_traces_stay_linear() {
        const N: u64 = 10_000;
        // A 10,000-deep chain in one service whose details sit at the bottom, then 10,000 sibling entries.
        let mut trace: Vec<Span> = (1..=N)
            .map(|id| span(id, id - 1, "deep", "step").err())
            .collect();
        if let Some(last) = trace.last_mut() {
            *last = span(N, N - 1, "deep", "step").err().details("Deep");
        }
        trace.extend((N + 1..=2 * N).map(|id| {
            span(id, 1, &format!("svc-{id}"), "call")
                .err()
                .details("Wide")
        }));
        let out = extract(&trace, &meta(Protocol::Datadog));
        assert_eq!(out.events.len(), 1 + N as usize);
        assert_eq!(out.events[0].event.error_span_id, N);
        assert_eq!(out.hits.len(), 1 + N as usize);
    }
}
