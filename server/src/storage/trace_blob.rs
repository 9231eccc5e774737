//! A stored trace (`traces.spans`): one format byte, then the trace's spans as a JSON array.
//!
//! - `1`: deflate (written until 2026-12; still read, and rewritten as `2` when the trace is merged);
//! - `2`: zstd at level 1. In the error storm deflate's default level was the largest single CPU
//!   cost of the writer; zstd's fastest level compresses these arrays smaller, several times faster.
//!
//! Traces are encoded when the batch is prepared, on the request's own thread, so the single writer
//! only copies bytes; it decodes only to merge with spans stored before under the same id.

use std::cell::RefCell;
use std::collections::HashSet;
use std::io::Read;

use domain::span::Span;
use flate2::read::DeflateDecoder;

use super::StoreError;
use super::rows::merge_spans;

const DEFLATE_JSON: u8 = 1;
const ZSTD_JSON: u8 = 2;
const ZSTD_LEVEL: i32 = 1;

thread_local! {
    /// A compression context per thread: creating one per trace took 3.5% of the storm's CPU profile.
    static COMPRESSOR: RefCell<Option<zstd::bulk::Compressor<'static>>> = const { RefCell::new(None) };
}

/// One trace's spans, encoded for storage.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TraceBlob(Vec<u8>);

impl TraceBlob {
    /// Encodes `spans` as [`merge_spans`] leaves them: one span per id (the last wins), metrics that
    /// are not finite left out. Spans already so are encoded without a copy.
    pub fn encode(spans: &[Span]) -> Result<Self, StoreError> {
        let mut ids = HashSet::with_capacity(spans.len());
        let clean = spans
            .iter()
            .all(|s| ids.insert(s.span_id) && s.metrics.values().all(|v| v.is_finite()));
        let json = if clean {
            serde_json::to_vec(spans)
        } else {
            serde_json::to_vec(&merge_spans(Vec::new(), spans))
        }
        .map_err(corrupt)?;
        let mut blob = vec![0; 1 + zstd::zstd_safe::compress_bound(json.len())];
        blob[0] = ZSTD_JSON;
        let written = COMPRESSOR.with(|cell| {
            let mut cell = cell.borrow_mut();
            let compressor = match &mut *cell {
                Some(compressor) => compressor,
                None => cell.insert(zstd::bulk::Compressor::new(ZSTD_LEVEL)?),
            };
            compressor.compress_to_buffer(&json, &mut blob[1..])
        });
        blob.truncate(1 + written.map_err(corrupt)?);
        Ok(Self(blob))
    }

    /// `self`'s spans merged over `base`'s (same span id: `self`'s span wins).
    pub(super) fn merged_over(&self, base: &[u8]) -> Result<Self, StoreError> {
        let merged = merge_spans(decode(base)?, &decode(&self.0)?);
        Self::encode(&merged)
    }

    pub(super) fn as_bytes(&self) -> &[u8] {
        &self.0
    }
}

/// The spans of a stored blob, of either format.
pub(super) fn decode(blob: &[u8]) -> Result<Vec<Span>, StoreError> {
    let mut json = Vec::new();
    match blob.split_first() {
        Some((&ZSTD_JSON, compressed)) => {
            zstd::stream::copy_decode(compressed, &mut json).map_err(corrupt)?;
        }
        Some((&DEFLATE_JSON, compressed)) => {
            DeflateDecoder::new(compressed)
                .read_to_end(&mut json)
                .map_err(corrupt)?;
        }
        _ => {
            return Err(corrupt(format!("unknown format byte {:?}", blob.first())));
        }
    }
    serde_json::from_slice(&json).map_err(corrupt)
}

fn corrupt(error: impl ToString) -> StoreError {
    StoreError::Corrupt {
        what: "trace",
        reason: error.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use flate2::Compression;
    use flate2::write::DeflateEncoder;

    use super::*;

    fn span(id: u64, name: &str) -> Span {
        let mut span = Span {
            trace_id: 9,
            span_id: id,
            name: name.into(),
            service: "shop".into(),
            ..Span::default()
        };
        span.meta.insert("env".into(), "prod".into());
        span.metrics.insert("_dd.top_level".into(), 1.0);
        span
    }

    /// Exactly what the writer stored before format 2.
    fn deflate_blob(spans: &[Span]) -> Vec<u8> {
        let json = serde_json::to_vec(spans).expect("json");
        let mut encoder = DeflateEncoder::new(vec![DEFLATE_JSON], Compression::default());
        encoder.write_all(&json).expect("write to Vec");
        encoder.finish().expect("write to Vec")
    }

    #[test]
    fn round_trips_and_drops_non_finite_metrics() {
        let mut odd = span(2, "b");
        odd.metrics.insert("ratio".into(), f64::INFINITY);
        let blob = TraceBlob::encode(&[span(1, "a"), odd]).expect("encode");
        assert_eq!(blob.as_bytes()[0], ZSTD_JSON);
        let spans = decode(blob.as_bytes()).expect("decode");
        assert_eq!(spans[0], span(1, "a"));
        assert_eq!(spans[1], span(2, "b"), "the infinite metric is gone");
    }

    #[test]
    fn reads_and_merges_deflate_blobs_of_the_old_format() {
        let old = deflate_blob(&[span(1, "a"), span(2, "b")]);
        assert_eq!(decode(&old).expect("decode"), [span(1, "a"), span(2, "b")]);
        let late = TraceBlob::encode(&[span(2, "B"), span(3, "c")]).expect("encode");
        let merged = late.merged_over(&old).expect("merge");
        assert_eq!(
            merged.as_bytes()[0],
            ZSTD_JSON,
            "rewritten in the new format"
        );
        let names: Vec<_> = decode(merged.as_bytes())
            .expect("decode")
            .into_iter()
            .map(|s| s.name)
            .collect();
        assert_eq!(names, ["a", "B", "c"]);
    }

    #[test]
    fn keeps_the_last_span_of_a_repeated_id() {
        let blob = TraceBlob::encode(&[span(1, "a"), span(1, "A")]).expect("encode");
        assert_eq!(decode(blob.as_bytes()).expect("decode"), [span(1, "A")]);
    }

    #[test]
    fn refuses_unknown_formats() {
        for blob in [&[][..], &[0, 1, 2][..], &[ZSTD_JSON, 0xff][..]] {
            assert!(matches!(
                decode(blob),
                Err(StoreError::Corrupt { what: "trace", .. })
            ));
        }
    }
}
