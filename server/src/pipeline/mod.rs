//! From a decoded payload to a durable write: extraction, grouping, then group commit.
//!
//! Every intake request turns its payload into a [`WriteBatch`] on its own task (CPU work spreads over
//! the runtime's threads), then hands it to the single writer task. The writer merges whatever batches
//! are waiting into one transaction and answers every request only after that transaction committed:
//! a 2xx means the data is on disk, yet thousands of small tracer requests cost one fsync, not
//! thousands. No state lives here between requests, so several instances can share one PostgreSQL.
//!
//! Events are grouped with the current grouping version; during an upgrade's [`Transition`] also with
//! the previous one, so storage can join them to the issues the previous version made.
//!
//! The writer's queue is bounded: a request that finds `queue_depth` batches already prepared or
//! waiting is refused at once ([`IngestError::QueueFull`]) and answered as its client expects,
//! rather than waiting while memory and latency grow.

mod drops;
mod grouping_cache;
mod rule_settings;
mod rules;

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use domain::errors::{TrackedEvent, extract};
use domain::grouping::{
    GroupingInput, GroupingVersion, StackRules, culprit_with, fingerprint_as, fingerprint_with,
};
use domain::intake::DropReason;
use domain::span::Payload;
use tokio::sync::{OwnedSemaphorePermit, Semaphore, mpsc, oneshot};
use tokio::time::MissedTickBehavior;

pub use self::drops::{DropCounter, DropCounts};
use self::grouping_cache::Grouped;
pub use self::grouping_cache::GroupingCache;
pub use self::rule_settings::{RuleSettings, RuleSettingsError};
pub use self::rules::{RuleBook, preview as rules_preview};
use crate::storage::{NewEvent, Store, StoreError, TraceBlob, WriteBatch, unix_ms_now};

/// Default of `--intake-queue-depth`: batches prepared or waiting for the writer.
pub const QUEUE_DEPTH: usize = 256;
/// How often the writer stores drop counts when no batch brings them along.
const DROPS_FLUSH: Duration = Duration::from_secs(1);
/// Upper bound of spans merged into one transaction, so one commit stays short.
const MAX_SPANS_PER_COMMIT: u64 = 200_000;
const HOUR_MS: i64 = 3_600_000;

#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    #[error("the writer has a full queue")]
    QueueFull,
    #[error("preparing the payload failed")]
    PrepareFailed,
    #[error("the writer stopped")]
    WriterGone,
    /// The database refused the batch; the reason is logged, not sent to tracers.
    #[error("storing the batch failed")]
    Store,
}

/// Whether events are also grouped with the previous grouping version, and until when.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Transition {
    /// Unix ms; `None` when there is nothing to transition (a new install, or the period is over).
    pub until: Option<i64>,
}

impl Transition {
    /// No transition: only the current version.
    pub const NONE: Self = Self { until: None };

    fn active(self, now: i64) -> bool {
        self.until.is_some_and(|until| now < until)
    }
}

struct Job {
    batch: WriteBatch,
    done: oneshot::Sender<Result<(), ()>>,
    /// The job's place in the queue, given back once it is answered.
    slot: OwnedSemaphorePermit,
}

/// Handle to the writer task; cheap to clone.
#[derive(Clone)]
pub struct Ingestor {
    /// Unbounded itself: `slots` bounds it.
    jobs: mpsc::UnboundedSender<Job>,
    slots: Arc<Semaphore>,
    drops: DropCounter,
    transition: Transition,
    rules: RuleBook,
    grouping: Arc<GroupingCache>,
}

impl Ingestor {
    /// Starts the writer task on the current runtime, with room for `queue_depth` batches (0
    /// refuses every payload: a way to test overload answers).
    pub fn start(store: Store, queue_depth: usize, transition: Transition) -> Self {
        let (jobs, rx) = mpsc::unbounded_channel();
        let drops = DropCounter::default();
        let rules = RuleBook::default();
        rules.keep_fresh(store.clone());
        tokio::spawn(writer(store, rx, drops.clone()));
        Self {
            jobs,
            slots: Arc::new(Semaphore::new(queue_depth.min(Semaphore::MAX_PERMITS))),
            drops,
            transition,
            rules,
            grouping: Arc::default(),
        }
    }

    /// The stack rules this instance groups with (the API reloads them after a save).
    pub fn rules(&self) -> &RuleBook {
        &self.rules
    }

    /// Counts a refused request; stored with the writer's next commit.
    pub fn count_drop(&self, reason: DropReason) {
        self.drops.count(reason);
    }

    /// Stores a payload; returns once it is durable, or at once with [`IngestError::QueueFull`].
    pub async fn ingest(&self, payload: Payload) -> Result<(), IngestError> {
        let slot = self
            .slots
            .clone()
            .try_acquire_owned()
            .map_err(|_| IngestError::QueueFull)?;
        // Extraction, stack parsing and grouping are CPU work: keep them off the async workers.
        let (transition, rules, grouping) =
            (self.transition, self.rules.clone(), self.grouping.clone());
        let batch =
            tokio::task::spawn_blocking(move || prepare(&payload, transition, &rules, &grouping))
                .await
                .map_err(|_| IngestError::PrepareFailed)?
                .map_err(|e| {
                    tracing::error!(error = %e, "encoding a trace failed");
                    IngestError::PrepareFailed
                })?;
        let (done, answer) = oneshot::channel();
        self.jobs
            .send(Job { batch, done, slot })
            .map_err(|_| IngestError::WriterGone)?;
        match answer.await {
            Ok(Ok(())) => Ok(()),
            Ok(Err(())) => Err(IngestError::Store),
            Err(_) => Err(IngestError::WriterGone),
        }
    }
}

