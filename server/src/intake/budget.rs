//! What decoding one request may materialize, checked while it decodes.
//!
//! A hostile body is small on the wire and huge in memory: a 1-byte msgpack map becomes a ~200-byte
//! span, a v0.5 string table entry is cloned into every span that names it, an OTLP resource into
//! every span under it, a gzip body inflates a thousandfold. Decoders therefore charge a [`Budget`]
//! with an estimate of what they allocate, as they allocate it, and stop at the first limit:
//! - per stage (inflating, then decoding), at most `max_expansion` bytes per input byte (with a
//!   floor so small bodies never trip it);
//! - at most `max_spans` spans;
//! - and the server's shared allowance of bytes in flight ([`Allowance`]), so any number of
//!   concurrent bodies together stay under one memory budget.
//!
//! The estimates are sizes of the structs built plus the text they hold, not exact allocator
//! figures; they err on the high side.

use domain::span::Span;

use super::{IntakeError, Limits};

/// The server's shared memory budget, seen from one request.
pub trait Allowance {
    /// Takes `bytes` more for this request, kept until the request ends; false when the budget has
    /// no room (the server is overloaded: the request is refused, never queued).
    fn take(&mut self, bytes: usize) -> bool;
}

/// No shared budget, for decoding outside the server (tests, tools).
pub struct Unbounded;

impl Allowance for Unbounded {
    fn take(&mut self, _bytes: usize) -> bool {
        true
    }
}

/// Bytes taken from the shared allowance at a time, so charging a span is an addition, not a
/// semaphore operation.
const CHUNK: usize = 256 * 1024;
/// The per-stage limit never goes below this, whatever the input's size.
const MIN_STAGE_BYTES: usize = 1024 * 1024;
/// One map entry (`BTreeMap` node share, two `String` headers), besides its text.
pub const ENTRY_COST: usize = 64;
/// One decoded span, besides its text and tags.
pub const SPAN_COST: usize = std::mem::size_of::<Span>();
/// One `String` or `Vec` header.
pub const HEADER_COST: usize = 24;

pub struct Budget<'a> {
    limits: Limits,
    used: usize,
    taken: usize,
    stage_start: usize,
    stage_max: usize,
    stage: &'static str,
    spans: usize,
    shared: &'a mut dyn Allowance,
}

impl<'a> Budget<'a> {
    pub fn new(limits: &Limits, shared: &'a mut dyn Allowance) -> Self {
        Self {
            limits: *limits,
            used: 0,
            taken: 0,
            stage_start: 0,
            stage_max: usize::MAX,
            stage: "body",
            spans: 0,
            shared,
        }
    }

    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    /// Starts a stage that turns `input_len` bytes into something new: what it charges from now on
    /// may reach `max_expansion` times `input_len`.
    pub fn stage(&mut self, what: &'static str, input_len: usize) {
        self.stage = what;
        self.stage_start = self.used;
        self.stage_max = input_len
            .saturating_mul(self.limits.max_expansion)
            .max(MIN_STAGE_BYTES);
    }

    /// Charges `bytes` about to be (or just) allocated.
    pub fn charge(&mut self, bytes: usize) -> Result<(), IntakeError> {
        self.used = self.used.saturating_add(bytes);
        if self.used - self.stage_start > self.stage_max {
            return Err(IntakeError::Expansion {
                what: self.stage,
                ratio: self.limits.max_expansion,
            });
        }
        if self.used > self.taken {
            let more = (self.used - self.taken).max(CHUNK);
            if !self.shared.take(more) {
                return Err(IntakeError::Overloaded);
            }
            self.taken += more;
        }
        Ok(())
    }

    /// Counts one more span against `max_spans` (its memory is charged separately).
    pub fn count_span(&mut self) -> Result<(), IntakeError> {
        self.spans += 1;
        if self.spans > self.limits.max_spans {
            return Err(IntakeError::TooManySpans {
                limit: self.limits.max_spans,
            });
        }
        Ok(())
    }

    /// Checks a nesting depth against `max_nesting`.
    pub fn check_depth(&self, depth: usize) -> Result<(), IntakeError> {
        if depth > self.limits.max_nesting {
            return Err(IntakeError::TooDeep {
                limit: self.limits.max_nesting,
            });
        }
        Ok(())
    }
}

/// What a decoded span holds: the struct, its text and its tags.
pub fn span_cost(span: &Span) -> usize {
    let text = span.service.len() + span.name.len() + span.resource.len() + span.span_type.len();
    let meta: usize = span
        .meta
        .iter()
        .map(|(k, v)| ENTRY_COST + k.len() + v.len())
        .sum();
    let metrics: usize = span.metrics.keys().map(|k| ENTRY_COST + k.len()).sum();
    SPAN_COST + text + meta + metrics
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A shared budget of a fixed size, as the server's semaphore behaves.
    struct Fixed(usize);

    impl Allowance for Fixed {
        fn take(&mut self, bytes: usize) -> bool {
            match self.0.checked_sub(bytes) {
                Some(left) => {
                    self.0 = left;
                    true
                }
                None => false,
            }
        }
    }

    fn limits() -> Limits {
        Limits {
            max_expansion: 4,
            max_spans: 3,
            max_nesting: 2,
            ..Limits::default()
        }
    }

    #[test]
    fn each_limit_stops_with_its_reason() {
        let mut shared = Unbounded;
        let mut budget = Budget::new(&limits(), &mut shared);
        budget.stage("payload", 1024 * 1024);
        budget.charge(4 * 1024 * 1024).expect("exactly 4x fits");
        let err = budget.charge(1).expect_err("past 4x");
        assert_eq!(err.to_string(), "payload expands to more than 4x its size");
        assert_eq!(err.status_code(), 413);

        budget.stage("inflated body", 10);
        budget
            .charge(MIN_STAGE_BYTES)
            .expect("small inputs get the floor");
        assert!(budget.charge(1).is_err());

        for _ in 0..3 {
            budget.count_span().expect("under the span limit");
        }
        let err = budget.count_span().expect_err("fourth span");
        assert_eq!(err.to_string(), "payload has more than 3 spans");

        budget.check_depth(2).expect("at the limit");
        let err = budget.check_depth(3).expect_err("too deep");
        assert_eq!(err.to_string(), "values nested deeper than 2 levels");
        assert_eq!(err.status_code(), 400);
    }

    #[test]
    fn the_shared_allowance_is_taken_in_chunks_and_refuses_when_full() {
        let mut shared = Fixed(CHUNK * 2);
        let mut budget = Budget::new(&Limits::default(), &mut shared);
        budget.charge(10).expect("first chunk");
        budget.charge(CHUNK - 10).expect("still the first chunk");
        budget.charge(1).expect("second chunk");
        let err = budget.charge(CHUNK).expect_err("no third chunk");
        assert!(matches!(err, IntakeError::Overloaded), "{err}");
    }
}