async fn writer(store: Store, mut rx: mpsc::UnboundedReceiver<Job>, drops: DropCounter) {
    let mut flush = tokio::time::interval(DROPS_FLUSH);
    flush.set_missed_tick_behavior(MissedTickBehavior::Delay);
    loop {
        let first = tokio::select! {
            job = rx.recv() => match job {
                Some(job) => Some(job),
                None => break,
            },
            _ = flush.tick() => None,
        };
        let mut batch = WriteBatch::default();
        let mut waiting = Vec::new();
        let mut slots = Vec::new();
        if let Some(job) = first {
            batch = job.batch;
            waiting.push(job.done);
            slots.push(job.slot);
            // Group commit: take what queued up while the previous transaction ran.
            while batch.spans < MAX_SPANS_PER_COMMIT {
                let Ok(job) = rx.try_recv() else { break };
                merge(&mut batch, job.batch);
                waiting.push(job.done);
                slots.push(job.slot);
            }
        }
        batch.drops = drops.take();
        if waiting.is_empty() && batch.drops.is_empty() {
            continue;
        }
        let started = std::time::Instant::now();
        let answer = store.write_batch(&batch).await;
        tracing::debug!(
            requests = waiting.len(),
            events = batch.events.len(),
            spans = batch.spans,
            millis = started.elapsed().as_millis() as u64,
            "intake batch committed"
        );
        let answer = answer.map_err(|e| {
            tracing::error!(error = %e, requests = waiting.len(), "writing an intake batch failed");
            drops.restore(std::mem::take(&mut batch.drops));
        });
        for done in waiting {
            // A request whose client went away no longer needs its answer.
            let _ = done.send(answer.clone());
        }
        drop(slots);
    }
    let last = WriteBatch {
        drops: drops.take(),
        ..WriteBatch::default()
    };
    if let Err(e) = store.write_batch(&last).await {
        tracing::error!(error = %e, "storing the last drop counts failed");
    }
}

/// Extracts error events, groups them (with each service's stack rules; each distinct error once
/// while `cache` remembers it) and collects the traces (encoded here, off the writer) and counters
/// to store.
pub fn prepare(
    payload: &Payload,
    transition: Transition,
    rules: &RuleBook,
    cache: &GroupingCache,
) -> Result<WriteBatch, StoreError> {
    let with_previous = transition.active(unix_ms_now());
    let mut batch = WriteBatch {
        spans: payload.span_count() as u64,
        ..WriteBatch::default()
    };
    let mut stored_traces = HashSet::new();
    for trace in &payload.traces {
        let extraction = extract(trace, &payload.meta);
        let bucket =
            trace.iter().map(|s| s.start).min().unwrap_or(0) / 1_000_000 / HOUR_MS * HOUR_MS;
        for (key, (hits, errors)) in extraction.hits {
            let counts = batch.hits.entry((key, bucket)).or_default();
            counts.0 += hits;
            counts.1 += errors;
        }
        for (service, reason) in extraction.skipped {
            *batch.skipped.entry((service, reason)).or_default() += 1;
        }
        for event in extraction.events {
            if stored_traces.insert(event.event.trace_id) {
                batch
                    .traces
                    .push((event.event.trace_id, TraceBlob::encode(trace)?));
            }
            let service_rules = rules.for_service(&event.event.service);
            batch
                .events
                .push(group(event, with_previous, service_rules, cache));
        }
    }
    Ok(batch)
}

/// Groups one event with its service's rules (version, rules); `with_previous` also computes the
/// previous version's hash (without rules: it finds the issues that version made, before rules
/// existed).
fn group(
    tracked: TrackedEvent,
    with_previous: bool,
    rules: Option<(i64, Arc<StackRules>)>,
    cache: &GroupingCache,
) -> NewEvent {
    let TrackedEvent {
        event,
        stacktrace: stack,
    } = tracked;
    let (rules_version, rules) = rules.unzip();
    let rules = rules.unwrap_or_default();
    let grouped = cache.get_or_group(&event, rules_version, with_previous, || {
        let input = GroupingInput {
            service: &event.service,
            error_type: &event.error_type,
            message: &event.message,
            stacktrace: &stack,
            fingerprint_override: event.fingerprint_override.as_deref(),
        };
        Grouped {
            fingerprint: fingerprint_with(GroupingVersion::CURRENT, &input, &rules),
            culprit: culprit_with(&stack, GroupingVersion::CURRENT, &rules),
            previous_fingerprint: with_previous
                .then(|| fingerprint_as(GroupingVersion::PREVIOUS, &input).hash),
        }
    });
    NewEvent {
        event,
        fingerprint: grouped.fingerprint,
        culprit: grouped.culprit,
        previous_fingerprint: grouped.previous_fingerprint,
    }
}

fn merge(into: &mut WriteBatch, from: WriteBatch) {
    into.events.extend(from.events);
    into.traces.extend(from.traces);
    for (key, (hits, errors)) in from.hits {
        let counts = into.hits.entry(key).or_default();
        counts.0 += hits;
        counts.1 += errors;
    }
    for (key, n) in from.skipped {
        *into.skipped.entry(key).or_default() += n;
    }
    into.spans += from.spans;
    for (key, n) in from.drops {
        *into.drops.entry(key).or_default() += n;
    }
}
